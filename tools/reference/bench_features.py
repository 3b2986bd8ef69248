"""Times librosa 0.11.0's frame features on the work
`audio-dsp/benches/features.rs` times in Rust: 30 s of the benchmark signal
(chirp + tone, float32) at 22.05 kHz, each from `y` with librosa's defaults
(so the STFT is inside): spectral_centroid, spectral_bandwidth,
spectral_rolloff, spectral_flatness, spectral_contrast, rms,
zero_crossing_rate and effects.hpss, single threaded:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        python tools/reference/bench_features.py

Prints the median of several runs per case, in milliseconds.
"""
import librosa
from timing import bench_signal, report

SR = 22050


def main():
    y = bench_signal(SR, 30)
    report("spectral_centroid", lambda: librosa.feature.spectral_centroid(y=y, sr=SR), 20)
    report("spectral_bandwidth", lambda: librosa.feature.spectral_bandwidth(y=y, sr=SR), 20)
    report("spectral_rolloff", lambda: librosa.feature.spectral_rolloff(y=y, sr=SR), 20)
    report("spectral_flatness", lambda: librosa.feature.spectral_flatness(y=y), 20)
    report("spectral_contrast", lambda: librosa.feature.spectral_contrast(y=y, sr=SR), 20)
    report("rms", lambda: librosa.feature.rms(y=y), 20)
    report("zero_crossing_rate", lambda: librosa.feature.zero_crossing_rate(y), 20)
    report("hpss", lambda: librosa.effects.hpss(y), 5)


if __name__ == "__main__":
    main()
