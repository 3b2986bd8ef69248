#!/usr/bin/env python
"""Render a monophonic instrument dataset (the solo-instrument recordings
DDSP trains on; Engel et al. 2020 used 13 minutes of solo violin) in the
layout `audio_models::datasets::TranscriptionDataset` reads:

    OUT/{train,valid,test}/<song>.{wav,mid}
    OUT/manifest.json

Songs are folk songs of music21's Essen collection (public domain), one
melody each, played on ONE General MIDI program (`--program`, default 56,
trumpet; 40 is violin) at a tempo drawn from 70-120 bpm, with velocities
drawn from 60-119, transposed by octaves into the instrument's range
(`--low`/`--high`, MIDI pitches), cut to at most `--seconds`. FluidSynth's
reverb and chorus are off (the model has no reverb). 16 kHz mono 16-bit,
DDSP's rate. The MIDI written is the melody played (the ground truth).

Splits are by song. Train and valid use FluidR3_GM or TimGM6mb; the test
split uses MuseScore_General, which no training song uses.

Install (Debian): see tools/datasets/README.md.
Run: python tools/datasets/render_monophonic.py OUT --songs 120 --seconds 30 --seed 0
Violin (for timbre transfer): ... OUT --program 40 --low 55 --high 93 --songs 20
"""
import argparse
import os
import sys
import time

import numpy as np
import pretty_midi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import FONTS, folk_parts, font_for, font_licences, render_midi, split_pieces, write_manifest, write_wav  # noqa: E402

SR = 16000


def melody(notes, beat, seconds, low, high, rng):
    """pretty_midi notes of a melody of (midi, start_q, end_q) at `beat`
    seconds a quarter, octave-shifted so its median lies in [low, high],
    every note clipped into the range by octaves, within `seconds`."""
    pitches = np.array([p for p, _, _ in notes])
    shift = 0
    med = float(np.median(pitches))
    centre = (low + high) / 2
    while med + shift < centre - 6:
        shift += 12
    while med + shift > centre + 6:
        shift -= 12
    out = []
    for p, s, e in sorted(notes, key=lambda n: n[1]):
        a = s * beat
        if a >= seconds:
            break
        q = p + shift
        while q < low:
            q += 12
        while q > high:
            q -= 12
        b = min(max(e * beat - 0.02, a + 0.06), seconds)
        if out and out[-1].end > a:
            out[-1].end = a
        out.append(pretty_midi.Note(int(rng.integers(60, 120)), int(q), a, b))
    return [n for n in out if n.end - n.start >= 0.04]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--songs", type=int, default=120)
    ap.add_argument("--seconds", type=float, default=30.0, help="longest song (s)")
    ap.add_argument("--program", type=int, default=56, help="GM program, 0-based (56 trumpet, 40 violin)")
    ap.add_argument("--low", type=int, default=55, help="lowest MIDI pitch")
    ap.add_argument("--high", type=int, default=82, help="highest MIDI pitch")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    songs = folk_parts(args.songs, args.seed)
    split_of = split_pieces([s[0] for s in songs], args.seed)
    stats = {s: {"count": 0, "hours": 0.0, "notes": 0, "songs": []} for s in ("train", "valid", "test")}
    for sid, parts in songs:
        split = split_of[sid]
        tempo = float(rng.uniform(70, 120))
        pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
        inst = pretty_midi.Instrument(program=args.program)
        inst.notes = melody(parts[0], 60.0 / tempo, args.seconds, args.low, args.high, rng)
        if len(inst.notes) < 4:
            continue
        pm.instruments.append(inst)
        font = font_for(split, rng)
        audio = render_midi(pm, font, SR, mono=True, reverb=False)[:, 0]
        length = min(len(audio), int((pm.get_end_time() + 0.5) * SR))
        d = os.path.join(args.out, split)
        os.makedirs(d, exist_ok=True)
        write_wav(os.path.join(d, f"{sid}.wav"), audio[:length], SR)
        pm.write(os.path.join(d, f"{sid}.mid"))
        st = stats[split]
        st["count"] += 1
        st["hours"] += length / SR / 3600
        st["notes"] += len(inst.notes)
        st["songs"].append({"song": sid, "soundfont": font, "tempo": round(tempo, 2)})
        print(split, sid, font, f"{length / SR:.1f} s", flush=True)
    write_manifest(args.out, {
        "tool": "tools/datasets/render_monophonic.py", "args": vars(args),
        "sources": {"scores": "music21 corpus, Essen folk songs (public domain), one melody each",
                    "soundfonts": {k: v[0] for k, v in FONTS.items()}, "synthesiser": "FluidSynth (reverb, chorus off)",
                    "programs": [args.program]},
        "licences": {"scores": "public domain (music21 corpus; music21 itself BSD-3-Clause)", **font_licences()},
        "splits": stats, "sample_rate": SR, "channels": 1, "layout": "{split}/<song>.{wav,mid}"}, started)


if __name__ == "__main__":
    main()
