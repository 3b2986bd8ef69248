#!/usr/bin/env python
"""Times one Python twin of a Rust benchmark and prints the timings as JSON.

    python tools/bench/twin.py SCRIPT CASE REPEATS WARMUP

SCRIPT is a module of tools/reference/ (for example `bench_separation`) with
a `CASES` table: case name -> set-up function (not timed) that returns the
call to time. Each of the REPEATS runs is timed with `time.process_time()`
(process CPU time, user + system, all threads: the figure the Rust benches
report through criterion with `audio_test_fixtures::CpuTime`) and with
`time.perf_counter()`, after WARMUP untimed runs (numba compilation, FFT
plan caches). `tools/bench/run.py` calls this with the thread pools pinned
to one thread.
"""
import importlib
import json
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "reference"))


def main():
    script, case, repeats, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    module = importlib.import_module(script)
    call = module.CASES[case]()
    for _ in range(warmup):
        call()
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        call()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    print(json.dumps({"cpu": cpu, "wall": wall}))


if __name__ == "__main__":
    main()
