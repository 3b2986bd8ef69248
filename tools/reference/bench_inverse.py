"""Times librosa 0.11.0's feature.inverse.mel_to_stft on the work
`audio-dsp/benches/inverse.rs` times in Rust: librosa's own mel spectrograms
of the inverse fixtures' default sets (n_fft 2048, 128 mels, power 2; 0.75 s
of the violin and the piano renders, from audio-dsp/tests/fixtures/inverse/),
single threaded:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        python tools/reference/bench_inverse.py

Prints the median of several runs per case, in milliseconds.
"""
import pathlib

import librosa
import numpy as np
from timing import report

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "audio-dsp" / "tests" / "fixtures" / "inverse"


def main():
    for name in ("default_violin", "default_piano"):
        M = np.load(FIXTURES / f"mel_to_stft_input_{name}.npy")
        report(f"mel_to_stft_{name}", lambda: librosa.feature.inverse.mel_to_stft(M, sr=22050, n_fft=2048), 10)


if __name__ == "__main__":
    main()
