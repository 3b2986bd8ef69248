"""Golden fixtures for audio-dsp's chroma, onset and pitch functions, written
by librosa 0.11.0 on real recordings.

Inputs (read with soundfile as float64, i.e. 16-bit PCM / 32768):
- `assets/audio/piano.wav`: the bundled 21.7 s FluidSynth piano render
  (chroma_stft, estimate_tuning, onset_strength, onset_detect, and pyin on a
  polyphonic excerpt);
- `assets/audio/violin_melody.wav`: a monophonic violin melody (FluidR3 GM
  program 40, with rests so there are unvoiced frames) written here as MIDI
  (`violin_melody.mid`) and rendered with FluidSynth at 22.05 kHz, mono,
  16-bit (yin, pyin).

Output: `audio-dsp/tests/fixtures/onset_pitch/*.npy` and `cases.json`
(parameters and file names of every case). The Rust tests read the WAVs
themselves (with hound), so the signals are not duplicated as .npy.

    /work/refenv/bin/python tools/reference/dsp_onset_pitch_fixtures.py
"""

import json
import pathlib

import librosa
import numpy as np
import pretty_midi
import soundfile as sf

from make_assets import render as render_midi  # noqa: E402  (same directory)

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets" / "audio"
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "onset_pitch"
SR = 22050

cases = []


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(array))
    return f"{name}.npy"


def violin_melody() -> pretty_midi.PrettyMIDI:
    """A legato violin tune in D major at 100 bpm with two rests and a leap."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=100.0)
    violin = pretty_midi.Instrument(program=40, name="violin")
    beat = 60.0 / 100.0
    # (pitch or None for a rest, length in beats)
    tune = [(62, 1), (66, 1), (69, 1), (74, 1.5), (73, 0.5), (71, 1), (69, 1), (None, 1),
            (67, 0.5), (69, 0.5), (71, 1), (74, 1), (79, 2), (None, 0.5),
            (78, 0.5), (76, 0.5), (74, 0.5), (73, 1), (64, 1), (62, 2)]
    t = 0.25
    for pitch, length in tune:
        if pitch is not None:
            violin.notes.append(pretty_midi.Note(velocity=90, pitch=pitch, start=t, end=t + length * beat * 0.97))
        t += length * beat
    pm.instruments.append(violin)
    return pm


def render(pm, midi_path, wav_path):
    """make_assets.render with a 0.4 s release tail."""
    render_midi(pm, midi_path, wav_path, tail=0.4)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    melody_wav = ASSETS / "violin_melody.wav"
    if not melody_wav.exists():
        render(violin_melody(), ASSETS / "violin_melody.mid", melody_wav)
    piano, sr = sf.read(ASSETS / "piano.wav", dtype="float64")
    assert sr == SR
    melody, sr = sf.read(melody_wav, dtype="float64")
    assert sr == SR

    # Chroma filterbanks (float64 so the filterbank itself is compared exactly).
    for p in [
        dict(name="default", sr=22050, n_fft=2048, n_chroma=12, tuning=0.0, ctroct=5.0, octwidth=2, norm=2, base_c=True),
        dict(name="odd", sr=44100, n_fft=1024, n_chroma=36, tuning=0.3, ctroct=4.0, octwidth=1.5, norm="inf", base_c=False),
        dict(name="flat", sr=16000, n_fft=1000, n_chroma=7, tuning=-0.25, ctroct=5.0, octwidth=None, norm=None, base_c=True),
    ]:
        kw = {k: v for k, v in p.items() if k != "name"}
        if kw["norm"] == "inf":
            kw["norm"] = np.inf
        fb = librosa.filters.chroma(dtype=np.float64, **kw)
        cases.append({"fn": "chroma_filters", "params": p, "out": save(f"chromafb_{p['name']}", fb)})

    # estimate_tuning of the piano's power spectrogram.
    S = np.abs(librosa.stft(piano, n_fft=2048, hop_length=512)) ** 2
    tuning = float(librosa.estimate_tuning(S=S, sr=SR, bins_per_octave=12))
    cases.append({"fn": "estimate_tuning", "n_fft": 2048, "hop_length": 512, "tuning": tuning})

    # chroma_stft on the piano (librosa's default float32 filterbank).
    for p in [
        dict(name="default", n_fft=2048, hop_length=512, tuning=None, n_chroma=12, norm="inf", octwidth=2, base_c=True),
        dict(name="n4096_l2", n_fft=4096, hop_length=1024, tuning=0.0, n_chroma=12, norm=2, octwidth=2, base_c=True),
        dict(name="c24_raw", n_fft=2048, hop_length=1024, tuning=-0.2, n_chroma=24, norm=None, octwidth=None, base_c=False),
    ]:
        kw = {k: v for k, v in p.items() if k != "name"}
        if kw["norm"] == "inf":
            kw["norm"] = np.inf
        C = librosa.feature.chroma_stft(y=piano, sr=SR, **kw)
        cases.append({"fn": "chroma_stft", "params": p, "out": save(f"chroma_stft_{p['name']}", C)})

    # onset_strength on the piano.
    onset_sets = [
        dict(name="default", lag=1, max_size=1, detrend=False, center=True, aggregate="mean", n_fft=2048, hop_length=512, n_mels=128),
        dict(name="lag2_max3", lag=2, max_size=3, detrend=False, center=True, aggregate="mean", n_fft=2048, hop_length=512, n_mels=128),
        dict(name="nocenter_detrend", lag=1, max_size=1, detrend=True, center=False, aggregate="mean", n_fft=2048, hop_length=512, n_mels=128),
        dict(name="median_hop256", lag=1, max_size=5, detrend=False, center=True, aggregate="median", n_fft=1024, hop_length=256, n_mels=64),
    ]
    envs = {}
    for p in onset_sets:
        agg = np.median if p["aggregate"] == "median" else np.mean
        env = librosa.onset.onset_strength(
            y=piano, sr=SR, lag=p["lag"], max_size=p["max_size"], detrend=p["detrend"], center=p["center"],
            aggregate=agg, n_fft=p["n_fft"], hop_length=p["hop_length"], n_mels=p["n_mels"])
        envs[p["name"]] = env
        cases.append({"fn": "onset_strength", "params": p, "out": save(f"onset_strength_{p['name']}", env)})

    # onset_strength_multi: per band-range channels (boundaries, pad=False).
    for p in [
        dict(name="bands5", channels=[0, 16, 40, 80, 128], lag=1, max_size=1, aggregate="mean", detrend=False),
        dict(name="median_max3_detrend", channels=[128, 0, 64, 64, 100], lag=2, max_size=3, aggregate="median", detrend=True),
    ]:
        agg = np.median if p["aggregate"] == "median" else np.mean
        multi = librosa.onset.onset_strength_multi(y=piano, sr=SR, channels=p["channels"], lag=p["lag"],
                                                   max_size=p["max_size"], aggregate=agg, detrend=p["detrend"])
        cases.append({"fn": "onset_strength_multi", "params": p, "out": save(f"onset_strength_multi_{p['name']}", multi)})

    # onset_detect: on the signal and on the envelopes above.
    det = [
        dict(name="default", envelope="default", hop_length=512, backtrack=False, normalize=True, peak=None, units="frames"),
        dict(name="backtrack", envelope="default", hop_length=512, backtrack=True, normalize=True, peak=None, units="frames"),
        dict(name="hop256_time", envelope="median_hop256", hop_length=256, backtrack=False, normalize=True, peak=None, units="time"),
        dict(name="hop256_backtrack_samples", envelope="median_hop256", hop_length=256, backtrack=True, normalize=True, peak=None, units="samples"),
        dict(name="custom_peaks", envelope="lag2_max3", hop_length=512, backtrack=False, normalize=True,
             peak=dict(pre_max=3, post_max=3, pre_avg=10, post_avg=10, delta=0.05, wait=4), units="frames"),
    ]
    for p in det:
        kw = dict(p["peak"] or {})
        out = librosa.onset.onset_detect(onset_envelope=envs[p["envelope"]], sr=SR, hop_length=p["hop_length"],
                                         backtrack=p["backtrack"], normalize=p["normalize"], units=p["units"], **kw)
        cases.append({"fn": "onset_detect", "params": p, "out": save(f"onset_detect_{p['name']}", out)})
    # The one-call form on the signal (librosa computes the default envelope itself).
    frames = librosa.onset.onset_detect(y=piano, sr=SR)
    cases.append({"fn": "onset_detect_signal", "out": save("onset_detect_signal", frames)})

    # yin / pyin on the violin melody (and pyin on a polyphonic piano excerpt).
    c2, c7 = librosa.note_to_hz("C2"), librosa.note_to_hz("C7")
    for p in [
        dict(name="default", input="melody", fmin=c2, fmax=c7, frame_length=2048, hop_length=None, trough_threshold=0.1, center=True, pad_mode="constant"),
        dict(name="short_nocenter", input="melody", fmin=100.0, fmax=1500.0, frame_length=1024, hop_length=256, trough_threshold=0.2, center=False, pad_mode="constant"),
        dict(name="reflect_piano", input="piano", fmin=80.0, fmax=1000.0, frame_length=2048, hop_length=441, trough_threshold=0.1, center=True, pad_mode="reflect"),
    ]:
        y = melody if p["input"] == "melody" else piano
        kw = {k: v for k, v in p.items() if k not in ("name", "input")}
        f0 = librosa.yin(y, sr=SR, **kw)
        cases.append({"fn": "yin", "params": p, "out": save(f"yin_{p['name']}", f0)})

    for p in [
        dict(name="default", input="melody", fmin=c2, fmax=c7, frame_length=2048, hop_length=None, resolution=0.1, switch_prob=0.01, fill_na="nan", center=True),
        dict(name="res02_short", input="melody", fmin=100.0, fmax=1600.0, frame_length=1024, hop_length=None, resolution=0.2, switch_prob=0.02, fill_na=None, center=True),
        dict(name="piano_excerpt", input="piano_excerpt", fmin=c2, fmax=c7, frame_length=2048, hop_length=None, resolution=0.1, switch_prob=0.01, fill_na="nan", center=True),
    ]:
        y = {"melody": melody, "piano_excerpt": piano[: 8 * SR]}[p["input"]]
        kw = {k: v for k, v in p.items() if k not in ("name", "input", "fill_na")}
        f0, vflag, vprob = librosa.pyin(y, sr=SR, fill_na=np.nan if p["fill_na"] == "nan" else None, **kw)
        cases.append({"fn": "pyin", "params": p, "f0": save(f"pyin_{p['name']}_f0", f0),
                      "voiced_flag": save(f"pyin_{p['name']}_voiced", vflag.astype(np.uint8)),
                      "voiced_prob": save(f"pyin_{p['name']}_prob", vprob)})

    meta = {"librosa": librosa.__version__, "sr": SR, "piano": "assets/audio/piano.wav",
            "melody": "assets/audio/violin_melody.wav", "cases": cases}
    (OUT / "cases.json").write_text(json.dumps(meta, indent=1))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
