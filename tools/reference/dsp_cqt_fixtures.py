"""Golden fixtures for audio-dsp's constant-Q family, written by librosa 0.11.0.

Input: a 2.5 s excerpt (from 2.0 s) of the bundled FluidSynth piano render
`assets/audio/piano.wav` (22.05 kHz), read with soundfile as float64 and cast
to float32 (the precision the fixtures are checked in; one case is also run in
float64). Every CQT/VQT/hybrid/chroma case is run twice:

- `res_type="fft"` (`scipy.signal.resample`, which audio-dsp ports exactly):
  the Rust tests check these to 1e-4 of the reference's peak magnitude;
- `res_type="soxr_hq"` (librosa's default): audio-dsp's `High` preset is a
  different (rubato) resampler, so these measure the deviation that comes
  from the resampler alone.

`tuning=0.0` is passed explicitly everywhere except one chroma_cqt case,
which keeps librosa's default `tuning=None` (the tuning is estimated from
the signal first; the estimate is stored in `cases.json`).

Output: `audio-dsp/tests/fixtures/cqt/*.npy` plus `cases.json`, which
lists every case with its parameters and file names.

    /work/refenv/bin/python tools/reference/dsp_cqt_fixtures.py
"""

import json
import pathlib

import librosa
import numpy as np
import soundfile as sf

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "cqt"
SR = 22050
C1 = float(librosa.note_to_hz("C1"))

cases = []


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(array))
    return f"{name}.npy"


CQT_SETS = [
    # librosa's defaults: 7 octaves from C1, hop 512 (9 factors of two: the
    # hop halves every octave).
    dict(name="default", fn="cqt", fmin=None, n_bins=84, bins_per_octave=12, hop_length=512),
    # 36 bins per octave from C2, 5 octaves, hop 256.
    dict(name="bpo36", fn="cqt", fmin=65.40639132514966, n_bins=180, bins_per_octave=36, hop_length=256),
    # hop 300 = 4 * 75: only two halvings possible for 7 octaves, so the last
    # five octaves stay at sr / 4 with hop 75 (librosa stops downsampling).
    dict(name="hop300", fn="cqt", fmin=None, n_bins=84, bins_per_octave=12, hop_length=300),
    # odd hop: no downsampling at all, every octave at the full rate.
    dict(name="hop441", fn="cqt", fmin=110.0, n_bins=48, bins_per_octave=12, hop_length=441),
    # a high, narrow range: librosa downsamples early (by 4) before the octaves.
    dict(name="early", fn="cqt", fmin=220.0, n_bins=24, bins_per_octave=12, hop_length=512),
    # a partial last octave, other filter parameters and the unscaled output.
    dict(name="options", fn="cqt", fmin=55.0, n_bins=40, bins_per_octave=12, hop_length=128,
         filter_scale=0.8, norm=2.0, window="hamming", scale=False, pad_mode="reflect", sparsity=0.0),
    # variable-Q: librosa's default gamma (ERB-derived), and a fixed gamma.
    dict(name="vqt_default", fn="vqt", fmin=None, n_bins=84, bins_per_octave=12, hop_length=512, gamma=None),
    dict(name="vqt_gamma", fn="vqt", fmin=40.0, n_bins=120, bins_per_octave=24, hop_length=256, gamma=10.0),
    # hybrid: pseudo-CQT (one STFT, |basis| x |D|) above, full CQT below.
    dict(name="hybrid_default", fn="hybrid_cqt", fmin=None, n_bins=84, bins_per_octave=12, hop_length=512),
    dict(name="hybrid_bpo24", fn="hybrid_cqt", fmin=55.0, n_bins=120, bins_per_octave=24, hop_length=128),
]

CHROMA_SETS = [
    dict(name="chroma_cqt_default", fn="chroma_cqt"),
    dict(name="chroma_cqt_hybrid", fn="chroma_cqt", cqt_mode="hybrid", hop_length=256),
    dict(name="chroma_cqt_options", fn="chroma_cqt", fmin=55.0, n_octaves=6, bins_per_octave=12,
         norm=2.0, threshold=0.05),
    # librosa's default tuning=None: the tuning is estimated from the signal
    # (estimate_tuning with bins_per_octave=36) before the CQT.
    dict(name="chroma_cqt_estimated_tuning", fn="chroma_cqt", tuning=None),
    dict(name="chroma_cens_default", fn="chroma_cens"),
    dict(name="chroma_cens_options", fn="chroma_cens", win_len_smooth=11, hop_length=256, n_octaves=6,
         fmin=55.0),
]

HCQT = dict(name="hcqt", fn="hcqt", fmin=None, n_bins=60, bins_per_octave=12, hop_length=512,
            harmonics=[0.5, 1.0, 2.0, 3.0])


def cqt_kwargs(p):
    kw = {k: v for k, v in p.items() if k not in ("name", "fn")}
    kw["tuning"] = 0.0
    return kw


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    audio, sr = sf.read(ROOT / "assets" / "audio" / "piano.wav", dtype="float64")
    assert sr == SR
    y64 = audio[2 * SR : 2 * SR + 5 * SR // 2].copy()
    y32 = y64.astype(np.float32)
    save("input_piano_f32", y32)

    for res_type in ["fft", "soxr_hq"]:
        for p in CQT_SETS:
            fn = getattr(librosa, p["fn"])
            out = fn(y32, sr=SR, res_type=res_type, **cqt_kwargs(p))
            if p["fn"] == "hybrid_cqt":
                out = out.astype(np.float32)
            cases.append({"fn": p["fn"], "dtype": "f32", "res_type": res_type, "params": p,
                          "out": save(f"{p['name']}_{res_type}_f32", out)})
        # hcqt: librosa.cqt at fmin * h for each harmonic, trimmed to the
        # shortest and stacked (harmonics, bins, frames).
        kw = cqt_kwargs(HCQT)
        harmonics = kw.pop("harmonics")
        fmin = kw.pop("fmin") or C1
        per_h = [librosa.cqt(y32, sr=SR, res_type=res_type, fmin=fmin * h, **kw) for h in harmonics]
        n = min(c.shape[-1] for c in per_h)
        hcqt = np.stack([c[:, :n] for c in per_h])
        cases.append({"fn": "hcqt", "dtype": "f32", "res_type": res_type, "params": HCQT,
                      "out": save(f"hcqt_{res_type}_f32", np.abs(hcqt).astype(np.float32))})

    # icqt of librosa's own (complex) cqt fixtures: default and a 36-bin,
    # 5-octave case with a partial top octave, with and without `length`.
    for name, kw, length in [
        ("icqt_default", dict(hop_length=512, fmin=None, n_bins=84, bins_per_octave=12), None),
        ("icqt_bpo24", dict(hop_length=256, fmin=55.0, n_bins=100, bins_per_octave=24), len(y32) - 1000),
    ]:
        for res_type in ["fft", "soxr_hq"]:
            C = librosa.cqt(y32, sr=SR, res_type=res_type, tuning=0.0, **kw)
            if name == "icqt_default":
                # the `default` cqt fixture holds this very array
                cin = f"default_{res_type}_f32.npy"
                assert np.array_equal(np.load(OUT / cin), C)
            else:
                cin = save(f"{name}_cqt_{res_type}_f32", C)
            ikw = {k: v for k, v in kw.items() if k != "n_bins"}
            y_hat = librosa.icqt(C, sr=SR, res_type=res_type, tuning=0.0, length=length, **ikw)
            cases.append({"fn": "icqt", "dtype": "f32", "res_type": res_type,
                          "params": dict(name=name, length=length, **kw), "input": cin,
                          "out": save(f"{name}_{res_type}_f32", y_hat.astype(np.float32))})

    # One float64 case: librosa builds its wavelets in complex64 whatever the
    # input precision, so float64 output is only ~1e-7 accurate.
    p = CQT_SETS[0]
    out = librosa.cqt(y64, sr=SR, res_type="fft", **cqt_kwargs(p))
    cases.append({"fn": "cqt", "dtype": "f64", "res_type": "fft", "params": p,
                  "out": save("default_fft_f64", out)})
    save("input_piano_f64", y64)

    # chroma: the CQT inside uses librosa's default res_type (soxr_hq); the
    # fft variants go through the same functions with the CQT computed first.
    for p in CHROMA_SETS:
        kw = {k: v for k, v in p.items() if k not in ("name", "fn")}
        kw.setdefault("tuning", 0.0)
        tuning = kw["tuning"]
        if tuning is None:
            tuning = float(librosa.estimate_tuning(y=y32, sr=SR, bins_per_octave=kw.get("bins_per_octave", 36)))
        for res_type in ["fft", "soxr_hq"]:
            hop = kw.get("hop_length", 512)
            n_oct = kw.get("n_octaves", 7)
            bpo = kw.get("bins_per_octave", 36)
            mode = kw.get("cqt_mode", "full")
            cfn = librosa.cqt if mode == "full" else librosa.hybrid_cqt
            C = np.abs(cfn(y32, sr=SR, hop_length=hop, fmin=kw.get("fmin"), n_bins=n_oct * bpo,
                           bins_per_octave=bpo, tuning=tuning, res_type=res_type))
            fn = getattr(librosa.feature, p["fn"])
            out = fn(C=C, sr=SR, **kw)
            if res_type == "soxr_hq":
                # check: librosa's own path (y given) gives the same numbers
                direct = fn(y=y32, sr=SR, **kw)
                assert np.allclose(direct, out, atol=1e-6), p["name"]
            cases.append({"fn": p["fn"], "dtype": "f32", "res_type": res_type, "params": p,
                          "estimated_tuning": tuning,
                          "out": save(f"{p['name']}_{res_type}_f32", out.astype(np.float32))})

    meta = {"sr": SR, "input_f32": "input_piano_f32.npy", "input_f64": "input_piano_f64.npy",
            "librosa": librosa.__version__, "cases": cases}
    (OUT / "cases.json").write_text(json.dumps(meta, indent=1))
    total = sum(f.stat().st_size for f in OUT.glob("*.npy"))
    print(f"{len(cases)} cases, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
