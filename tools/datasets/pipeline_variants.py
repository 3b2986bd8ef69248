#!/usr/bin/env python
"""Seed 004's four-variant table: `audio pipeline` on the songs of
`render_pipeline_songs.py`, scored against each song's piano MIDI
(`other.mid`) with mir_eval's note metrics as `--reference` prints them.

Variants: the mixture transcribed directly (`--separate none`), the stem
the separator gives (`--separate default|MODEL --target other`), the true
piano stem (`other.wav`, `--separate none`), each without and with key
filtering (`--key auto`). Prints a markdown table of the means over songs
(onset-only and onset+offset F, precision, recall) and writes the per-song
numbers as JSON.

Run: python tools/datasets/pipeline_variants.py /work/data/pipeline --audio target/release/audio \
        [--transcriber basic-pitch|frame-mlp:RUN] [--separate default] --json OUT.json
"""
import argparse
import json
import os
import re
import subprocess
import tempfile

LINE = re.compile(r"note (onset|onset\+offset): precision ([0-9.]+) recall ([0-9.]+) F-measure ([0-9.]+)")


def score(audio, wav, reference, separate, transcriber, key):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [audio, "pipeline", wav, "-o", os.path.join(tmp, "out.mid"), "--separate", separate,
               "--target", "other", "--transcriber", transcriber, "--reference", reference]
        if key:
            cmd += ["--key", "auto"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    scores = {}
    for kind, p, r, f in LINE.findall(out):
        scores[kind] = {"precision": float(p), "recall": float(r), "f": float(f)}
    return scores


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root")
    ap.add_argument("--audio", default="target/release/audio")
    ap.add_argument("--transcriber", default="basic-pitch")
    ap.add_argument("--separate", default="default")
    ap.add_argument("--json")
    args = ap.parse_args()
    songs = sorted(d for d in os.listdir(args.root) if os.path.isdir(os.path.join(args.root, d)))
    variants = [
        ("mixture", "mixture.wav", "none"),
        ("separated stem", "mixture.wav", args.separate),
        ("true stem", "other.wav", "none"),
    ]
    results = {}
    for label, wav, separate in variants:
        for key in (False, True):
            name = label + (" + key filter" if key else "")
            per_song = {}
            for song in songs:
                d = os.path.join(args.root, song)
                per_song[song] = score(args.audio, os.path.join(d, wav), os.path.join(d, "other.mid"),
                                       separate, args.transcriber, key)
            results[name] = per_song
            print(name, "done", flush=True)
    print(f"\n{len(songs)} songs, transcriber {args.transcriber}, separator {args.separate}\n")
    print("| input | onset P | onset R | onset F | onset+offset F |")
    print("|---|---|---|---|---|")
    for name, per_song in results.items():
        mean = lambda kind, m: sum(s[kind][m] for s in per_song.values()) / len(per_song)  # noqa: E731
        print(f"| {name} | {mean('onset', 'precision'):.3f} | {mean('onset', 'recall'):.3f} | "
              f"{mean('onset', 'f'):.3f} | {mean('onset+offset', 'f'):.3f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
