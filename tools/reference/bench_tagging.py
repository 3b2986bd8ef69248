#!/usr/bin/env python
"""Times SampleCNN (`sota-music-tagging-models`' `SampleCNN`, 50 tags) on
30 s of 16 kHz audio for docs/src/performance.md ("audio-models: tagging"):
the nine segments of 59049 samples that cover the clip evenly (the Rust
`SegmentPlan::Covering`), one forward under `torch.no_grad()`, sigmoid, mean
over segments. Random weights, float32, CPU. Reports process CPU time as the
Rust bench does; wall time beside it.

The model is `tools/reference/tagging_fixtures.py`'s `SampleCNN`, which
restates the reference's architecture.

Run: THREADS=1 /tmp/refenv/bin/python tools/reference/bench_tagging.py
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tagging_fixtures import SampleCNN  # noqa: E402

THREADS = int(os.environ.get("THREADS", "1"))
torch.set_num_threads(THREADS)
L = 59049


def main():
    torch.manual_seed(0)
    model = SampleCNN().eval()
    rng = np.random.default_rng(0)
    audio = ((rng.random(30 * 16000, dtype=np.float32) - 0.5) * 0.2)
    n = -(-len(audio) // L)
    starts = [round(i * (len(audio) - L) / (n - 1)) for i in range(n)]
    x = torch.from_numpy(np.stack([audio[s:s + L] for s in starts]))

    def tag():
        with torch.no_grad():
            return model(x).mean(0)

    tag()  # warm-up
    runs = []
    for _ in range(5):
        c0, w0 = time.process_time(), time.perf_counter()
        tag()
        runs.append((time.process_time() - c0, time.perf_counter() - w0))
    cpu = sorted(r[0] for r in runs)[2]
    wall = sorted(r[1] for r in runs)[2]
    print(f"SampleCNN 50 tags, {n} segments (30 s at 16 kHz), {THREADS} thread(s): "
          f"median CPU {cpu:.3f} s, wall {wall:.3f} s")


if __name__ == "__main__":
    main()
