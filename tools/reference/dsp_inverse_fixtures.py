"""librosa 0.11.0 fixtures for feature.inverse: mel_to_stft, mfcc_to_mel,
mel_to_audio and mfcc_to_audio, three or more parameter sets each (n_mels,
n_fft, power, filterbank keywords, DCT type/norm, lifter, ref, Griffin-Lim
STFT and n_iter; float32 and float64), on short excerpts of the FluidSynth
renders of the repository's assets (piano, violin) loaded with
librosa.load(sr=22050).

Writes audio-dsp/tests/fixtures/inverse/: librosa's own mel spectrograms and
MFCCs (the inputs, saved so the tests do not depend on our forward
transforms), each output as .npy in librosa's dtype, and cases.json with the
parameters and, for mel_to_stft, each L-BFGS-B block's iteration and
evaluation counts (scipy.optimize.fmin_l_bfgs_b's `nit` and `funcalls`).

librosa's mel_to_audio calls griffinlim with its default random phase
initialisation; these fixtures replace the module's griffinlim by
griffinlim(init=None) (zero phase), which audio_dsp's GriffinLimInit::Zero
reproduces. audio-dsp/tests/inverse_fixtures.rs and
audio-cli/tests/inverse_cli.rs compare.

    python tools/reference/dsp_inverse_fixtures.py
"""
import functools
import importlib
import json
import os
import pathlib

# One BLAS thread: the same rounding on every run.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import librosa
import numpy as np
import scipy
import scipy.optimize

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "inverse"
SR = 22050
# Excerpts start half a second in (both renders start with a note) and last
# DURATION seconds unless a case says otherwise.
START = SR // 2
DURATION = 0.75

# Every fmin_l_bfgs_b call librosa.util.nnls makes, in order.
LBFGSB_RUNS = []
_fmin_l_bfgs_b = scipy.optimize.fmin_l_bfgs_b


def _recording_fmin_l_bfgs_b(*args, **kwargs):
    x, f, d = _fmin_l_bfgs_b(*args, **kwargs)
    LBFGSB_RUNS.append({"nit": int(d["nit"]), "nfev": int(d["funcalls"]), "warnflag": int(d["warnflag"])})
    return x, f, d


scipy.optimize.fmin_l_bfgs_b = _recording_fmin_l_bfgs_b
# mel_to_audio's griffinlim, with zero initial phase instead of random.
_inverse = importlib.import_module("librosa.feature.inverse")
_inverse.griffinlim = functools.partial(librosa.griffinlim, init=None)

# Filterbank keywords shared by the forward transform and its inverse.
MEL_KEYS = ("htk", "fmin", "fmax", "norm")


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(np.asarray(array)))
    return name


def excerpt(y, duration):
    return y[START:START + int(round(duration * SR))]


def record(params):
    """JSON-able parameters (None stays null)."""
    return {k: v for k, v in params.items()}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    signals = {
        "piano": librosa.load(ROOT / "assets" / "audio" / "piano.wav", sr=SR)[0],
        "violin": librosa.load(ROOT / "assets" / "audio" / "violin_melody.wav", sr=SR)[0],
    }
    for y in signals.values():
        assert y.dtype == np.float32
    cases = {"librosa": librosa.__version__, "numpy": np.__version__, "scipy": scipy.__version__, "sr": SR,
             "start": START, "mel_to_stft": [], "mfcc_to_mel": [], "mel_to_audio": [], "mfcc_to_audio": []}

    # mel_to_stft: M = melspectrogram(y, n_fft, hop_length, n_mels, power,
    # filterbank keywords), then mel_to_stft(M, sr, n_fft, power, keywords).
    stft_sets = [
        dict(name="default", n_fft=2048, hop_length=512, n_mels=128, power=2.0),
        dict(name="n1024_m80_magnitude", n_fft=1024, hop_length=256, n_mels=80, power=1.0),
        dict(name="n512_m40_htk_fmin_fmax_nonorm", n_fft=512, hop_length=128, n_mels=40, power=1.5, htk=True,
             fmin=50.0, fmax=8000.0, norm=None),
        # 517 frames: two L-BFGS-B blocks (512 columns of 128 float32 mel
        # bands fill MAX_MEM_BLOCK), and a rank-deficient basis (rank 109 of
        # 128: the lowest bands are narrower than an FFT bin).
        dict(name="blocks_rank_deficient", n_fft=512, hop_length=32, n_mels=128, power=2.0,
             inputs=["piano"]),
        dict(name="f64_n1024_m64_l1norm", n_fft=1024, hop_length=512, n_mels=64, power=2.0, norm=1.0,
             dtype="float64", duration=0.5),
    ]
    for p in stft_sets:
        dtype = np.dtype(p.get("dtype", "float32"))
        mel_kw = {k: p[k] for k in MEL_KEYS if k in p}
        for name in p.get("inputs", ["piano", "violin"]):
            y = excerpt(signals[name], p.get("duration", DURATION)).astype(dtype)
            M = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=p["n_fft"], hop_length=p["hop_length"],
                                               n_mels=p["n_mels"], power=p["power"], **mel_kw)
            assert M.dtype == dtype
            start = len(LBFGSB_RUNS)
            S = librosa.feature.inverse.mel_to_stft(M, sr=SR, n_fft=p["n_fft"], power=p["power"], **mel_kw)
            assert S.dtype == dtype
            tag = f"{p['name']}_{name}"
            cases["mel_to_stft"].append({
                "name": p["name"], "input": name, "dtype": str(dtype), "params": record(p),
                "mel": save(f"mel_to_stft_input_{tag}", M), "out": save(f"mel_to_stft_{tag}", S),
                "lbfgsb": LBFGSB_RUNS[start:],
            })

    # mfcc_to_mel: C = mfcc(y, n_mfcc, n_mels, dct_type, norm, lifter), then
    # mfcc_to_mel(C, n_mels (possibly fewer), dct_type, norm, ref, lifter).
    mfcc_sets = [
        dict(name="default", n_mfcc=20, n_mels=128, dct_type=2, norm="ortho", lifter=0.0, ref=1.0),
        dict(name="dct3_nonorm_lifter22", n_mfcc=13, n_mels=64, dct_type=3, norm=None, lifter=22.0, ref=1.0),
        dict(name="dct1_ortho_ref0.5", n_mfcc=10, n_mels=40, dct_type=1, norm="ortho", lifter=0.0, ref=0.5),
        dict(name="dct2_nonorm_lifter10.5_ref2", n_mfcc=30, n_mels=128, dct_type=2, norm=None, lifter=10.5,
             ref=2.0),
        dict(name="truncated_40_to_32", n_mfcc=40, n_mels=40, inverse_n_mels=32, dct_type=2, norm="ortho",
             lifter=0.0, ref=1.0),
        dict(name="f64_default", n_mfcc=20, n_mels=128, dct_type=2, norm="ortho", lifter=0.0, ref=1.0,
             dtype="float64", inputs=["piano"]),
    ]
    for p in mfcc_sets:
        dtype = np.dtype(p.get("dtype", "float32"))
        for name in p.get("inputs", ["piano", "violin"]):
            y = excerpt(signals[name], 1.0).astype(dtype)
            C = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=p["n_mfcc"], n_mels=p["n_mels"], dct_type=p["dct_type"],
                                     norm=p["norm"], lifter=p["lifter"])
            assert C.dtype == dtype
            M = librosa.feature.inverse.mfcc_to_mel(C, n_mels=p.get("inverse_n_mels", p["n_mels"]),
                                                    dct_type=p["dct_type"], norm=p["norm"], ref=p["ref"],
                                                    lifter=p["lifter"])
            assert M.dtype == dtype
            tag = f"{p['name']}_{name}"
            cases["mfcc_to_mel"].append({
                "name": p["name"], "input": name, "dtype": str(dtype), "params": record(p),
                "mfcc": save(f"mfcc_to_mel_input_{tag}", C), "out": save(f"mfcc_to_mel_{tag}", M),
            })

    # mel_to_audio: M = melspectrogram(y, ...), then mel_to_audio with the
    # Griffin-Lim STFT keywords, from zero phase.
    audio_sets = [
        dict(name="default", n_fft=2048, hop_length=512, n_mels=128, power=2.0, gl={}),
        dict(name="n1024_hamming_win800_magnitude_reflect", n_fft=1024, hop_length=256, n_mels=80, power=1.0,
             gl=dict(hop_length=256, win_length=800, window="hamming", pad_mode="reflect", n_iter=16,
                     length=int(DURATION * SR) - 20)),
        dict(name="f64_n512_nocenter_htk", n_fft=512, hop_length=128, n_mels=40, power=2.0, htk=True,
             gl=dict(hop_length=128, center=False, n_iter=8, dtype="float64"), dtype="float64", duration=0.5),
    ]
    for p in audio_sets:
        dtype = np.dtype(p.get("dtype", "float32"))
        mel_kw = {k: p[k] for k in MEL_KEYS if k in p}
        gl = dict(p["gl"])
        if "dtype" in gl:
            gl["dtype"] = np.dtype(gl["dtype"])
        for name in ["piano", "violin"]:
            y = excerpt(signals[name], p.get("duration", DURATION)).astype(dtype)
            M = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=p["n_fft"], hop_length=p["hop_length"],
                                               n_mels=p["n_mels"], power=p["power"], **mel_kw)
            z = librosa.feature.inverse.mel_to_audio(M, sr=SR, n_fft=p["n_fft"], power=p["power"], **gl, **mel_kw)
            tag = f"{p['name']}_{name}"
            cases["mel_to_audio"].append({
                "name": p["name"], "input": name, "dtype": str(dtype), "out_dtype": str(z.dtype),
                "params": record(p), "mel": save(f"mel_to_audio_input_{tag}", M),
                "out": save(f"mel_to_audio_{tag}", z),
            })

    # mfcc_to_audio: C = mfcc(y, ...), then mfcc_to_audio from zero phase.
    mfcc_audio_sets = [
        dict(name="default", n_mfcc=20, n_mels=128, dct_type=2, norm="ortho", lifter=0.0, ref=1.0, n_fft=2048,
             hop_length=512, gl={}),
        dict(name="dct3_nonorm_lifter22_n1024", n_mfcc=13, n_mels=64, dct_type=3, norm=None, lifter=22.0,
             ref=1.0, n_fft=1024, hop_length=256, gl=dict(hop_length=256, n_iter=16)),
        dict(name="f64_n512_m40_ref0.5", n_mfcc=20, n_mels=40, dct_type=2, norm="ortho", lifter=0.0, ref=0.5,
             n_fft=512, hop_length=128, gl=dict(hop_length=128, n_iter=8, dtype="float64"), dtype="float64",
             duration=0.5),
    ]
    for p in mfcc_audio_sets:
        dtype = np.dtype(p.get("dtype", "float32"))
        gl = dict(p["gl"])
        if "dtype" in gl:
            gl["dtype"] = np.dtype(gl["dtype"])
        for name in ["piano", "violin"]:
            y = excerpt(signals[name], p.get("duration", DURATION)).astype(dtype)
            C = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=p["n_mfcc"], n_mels=p["n_mels"], dct_type=p["dct_type"],
                                     norm=p["norm"], lifter=p["lifter"], n_fft=p["n_fft"],
                                     hop_length=p["hop_length"])
            z = librosa.feature.inverse.mfcc_to_audio(C, n_mels=p["n_mels"], dct_type=p["dct_type"],
                                                      norm=p["norm"], ref=p["ref"], lifter=p["lifter"], sr=SR,
                                                      n_fft=p["n_fft"], **gl)
            tag = f"{p['name']}_{name}"
            cases["mfcc_to_audio"].append({
                "name": p["name"], "input": name, "dtype": str(dtype), "out_dtype": str(z.dtype),
                "params": record(p), "mfcc": save(f"mfcc_to_audio_input_{tag}", C),
                "out": save(f"mfcc_to_audio_{tag}", z),
            })

    (OUT / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    size = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"wrote {len(list(OUT.glob('*.npy')))} arrays, {size / 1e6:.2f} MB, to {OUT}")


if __name__ == "__main__":
    main()
