"""Timing helpers shared by the bench_*.py scripts (wall clock, median)."""
import statistics
import time


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
