#!/usr/bin/env python
"""Make an audio-effect modelling dataset (dry/wet pairs for the TCN-with-FiLM
effects seed) in the layout `audio_models::datasets::EffectsDataset` reads:

    OUT/{train,valid,test}/<id>.dry.wav
    OUT/{train,valid,test}/<id>.wet.wav
    OUT/{train,valid,test}/<id>.json     (the effect's parameters, numbers)
    OUT/manifest.json

Dry signals: `--seconds` excerpts of single voices of Bach chorales (music21
corpus, public domain) played on a GM guitar, bass or piano program with
FluidSynth (reverb and chorus off), 44.1 kHz mono 16-bit. Wet: the dry
signal through sox's `compand` (a real compressor: attack, decay, a
threshold and ratio as a transfer function, make-up gain) followed by
`overdrive` (gain, colour), the parameters drawn per example and written
to `<id>.json`:

    {"attack_ms", "decay_ms", "threshold_db", "ratio", "makeup_db",
     "overdrive_gain_db", "overdrive_colour"}     (all numbers: EffectParams)

drawn uniformly from attack 1-50 ms, decay 50-500 ms, threshold -40..-10
dB, ratio 2-10, make-up 0-6 dB, overdrive gain 0-30 dB, colour 0-40.

The sox command is `sox dry.wav wet.wav compand A,D 6:-90,-90,T,T,0,T-T/R G -90 0
overdrive GAIN COLOUR` (a 6 dB soft knee; unity below T, slope 1/R above)
with the exact string recorded in the manifest for each example.

Splits are by chorale; train and valid dry signals use FluidR3_GM or
TimGM6mb, test dry signals MuseScore_General (held out).

Install (Debian): apt-get install -y sox fluidsynth ... (tools/datasets/README.md)
Run: python tools/datasets/make_effects.py OUT --pieces 100 --per-piece 5 --seed 0
Quick: python tools/datasets/make_effects.py /tmp/fx --pieces 6 --per-piece 2
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import soundfile as sf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (FONTS, chorale_parts, font_for, font_licences, render_clips, split_pieces,  # noqa: E402
                    write_manifest, write_wav)

SR = 44100
PROGRAMS = {"guitar": [24, 25, 26, 27, 29], "bass": [32, 33, 34, 35], "piano": [0, 1, 2]}
RANGES = {"guitar": (40, 76), "bass": (28, 55), "piano": (48, 84)}
SLOT = 2.0


def excerpt(part, seconds, rng, lo_hi):
    tempo = float(rng.uniform(70, 150))
    beat = 60.0 / tempo
    starts = sorted({s for _, s, _ in part})
    t0 = starts[int(rng.integers(max(1, len(starts) - 4)))]
    mean = np.mean([p for p, _, _ in part])
    shift = 12 * int(round((sum(lo_hi) / 2 - mean) / 12))
    out = []
    for p, s, e in part:
        if s < t0:
            continue
        a, b = (s - t0) * beat, (e - t0) * beat
        if a >= seconds - 0.1:
            break
        out.append((int(np.clip(p + shift, 0, 127)), a, min(b, seconds)))
    return out


def effect(rng):
    p = {
        "attack_ms": round(float(rng.uniform(1, 50)), 2),
        "decay_ms": round(float(rng.uniform(50, 500)), 1),
        "threshold_db": round(float(rng.uniform(-40, -10)), 1),
        "ratio": round(float(rng.uniform(2, 10)), 2),
        "makeup_db": round(float(rng.uniform(0, 6)), 1),
        "overdrive_gain_db": round(float(rng.uniform(0, 30)), 1),
        "overdrive_colour": round(float(rng.uniform(0, 40)), 1),
    }
    t, r = p["threshold_db"], p["ratio"]
    # Transfer function: unity below the threshold, slope 1/ratio above it.
    above = round(t + (0 - t) / r, 2)
    args = ["compand", f"{p['attack_ms'] / 1000:.4f},{p['decay_ms'] / 1000:.4f}",
            f"6:-90,-90,{t},{t},0,{above}", f"{p['makeup_db']}", "-90", "0",
            "overdrive", f"{p['overdrive_gain_db']}", f"{p['overdrive_colour']}"]
    return p, args


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--pieces", type=int, default=100)
    ap.add_argument("--per-piece", type=int, default=5, help="examples per chorale")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    pieces = chorale_parts(limit=args.pieces)
    split_of = split_pieces([pid for pid, _ in pieces], args.seed)
    plans = {}
    for pid, parts in pieces:
        split = split_of[pid]
        for k in range(args.per_piece):
            kind = ["guitar", "bass", "piano"][k % 3]
            notes = excerpt(parts[int(rng.integers(len(parts)))], args.seconds, rng, RANGES[kind])
            program = int(rng.choice(PROGRAMS[kind]))
            font = font_for(split, rng)
            vels = rng.integers(60, 120, len(notes))
            params, sox_args = effect(rng)
            if len(notes) < 2:
                continue
            plans.setdefault((split, font), []).append(
                (f"{pid}-{k}", program, [(p, a, e, int(v)) for (p, a, e), v in zip(notes, vels)], params, sox_args))
    stats = {s: {"count": 0, "hours": 0.0, "per_soundfont": {}} for s in ("train", "valid", "test")}
    commands = {}
    n = int(round(args.seconds * SR))
    for (split, font), items in sorted(plans.items()):
        audio = render_clips([(prog, notes) for _, prog, notes, _, _ in items], font, SR, args.seconds,
                             slot=SLOT, reverb=False)
        d = os.path.join(args.out, split)
        os.makedirs(d, exist_ok=True)
        for (uid, _, _, params, sox_args), dry in zip(items, audio):
            dry = 0.5 * dry / max(np.abs(dry).max(), 1e-9)
            dry_path = os.path.join(d, f"{uid}.dry.wav")
            write_wav(dry_path, dry, SR)
            with tempfile.TemporaryDirectory() as tmp:
                wet_tmp = os.path.join(tmp, "wet.wav")
                subprocess.run(["sox", "-D", dry_path, "-b", "32", "-e", "floating-point", wet_tmp] + sox_args,
                               check=True, capture_output=True)
                wet, rate = sf.read(wet_tmp)
            if rate != SR:
                raise SystemExit(f"sox wrote {rate} Hz")
            wet_fixed = np.zeros(n)  # sox keeps the length; pad/cut to the dry's anyway
            wet_fixed[:min(n, len(wet))] = wet[:n]
            sf.write(os.path.join(d, f"{uid}.wet.wav"), np.clip(wet_fixed, -1, 32767 / 32768), SR, subtype="PCM_16")
            with open(os.path.join(d, f"{uid}.json"), "w") as f:
                json.dump(params, f)
            commands[uid] = "sox -D <id>.dry.wav -b 32 -e floating-point <id>.wet.wav " + " ".join(sox_args)
            stats[split]["count"] += 1
            stats[split]["hours"] += args.seconds / 3600
        stats[split]["per_soundfont"][font] = len(items)
        print(split, font, len(items), flush=True)
    write_manifest(args.out, {
        "tool": "tools/datasets/make_effects.py", "args": vars(args),
        "sources": {"scores": "music21 corpus: J. S. Bach chorales, one voice per example (public domain)",
                    "soundfonts": {k: v[0] for k, v in FONTS.items()}, "synthesiser": "FluidSynth (reverb, chorus off)",
                    "effect": "sox compand + overdrive (Debian sox)", "programs": PROGRAMS},
        "licences": {"scores": "public domain (music21 corpus; music21 itself BSD-3-Clause)", **font_licences(),
                     "sox": "GPL-2.0-or-later / LGPL-2.1-or-later (the program)"},
        "splits": stats, "sample_rate": SR, "channels": 1, "sox_commands": commands,
        "param_ranges": {"attack_ms": [1, 50], "decay_ms": [50, 500], "threshold_db": [-40, -10], "ratio": [2, 10],
                         "makeup_db": [0, 6], "overdrive_gain_db": [0, 30], "overdrive_colour": [0, 40]},
        "layout": "{split}/<id>.{dry,wet}.wav + <id>.json"}, started)


if __name__ == "__main__":
    main()
