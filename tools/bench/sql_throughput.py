#!/usr/bin/env python3
"""Throughput of `audio sql` (issue 22): files/s and audio-hours/s for mel
extraction and for transcription, in process with 1 and 2 threads and on a
local Ballista cluster with 1 and 2 executors, plus the peak memory of an
executor on a folder of 1-hour files. Writes a Markdown table to stdout (and
to --out).

    ~/audio-refenv/bin/python tools/bench/sql_throughput.py \
        --bin target/release --data /tmp/sql-bench --out docs/src/bench/sql/results.md

Needs the release binaries (`cargo build --release -p audio-cli -p
audio-datafusion`) and numpy + soundfile to write the inputs: `short/`, 80
files of 30 s tiled from the repository's recordings (half 22.05 kHz mono
piano, half 44.1 kHz stereo song, so `load` resamples half of them), and
`long/`, two 1-hour 22.05 kHz mono files. Every process runs with
RAYON_NUM_THREADS=1, so "1 thread" and "1 executor with 1 vcore" are one core.
"""
import argparse
import os
import platform
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, RAYON_NUM_THREADS="1", RUST_LOG="error")

MEL = "SELECT count(mel) AS n FROM (SELECT melspectrogram(path) AS mel FROM files)"
NOTES = "SELECT count(notes) AS n, sum(cardinality(notes)) AS notes FROM (SELECT transcribe(path) AS notes FROM files)"


def tile(src, seconds, dst):
    x, sr = sf.read(src, dtype="int16", always_2d=True)
    n = int(seconds * sr)
    reps = -(-n // len(x))
    sf.write(dst, np.tile(x, (reps, 1))[:n], sr, subtype="PCM_16")


def make_inputs(data):
    short = data / "short"
    long = data / "long"
    trans = data / "transcribe"
    for d in (short, long, trans):
        d.mkdir(parents=True, exist_ok=True)
    audio = REPO / "assets" / "audio"
    for i in range(80):
        dst = short / f"s{i:02}.wav"
        if not dst.exists():
            src = audio / ("piano.wav" if i % 2 == 0 else "song_44k_stereo.wav")
            tile(src, 30.0, dst)
    for i in range(20):
        dst = trans / f"t{i:02}.wav"
        if not dst.exists():
            tile(audio / "piano.wav", 30.0, dst)
    for i in range(2):
        dst = long / f"hour{i}.wav"
        if not dst.exists():
            tile(audio / ("piano.wav" if i == 0 else "violin_melody.wav"), 3600.0, dst)
    return short, long, trans


def folder_hours(folder):
    return sum(sf.info(p).duration for p in folder.glob("*.wav")) / 3600.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60):
    start = time.time()
    while time.time() - start < timeout:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def vm_hwm_kib(pid):
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1))


class Cluster:
    def __init__(self, bin_dir, executors, work):
        self.port = free_port()
        self.procs = [subprocess.Popen(
            [str(bin_dir / "audio-scheduler"), "--bind-host", "127.0.0.1", "--bind-port", str(self.port)],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        wait_port(self.port)
        self.executors = []
        for i in range(executors):
            port, grpc, health = free_port(), free_port(), free_port()
            d = work / f"executor{i}"
            d.mkdir(parents=True, exist_ok=True)
            p = subprocess.Popen(
                [str(bin_dir / "audio-executor"), "--bind-host", "127.0.0.1", "--external-host", "127.0.0.1",
                 "--bind-port", str(port), "--bind-grpc-port", str(grpc), "--bind-health-port", str(health),
                 "--scheduler-host", "127.0.0.1", "--scheduler-port", str(self.port),
                 "--vcores", "1", "--work-dir", str(d)],
                env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append(p)
            self.executors.append(p)
            wait_port(port)
        time.sleep(1.0)  # the executors' first heartbeat registers them

    def executor_peaks_mib(self):
        return [vm_hwm_kib(p.pid) / 1024 for p in self.executors]

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            p.wait(timeout=30)


def run_sql(audio, sql, folder, extra):
    cmd = [str(audio), "sql", sql, "--files", str(folder), "--peak-memory", *extra]
    start = time.perf_counter()
    out = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {out.stderr}")
    peak = re.search(r"peak resident memory: ([0-9.]+) MiB", out.stderr)
    return wall, out.stdout, float(peak.group(1)) if peak else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target" / "release"))
    ap.add_argument("--data", default="/tmp/sql-bench")
    ap.add_argument("--out")
    a = ap.parse_args()
    bin_dir = Path(a.bin)
    audio = bin_dir / "audio"
    data = Path(a.data)
    short, long, trans = make_inputs(data)
    sets = {"mel": (MEL, short), "transcribe": (NOTES, trans)}
    hours = {k: folder_hours(f) for k, (_, f) in sets.items()}
    files = {k: len(list(f.glob("*.wav"))) for k, (_, f) in sets.items()}
    rows = []
    for task, (sql, folder) in sets.items():
        base = None
        for mode, n in [("in process", 1), ("in process", 2), ("cluster", 1), ("cluster", 2)]:
            cluster = None
            if mode == "cluster":
                cluster = Cluster(bin_dir, n, data / "work")
                extra = ["--cluster", f"127.0.0.1:{cluster.port}"]
            else:
                extra = ["--threads", str(n)]
            try:
                wall, stdout, peak = run_sql(audio, sql, folder, extra)
                if cluster:
                    peak = max(cluster.executor_peaks_mib())
            finally:
                if cluster:
                    cluster.stop()
            if base is None:
                base = wall
            eff = base / (wall * n)
            rows.append((task, mode, n, files[task], hours[task], wall, eff, peak))
            print(f"{task} {mode} {n}: {wall:.2f} s", file=sys.stderr)

    # Memory per executor on the 1-hour files.
    memory = []
    for task, sql in [("mel", MEL), ("transcribe", NOTES)]:
        for folder, label in [(short if task == "mel" else trans, "30 s files"), (long, "1-hour files")]:
            cluster = Cluster(bin_dir, 1, data / "work")
            try:
                wall, _, _ = run_sql(audio, sql, folder, ["--cluster", f"127.0.0.1:{cluster.port}"])
                peak = cluster.executor_peaks_mib()[0]
            finally:
                cluster.stop()
            memory.append((task, label, len(list(folder.glob('*.wav'))), folder_hours(folder), wall, peak))
            print(f"memory {task} {label}: {peak:.0f} MiB", file=sys.stderr)

    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    lines = [
        f"CPU: {cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}. "
        "RAYON_NUM_THREADS=1; one executor = 1 vcore. Scaling efficiency = "
        "(in-process 1-thread wall) / (wall × workers). Peak RSS: the `audio` process in process, "
        "the largest executor on the cluster (the scheduler and the client hold no audio).",
        "",
        "| task | engine | threads / executors | files | audio (h) | wall (s) | files/s | audio-h/s | scaling efficiency | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for task, mode, n, nf, h, wall, eff, peak in rows:
        lines.append(f"| {task} | {mode} | {n} | {nf} | {h:.3f} | {wall:.2f} | {nf / wall:.2f} | {h / wall:.4f} | {eff:.2f} | {peak:.0f} |")
    lines += [
        "",
        "| task | folder | files | audio (h) | wall (s) | executor peak RSS (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for task, label, nf, h, wall, peak in memory:
        lines.append(f"| {task} | {label} | {nf} | {h:.2f} | {wall:.1f} | {peak:.0f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(text)


if __name__ == "__main__":
    main()
