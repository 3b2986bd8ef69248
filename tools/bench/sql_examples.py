#!/usr/bin/env python3
"""Runs the three worked examples of the guide's audio-datafusion chapter
with the release `audio` binary and writes them, commands and output, to
docs/src/bench/sql/examples.md.

    ~/audio-refenv/bin/python tools/bench/sql_examples.py --data /tmp/sql-bench

Inputs (written when missing, next to sql_throughput.py's):
- `short/`: 80 files of 30 s (sql_throughput.py makes them);
- `testset/trackN/{reference,estimate}/{piano,violin}.wav`: three 20 s
  stereo tracks whose references are the repository's piano and violin
  recordings (from different offsets) and whose estimates leak 10-30 % of
  the other source plus noise: a synthetic test set, since MUSDB cannot be
  downloaded here;
- `transcribe/`: 20 files of 30 s of piano (sql_throughput.py).
pandas + pyarrow read the Parquet outputs back, as a user would.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sql_throughput  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, RUST_LOG="error")


def test_set(root):
    audio = REPO / "assets" / "audio"
    piano, sr = sf.read(audio / "piano.wav", dtype="float32")
    violin, _ = sf.read(audio / "violin_melody.wav", dtype="float32")
    n = 20 * sr
    rng = np.random.default_rng(0)
    for t in range(3):
        track = root / f"track{t}"
        ref = {
            "piano": np.resize(np.roll(piano, -t * sr), n),
            "violin": np.resize(np.roll(violin, -t * sr // 2), n),
        }
        leak = 0.1 + 0.1 * t
        est = {
            "piano": ref["piano"] + leak * ref["violin"] + 0.005 * rng.standard_normal(n),
            "violin": ref["violin"] + leak * ref["piano"] + 0.005 * rng.standard_normal(n),
        }
        for part, stems in [("reference", ref), ("estimate", est)]:
            (track / part).mkdir(parents=True, exist_ok=True)
            for name, x in stems.items():
                stereo = np.stack([x, 0.8 * x], axis=1).astype(np.float32)
                sf.write(track / part / f"{name}.wav", stereo, sr, subtype="PCM_16")


def run(cmd, cwd):
    shown = " ".join(cmd)
    out = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{shown}: {out.stderr}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target" / "release" / "audio"))
    ap.add_argument("--data", default="/tmp/sql-bench")
    ap.add_argument("--out", default=str(REPO / "docs" / "src" / "bench" / "sql" / "examples.md"))
    a = ap.parse_args()
    data = Path(a.data)
    sql_throughput.make_inputs(data)
    if not (data / "testset").exists():
        test_set(data / "testset")
    audio = a.bin
    md = []

    # 1. Mel features of a folder, to Parquet.
    q1 = ("SELECT path, duration_s, melspectrogram(path) AS mel "
          "FROM files WHERE error IS NULL ORDER BY path")
    out1 = run([audio, "sql", q1, "--files", "short", "-o", "mel.parquet"], data)
    import pandas as pd
    df = pd.read_parquet(data / "mel.parquet")
    mel0 = np.stack(df.mel[0])
    md += [
        "**1. Mel features of a folder, written to Parquet.** 80 files of 30 s "
        "(half 22.05 kHz mono, half 44.1 kHz stereo, which `melspectrogram` "
        "decodes to mono and resamples to 22050 Hz as `librosa.load` does):",
        "",
        "```sh",
        f'audio sql "{q1}" \\',
        "    --files short/ -o mel.parquet",
        "```",
        "```text",
        out1.strip(),
        "```",
        "",
        "Read back with pandas (pyarrow):",
        "",
        "```python",
        ">>> df = pd.read_parquet('mel.parquet')",
        ">>> len(df), np.stack(df.mel[0]).shape, np.stack(df.mel[0]).dtype",
        f"({len(df)}, {mel0.shape}, dtype('{mel0.dtype}'))",
        "```",
        "",
    ]

    # 2. A test set evaluated with museval, medians per source.
    q2 = ("WITH r AS (SELECT regexp_replace(path, '^.*/([^/]+)/reference/[^/]+$', '\\1') AS track, "
          "array_agg(path ORDER BY path) AS paths FROM refs GROUP BY 1), "
          "e AS (SELECT regexp_replace(path, '^.*/([^/]+)/estimate/[^/]+$', '\\1') AS track, "
          "array_agg(path ORDER BY path) AS paths FROM ests GROUP BY 1), "
          "s AS (SELECT r.track, unnest(separation_scores(r.paths, e.paths)) AS score "
          "FROM r JOIN e ON r.track = e.track) "
          "SELECT score['source'] AS source, median(score['sdr']) AS sdr, median(score['sir']) AS sir, "
          "median(score['sar']) AS sar, median(score['isr']) AS isr, count(*) AS tracks "
          "FROM s GROUP BY 1 ORDER BY 1")
    out2 = run([audio, "sql", q2, "--table", "refs=testset/*/reference/*.wav",
                "--table", "ests=testset/*/estimate/*.wav"], data)
    pretty = q2.replace(", e AS", ",\n     e AS").replace(", s AS", ",\n     s AS").replace(" SELECT score", "\nSELECT score")
    md += [
        "**2. A test set evaluated with museval, median SDR per source as in "
        "SiSEC tables.** Three synthetic 20 s stereo tracks (the repository's "
        "piano and violin recordings as references; estimates leaking 10 %, "
        "20 % and 30 % of the other source, plus noise). `separation_scores` "
        "gives each track's per-source medians over 1 s windows (museval v4), "
        "the outer `median` the median over tracks:",
        "",
        "```sh",
        "audio sql \"" + pretty + "\" \\",
        "    --table refs='testset/*/reference/*.wav' --table ests='testset/*/estimate/*.wav'",
        "```",
        "```text",
        out2.strip(),
        "```",
        "",
    ]

    # 3. A catalogue transcribed to a notes table.
    q3 = ("SELECT path, note['onset'] AS onset, note['offset'] AS offset, note['pitch'] AS pitch, "
          "note['velocity'] AS velocity FROM (SELECT path, unnest(transcribe(path)) AS note FROM files) "
          "ORDER BY path, onset, pitch")
    out3 = run([audio, "sql", q3, "--files", "transcribe", "-o", "notes.parquet"], data)
    notes = pd.read_parquet(data / "notes.parquet")
    md += [
        "**3. A catalogue transcribed to a notes table.** 20 files of 30 s of "
        "piano through the embedded Basic Pitch, one row per note:",
        "",
        "```sh",
        f'audio sql "{q3}" \\',
        "    --files transcribe/ -o notes.parquet",
        "```",
        "```text",
        out3.strip(),
        "```",
        "```python",
        ">>> notes = pd.read_parquet('notes.parquet')",
        ">>> notes.head(3)",
        notes.head(3).assign(path=notes.path.head(3).map(lambda p: Path(p).name)).to_string(),
        ">>> notes.groupby('path').size().describe()[['count', 'mean', 'min', 'max']]",
        notes.groupby("path").size().describe()[["count", "mean", "min", "max"]].to_string(),
        "```",
        "",
    ]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
