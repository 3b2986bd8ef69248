"""Times librosa 0.11.0 on the work `audio-dsp/benches/onset_pitch.rs`
times in Rust, single threaded, on the bundled recordings (float64, as read by
soundfile): onset_strength / onset_detect / chroma_stft on the 21.7 s piano
render, yin / pyin (fmin C2, fmax C7) on the 12 s violin render. Run with the
thread pools pinned to one thread:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
        /work/refenv/bin/python tools/reference/bench_onset_pitch.py

Prints the median of several runs per function, in milliseconds.
"""

import pathlib

import librosa
import soundfile as sf
from timing import report

ROOT = pathlib.Path(__file__).resolve().parents[2]
SR = 22050


def main():
    piano, sr = sf.read(ROOT / "assets" / "audio" / "piano.wav", dtype="float64")
    assert sr == SR
    violin, sr = sf.read(ROOT / "assets" / "audio" / "violin_melody.wav", dtype="float64")
    assert sr == SR
    c2, c7 = librosa.note_to_hz("C2"), librosa.note_to_hz("C7")
    # librosa caches nothing between these calls (no joblib cache configured).
    report("onset_strength_piano", lambda: librosa.onset.onset_strength(y=piano, sr=SR), 20)
    report("onset_detect_piano", lambda: librosa.onset.onset_detect(y=piano, sr=SR), 20)
    report("chroma_stft_piano_estimated_tuning", lambda: librosa.feature.chroma_stft(y=piano, sr=SR), 10)
    report("chroma_stft_piano_tuning0", lambda: librosa.feature.chroma_stft(y=piano, sr=SR, tuning=0.0), 10)
    report("yin_violin", lambda: librosa.yin(violin, fmin=c2, fmax=c7, sr=SR), 10)
    report("pyin_violin", lambda: librosa.pyin(violin, fmin=c2, fmax=c7, sr=SR), 5)


if __name__ == "__main__":
    main()
