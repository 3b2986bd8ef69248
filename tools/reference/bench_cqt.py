"""Times librosa 0.11.0 on the work `audio-dsp/benches/cqt.rs` times in
Rust: the bundled 21.7 s piano recording through `librosa.cqt` (defaults:
84 bins from C1, hop 512, res_type soxr_hq; and res_type="fft") and
`librosa.feature.chroma_cqt` (defaults with tuning=0.0, and with librosa's
default tuning=None, which estimates it first), float32, single threaded. Run with the thread pools
pinned to one thread:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
        python tools/reference/bench_cqt.py

Prints the median of several runs per function, in milliseconds.
"""

import pathlib

import librosa
import soundfile as sf
from timing import report

ROOT = pathlib.Path(__file__).resolve().parents[2]


def piano():
    y, sr = sf.read(ROOT / "assets" / "audio" / "piano.wav", dtype="float32")
    assert sr == 22050
    return y, sr


def _cqt():
    y, sr = piano()
    return lambda: librosa.cqt(y, sr=sr)


def _chroma():
    y, sr = piano()
    return lambda: librosa.feature.chroma_cqt(y=y, sr=sr, tuning=0.0)


# For tools/bench/run.py: case name -> set-up (untimed) returning the timed call.
CASES = {"cqt_soxr_hq": _cqt, "chroma_cqt": _chroma}


def main():
    y, sr = piano()
    print(f"{len(y) / sr:.2f} s of audio")
    report("cqt_soxr_hq", lambda: librosa.cqt(y, sr=sr), 20)
    report("cqt_fft", lambda: librosa.cqt(y, sr=sr, res_type="fft"), 20)
    report("chroma_cqt", lambda: librosa.feature.chroma_cqt(y=y, sr=sr, tuning=0.0), 20)
    report("chroma_cqt_estimated_tuning", lambda: librosa.feature.chroma_cqt(y=y, sr=sr), 10)


if __name__ == "__main__":
    main()
