"""Checks `audio convert ... -o x.flac` against libFLAC (through soundfile).

Nothing in the repository is written. For each bundled recording, and for
synthetic 24-bit multichannel files at unusual rates, it runs the `audio`
binary to write FLAC, decodes that FLAC with libsndfile's libFLAC, and
requires exactly the integer codes of the source WAV. It also prints the
size of our FLAC against libFLAC's own (soundfile's default settings).
Exit 1 on any mismatch.

    cargo build --release -p audio-cli
    ~/audio-refenv/bin/python tools/reference/io_flac_check.py --audio target/release/audio
"""

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ASSETS = ["piano_short.wav", "piano.wav", "song_44k_stereo.wav", "violin_melody.wav"]


def synthetic(path: Path, channels: int, rate: int, seconds: float, seed: int) -> None:
    """A chord with noise per channel, written as 24-bit WAV."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    x = np.stack(
        [
            0.4 * np.sin(2 * np.pi * 110 * (c + 1) * t) * (0.6 + 0.4 * np.cos(2 * np.pi * 0.5 * t))
            + 0.02 * rng.standard_normal(t.size)
            for c in range(channels)
        ],
        axis=1,
    )
    sf.write(path, x, rate, subtype="PCM_24")


def libflac_size(codes: np.ndarray, rate: int, subtype: str) -> int | None:
    """The size of libFLAC's file of the same codes, or None where libsndfile refuses."""
    buf = io.BytesIO()
    try:
        sf.write(buf, codes, rate, format="FLAC", subtype=subtype)
    except (sf.LibsndfileError, RuntimeError, ValueError):
        return None
    return len(buf.getvalue())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--audio", default="target/release/audio")
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[2]
    failed = False
    print("| file | rate | channels | bits | ours / WAV | libFLAC / WAV | codes equal |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = [(root / "assets" / "audio" / name, "pcm16") for name in ASSETS]
        for i, (channels, rate) in enumerate([(6, 96_000), (3, 12_345), (2, 654_321)]):
            path = tmp / f"synthetic-{channels}ch-{rate}.wav"
            synthetic(path, channels, rate, 1.5 if rate < 200_000 else 0.2, i)
            cases.append((path, "pcm24"))
        for source, fmt in cases:
            out = tmp / (source.stem + ".flac")
            subprocess.run([args.audio, "convert", str(source), "-o", str(out), "--format", fmt], check=True)
            dtype, subtype, bits = ("int16", "PCM_16", 16) if fmt == "pcm16" else ("int32", "PCM_24", 24)
            want, rate = sf.read(source, dtype=dtype, always_2d=True)
            got, got_rate = sf.read(out, dtype=dtype, always_2d=True)
            equal = got_rate == rate and got.shape == want.shape and np.array_equal(got, want)
            failed |= not equal
            wav_size = want.size * bits // 8 + 44
            ours = out.stat().st_size / wav_size
            theirs = libflac_size(want, rate, subtype)
            theirs = "refused" if theirs is None else f"{theirs / wav_size:.3f}"
            print(
                f"| {source.name} | {rate} | {want.shape[1]} | {bits} | {ours:.3f} | {theirs} | {'yes' if equal else 'NO'} |"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
