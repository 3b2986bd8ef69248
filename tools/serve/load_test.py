#!/usr/bin/env python3
"""A bounded load test of `audio serve` on localhost (standard library only).

It starts the server (the release binary by default) with a fresh data
folder, then at once:

- N clients (default 200) each submit one small transcription job (a 0.5 s
  WAV). A client answered 429 waits the Retry-After it was given and tries
  again (up to 100 times); every accepted job is polled until it ends.
- M clients (default 20) each stream an oversized upload (chunked, no
  Content-Length; 1.5 x the limit) and expect 413 before the end.

It reports the status codes seen, whether any 5xx occurred, whether every
accepted job completed, the wall time, and the server's peak resident
memory (VmHWM from /proc), then stops the server with SIGTERM.

    python3 tools/serve/load_test.py --binary target/release/audio \\
        --jobs 200 --oversized 20 --max-upload-mb 5 --workers 2 --queue 16
"""
import argparse
import http.client
import io
import json
import math
import os
import signal
import struct
import subprocess
import tempfile
import threading
import time
from collections import Counter


def wav_bytes(seconds, rate=22050):
    n = int(seconds * rate)
    frames = b"".join(
        struct.pack("<h", int(9000 * math.sin(2 * math.pi * 440.0 * 2 ** ((60 + 7 * (i * 3 // n) - 69) / 12) * i / rate)))
        for i in range(n))
    header = (b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVEfmt "
              + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
              + b"data" + struct.pack("<I", len(frames)))
    return header + frames


def request(port, method, path, body=None, headers=None, timeout=600):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/audio")
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--oversized", type=int, default=20)
    ap.add_argument("--max-upload-mb", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queue", type=int, default=16)
    args = ap.parse_args()

    data_dir = tempfile.mkdtemp(prefix="audio-serve-load-")
    server = subprocess.Popen(
        [args.binary, "serve", "--bind", "127.0.0.1:0", "--data-dir", data_dir,
         "--workers", str(args.workers), "--queue", str(args.queue),
         "--max-upload-mb", str(args.max_upload_mb), "--max-duration-s", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline().strip()
    port = int(line.rsplit(":", 1)[1])
    threading.Thread(target=lambda: server.stdout.read(), daemon=True).start()

    small = wav_bytes(0.5)
    statuses = Counter()
    lock = threading.Lock()
    outcomes = Counter()

    def note(code):
        with lock:
            statuses[code] += 1

    def client():
        for _ in range(100):
            code, headers, body = request(port, "POST", "/v1/jobs?task=transcribe", small,
                                          {"Content-Type": "audio/wav"})
            note(code)
            if code == 429:
                time.sleep(float(headers.get("Retry-After", "1")))
                continue
            if code != 202:
                with lock:
                    outcomes["refused %d" % code] += 1
                return
            job_id = json.loads(body)["id"]
            while True:
                code, _, body = request(port, "GET", "/v1/jobs/" + job_id)
                if code >= 500:
                    note(code)
                state = json.loads(body).get("state")
                if state in ("done", "failed", "cancelled"):
                    with lock:
                        outcomes[state] += 1
                    return
                time.sleep(0.5)
        with lock:
            outcomes["gave up"] += 1

    limit = int(args.max_upload_mb * 1e6)

    def oversized():
        chunk = b"\0" * 65536
        total = int(limit * 1.5)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            conn.putrequest("POST", "/v1/jobs")
            conn.putheader("Transfer-Encoding", "chunked")
            conn.putheader("Content-Type", "audio/wav")
            conn.endheaders()
            sent = 0
            try:
                while sent < total:
                    conn.send(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                    sent += len(chunk)
                conn.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                r = conn.getresponse()
                note(r.status)
                with lock:
                    outcomes["oversized %d" % r.status] += 1
            except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
                with lock:
                    outcomes["oversized: connection closed before the status"] += 1
        finally:
            conn.close()

    start = time.time()
    threads = [threading.Thread(target=client) for _ in range(args.jobs)]
    threads += [threading.Thread(target=oversized) for _ in range(args.oversized)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - start
    with open("/proc/%d/status" % server.pid) as f:
        hwm = next(l for l in f if l.startswith("VmHWM")).split()[1]
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=600)
    five_xx = sum(v for k, v in statuses.items() if k >= 500)
    report = {
        "jobs": args.jobs, "oversized": args.oversized, "workers": args.workers, "queue": args.queue,
        "max_upload_mb": args.max_upload_mb,
        "statuses": dict(sorted(statuses.items())), "outcomes": dict(outcomes),
        "five_xx": five_xx, "all_accepted_done": outcomes["done"] == args.jobs,
        "wall_s": round(wall, 1), "peak_rss_mb": round(int(hwm) / 1024, 1),
        "server_exit": server.returncode,
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
