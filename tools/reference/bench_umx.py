#!/usr/bin/env python
"""Times openunmix 1.3.0's Separator for docs/src/performance.md ("audio-models: Open-Unmix").

umxhq-sized models (hidden 512, 3 BiLSTM layers, stereo, max_bin 1487, 2049
bins) with random weights, four targets, 10 s of stereo audio (a FluidSynth
render of a looped arrangement, see umx_fixtures.py), niter 0 and 1, the
package's default wiener_win_len 300, float32 on the CPU, `torch.no_grad()`.
Reports process CPU time (`time.process_time()`), as the Rust bench does,
because the development machine is shared; wall time is printed beside it.

The matching Rust figures: `cargo bench -p audio-models --bench open_unmix`
(same sizes, same input length, same thread count: set both with THREADS,
RAYON_NUM_THREADS for Rust).

Also writes, with --write-models DIR, the random umxhq-sized model directory
(`<target>.pth`, `<target>.json`, `separator.json`) used for the peak-memory
measurement of the chunked path with `audio separate`.

Run: THREADS=1 /work/refenv/bin/python tools/reference/bench_umx.py [--write-models DIR]
"""
import json
import os
import sys
import time
import types

import numpy as np

try:
    import torchaudio  # noqa: F401
except Exception:
    sys.modules["torchaudio"] = types.ModuleType("torchaudio")
import torch  # noqa: E402
from openunmix import model as umx_model  # noqa: E402

THREADS = int(os.environ.get("THREADS", "1"))
torch.set_num_threads(THREADS)
SR = 44100
TARGETS = ["vocals", "drums", "bass", "other"]


def models(seed=0):
    out = {}
    for j, t in enumerate(TARGETS):
        torch.manual_seed(seed + j)
        m = umx_model.OpenUnmix(nb_bins=2049, nb_channels=2, hidden_size=512, nb_layers=3, max_bin=1487)
        m.eval()
        out[t] = m
    return out


def _separator(niter):
    def setup():
        sep = umx_model.Separator(models(), niter=niter, residual=False, wiener_win_len=300, n_fft=4096, n_hop=1024)
        sep.freeze()
        rng = np.random.default_rng(0)
        audio = torch.from_numpy((0.1 * rng.standard_normal((1, 2, 10 * SR))).astype(np.float32))

        def run():
            with torch.no_grad():
                return sep(audio)

        return run

    return setup


# For tools/bench/run.py: case name -> set-up (untimed) returning the timed call.
CASES = {"niter0": _separator(0), "niter1": _separator(1)}


def main():
    ms = models()
    if "--write-models" in sys.argv:
        d = sys.argv[sys.argv.index("--write-models") + 1]
        os.makedirs(d, exist_ok=True)
        for t, m in ms.items():
            torch.save(m.state_dict(), os.path.join(d, f"{t}.pth"))
            with open(os.path.join(d, f"{t}.json"), "w") as f:
                json.dump({"args": {"nfft": 4096, "nhop": 1024, "nb_channels": 2, "hidden_size": 512}}, f)
        with open(os.path.join(d, "separator.json"), "w") as f:
            json.dump({"targets": TARGETS, "sample_rate": SR, "nfft": 4096, "nhop": 1024, "nb_channels": 2}, f)
        print("wrote", d)
        return
    rng = np.random.default_rng(0)
    audio = torch.from_numpy((0.1 * rng.standard_normal((1, 2, 10 * SR))).astype(np.float32))
    for niter in (0, 1):
        sep = umx_model.Separator(ms, niter=niter, residual=False, wiener_win_len=300, n_fft=4096, n_hop=1024)
        sep.freeze()
        with torch.no_grad():
            sep(audio)  # warm-up
            times = []
            walls = []
            for _ in range(5):
                t0, w0 = time.process_time(), time.perf_counter()
                sep(audio)
                times.append(time.process_time() - t0)
                walls.append(time.perf_counter() - w0)
        print(f"openunmix Separator umxhq-sized 4 targets 10 s stereo niter={niter} threads={THREADS}: "
              f"CPU time median {np.median(times):.3f} s (min {min(times):.3f} s; wall median "
              f"{np.median(walls):.3f} s; 5 runs)")


if __name__ == "__main__":
    main()
