"""Times librosa 0.11.0 on the work `audio-dsp/benches/librosa_comparison.rs`
times in Rust: 30 s of 22.05 kHz float32 audio (the same chirp + tone), single
threaded. Run with the thread pools pinned to one thread:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
        python tools/reference/bench_librosa.py

Prints the median of several runs per function, in milliseconds.
"""


import librosa
import numpy as np
from timing import bench_signal, report

SR = 22050
SECONDS = 30


def signal():
    return bench_signal(SR, SECONDS)


def _stft():
    y = signal()
    return lambda: librosa.stft(y, n_fft=2048, hop_length=512)


def _mel():
    y = signal()
    return lambda: librosa.feature.melspectrogram(y=y, sr=SR)


def _mfcc():
    y = signal()
    return lambda: librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)


def _griffinlim():
    S = np.abs(librosa.stft(signal()))
    return lambda: librosa.griffinlim(S, n_iter=32, init=None)


# For tools/bench/run.py: case name -> set-up (untimed) returning the timed call.
CASES = {"stft_2048_512": _stft, "melspectrogram_128": _mel, "mfcc_20": _mfcc,
         "griffinlim_32": _griffinlim}


def main():
    y = signal()
    report("stft_2048_512", lambda: librosa.stft(y, n_fft=2048, hop_length=512), 20)
    report("melspectrogram_128", lambda: librosa.feature.melspectrogram(y=y, sr=SR), 20)
    report("mfcc_20", lambda: librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20), 20)
    S = np.abs(librosa.stft(y))
    report("griffinlim_32", lambda: librosa.griffinlim(S, n_iter=32, init=None), 5)


if __name__ == "__main__":
    main()
