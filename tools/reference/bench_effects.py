"""Times librosa 0.11.0's phase-vocoder effects on the work
`audio-dsp/benches/effects.rs` times in Rust: 30 s of the benchmark signal
(a 110 -> 3520 Hz exponential chirp plus a 440 Hz tone, float32) at
22.05 kHz, `librosa.effects.time_stretch` at rates 1.25 and 0.8 and
`librosa.effects.pitch_shift` by +2 and -3 steps (default soxr_hq),
single threaded:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        python tools/reference/bench_effects.py

Prints the median of several runs per case, in milliseconds.
"""
import librosa
import numpy as np
from timing import bench_signal, report

SECONDS = 30
SR = 22050


def signal():
    return bench_signal(SR, SECONDS)


def main():
    y = signal()
    for rate in (1.25, 0.8):
        report(f"time_stretch_{rate}", lambda: librosa.effects.time_stretch(y, rate=rate), 5)
    for steps in (2.0, -3.0):
        report(f"pitch_shift_{steps}", lambda: librosa.effects.pitch_shift(y, sr=SR, n_steps=steps), 5)


if __name__ == "__main__":
    main()
