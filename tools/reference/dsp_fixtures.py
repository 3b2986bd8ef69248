"""Golden fixtures for audio-dsp, written by librosa 0.11.0.

Input: a 0.5 s excerpt (from 2.0 s) of the bundled FluidSynth piano render
`assets/audio/piano.wav`, read with soundfile as float64 (16-bit PCM / 32768).
Every case runs librosa twice: on the float64 signal (checked by the Rust
tests to 1e-9 of the reference's peak magnitude) and on its float32 cast
(checked to 1e-5). Output: `audio-dsp/tests/fixtures/*.npy` plus
`cases.json`, which lists every case with its parameters and file names.

    python tools/reference/dsp_fixtures.py
"""

import json
import pathlib

import librosa
import numpy as np
import scipy.fftpack
import soundfile as sf

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures"
SR = 22050

cases = []


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(array))
    return f"{name}.npy"


def window_arg(w):
    return ("kaiser", w["beta"]) if w["kind"] == "kaiser" else w["kind"]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    audio, sr = sf.read(ROOT / "assets" / "audio" / "piano.wav", dtype="float64")
    assert sr == SR
    y64 = audio[2 * SR : 2 * SR + SR // 2].copy()
    save("input_piano", y64)
    inputs = {"f64": y64, "f32": y64.astype(np.float32)}

    # Windows (scipy.signal.get_window via librosa.filters.get_window).
    for w in [{"kind": "hann"}, {"kind": "hamming"}, {"kind": "blackman"}, {"kind": "bartlett"},
              {"kind": "boxcar"}, {"kind": "kaiser", "beta": 8.6}]:
        for n in [7, 16, 1001]:
            for fftbins in [True, False]:
                name = f"window_{w['kind']}_{n}_{'periodic' if fftbins else 'symmetric'}"
                arr = librosa.filters.get_window(window_arg(w), n, fftbins=fftbins)
                cases.append({"fn": "get_window", "window": w, "n": n, "fftbins": fftbins,
                              "out": save(name, arr)})

    stft_sets = [
        dict(name="default", n_fft=2048, hop_length=None, win_length=None, window={"kind": "hann"}, center=True, pad_mode="constant"),
        dict(name="odd_reflect", n_fft=511, hop_length=128, win_length=400, window={"kind": "blackman"}, center=True, pad_mode="reflect"),
        dict(name="nocenter", n_fft=1024, hop_length=256, win_length=None, window={"kind": "hamming"}, center=False, pad_mode="constant"),
        dict(name="kaiser_edge", n_fft=512, hop_length=100, win_length=300, window={"kind": "kaiser", "beta": 8.6}, center=True, pad_mode="edge"),
        dict(name="bartlett_reflect", n_fft=256, hop_length=64, win_length=None, window={"kind": "bartlett"}, center=True, pad_mode="reflect"),
    ]
    for p in stft_sets:
        kw = {k: v for k, v in p.items() if k != "name"}
        kw["window"] = window_arg(p["window"])
        for dt, y in inputs.items():
            D = librosa.stft(y, **kw)
            base = f"stft_{p['name']}_{dt}"
            cases.append({"fn": "stft", "dtype": dt, "params": p, "out": save(base, D)})
            ikw = {k: kw[k] for k in ["n_fft", "hop_length", "win_length", "window", "center"]}
            y_hat = librosa.istft(D, **ikw)
            cases.append({"fn": "istft", "dtype": dt, "params": p, "input": f"{base}.npy",
                          "length": None, "out": save(f"istft_{p['name']}_{dt}", y_hat)})
            y_len = librosa.istft(D, length=len(y) - 777, **ikw)
            cases.append({"fn": "istft", "dtype": dt, "params": p, "input": f"{base}.npy",
                          "length": len(y) - 777, "out": save(f"istft_{p['name']}_{dt}_len", y_len)})

    mel_sets = [
        dict(name="default", sr=22050, n_fft=2048, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney"),
        dict(name="htk_nonorm", sr=22050, n_fft=1024, n_mels=40, fmin=30.0, fmax=8000.0, htk=True, norm=None),
        dict(name="pnorm", sr=16000, n_fft=512, n_mels=64, fmin=50.0, fmax=7000.0, htk=False, norm=2.0),
        dict(name="infnorm_htk", sr=44100, n_fft=2048, n_mels=64, fmin=0.0, fmax=16000.0, htk=True, norm=np.inf),
    ]
    for p in mel_sets:
        kw = {k: v for k, v in p.items() if k != "name"}
        for dt, dtype in [("f64", np.float64), ("f32", np.float32)]:
            M = librosa.filters.mel(dtype=dtype, **kw)
            pj = dict(p)
            pj["norm"] = "inf" if p["norm"] == np.inf else p["norm"]
            cases.append({"fn": "mel_filters", "dtype": dt, "params": pj, "out": save(f"melfb_{p['name']}_{dt}", M)})

    melspec_sets = [
        dict(name="default", n_fft=2048, hop_length=512, power=2.0, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney", center=True, pad_mode="constant"),
        dict(name="power1_htk", n_fft=1024, hop_length=256, power=1.0, n_mels=64, fmin=20.0, fmax=8000.0, htk=True, norm=None, center=True, pad_mode="reflect"),
        dict(name="nocenter_fmax", n_fft=512, hop_length=160, power=2.0, n_mels=40, fmin=100.0, fmax=5000.0, htk=False, norm="slaney", center=False, pad_mode="constant"),
    ]
    for p in melspec_sets:
        kw = {k: v for k, v in p.items() if k != "name"}
        for dt, y in inputs.items():
            dtype = np.float64 if dt == "f64" else np.float32
            S = librosa.feature.melspectrogram(y=y, sr=SR, dtype=dtype, **kw)
            cases.append({"fn": "melspectrogram", "dtype": dt, "params": p, "out": save(f"melspec_{p['name']}_{dt}", S)})

    # dB scaling on a real mel spectrogram and magnitude spectrogram.
    for dt, y in inputs.items():
        dtype = np.float64 if dt == "f64" else np.float32
        S = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=1024, hop_length=256, n_mels=64, dtype=dtype)
        src = save(f"db_input_power_{dt}", S)
        for p in [dict(name="default", ref=1.0, amin=1e-10, top_db=80.0),
                  dict(name="refmax_notop", ref="max", amin=1e-10, top_db=None),
                  dict(name="refmax_top60_amin", ref="max", amin=1e-5, top_db=60.0),
                  dict(name="ref_value", ref=0.01, amin=1e-8, top_db=40.0)]:
            ref = np.max if p["ref"] == "max" else p["ref"]
            D = librosa.power_to_db(S, ref=ref, amin=p["amin"], top_db=p["top_db"])
            cases.append({"fn": "power_to_db", "dtype": dt, "params": p, "input": src,
                          "out": save(f"power_to_db_{p['name']}_{dt}", D)})
        A = np.abs(librosa.stft(y, n_fft=256, hop_length=128))
        asrc = save(f"db_input_amplitude_{dt}", A)
        for p in [dict(name="default", ref=1.0, amin=1e-5, top_db=80.0),
                  dict(name="refmax", ref="max", amin=1e-5, top_db=None),
                  dict(name="refmax_top50", ref="max", amin=1e-3, top_db=50.0)]:
            ref = np.max if p["ref"] == "max" else p["ref"]
            D = librosa.amplitude_to_db(A, ref=ref, amin=p["amin"], top_db=p["top_db"])
            cases.append({"fn": "amplitude_to_db", "dtype": dt, "params": p, "input": asrc,
                          "out": save(f"amplitude_to_db_{p['name']}_{dt}", D)})
        Ddb = librosa.power_to_db(S, ref=np.max)
        dsrc = save(f"db_input_db_{dt}", Ddb)
        for ref in [1.0, 0.5, 3.0]:
            cases.append({"fn": "db_to_power", "dtype": dt, "params": {"ref": ref}, "input": dsrc,
                          "out": save(f"db_to_power_{ref}_{dt}", librosa.db_to_power(Ddb, ref=ref))})
            cases.append({"fn": "db_to_amplitude", "dtype": dt, "params": {"ref": ref}, "input": dsrc,
                          "out": save(f"db_to_amplitude_{ref}_{dt}", librosa.db_to_amplitude(Ddb, ref=ref))})

    mfcc_sets = [
        dict(name="default", n_mfcc=20, dct_type=2, norm="ortho", lifter=0.0, n_fft=2048, hop_length=512, n_mels=128, htk=False),
        dict(name="lifter22", n_mfcc=13, dct_type=2, norm="ortho", lifter=22.0, n_fft=1024, hop_length=256, n_mels=40, htk=True),
        dict(name="dct3_nonorm", n_mfcc=16, dct_type=3, norm=None, lifter=0.0, n_fft=512, hop_length=128, n_mels=32, htk=False),
        dict(name="dct1_ortho", n_mfcc=12, dct_type=1, norm="ortho", lifter=6.0, n_fft=512, hop_length=128, n_mels=26, htk=False),
        dict(name="dct1_nonorm", n_mfcc=10, dct_type=1, norm=None, lifter=0.0, n_fft=512, hop_length=128, n_mels=20, htk=True),
    ]
    for p in mfcc_sets:
        kw = {k: v for k, v in p.items() if k != "name"}
        for dt, y in inputs.items():
            dtype = np.float64 if dt == "f64" else np.float32
            M = librosa.feature.mfcc(y=y, sr=SR, dtype=dtype, **kw)
            cases.append({"fn": "mfcc", "dtype": dt, "params": p, "out": save(f"mfcc_{p['name']}_{dt}", M)})

    # Griffin-Lim from a fixed initial phase (init=None: all phases zero).
    gl_sets = [
        dict(name="fast", n_fft=512, hop_length=128, n_iter=32, momentum=0.99, length=None),
        dict(name="classic", n_fft=256, hop_length=64, n_iter=8, momentum=0.0, length=None),
        dict(name="length", n_fft=512, hop_length=128, n_iter=16, momentum=0.5, length=len(y64) - 10),
    ]
    for p in gl_sets:
        for dt, y in inputs.items():
            S = np.abs(librosa.stft(y, n_fft=p["n_fft"], hop_length=p["hop_length"]))
            src = save(f"griffinlim_input_{p['name']}_{dt}", S)
            z = librosa.griffinlim(S, n_iter=p["n_iter"], hop_length=p["hop_length"], n_fft=p["n_fft"],
                                   momentum=p["momentum"], init=None, length=p["length"])
            cases.append({"fn": "griffinlim", "dtype": dt, "params": p, "input": src,
                          "out": save(f"griffinlim_{p['name']}_{dt}", z)})

    # mu-law.
    x = 0.999 * y64 / np.max(np.abs(y64))
    for dt, xx in [("f64", x), ("f32", x.astype(np.float32))]:
        src = save(f"mu_input_{dt}", xx)
        for mu in [255, 15, 1023]:
            # librosa promotes float32 input to float64 here (np.log1p(mu) is a
            # float64 scalar); a float32 pipeline would cast back, as we do.
            c = librosa.mu_compress(xx, mu=mu, quantize=False).astype(xx.dtype)
            q = librosa.mu_compress(xx, mu=mu, quantize=True).astype(np.int64)
            cases.append({"fn": "mu_compress", "dtype": dt, "params": {"mu": mu, "quantize": False}, "input": src,
                          "out": save(f"mu_compress_{mu}_{dt}", c)})
            cases.append({"fn": "mu_compress", "dtype": dt, "params": {"mu": mu, "quantize": True}, "input": src,
                          "out": save(f"mu_compress_q_{mu}_{dt}", q)})
            cases.append({"fn": "mu_expand", "dtype": dt, "params": {"mu": mu, "quantize": False},
                          "input": f"mu_compress_{mu}_{dt}.npy",
                          "out": save(f"mu_expand_{mu}_{dt}", librosa.mu_expand(c, mu=mu, quantize=False).astype(xx.dtype))})
            cases.append({"fn": "mu_expand", "dtype": dt, "params": {"mu": mu, "quantize": True},
                          "input": f"mu_compress_q_{mu}_{dt}.npy",
                          "out": save(f"mu_expand_q_{mu}_{dt}", librosa.mu_expand(q, mu=mu, quantize=True).astype(xx.dtype))})

    # DCT matrices straight from scipy.fftpack (what librosa.feature.mfcc calls).
    for t in [1, 2, 3]:
        for norm in ["ortho", None]:
            eye = np.eye(12)
            cases.append({"fn": "dct", "params": {"type": t, "norm": norm, "n": 12},
                          "out": save(f"dct_{t}_{norm}", scipy.fftpack.dct(eye, type=t, norm=norm, axis=0))})

    meta = {"librosa": librosa.__version__, "numpy": np.__version__, "sr": SR,
            "input": "input_piano.npy", "cases": cases}
    (OUT / "cases.json").write_text(json.dumps(meta, indent=1))
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"wrote {len(cases)} cases, {total / 1e6:.2f} MB, to {OUT}")


if __name__ == "__main__":
    main()
