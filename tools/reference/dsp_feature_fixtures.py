"""librosa 0.11.0 fixtures for the spectral descriptors and frame features of
audio_dsp::feature: spectral_centroid, spectral_bandwidth, spectral_rolloff,
spectral_flatness, spectral_contrast, poly_features, rms (from y and from
S), zero_crossing_rate, delta and
stack_memory, and effects.trim, effects.split, effects.preemphasis and
effects.deemphasis, decompose.hpss, effects.hpss / harmonic and feature.tonnetz, three or more parameter sets each, on two FluidSynth renders
of the repository's assets (piano, violin) at 22.05 kHz.

Writes audio-dsp/tests/fixtures/features/: the float32 inputs, the MFCC
that delta and stack_memory read (saved, so those tests do not depend on
our MFCC), each output as float32 .npy, and cases.json. The spectral
descriptors are computed by librosa from `y` with the listed STFT
parameters; the Rust test computes S with audio_dsp's STFT (equal to
librosa's to ~1e-7 of the peak) and compares.
audio-dsp/tests/feature_fixtures.rs compares.

    python tools/reference/dsp_feature_fixtures.py
"""
import json
import pathlib

import librosa
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "features"
SR = 22050

STFT_SETS = {
    "default": {"n_fft": 2048, "hop_length": 512, "center": True},
    "n1024_h256": {"n_fft": 1024, "hop_length": 256, "center": True},
    "n4096_nocenter": {"n_fft": 4096, "hop_length": 1024, "center": False},
}


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(np.asarray(array).astype(np.float32)))
    return name


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    inputs = {
        "piano": librosa.load(ROOT / "assets" / "audio" / "piano.wav", sr=SR, duration=3.0)[0],
        "violin": librosa.load(ROOT / "assets" / "audio" / "violin_melody.wav", sr=SR, duration=3.0)[0],
    }
    cases = {"librosa": librosa.__version__, "sr": SR, "stft": STFT_SETS, "inputs": {}, "spectral": [],
             "rms": [], "zcr": [], "delta": [], "stack_memory": []}
    for name, y in inputs.items():
        assert y.dtype == np.float32
        cases["inputs"][name] = save(f"input_{name}", y)

    def spectral(feature, stft, params, fn):
        for name, y in inputs.items():
            out = fn(y=y, sr=SR, **STFT_SETS[stft], **params)
            file = save(f"{feature}_{stft}_{'_'.join(f'{k}{v}' for k, v in params.items()) or 'plain'}_{name}", out)
            cases["spectral"].append({"feature": feature, "stft": stft, "params": params, "input": name,
                                      "file": file})

    spectral("centroid", "default", {}, librosa.feature.spectral_centroid)
    spectral("centroid", "n1024_h256", {}, librosa.feature.spectral_centroid)
    spectral("centroid", "n4096_nocenter", {}, librosa.feature.spectral_centroid)
    spectral("bandwidth", "default", {}, librosa.feature.spectral_bandwidth)
    spectral("bandwidth", "n1024_h256", {"p": 1, "norm": False}, librosa.feature.spectral_bandwidth)
    spectral("bandwidth", "n4096_nocenter", {"p": 3}, librosa.feature.spectral_bandwidth)
    spectral("rolloff", "default", {}, librosa.feature.spectral_rolloff)
    spectral("rolloff", "n1024_h256", {"roll_percent": 0.99}, librosa.feature.spectral_rolloff)
    spectral("rolloff", "n4096_nocenter", {"roll_percent": 0.1}, librosa.feature.spectral_rolloff)
    spectral("flatness", "default", {}, lambda sr, **k: librosa.feature.spectral_flatness(**k))
    spectral("flatness", "n1024_h256", {"power": 1.0}, lambda sr, **k: librosa.feature.spectral_flatness(**k))
    spectral("flatness", "n4096_nocenter", {"amin": 1e-4}, lambda sr, **k: librosa.feature.spectral_flatness(**k))
    spectral("contrast", "default", {}, librosa.feature.spectral_contrast)
    spectral("contrast", "n1024_h256", {"fmin": 100.0, "n_bands": 4, "quantile": 0.05},
             librosa.feature.spectral_contrast)
    spectral("contrast", "n4096_nocenter", {"linear": True, "n_bands": 5}, librosa.feature.spectral_contrast)
    spectral("poly", "default", {"order": 1}, librosa.feature.poly_features)
    spectral("poly", "n1024_h256", {"order": 2}, librosa.feature.poly_features)
    spectral("poly", "n4096_nocenter", {"order": 0}, librosa.feature.poly_features)

    for name, y in inputs.items():
        for params in ({}, {"frame_length": 1024, "hop_length": 256, "center": False},
                       {"frame_length": 511, "hop_length": 128, "pad_mode": "reflect"}):
            out = librosa.feature.rms(y=y, **params)
            cases["rms"].append({"source": "y", "params": params, "input": name,
                                 "file": save(f"rms_y_{len(cases['rms'])}_{name}", out)})
        for stft in ("default", "n1024_h256"):
            s = np.abs(librosa.stft(y, **STFT_SETS[stft]))
            out = librosa.feature.rms(S=s, frame_length=STFT_SETS[stft]["n_fft"])
            cases["rms"].append({"source": "S", "stft": stft, "input": name,
                                 "file": save(f"rms_S_{stft}_{name}", out)})
        for params in ({}, {"frame_length": 1024, "hop_length": 256, "center": False},
                       {"frame_length": 512, "hop_length": 128, "threshold": 1e-3},
                       {"zero_pos": False, "threshold": 0.0}):
            out = librosa.feature.zero_crossing_rate(y, **params)
            cases["zcr"].append({"params": params, "input": name,
                                 "file": save(f"zcr_{len(cases['zcr'])}_{name}", out)})

    mfcc = librosa.feature.mfcc(y=inputs["piano"], sr=SR, n_mfcc=13)
    cases["mfcc"] = save("mfcc_piano", mfcc)
    for params in ({}, {"width": 5, "order": 2}, {"width": 7, "mode": "nearest"}, {"width": 9, "mode": "mirror"},
                   {"width": 3, "mode": "constant"}, {"width": 11, "order": 3, "mode": "wrap"}):
        out = librosa.feature.delta(mfcc, **params)
        cases["delta"].append({"params": params, "file": save(f"delta_{len(cases['delta'])}", out)})
    for params in ({}, {"n_steps": 3, "delay": 2}, {"n_steps": 4, "delay": -1, "mode": "edge"},
                   {"n_steps": 2, "delay": 3, "mode": "reflect"}):
        out = librosa.feature.stack_memory(mfcc, **params)
        cases["stack_memory"].append({"params": params, "file": save(f"stack_{len(cases['stack_memory'])}", out)})
    # Effects on the signal: trim and split (sample indices), pre- and
    # de-emphasis. The piano render gets silence around it so trim/split
    # have something to find.
    padded = np.concatenate([np.zeros(7000, np.float32), 0.01 * inputs["piano"][:20000],
                             np.zeros(9000, np.float32), inputs["violin"][:15000],
                             np.zeros(5000, np.float32)])
    cases["effects_input"] = save("input_gaps", padded)
    cases["trim"], cases["split"], cases["emphasis"] = [], [], []
    for params in ({}, {"top_db": 30, "frame_length": 1024, "hop_length": 256}, {"top_db": 20, "ref": 0.5}):
        _, index = librosa.effects.trim(padded, **params)
        intervals = librosa.effects.split(padded, **params)
        cases["trim"].append({"params": params, "index": [int(v) for v in index]})
        cases["split"].append({"params": params, "intervals": [[int(a), int(b)] for a, b in intervals]})
    for name, y in inputs.items():
        for coef in (0.97, 0.5, -0.3):
            # The first 0.5 s keep the fixtures small.
            pre = librosa.effects.preemphasis(y[: SR // 2], coef=coef)
            de = librosa.effects.deemphasis(y[: SR // 2], coef=coef)
            cases["emphasis"].append({"coef": coef, "input": name,
                                      "pre": save(f"preemphasis_{coef}_{name}", pre),
                                      "de": save(f"deemphasis_{coef}_{name}", de)})
    # decompose.hpss on librosa's own magnitude spectrogram of 1.5 s of the
    # piano (n_fft 1024, hop 512; saved), harmonic and percussive parts.
    s_hpss = np.abs(librosa.stft(inputs["piano"][: SR * 3 // 2], n_fft=1024, hop_length=512))
    cases["hpss_input"] = save("hpss_S", s_hpss)
    cases["hpss"] = []
    for i, params in enumerate(({}, {"kernel_size": (17, 9), "power": 1.0},
                                {"kernel_size": (10, 8), "margin": (2.0, 3.0), "mask": True},
                                {"power": float("inf"), "mask": True})):
        h, p = librosa.decompose.hpss(s_hpss, **params)
        record = {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
        if record.get("power") == float("inf"):
            record["power"] = "inf"
        cases["hpss"].append({"params": record, "harmonic": save(f"hpss_{i}_h", h),
                              "percussive": save(f"hpss_{i}_p", p)})
    # effects.hpss / harmonic / percussive on 1.5 s of the piano signal.
    y_hpss = inputs["piano"][: SR * 3 // 2]
    cases["effects_hpss"] = []
    for i, params in enumerate(({}, {"kernel_size": 15, "margin": 3.0, "n_fft": 1024, "hop_length": 256})):
        h, p = librosa.effects.hpss(y_hpss, **params)
        assert np.allclose(h, librosa.effects.harmonic(y_hpss, **params))
        cases["effects_hpss"].append({"params": params, "harmonic": save(f"effects_hpss_{i}_h", h),
                                      "percussive": save(f"effects_hpss_{i}_p", p)})
    # feature.tonnetz on librosa's chroma_cqt of both renders (saved), and a
    # 24-bin chroma_stft.
    cases["tonnetz"] = []
    for name, y in inputs.items():
        chroma = librosa.feature.chroma_cqt(y=y, sr=SR)
        cases["tonnetz"].append({"chroma": save(f"chroma_cqt_{name}", chroma),
                                 "tonnetz": save(f"tonnetz_{name}", librosa.feature.tonnetz(chroma=chroma))})
    chroma24 = librosa.feature.chroma_stft(y=inputs["violin"], sr=SR, n_chroma=24)
    cases["tonnetz"].append({"chroma": save("chroma_stft24_violin", chroma24),
                             "tonnetz": save("tonnetz_24_violin", librosa.feature.tonnetz(chroma=chroma24))})
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
