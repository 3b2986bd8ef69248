#!/usr/bin/env python
"""Render an instrument-family recognition dataset (a stand-in for GTZAN's
role in the seeds) in the layout `audio_models::datasets::ClassificationDataset`
reads:

    OUT/{train,valid,test}/<family>/<piece>-p<part>-<k>.wav
    OUT/manifest.json

Twelve families of General MIDI programs (several programs each): piano,
chromatic percussion (mallets), organ, guitar, bass, strings, brass, reed,
pipe (flutes), synth lead, synth pad, voice (choir). Each clip is
`--seconds` of one voice of a music21 corpus piece (public-domain scores:
Bach chorales, one voice each, and Essen folk songs, the single melody),
from a random onset, at a random tempo (70-140 bpm) and transposed by
octaves into the family's range (+-2 semitones), with random velocities,
played by one program of the family. 22.05 kHz mono 16-bit: the rate of
the mel-spectrogram CNN, and SampleCNN's (which reads 22.05 kHz, 59049
samples = 2.68 s; clips are 3 s so a 2.68 s window fits).

Splits are by piece (no chorale or song in two splits); every split gets
all twelve label folders. Train and valid clips use FluidR3_GM or TimGM6mb
(drawn per clip); every test clip uses MuseScore_General, a soundfont no
training clip uses, so test accuracy measures generalisation to a new
timbre. Clips of one split and soundfont are rendered in a few FluidSynth
runs (common.render_clips: one slot per clip, a program change at its
start, 3 s of silence after it) and cut apart. Deterministic for --seed.

Install (Debian): see tools/datasets/README.md.
Run: python tools/datasets/render_classification.py OUT --pieces 120 --folk 120 --clips-per-piece 1 --seed 0
Quick: python tools/datasets/render_classification.py /tmp/cls --pieces 6 --folk 6
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (FONTS, chorale_parts, folk_parts, font_for, font_licences, render_clips,  # noqa: E402
                    split_pieces, write_manifest, write_wav)

SR = 22050
SLOT = 3.0  # seconds of silence after each clip in a batch render
FAMILIES = {
    "piano": ([0, 1, 2, 4], (48, 84)),
    "chromatic_percussion": ([8, 9, 11, 12, 13], (60, 96)),
    "organ": ([16, 17, 19, 20], (48, 84)),
    "guitar": ([24, 25, 26, 27], (40, 76)),
    "bass": ([32, 33, 34, 35, 38], (28, 55)),
    "strings": ([40, 41, 42, 48, 49], (45, 84)),
    "brass": ([56, 57, 58, 60, 61], (45, 77)),
    "reed": ([64, 65, 66, 68, 70, 71], (50, 82)),
    "pipe": ([72, 73, 74, 75, 79], (60, 96)),
    "synth_lead": ([80, 81, 82, 87], (48, 84)),
    "synth_pad": ([88, 89, 90, 91, 95], (45, 80)),
    "voice": ([52, 53, 54, 85], (48, 79)),
}


def clip_notes(part, seconds, rng, lo_hi):
    """Notes (pitch, start_s, end_s) of `seconds` of `part` from a random
    onset, at a random tempo, transposed by octaves into [lo, hi]."""
    tempo = float(rng.uniform(70, 140))
    beat = 60.0 / tempo
    starts = sorted({s for _, s, _ in part})
    t0 = starts[int(rng.integers(max(1, len(starts) - 4)))]
    mean = np.mean([p for p, _, _ in part])
    lo, hi = lo_hi
    shift = 12 * int(round(((lo + hi) / 2 - mean) / 12)) + int(rng.integers(-2, 3))
    out = []
    for p, s, e in part:
        if s < t0:
            continue
        a, b = (s - t0) * beat, (e - t0) * beat
        if a >= seconds:
            break
        out.append((int(np.clip(p + shift, 0, 127)), a, min(b, seconds)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--pieces", type=int, default=120, help="Bach chorales used (the size option)")
    ap.add_argument("--folk", type=int, default=120, help="Essen folk songs used")
    ap.add_argument("--clips-per-piece", type=int, default=1, help="clips per family per piece")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    pieces = chorale_parts(limit=args.pieces) + folk_parts(args.folk, args.seed)
    split_of = split_pieces([pid for pid, _ in pieces], args.seed)
    # Plan every clip (all random draws here, in piece order), then render
    # per (split, font).
    plans = {}
    for pid, parts in pieces:
        split = split_of[pid]
        for family, (programs, lo_hi) in FAMILIES.items():
            for k in range(args.clips_per_piece):
                part_i = int(rng.integers(len(parts)))
                notes = clip_notes(parts[part_i], args.seconds, rng, lo_hi)
                program = int(rng.choice(programs))
                font = font_for(split, rng)
                vels = rng.integers(70, 115, len(notes))
                if len(notes) < 2:
                    continue
                name = f"{pid}-p{part_i}-{k}"
                plans.setdefault((split, font), []).append(
                    (family, name, program, [(p, a, e, int(v)) for (p, a, e), v in zip(notes, vels)]))
    counts = {s: 0 for s in ("train", "valid", "test")}
    per_class = {s: {f: 0 for f in FAMILIES} for s in counts}
    per_font = {s: {} for s in counts}
    for split in counts:
        for family in FAMILIES:  # every label folder in every split
            os.makedirs(os.path.join(args.out, split, family), exist_ok=True)
    for (split, font), clips in sorted(plans.items()):
        audio = render_clips([(prog, notes) for _, _, prog, notes in clips], font, SR, args.seconds, slot=SLOT)
        for (family, name, _, _), clip in zip(clips, audio):
            write_wav(os.path.join(args.out, split, family, f"{name}.wav"), clip, SR)
            counts[split] += 1
            per_class[split][family] += 1
        per_font[split][font] = len(clips)
        print(split, font, len(clips), flush=True)
    splits = {s: {"count": counts[s], "hours": counts[s] * args.seconds / 3600, "per_class": per_class[s],
                  "per_soundfont": per_font[s], "pieces": sorted(p for p, sp in split_of.items() if sp == s)}
              for s in counts}
    write_manifest(args.out, {
        "tool": "tools/datasets/render_classification.py", "args": vars(args),
        "sources": {"scores": f"music21 corpus: {args.pieces} J. S. Bach chorales (one voice per clip) and "
                              f"{args.folk} Essen folk songs (essenFolksong ABC), public domain",
                    "soundfonts": {k: v[0] for k, v in FONTS.items()}, "synthesiser": "FluidSynth",
                    "classes": {f: p for f, (p, _) in FAMILIES.items()}},
        "licences": {"scores": "public domain (music21 corpus; music21 itself BSD-3-Clause)", **font_licences()},
        "splits": splits, "sample_rate": SR, "channels": 1, "clip_seconds": args.seconds,
        "layout": "{split}/<family>/<id>.wav"}, started)


if __name__ == "__main__":
    main()
