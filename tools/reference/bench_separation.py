#!/usr/bin/env python
"""Timing of museval 0.4.1 and mir_eval 0.8.2 separation metrics, single thread.

Matches `audio-eval/benches/separation.rs`: the same deterministic
signals (sinusoids plus hashed noise, see `signal()`), estimates = references
with 20% leakage of the next source and noise.

- museval.evaluate(refs, ests) (v4, win = hop = 44100) on 4 stereo sources
  x 10 s and x 60 s at 44.1 kHz;
- mir_eval.separation.bss_eval_sources(refs, ests) (with permutation, the
  default) on 4 mono sources x 10 s.

Run (single thread):
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    /work/refenv/bin/python tools/reference/bench_separation.py [--long]
"""
import sys
import time
import types
import warnings

import numpy as np

sys.modules.setdefault("musdb", types.ModuleType("musdb"))
import museval  # noqa: E402
import mir_eval  # noqa: E402

warnings.simplefilter("ignore")
SR = 44100


def signal(nsrc, seconds, nchan):
    """x[s, t, c] = sin(2π f_s t / SR + c) + 0.3 sin(2π 3.1 f_s t / SR) + 0.2 u,
    f_s = 110 (s + 1) Hz, u = a hashed uniform in [-1, 1) from an LCG on
    (s, t, c) — identical to the Rust bench."""
    n = int(seconds * SR)
    t = np.arange(n, dtype=np.uint64)
    out = np.empty((nsrc, n, nchan))
    for s in range(nsrc):
        f = 110.0 * (s + 1)
        for c in range(nchan):
            h = (t * np.uint64(2654435761) + np.uint64(s * 97 + c * 13 + 1)) & np.uint64(0xFFFFFFFF)
            h = (h * np.uint64(1103515245) + np.uint64(12345)) & np.uint64(0xFFFFFFFF)
            u = h.astype(np.float64) / 2147483648.0 - 1.0
            tt = t.astype(np.float64)
            out[s, :, c] = np.sin(2 * np.pi * f * tt / SR + c) + 0.3 * np.sin(2 * np.pi * 3.1 * f * tt / SR) + 0.2 * u
    return out


def estimates(refs):
    ests = refs.copy()
    nsrc = refs.shape[0]
    for s in range(nsrc):
        ests[s] += 0.2 * refs[(s + 1) % nsrc]
    ests += 0.05 * np.roll(refs[::-1], 7, axis=1)
    return ests


def timeit(label, fn, repeats=1):
    """Best wall-clock and process CPU time (user + system, all threads) of
    `repeats` runs. CPU time is the figure compared: the shared machine's
    load inflates wall-clock time unevenly."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(f"{label}: cpu {best_cpu:.3f} s, wall {best_wall:.3f} s")
    return out


def _museval(seconds):
    def setup():
        r = signal(4, seconds, 2)
        e = estimates(r)
        return lambda: museval.evaluate(r, e, win=SR, hop=SR)

    return setup


def _bss_eval_sources():
    r = signal(4, 10, 1)[:, :, 0]
    e = estimates(signal(4, 10, 1))[:, :, 0]
    return lambda: mir_eval.separation.bss_eval_sources(r, e)


# For tools/bench/run.py: case name -> set-up (untimed) returning the timed call.
CASES = {
    "museval_v4_4x10s_stereo": _museval(10),
    "museval_v4_4x60s_stereo": _museval(60),
    "mir_eval_bss_eval_sources_4x10s_mono": _bss_eval_sources,
}


def main():
    long = "--long" in sys.argv
    r = signal(4, 10, 2)
    e = estimates(r)
    out = timeit("museval v4 4x10s stereo", lambda: museval.evaluate(r, e, win=SR, hop=SR))
    print("  median SDR", np.round(np.nanmedian(out[0], axis=1), 4))
    r = signal(4, 10, 1)[:, :, 0]
    e = estimates(signal(4, 10, 1))[:, :, 0]
    out = timeit("mir_eval bss_eval_sources 4x10s mono", lambda: mir_eval.separation.bss_eval_sources(r, e))
    print("  SDR", np.round(out[0], 4))
    if long:
        r = signal(4, 60, 2)
        e = estimates(r)
        out = timeit("museval v4 4x60s stereo", lambda: museval.evaluate(r, e, win=SR, hop=SR))
        print("  median SDR", np.round(np.nanmedian(out[0], axis=1), 4))


if __name__ == "__main__":
    main()
