#!/usr/bin/env python
"""Check a dataset tree against what the Rust readers in
`audio-models/src/datasets/*.rs` accept, without building them: the same
rules, reading WAV headers only (plus the JSON of effects).

    classification  ROOT/<split>/<label>/*.wav   one rate per split; the same
                                                 label folders in every split
    transcription   ROOT/<split>/<piece>.{wav,mid}  every .wav has its .mid
                                                 and the reverse; one rate
    melody          ROOT/<split>/*.{krn,mid}
    denoising       ROOT/<split>/{clean,noisy}/<id>.wav  pairs; equal rate,
                                                 channels and frames
    effects         ROOT/<split>/<id>.{dry,wet}.wav + <id>.json  all three;
                                                 equal rate, channels, frames;
                                                 JSON an object of numbers

For every layout: all of train/, valid/, test/ exist and none is empty
(Error::MissingSplit / Error::EmptySplit), hidden entries ignored,
extensions lower case. Also reports counts, hours, rate and size on disk.

Run: python tools/datasets/check_layout.py classification /work/data/classification
"""
import argparse
import json
import os
import sys

import soundfile as sf

SPLITS = ("train", "valid", "test")


def listing(d):
    return sorted(e for e in os.listdir(d) if not e.startswith("."))


def header(path):
    info = sf.info(path)
    return info.samplerate, info.channels, info.frames, info.subtype


class Rate:
    def __init__(self):
        self.rate = None

    def check(self, path, h):
        if self.rate is None:
            self.rate = h[0]
        elif h[0] != self.rate:
            raise SystemExit(f"SampleRateMismatch {path}: {h[0]} != {self.rate}")


def same(path, h, ref):
    if h[:3] != ref[:3]:
        raise SystemExit(f"rate/channels/length mismatch {path}: {h[:3]} != {ref[:3]}")


def check_split(layout, d):
    """(count, seconds, rate) of one split; exits on a reader error."""
    rate, seconds, count = Rate(), 0.0, 0
    subtypes = set()

    def wav(path, ref=None):
        nonlocal seconds
        h = header(path)
        subtypes.add(h[3])
        if ref is None:
            rate.check(path, h)
            seconds += h[2] / h[0]
        else:
            same(path, h, ref)
        return h

    if layout == "classification":
        for label in listing(d):
            ld = os.path.join(d, label)
            if not os.path.isdir(ld):
                continue
            for f in listing(ld):
                if f.endswith(".wav") and os.path.isfile(os.path.join(ld, f)):
                    wav(os.path.join(ld, f))
                    count += 1
    elif layout == "transcription":
        names = listing(d)
        wavs = {f[:-4] for f in names if f.endswith(".wav")}
        mids = {f[:-4] for f in names if f.endswith(".mid")}
        if wavs ^ mids:
            raise SystemExit(f"MissingPair in {d}: {sorted(wavs ^ mids)[:3]}")
        for p in sorted(wavs):
            wav(os.path.join(d, p + ".wav"))
        count = len(wavs)
    elif layout == "melody":
        count = sum(f.endswith((".krn", ".mid")) for f in listing(d))
    elif layout == "denoising":
        ids = {}
        for kind in ("clean", "noisy"):
            kd = os.path.join(d, kind)
            if not os.path.isdir(kd):
                raise SystemExit(f"MissingFolder {kd}")
            ids[kind] = {f[:-4] for f in listing(kd) if f.endswith(".wav")}
        if ids["clean"] ^ ids["noisy"]:
            raise SystemExit(f"MissingPair in {d}: {sorted(ids['clean'] ^ ids['noisy'])[:3]}")
        for i in sorted(ids["clean"]):
            ref = wav(os.path.join(d, "clean", i + ".wav"))
            wav(os.path.join(d, "noisy", i + ".wav"), ref)
        count = len(ids["clean"])
    elif layout == "effects":
        parts = (".dry.wav", ".wet.wav", ".json")
        present = [set(), set(), set()]
        for f in listing(d):
            for k, suffix in enumerate(parts):
                if f.endswith(suffix):
                    present[k].add(f[:-len(suffix)])
        every = set().union(*present)
        for k, s in enumerate(present):
            if every - s:
                raise SystemExit(f"MissingPair in {d}: {sorted(every - s)[:3]} lack {parts[k]}")
        for i in sorted(every):
            ref = wav(os.path.join(d, i + ".dry.wav"))
            wav(os.path.join(d, i + ".wet.wav"), ref)
            with open(os.path.join(d, i + ".json")) as f:
                params = json.load(f)
            if not isinstance(params, dict) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in params.values()):
                raise SystemExit(f"DatasetJson {i}.json: not an object of numbers")
        count = len(every)
    else:
        raise SystemExit(f"unknown layout {layout}")
    if subtypes - {"PCM_16"}:
        raise SystemExit(f"{d}: WAV subtypes {subtypes}, expected PCM_16")
    return count, seconds, rate.rate


def du(root):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(root) for f in fs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layout", choices=["classification", "transcription", "melody", "denoising", "effects"])
    ap.add_argument("root")
    args = ap.parse_args()
    result, labels = {}, None
    for split in SPLITS:
        d = os.path.join(args.root, split)
        if not os.path.isdir(d):
            raise SystemExit(f"MissingSplit {d}")
        count, seconds, rate = check_split(args.layout, d)
        if count == 0:
            raise SystemExit(f"EmptySplit {d}")
        if args.layout == "classification":
            these = [e for e in listing(d) if os.path.isdir(os.path.join(d, e))]
            if labels is not None and these != labels:
                raise SystemExit(f"label folders of {split} differ: {these} vs {labels}")
            labels = these
        result[split] = {"count": count, "hours": round(seconds / 3600, 3), "rate": rate}
    rates = {r["rate"] for r in result.values()}
    if len(rates) > 1:
        raise SystemExit(f"splits at different rates: {rates}")
    out = {"layout": args.layout, "splits": result, "mb": round(du(args.root) / 2**20, 1)}
    if labels is not None:
        out["labels"] = labels
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
