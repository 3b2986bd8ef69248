"""librosa 0.11.0 fixtures for audio_dsp::effects (phase vocoder, time
stretch, pitch shift).

Writes audio-dsp/tests/fixtures/effects/: the float32 input (1 s of the
bundled piano render at 22.05 kHz, `librosa.load`), and float32 outputs of
`librosa.phase_vocoder` on the first 12 frames of its STFT (saved too), `librosa.effects.time_stretch` at
rates 0.5, 0.8, 1.25, 2.0, `librosa.effects.pitch_shift` with n_steps -12,
-3.5, +2, +7 (res_type "fft", exact, and the default "soxr_hq") and +4 at
24 bins per octave, and a stereo case (0.5 s of the violin render, two
channels). cases.json lists them. audio-dsp/tests/effects_fixtures.rs
compares.

    python tools/reference/dsp_effects_fixtures.py
"""
import json
import pathlib

import librosa
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "effects"
SR = 22050


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(array.astype(np.float32)))
    return name


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    y, _ = librosa.load(ROOT / "assets" / "audio" / "piano.wav", sr=SR, offset=0.5, duration=1.0)
    assert y.dtype == np.float32
    save("piano", y)
    cases = {"librosa": librosa.__version__, "sr": SR, "input": "piano", "stretch": [], "shift": [], "vocoder": []}
    d = librosa.stft(y)[:, :12]  # the first 12 frames keep the fixture small
    np.save(OUT / "stft12.npy", np.ascontiguousarray(np.stack([d.real, d.imag])))
    for rate in (0.5, 1.3):
        v = librosa.phase_vocoder(d, rate=rate)
        np.save(OUT / f"vocoder_{rate}.npy", np.ascontiguousarray(np.stack([v.real, v.imag])))
        cases["vocoder"].append({"rate": rate, "file": f"vocoder_{rate}"})
    for rate in (0.5, 0.8, 1.25, 2.0):
        out = librosa.effects.time_stretch(y, rate=rate)
        cases["stretch"].append({"rate": rate, "file": save(f"stretch_{rate}", out)})
    for n_steps, bpo in ((-12, 12), (-3.5, 12), (2, 12), (7, 12), (4, 24)):
        for res_type in ("fft", "soxr_hq"):
            out = librosa.effects.pitch_shift(y, sr=SR, n_steps=n_steps, bins_per_octave=bpo, res_type=res_type)
            name = f"shift_{n_steps}_{bpo}_{res_type}"
            cases["shift"].append({"n_steps": n_steps, "bins_per_octave": bpo, "res_type": res_type,
                                   "file": save(name, out)})
    stereo, _ = librosa.load(ROOT / "assets" / "audio" / "violin_melody.wav", sr=SR, mono=False, duration=0.5)
    if stereo.ndim == 1:
        stereo = np.stack([stereo, 0.5 * stereo[::-1].copy()])
    save("stereo", stereo)
    cases["stereo"] = {"input": "stereo", "stretch_rate": 1.5, "stretch": save("stereo_stretch", librosa.effects.time_stretch(stereo, rate=1.5)),
                       "shift_steps": -5, "shift": save("stereo_shift", librosa.effects.pitch_shift(stereo, sr=SR, n_steps=-5, res_type="fft"))}
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
