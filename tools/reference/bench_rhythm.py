"""Times librosa 0.11.0's rhythm functions on the work
`audio-dsp/benches/rhythm.rs` times in Rust: librosa's onset envelopes (mean
and median over mel bands, hop 512) of the 21.7 s piano render, read from
audio-dsp/tests/fixtures/rhythm/ by both sides, then `feature.tempogram`,
`feature.fourier_tempogram`, `feature.tempo`, `beat.beat_track` and
`beat.plp` from the envelope, single threaded:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        python tools/reference/bench_rhythm.py

Prints the median of several runs per case, in milliseconds (numba's
compilation happens in a warm-up call first).
"""
import pathlib

import librosa
import numpy as np
from timing import report

SR = 22050
FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "audio-dsp" / "tests" / "fixtures" / "rhythm"


def main():
    mean = np.load(FIXTURES / "onset_mean_piano.npy")
    median = np.load(FIXTURES / "onset_median_piano.npy")
    # The functions are memoised by librosa's cache only when it is enabled
    # (it is not by default); call each once so numba compiles first.
    librosa.beat.beat_track(onset_envelope=median, sr=SR)
    report("tempogram", lambda: librosa.feature.tempogram(onset_envelope=mean, sr=SR), 20)
    report("fourier_tempogram", lambda: librosa.feature.fourier_tempogram(onset_envelope=mean, sr=SR), 20)
    report("tempo", lambda: librosa.feature.tempo(onset_envelope=mean, sr=SR), 20)
    report("beat_track", lambda: librosa.beat.beat_track(onset_envelope=median, sr=SR), 20)
    report("plp", lambda: librosa.beat.plp(onset_envelope=median, sr=SR), 20)


if __name__ == "__main__":
    main()
