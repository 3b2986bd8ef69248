#!/usr/bin/env python
"""Timing twin of `cargo bench -p audio-models --bench tcn_effect`: micro-TCN
at the `uTCN-300-C` size (the fixture `utcn300.ckpt`'s weights, the model
of `tcn_effect_fixtures.py`) over one second of 44.1 kHz mono in blocks of
64, 256 and 1024 samples, the way micro-TCN's plugin runs it: each block is
processed with the receptive field's past samples prepended, so the
network computes exactly the block's outputs. One thread.

Run: python tools/reference/bench_tcn_effect.py   (torch 2.x, numpy)
Prints the median time per second of audio and the real-time factor.
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcn_effect_fixtures import TCNModel  # noqa: E402

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
CKPT = os.path.join(HERE, "..", "..", "audio-models", "tests", "fixtures", "tcn_effect", "utcn300.ckpt")


def main():
    ck = torch.load(CKPT, weights_only=False)
    hp = ck["hyper_parameters"]
    model = TCNModel(hp["nparams"], nblocks=hp["nblocks"], kernel_size=hp["kernel_size"],
                     dilation_growth=hp["dilation_growth"], channel_width=hp["channel_width"],
                     causal=hp["causal"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    rf = 1 + sum((hp["kernel_size"] - 1) * hp["dilation_growth"] ** n for n in range(hp["nblocks"]))
    t = np.arange(44100)
    x = torch.tensor(0.5 * np.sin(2 * np.pi * 110 * t / 44100), dtype=torch.float32)
    p = torch.tensor([[0.0, 0.5]])
    for block in (64, 256, 1024):
        times = []
        for _ in range(5):
            hist = torch.zeros(rf - 1)
            start = time.perf_counter()
            with torch.inference_mode():
                for i in range(0, len(x), block):
                    chunk = x[i:i + block]
                    inp = torch.cat([hist, chunk]).view(1, 1, -1)
                    model(inp, p)
                    hist = inp.view(-1)[-(rf - 1):]
            times.append(time.perf_counter() - start)
        med = float(np.median(times))
        print(f"block {block}: {med * 1000:.1f} ms per second of audio, real-time factor {1 / med:.2f}")


if __name__ == "__main__":
    main()
