"""Timing helpers shared by the bench_*.py scripts (wall clock, median)."""
import statistics
import time

import numpy as np


def median_ms(fn, warmup=2, reps=10):
    """Median wall time of `fn()` in milliseconds over `reps` runs after `warmup`."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)


def report(name, fn, repeats, width=36):
    """Prints the median of `repeats` timed runs after one warm-up run
    (numba compilation, FFT plan caches)."""
    ms = median_ms(fn, warmup=1, reps=repeats)
    print(f"{name:{width}s} {ms:9.2f} ms (median of {repeats})", flush=True)


def bench_signal(sr, seconds):
    """The benchmark signal of the Rust benches (audio-dsp/benches/support/signal.rs):
    a 110 -> 3520 Hz exponential chirp plus a 440 Hz tone, float32."""
    n = sr * seconds
    t = np.arange(n) / sr
    f0, f1, t1 = 110.0, 3520.0, float(seconds)
    k = np.log(f1 / f0) / t1
    chirp = np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    tone = np.sin(2 * np.pi * 440.0 * t)
    return (0.5 * chirp + 0.25 * tone).astype(np.float32)
