#!/usr/bin/env python
"""The Python side of `audio eval separation --museval` as a whole process:
read the reference and estimate WAV stems with soundfile, run
`museval.evaluate` (v4, win = hop = 1 s at the file's rate) and write the
per-source median scores as JSON. `tools/bench/run.py` times this process
against the `audio` binary on the same files.

    python tools/bench/museval_wavs.py OUT.json --reference R1.wav ... --estimate E1.wav ...
"""
import json
import sys
import types
import warnings

import numpy as np
import soundfile as sf

sys.modules.setdefault("musdb", types.ModuleType("musdb"))
import museval  # noqa: E402

warnings.simplefilter("ignore")


def main():
    out = sys.argv[1]
    args = sys.argv[2:]
    split = args.index("--estimate")
    refs = [sf.read(p, always_2d=True) for p in args[1:split]]
    ests = [sf.read(p, always_2d=True) for p in args[split + 1:]]
    sr = refs[0][1]
    r = np.stack([x for x, _ in refs])
    e = np.stack([x for x, _ in ests])
    sdr, isr, sir, sar = museval.evaluate(r, e, win=sr, hop=sr)
    med = {k: np.nanmedian(v, axis=1).tolist() for k, v in zip(["sdr", "isr", "sir", "sar"], [sdr, isr, sir, sar])}
    with open(out, "w") as f:
        json.dump(med, f)


if __name__ == "__main__":
    main()
