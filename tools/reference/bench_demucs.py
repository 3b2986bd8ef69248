#!/usr/bin/env python
"""Times demucs 4.1.0's `apply_model` with `demucs.demucs.Demucs` and with
an official-size `demucs.htdemucs.HTDemucs` for docs/src/performance.md
("audio-models: Demucs").

HTDemucs (`MODEL=htdemucs`): the release's architecture (the constructor's
defaults with `dconv_mode=3` and the release's `segment=Fraction(39, 5)`,
as the mmi grid trains `htdemucs`; 27.4 M parameters), random weights,
the same input and `apply_model` options (two 7.8 s segments).

The constructor's default architecture (64 channels, depth 6, DConv in the
encoder with LocalState and BLSTM from layer 4, 44.1 kHz, 40 s segments),
four sources, random weights, 10 s of stereo noise, `shifts=0`,
`split=True, overlap=0.25` (one padded segment), float32 on the CPU under
`torch.no_grad()`. Reports process CPU time (`time.process_time()`), as the
Rust bench does; wall time beside it.

The matching Rust figures: `RAYON_NUM_THREADS=1 cargo bench -p audio-models
--bench demucs` (same THREADS for both).

Run: THREADS=1 [MODEL=htdemucs] /tmp/refenv/bin/python tools/reference/bench_demucs.py
"""
import os
import sys
import time
import types

import numpy as np

sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
import torch  # noqa: E402
from demucs.apply import apply_model  # noqa: E402
from demucs.demucs import Demucs  # noqa: E402
from demucs.htdemucs import HTDemucs  # noqa: E402
from fractions import Fraction  # noqa: E402

THREADS = int(os.environ.get("THREADS", "1"))
MODEL = os.environ.get("MODEL", "demucs")
torch.set_num_threads(THREADS)


def main():
    torch.manual_seed(0)
    sources = ["drums", "bass", "other", "vocals"]
    if MODEL == "htdemucs":
        model = HTDemucs(sources, dconv_mode=3, segment=Fraction(39, 5)).eval()
    else:
        model = Demucs(sources).eval()
    params = sum(p.numel() for p in model.parameters())
    rng = np.random.default_rng(0)
    x = torch.from_numpy((rng.random((1, 2, 10 * 44100), dtype=np.float32) - 0.5) * 0.2)
    with torch.no_grad():
        apply_model(model, x, shifts=0, split=True, overlap=0.25)  # warm-up
        runs = []
        for _ in range(3):
            c0, w0 = time.process_time(), time.perf_counter()
            apply_model(model, x, shifts=0, split=True, overlap=0.25)
            runs.append((time.process_time() - c0, time.perf_counter() - w0))
    cpu = sorted(r[0] for r in runs)[1]
    wall = sorted(r[1] for r in runs)[1]
    print(f"{MODEL} ({params / 1e6:.1f} M parameters), 10 s stereo, {THREADS} thread(s): "
          f"median CPU {cpu:.3f} s, wall {wall:.3f} s")


if __name__ == "__main__":
    main()
