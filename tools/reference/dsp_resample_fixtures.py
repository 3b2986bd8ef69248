"""Resampling fixtures and reference quality figures (librosa 0.11.0, soxr).

Writes to audio-dsp/tests/fixtures/resample/:
- `piano44k.npy`: 2 s of the bundled piano MIDI rendered by FluidSynth at
  44.1 kHz mono, quantised to 16 bits (a real 44.1 kHz recording to downsample);
- `piano22k.npy`: the same 2 s of `assets/audio/piano.wav` (22.05 kHz);
- `piano16k.npy`: 2 s of `assets/audio/piano.wav` resampled to 16 kHz with
  soxr_vhq (the input of the 16 kHz -> 44.1 kHz case);
- `soxr_hq_<from>_<to>.npy`: `librosa.resample(y, orig_sr, target_sr,
  res_type="soxr_hq")` of those inputs (float32), and `fft_<from>_<to>.npy`
  the same with `res_type="fft"` (scipy.signal.resample);
- `quality.json`: soxr_hq's pass-band error, alias/image rejection, measured
  with exactly the definitions of audio-dsp/tests/resample_quality.rs.

    /work/refenv/bin/python tools/reference/dsp_resample_fixtures.py
"""

import json
import pathlib
import subprocess
import tempfile

import librosa
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "resample"
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
SECONDS = 2.0
START = 1.0  # skip the first second (silence before the first note)

PAIRS = [(44100, 22050), (22050, 16000), (16000, 44100)]


def passband_error_db(resample, sr_in, sr_out):
    """max |20 log10 A| over 40 tones up to 0.9 of the lower Nyquist (1 s each)."""
    nyq = min(sr_in, sr_out) / 2
    worst = 0.0
    for k in range(1, 41):
        f = k * 0.9 * nyq / 40
        t = np.arange(sr_in) / sr_in
        y = resample(np.sin(2 * np.pi * f * t))
        n = len(y)
        lo, hi = n // 4, 3 * n // 4
        tt = np.arange(lo, hi) / sr_out
        basis = np.stack([np.sin(2 * np.pi * f * tt), np.cos(2 * np.pi * f * tt)], axis=1)
        coef, *_ = np.linalg.lstsq(basis, y[lo:hi], rcond=None)
        worst = max(worst, abs(20 * np.log10(np.hypot(*coef))))
    return worst


def chirp(sr, f0, f1, seconds=2.0):
    t = np.arange(int(sr * seconds)) / sr
    return np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds)))


def rejection_db(resample, sr_in, sr_out):
    """Down: a swept sine over [out Nyquist, 0.999 in Nyquist] should vanish:
    10 log10(input power / output power) over the central 90 %.
    Up: a sweep over [0, 0.9 in Nyquist]: output power above the input Nyquist
    (the images) relative to the output's total power, from its spectrum."""
    if sr_out < sr_in:
        x = chirp(sr_in, sr_out / 2, 0.999 * sr_in / 2)
        y = resample(x)
        n = len(y)
        core = y[n // 20: n - n // 20]
        return 10 * np.log10(np.mean(x ** 2) / max(np.mean(core ** 2), 1e-300))
    x = chirp(sr_in, 0.0, 0.9 * sr_in / 2)
    y = resample(x)
    n = len(y)
    core = y[n // 20: n - n // 20] * np.hanning(n - 2 * (n // 20))
    spec = np.abs(np.fft.rfft(core)) ** 2
    freqs = np.fft.rfftfreq(len(core), 1 / sr_out)
    images = spec[freqs > sr_in / 2].sum()
    return 10 * np.log10(spec.sum() / max(images, 1e-300))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wav = pathlib.Path(tmp) / "p44.wav"
        subprocess.run(["fluidsynth", "-ni", "-g", "0.6", "-r", "44100", "-F", str(wav), SF2,
                        str(ROOT / "assets" / "audio" / "piano.mid")], check=True,
                       capture_output=True)
        y44, _ = librosa.load(wav, sr=None, mono=True, offset=START, duration=SECONDS)
    # Quantise to 16 bits as a recording would be, and keep it as float32 .npy.
    y44 = (np.round(y44 * 32767) / 32768).astype(np.float32)
    np.save(OUT / "piano44k.npy", y44)
    y22, _ = librosa.load(ROOT / "assets" / "audio" / "piano.wav", sr=None, mono=True,
                          offset=START, duration=SECONDS)
    np.save(OUT / "piano22k.npy", y22.astype(np.float32))
    y16 = librosa.resample(y22, orig_sr=22050, target_sr=16000, res_type="soxr_vhq")
    np.save(OUT / "piano16k.npy", y16.astype(np.float32))
    inputs = {44100: y44, 22050: y22, 16000: y16.astype(np.float32)}
    quality = {}
    for a, b in PAIRS:
        for res_type in ["soxr_hq", "fft"]:
            z = librosa.resample(inputs[a], orig_sr=a, target_sr=b, res_type=res_type)
            np.save(OUT / f"{res_type}_{a}_{b}.npy", z.astype(np.float32))

        def soxr_hq(x, a=a, b=b):
            return librosa.resample(x, orig_sr=a, target_sr=b, res_type="soxr_hq")

        quality[f"{a}_{b}"] = {
            "passband_error_db": passband_error_db(soxr_hq, a, b),
            "rejection_db": rejection_db(soxr_hq, a, b),
        }
        print(a, b, quality[f"{a}_{b}"])
    (OUT / "quality.json").write_text(json.dumps({"soxr_hq": quality}, indent=1))


if __name__ == "__main__":
    main()
