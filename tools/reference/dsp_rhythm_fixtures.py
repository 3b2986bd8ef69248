"""librosa 0.11.0 fixtures for rhythm and remix: feature.tempogram,
feature.fourier_tempogram, feature.tempo, beat.beat_track, beat.plp and
effects.remix, three or more parameter sets each, on the FluidSynth renders
of the repository's assets (piano 21.7 s, violin 12 s) at 22.05 kHz.

Writes audio-dsp/tests/fixtures/rhythm/: the float32 inputs, librosa's onset
envelopes (mean aggregation, as tempogram and tempo compute it, and median,
as beat_track and plp compute it; saved so the rhythm tests do not depend on
our onset strength), each output as .npy in librosa's dtype, and cases.json
with the parameters and the integer results (beat frames). The end-to-end
test (audio-dsp/tests/rhythm_fixtures.rs) also runs beat_track from the
signal with our own onset strength and must find the same beat frames.

    python tools/reference/dsp_rhythm_fixtures.py
"""
import json
import pathlib

import librosa
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "rhythm"
SR = 22050
# The tempograms are stored every STEP-th column (as float32 for the
# autocorrelation tempogram, which librosa returns as float64) to keep the
# fixtures small; every column is computed, and the stored ones compared.
STEP = 7


def save(name, array, dtype=None):
    a = np.asarray(array)
    if dtype is not None:
        a = a.astype(dtype)
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(a))
    return name


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    inputs = {
        "piano": librosa.load(ROOT / "assets" / "audio" / "piano.wav", sr=SR)[0],
        "violin": librosa.load(ROOT / "assets" / "audio" / "violin_melody.wav", sr=SR)[0],
    }
    cases = {"librosa": librosa.__version__, "numpy": np.__version__, "sr": SR, "inputs": {},
             "tempogram": [], "fourier_tempogram": [], "tempo": [], "beat_track": [], "plp": [],
             "remix": []}
    for name, y in inputs.items():
        assert y.dtype == np.float32
        mean_env = librosa.onset.onset_strength(y=y, sr=SR)
        median_env = librosa.onset.onset_strength(y=y, sr=SR, aggregate=np.median)
        env_256 = librosa.onset.onset_strength(y=y, sr=SR, hop_length=256)
        cases["inputs"][name] = {"y": save(f"input_{name}", y), "onset_mean": save(f"onset_mean_{name}", mean_env),
                                 "onset_median": save(f"onset_median_{name}", median_env),
                                 "onset_mean_h256": save(f"onset_mean_h256_{name}", env_256)}
        envs = {"mean": mean_env, "median": median_env, "mean_h256": env_256}

        for i, (env, params) in enumerate((("mean", {}),
                                           ("mean", {"win_length": 256, "norm": None}),
                                           ("mean_h256", {"hop_length": 256, "center": False, "window": "hamming",
                                                          "norm": 2.0}))):
            tg = librosa.feature.tempogram(onset_envelope=envs[env], sr=SR, **params)
            rec = dict(params)
            if "norm" in rec and rec["norm"] is None:
                rec["norm"] = "none"
            cases["tempogram"].append({"input": name, "onset": env, "params": rec,
                                       "columns_step": STEP, "file": save(f"tempogram_{i}_{name}", tg[:, ::STEP], np.float32)})
        for i, (env, params) in enumerate((("mean", {}), ("mean", {"win_length": 256}),
                                           ("mean_h256", {"hop_length": 256, "center": False,
                                                          "window": "hamming"}))):
            ftg = librosa.feature.fourier_tempogram(onset_envelope=envs[env], sr=SR, **params)
            cases["fourier_tempogram"].append({"input": name, "onset": env, "params": params,
                                               "columns_step": STEP, "file": save(f"fourier_tempogram_{i}_{name}", ftg[:, ::STEP])})
        for i, (env, params) in enumerate((("mean", {}),
                                           ("mean", {"start_bpm": 60.0, "std_bpm": 0.5, "ac_size": 4.0}),
                                           ("mean", {"aggregate": None}),
                                           ("mean", {"aggregate": "median", "max_tempo": None}),
                                           ("mean_h256", {"hop_length": 256, "start_bpm": 180.0,
                                                          "max_tempo": 200.0}))):
            kw = dict(params)
            if kw.get("aggregate") == "median":
                kw["aggregate"] = np.median
            t = librosa.feature.tempo(onset_envelope=envs[env], sr=SR, **kw)
            rec = {k: ("none" if v is None else v) for k, v in params.items()}
            cases["tempo"].append({"input": name, "onset": env, "params": rec,
                                   "file": save(f"tempo_{i}_{name}", t)})
        for i, (env, params) in enumerate((("median", {}),
                                           ("median", {"start_bpm": 90.0, "tightness": 400.0}),
                                           ("median", {"trim": False}),
                                           ("median", {"bpm": 100.0, "tightness": 50.0}),
                                           ("mean_h256", {"hop_length": 256, "start_bpm": 150.0}))):
            bpm, beats = librosa.beat.beat_track(onset_envelope=envs[env], sr=SR, **params)
            cases["beat_track"].append({"input": name, "onset": env, "params": params,
                                        "tempo": float(np.atleast_1d(bpm)[0]), "beats": [int(b) for b in beats]})
        # beat_track from the signal (librosa's own median onset envelope
        # inside): the end-to-end case.
        bpm, beats = librosa.beat.beat_track(y=y, sr=SR)
        times = librosa.beat.beat_track(y=y, sr=SR, units="time")[1]
        cases["beat_track"].append({"input": name, "onset": "signal", "params": {},
                                    "tempo": float(np.atleast_1d(bpm)[0]), "beats": [int(b) for b in beats],
                                    "times": [float(t) for t in times]})
        # Time-varying tempo: tempo(aggregate=None) into beat_track(bpm=...).
        dyn = librosa.feature.tempo(onset_envelope=median_env, sr=SR, aggregate=None)
        _, beats = librosa.beat.beat_track(onset_envelope=median_env, sr=SR, bpm=dyn)
        cases["beat_track"].append({"input": name, "onset": "median", "params": {"bpm": "dynamic"},
                                    "tempo_file": save(f"dynamic_tempo_{name}", dyn),
                                    "beats": [int(b) for b in beats]})
        for i, (env, params) in enumerate((("median", {}), ("median", {"tempo_min": 60.0, "tempo_max": 180.0}),
                                           ("median", {"win_length": 256, "tempo_min": None, "tempo_max": None}),
                                           ("mean_h256", {"hop_length": 256}))):
            pulse = librosa.beat.plp(onset_envelope=envs[env], sr=SR, **params)
            rec = {k: ("none" if v is None else v) for k, v in params.items()}
            cases["plp"].append({"input": name, "onset": env, "params": rec,
                                 "file": save(f"plp_{i}_{name}", pulse)})

    # remix: mono and stereo, aligned to zero crossings or not.
    y = inputs["violin"]
    stereo = np.stack([y, inputs["piano"][: len(y)]])
    for i, (sig, intervals, align) in enumerate((
            ("mono", [[44100, 88200], [0, 22050], [132300, 150000]], True),
            ("mono", [[1000, 5000], [5000, 1000], [250000, 300000], [200000, 270000]], False),
            ("stereo", [[22050, 66150], [11025, 22050], [100, 200]], True))):
        x = y if sig == "mono" else stereo
        out = librosa.effects.remix(x, np.asarray(intervals), align_zeros=align)
        cases["remix"].append({"signal": sig, "intervals": intervals, "align_zeros": align,
                               "file": save(f"remix_{i}", out)})
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
