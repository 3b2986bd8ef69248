"""Times librosa 0.11.0 resampling on the work `audio-dsp/benches/resample.rs`
times in Rust: 30 s of the benchmark signal (a 110 -> 3520 Hz exponential chirp
plus a 440 Hz tone, float32, synthesised at the input rate), resampled
44.1 -> 22.05, 22.05 -> 16 and 16 -> 44.1 kHz with each soxr recipe and fft
(our sinc presets high/medium/fast are compared with soxr_hq/mq/lq),
single threaded:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        python tools/reference/bench_resample.py

Prints the median of several runs per case, in milliseconds.
"""


import librosa
import numpy as np
from timing import bench_signal, report

SECONDS = 30


def signal(sr):
    return bench_signal(sr, SECONDS)


RATES = [(44100, 22050), (22050, 16000), (16000, 44100)]


def _resample(a, b, res_type):
    def setup():
        y = signal(a)
        return lambda: librosa.resample(y, orig_sr=a, target_sr=b, res_type=res_type)

    return setup


# For tools/bench/run.py: case name -> set-up (untimed) returning the timed call.
CASES = {f"{a}_{b}_{name}": _resample(a, b, name)
         for a, b in RATES for name in ("soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq")}


def main():
    for a, b in [(44100, 22050), (22050, 16000), (16000, 44100)]:
        y = signal(a)
        for name, res_type in [("soxr_vhq", "soxr_vhq"), ("soxr_hq", "soxr_hq"), ("soxr_mq", "soxr_mq"),
                               ("soxr_lq", "soxr_lq"), ("fft", "fft")]:
            report(f"{a}_{b}_{name}",
                   lambda: librosa.resample(y, orig_sr=a, target_sr=b, res_type=res_type), 10)


if __name__ == "__main__":
    main()
