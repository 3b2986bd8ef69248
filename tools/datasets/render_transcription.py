#!/usr/bin/env python
"""Render a piano-transcription dataset (a stand-in for MAPS) in the layout
`audio_models::datasets::TranscriptionDataset` reads:

    OUT/{train,valid,test}/<piece>.{wav,mid}
    OUT/manifest.json

Pieces are music21 corpus scores (public domain): Bach chorales and the
corpus's other multi-part works (Beethoven, Haydn and Mozart string
quartets, Corelli, Monteverdi madrigals, ...), every part played on a GM
piano program (acoustic/bright grand, electric grand, honky-tonk) at a
random tempo (60-120 bpm) with random velocities (40-109), cut to at most
`--seconds`. Unisons are merged (two parts on one pitch at once would be
one key on a piano: the earlier note ends where the later starts, equal
onsets become one note), so the MIDI written is exactly what was rendered
(the ground truth). 22.05 kHz mono
16-bit, Basic Pitch's rate.

Splits are by piece. Train and valid use FluidR3_GM or TimGM6mb; the test
split uses MuseScore_General, which no training piece uses.

Install (Debian): see tools/datasets/README.md.
Run: python tools/datasets/render_transcription.py OUT --pieces 80 --seconds 45 --seed 0
Quick: python tools/datasets/render_transcription.py /tmp/tr --pieces 5 --seconds 10
"""
import argparse
import os
import sys
import time

import numpy as np
import pretty_midi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import FONTS, font_for, font_licences, render_midi, split_pieces, write_manifest, write_wav  # noqa: E402

SR = 22050
PIANOS = [0, 1, 2, 3]
SCORE_EXTS = (".mxl", ".xml", ".musicxml", ".krn")  # not the .rntxt Roman-numeral analyses
COMPOSERS = ["bach", "beethoven", "haydn", "mozart", "corelli", "monteverdi", "handel", "schubert", "schumann"]


def corpus_paths():
    from music21 import corpus
    paths = []
    for c in COMPOSERS:
        try:
            paths += [str(p) for p in corpus.getComposer(c) if str(p).endswith(SCORE_EXTS)]
        except Exception:  # noqa: BLE001  (a composer missing from this corpus version)
            continue
    return sorted(set(paths))


def piece_notes(path):
    """(midi, start_q, end_q) of every note of every part, ties merged."""
    from music21 import converter
    score = converter.parse(path)
    if hasattr(score, "scores"):  # an Opus: its first score
        score = score.scores[0]
    notes = []
    for part in score.parts:
        for n in part.stripTies().flatten().notes:
            s = float(n.offset)
            e = s + float(n.duration.quarterLength)
            for p in n.pitches:
                notes.append((int(p.midi), s, e))
    return notes


def piano_notes(notes, beat, seconds, rng):
    """pretty_midi notes of (midi, start_q, end_q) at `beat` seconds a
    quarter, within `seconds` and the piano's range, velocities drawn from
    `rng`, unisons merged: per pitch, a note starting at another's onset is
    dropped (the louder/longer kept) and a note still sounding when the next
    one of its pitch starts ends there."""
    by_pitch = {}
    for p, s, e in notes:
        a = s * beat
        if a >= seconds or not 21 <= p <= 108:
            continue
        b = min(max(e * beat - 0.01, a + 0.05), seconds)
        by_pitch.setdefault(p, []).append([a, b, int(rng.integers(40, 110))])
    out = []
    for p, ns in sorted(by_pitch.items()):
        ns.sort()
        merged = []
        for a, b, v in ns:
            if merged and abs(merged[-1][0] - a) < 1e-9:
                merged[-1][1], merged[-1][2] = max(merged[-1][1], b), max(merged[-1][2], v)
                continue
            if merged and merged[-1][1] > a:
                merged[-1][1] = a
            merged.append([a, b, v])
        out += [pretty_midi.Note(v, p, a, b) for a, b, v in merged if b - a >= 0.02]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--pieces", type=int, default=80)
    ap.add_argument("--seconds", type=float, default=45.0, help="longest piece (s)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    paths = corpus_paths()
    order = rng.permutation(len(paths))
    chosen, seen = [], set()
    for i in order:
        if len(chosen) >= args.pieces:
            break
        name = os.path.splitext(os.path.basename(paths[i]))[0]
        parent = os.path.basename(os.path.dirname(paths[i]))
        pid = f"{parent}-{name}".replace(" ", "_")
        if pid in seen:  # one work in two formats: the first kept
            continue
        try:
            notes = piece_notes(paths[i])
        except Exception:  # noqa: BLE001  (unparseable corpus file: skipped)
            continue
        if len(notes) >= 20:
            seen.add(pid)
            chosen.append((pid, paths[i], notes))
    split_of = split_pieces([c[0] for c in chosen], args.seed)
    stats = {s: {"count": 0, "hours": 0.0, "notes": 0, "pieces": []} for s in ("train", "valid", "test")}
    for pid, path, notes in chosen:
        split = split_of[pid]
        tempo = float(rng.uniform(60, 120))
        beat = 60.0 / tempo
        pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
        inst = pretty_midi.Instrument(program=int(rng.choice(PIANOS)), name="piano")
        inst.notes = piano_notes(notes, beat, args.seconds, rng)
        inst.notes.sort(key=lambda n: (n.start, n.pitch))
        pm.instruments.append(inst)
        font = font_for(split, rng)
        audio = render_midi(pm, font, SR, mono=True)[:, 0]
        length = min(len(audio), int((pm.get_end_time() + 1.0) * SR))
        d = os.path.join(args.out, split)
        os.makedirs(d, exist_ok=True)
        write_wav(os.path.join(d, f"{pid}.wav"), audio[:length], SR)
        pm.write(os.path.join(d, f"{pid}.mid"))
        st = stats[split]
        st["count"] += 1
        st["hours"] += length / SR / 3600
        st["notes"] += len(inst.notes)
        st["pieces"].append({"piece": pid, "source": os.path.relpath(path, os.path.dirname(os.path.dirname(path))),
                             "soundfont": font, "tempo": round(tempo, 2)})
        print(split, pid, font, f"{length / SR:.1f} s", flush=True)
    write_manifest(args.out, {
        "tool": "tools/datasets/render_transcription.py", "args": vars(args),
        "sources": {"scores": "music21 corpus (" + ", ".join(COMPOSERS) + "; public domain), all parts on one piano",
                    "soundfonts": {k: v[0] for k, v in FONTS.items()}, "synthesiser": "FluidSynth",
                    "programs": PIANOS},
        "licences": {"scores": "public domain (music21 corpus; music21 itself BSD-3-Clause)", **font_licences()},
        "splits": stats, "sample_rate": SR, "channels": 1, "layout": "{split}/<piece>.{wav,mid}"}, started)


if __name__ == "__main__":
    main()
