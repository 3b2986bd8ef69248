#!/usr/bin/env python
"""Times mir_eval 0.8.2 on the inputs audio-eval's criterion benchmark
(`audio-eval/benches/music_metrics.rs`) writes, for the comparison in
docs/src/performance.md ("audio-eval: music metrics").

Run the Rust benchmark first (it writes the inputs), then this script, on
the same machine, one thread each:

    cargo bench -p audio-eval --bench music_metrics
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        /work/refenv/bin/python tools/reference/bench_mir.py

Inputs are read from $AUDIO_EVAL_BENCH_DIR (default: the temporary folder's
audio-eval-bench/). Each measurement is the median of repeated calls of the
task's `evaluate()` on annotations already loaded, as criterion times ours;
the scores are printed too so both sides can be checked to agree.
"""

import json
import os
import statistics
import sys
import tempfile
import time
import warnings

import mir_eval

warnings.filterwarnings("ignore")

DIR = os.environ.get(
    "AUDIO_EVAL_BENCH_DIR", os.path.join(tempfile.gettempdir(), "audio-eval-bench")
)


def timeit(fn, min_time=3.0, min_runs=3):
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 200:
            break
    return statistics.median(times), len(times)


def main():
    results = {}
    for n in (500, 4000):
        ref = os.path.join(DIR, f"transcription_ref_{n}.txt")
        est = os.path.join(DIR, f"transcription_est_{n}.txt")
        if not os.path.exists(ref):
            sys.exit(f"{ref} missing: run `cargo bench -p audio-eval --bench music_metrics` first")
        ri, rp = mir_eval.io.load_valued_intervals(ref)
        ei, ep = mir_eval.io.load_valued_intervals(est)
        scores = mir_eval.transcription.evaluate(ri, rp, ei, ep)
        t, runs = timeit(lambda: mir_eval.transcription.evaluate(ri, rp, ei, ep))
        name = f"transcription_evaluate_{n}_notes"
        results[name] = t
        print(f"{name}: {t * 1e3:.3f} ms (median of {runs}); F-measure {scores['F-measure']:.6f}")
    for n in (6000, 30000):
        ref = os.path.join(DIR, f"multipitch_ref_{n}.txt")
        est = os.path.join(DIR, f"multipitch_est_{n}.txt")
        rt, rf = mir_eval.io.load_ragged_time_series(ref)
        et, ef = mir_eval.io.load_ragged_time_series(est)
        scores = mir_eval.multipitch.evaluate(rt, rf, et, ef)
        t, runs = timeit(lambda: mir_eval.multipitch.evaluate(rt, rf, et, ef))
        name = f"multipitch_evaluate_{n}_frames"
        results[name] = t
        print(f"{name}: {t * 1e3:.3f} ms (median of {runs}); Accuracy {scores['Accuracy']:.6f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
