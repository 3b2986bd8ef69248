#!/usr/bin/env python
"""Make a spoken-digit denoising dataset (a stand-in for FSDD, the Free
Spoken Digit Dataset of the denoising seed) in the layout
`audio_models::datasets::DenoisingDataset` reads:

    OUT/{train,valid,test}/clean/<accent>_<voice>-<digit>-<take>.wav
    OUT/{train,valid,test}/noisy/<accent>_<voice>-<digit>-<take>.wav
    OUT/manifest.json

Speech is espeak-ng's: the digits "zero" ... "nine" spoken by many
speakers, a speaker being an English accent (British, American, Scottish,
Lancastrian, RP, West Midlands, Caribbean) with a voice variant (male
m1-m7, female f1-f5 and named variants: adam, Alex, Andy, Annie, aunty,
belinda, benjamin, david, edward, john, linda, max, Michael, paul, quincy,
robert, steph, grandpa), each take at a drawn speed (120-199 words per
minute, `-s`) and pitch (25-74, `-p`). 8 kHz mono 16-bit, as FSDD
(espeak-ng's 22.05 kHz resampled with soxr HQ); leading and trailing
silence trimmed to 50 ms. The clean utterance is scaled to a 0.5 peak;
the noisy copy adds white Gaussian noise at an SNR drawn uniformly from
`--snr` dB (default 0-20 dB, per utterance, recorded in the manifest);
when the noisy peak would pass 0.99 both are scaled down together, so a
pair always has the same gain.

Splits are by VOICE VARIANT, the speech counterpart of a held-out
soundfont: the test variants (and the valid ones) are never heard in
train, under any accent; every accent occurs in every split. The variants
of each split are listed in the manifest.

Install (Debian): apt-get install -y espeak-ng; pip install -r tools/datasets/requirements.txt
Run: python tools/datasets/make_denoising.py OUT --takes 2 --seed 0
Quick: python tools/datasets/make_denoising.py /tmp/dn --takes 1 --accents 2
"""
import argparse
import io
import os
import subprocess
import sys
import time

import numpy as np
import soundfile as sf
import soxr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import split_pieces, write_manifest  # noqa: E402

SR = 8000
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ACCENTS = ["en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
            "adam", "Alex", "Andy", "Annie", "aunty", "belinda", "benjamin", "david", "edward", "john",
            "linda", "max", "Michael", "paul", "quincy", "robert", "steph", "grandpa"]


def speak(voice, text, speed, pitch):
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    audio, rate = sf.read(io.BytesIO(out))
    audio = soxr.resample(audio, rate, SR, quality="HQ")
    loud = np.flatnonzero(np.abs(audio) > 0.01 * max(np.abs(audio).max(), 1e-9))
    if loud.size == 0:
        return None
    pad = int(0.05 * SR)
    return audio[max(0, loud[0] - pad):loud[-1] + pad]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--takes", type=int, default=2, help="takes per speaker and digit")
    ap.add_argument("--accents", type=int, default=len(ACCENTS), help="first N accents (the size option)")
    ap.add_argument("--snr", type=float, nargs=2, default=(0.0, 20.0), help="SNR range (dB) of the noisy copies")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    accents = ACCENTS[:args.accents]
    variant_split = split_pieces(VARIANTS, args.seed, valid_frac=0.1, test_frac=0.15)
    speakers = [(a, v) for a in accents for v in VARIANTS]
    stats = {s: {"count": 0, "hours": 0.0, "voices": sorted(v for v, sp in variant_split.items() if sp == s)}
             for s in ("train", "valid", "test")}
    snrs = {}
    for split in stats:
        for kind in ("clean", "noisy"):
            os.makedirs(os.path.join(args.out, split, kind), exist_ok=True)
    for accent, variant in speakers:
        split = variant_split[variant]
        for digit, word in enumerate(DIGITS):
            for take in range(args.takes):
                speed = int(rng.integers(120, 200))
                pitch = int(rng.integers(25, 75))
                snr = float(rng.uniform(*args.snr))
                seed = int(rng.integers(2**32))
                clean = speak(f"{accent}+{variant}", word, speed, pitch)
                if clean is None:
                    continue
                clean = 0.5 * clean / max(np.abs(clean).max(), 1e-9)
                power = float(np.mean(clean ** 2))
                noise = np.random.default_rng(seed).normal(0.0, np.sqrt(power / 10 ** (snr / 10)), clean.shape)
                noisy = clean + noise
                gain = min(1.0, 0.99 / np.abs(noisy).max())
                uid = f"{accent}_{variant}-{digit}-{take}"
                for kind, audio in (("clean", clean), ("noisy", noisy)):
                    sf.write(os.path.join(args.out, split, kind, f"{uid}.wav"), audio * gain, SR, subtype="PCM_16")
                snrs[uid] = round(snr, 3)
                stats[split]["count"] += 1
                stats[split]["hours"] += len(clean) / SR / 3600
        print(split, accent, variant, flush=True)
    write_manifest(args.out, {
        "tool": "tools/datasets/make_denoising.py", "args": vars(args),
        "sources": {"speech": "espeak-ng (Debian espeak-ng) accents " + ", ".join(accents)
                              + " x voice variants " + ", ".join(VARIANTS),
                    "noise": f"white Gaussian, SNR uniform in {list(args.snr)} dB (per utterance: snr_db)"},
        "licences": {"espeak-ng": "GPL-3.0-or-later (the program and its voice data; the speech it "
                                  "synthesises carries no licence restriction)"},
        "held_out_voices": {s: stats[s]["voices"] for s in stats},
        "splits": stats, "sample_rate": SR, "channels": 1, "snr_db": snrs,
        "layout": "{split}/{clean,noisy}/<id>.wav"}, started)


if __name__ == "__main__":
    main()
