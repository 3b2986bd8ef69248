"""Basic Pitch fixtures: onnxruntime posteriorgrams of `nmp.onnx` and the
Python pipeline's note events, on FluidSynth renders.

Renders (pretty_midi + FluidSynth, FluidR3 GM, 22.05 kHz mono 16-bit):
- `assets/audio/piano_short.{wav,mid}`: a ~10 s piano piece (the README's
  main job transcribes it);
- `audio-models/tests/fixtures/basic_pitch/guitar.{wav,mid}`: a 5 s
  nylon-guitar arpeggio with a melody;
and uses the existing `assets/audio/piano.{wav,mid}` (21.7 s).

Writes to `audio-models/tests/fixtures/basic_pitch/`:
- `window_piano_w1_{note,onset,contour}.npy`: `Model.predict` (onnxruntime,
  `nmp.onnx`) on window 1 of `piano.wav` as `get_audio_input` cuts it;
- `unwrapped_guitar_{note,onset}.npy`: `run_inference` on `guitar.wav`;
- `notes_{piano,piano_short,guitar}.json`: `predict`'s note events with the
  default options (onset 0.5, frame 0.3, 127.70 ms, melodia, pitch bends)
  plus the frame indices from `output_to_notes_polyphonic`, and mir_eval's
  note-level onset scores (`precision_recall_f1_overlap`, `offset_ratio=None`)
  against the ground-truth MIDI.

Also renders four held-out piano pieces (seeds 101..104, not committed, not
used for tuning) to /tmp/basic_pitch_eval and prints their mir_eval scores
(`--eval`), the figures in `docs/src/audio-models.md`.

    /work/refenv/bin/python tools/reference/basic_pitch_fixtures.py [--eval]

The basic-pitch 0.4.0 wheel is unpacked at `BASIC_PITCH_WHEEL`
(default `/work/bp/wheel`); its package is imported from there (onnxruntime
backend, no TensorFlow).
"""

import json
import os
import pathlib
import sys

import mir_eval
import numpy as np
import pretty_midi

from make_assets import render  # noqa: E402  (same directory)

sys.path.insert(0, os.environ.get("BASIC_PITCH_WHEEL", "/work/bp/wheel"))
try:
    import resampy  # noqa: F401  (only basic_pitch's sonification uses it)
except ImportError:
    import types

    sys.modules["resampy"] = types.ModuleType("resampy")
from basic_pitch import ICASSP_2022_MODEL_PATH  # noqa: E402
from basic_pitch import inference, note_creation  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets" / "audio"
FIX = ROOT / "audio-models" / "tests" / "fixtures" / "basic_pitch"
SR = 22050
ONNX = str(pathlib.Path(ICASSP_2022_MODEL_PATH).with_suffix(".onnx"))




def piano_short():
    """A 10 s piece in G major at 120 bpm: a melody over bass and fifths."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    piano = pretty_midi.Instrument(program=0, name="piano")
    beat = 60.0 / 120.0
    bass = [43, 40, 36, 38, 43]
    tune = [[71, 74, 79, 78], [76, 74, 72, 71], [72, 76, 79, 76], [74, 78, 81, 78], [79]]
    t = 0.0
    for b, bar in zip(bass, tune):
        piano.notes.append(pretty_midi.Note(velocity=75, pitch=b, start=t, end=t + 2 * beat * 0.95))
        piano.notes.append(pretty_midi.Note(velocity=68, pitch=b + 7, start=t + 2 * beat, end=t + 4 * beat * 0.95))
        for i, p in enumerate(bar):
            dur = beat * (0.85 if len(bar) > 1 else 3.0)
            piano.notes.append(pretty_midi.Note(velocity=90, pitch=p, start=t + i * beat, end=t + i * beat + dur))
        t += 4 * beat * (1 if len(bar) > 1 else 0)
    pm.instruments.append(piano)
    return pm


def guitar():
    """5 s of nylon guitar: Am - F - C - G arpeggios under a held melody."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    gtr = pretty_midi.Instrument(program=24, name="guitar")
    chords = [[45, 52, 57, 60], [41, 48, 53, 57], [48, 52, 55, 60], [43, 50, 55, 59]]
    melody = [76, 72, 79, 74]
    t = 0.0
    for chord, m in zip(chords, melody):
        for i in range(4):
            p = chord[i]
            gtr.notes.append(pretty_midi.Note(velocity=80, pitch=p, start=t + i * 0.25, end=t + 1.0))
        gtr.notes.append(pretty_midi.Note(velocity=95, pitch=m, start=t, end=t + 0.95))
        t += 1.0
    gtr.notes.append(pretty_midi.Note(velocity=90, pitch=69, start=t, end=t + 0.5))
    pm.instruments.append(gtr)
    return pm


def random_piano(seed, seconds=15.0):
    """A held-out piece: random diatonic melody over random triads (seeded)."""
    rng = np.random.default_rng(seed)
    tempo = float(rng.integers(80, 140))
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    piano = pretty_midi.Instrument(program=int(rng.choice([0, 1, 2])), name="piano")
    beat = 60.0 / tempo
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    root = int(rng.integers(55, 65))
    t = 0.0
    while t < seconds - 2 * beat:
        deg = int(rng.integers(0, 7))
        triad = [root - 12 + scale[(deg + k) % 7] + 12 * ((deg + k) // 7) for k in (0, 2, 4)]
        for p in triad:
            piano.notes.append(pretty_midi.Note(velocity=int(rng.integers(55, 80)), pitch=int(p),
                                                start=t, end=t + 2 * beat * 0.9))
        s = t
        while s < t + 2 * beat - 1e-9:
            dur = beat * float(rng.choice([0.5, 1.0]))
            p = root + 12 + int(scale[int(rng.integers(0, 7))])
            piano.notes.append(pretty_midi.Note(velocity=int(rng.integers(75, 110)), pitch=p,
                                                start=s, end=s + dur * 0.9))
            s += dur
        t += 2 * beat
    pm.instruments.append(piano)
    return pm


def reference_notes(mid_path):
    pm = pretty_midi.PrettyMIDI(str(mid_path))
    notes = [n for inst in pm.instruments for n in inst.notes]
    iv = np.array([[n.start, n.end] for n in notes])
    pitches = np.array([pretty_midi.note_number_to_hz(n.pitch) for n in notes])
    return iv, pitches


def scores(mid_path, events):
    ref_iv, ref_p = reference_notes(mid_path)
    est_iv = np.array([[e[0], e[1]] for e in events]).reshape(-1, 2)
    est_p = np.array([pretty_midi.note_number_to_hz(e[2]) for e in events])
    p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref_iv, ref_p, est_iv, est_p, offset_ratio=None)
    return {"precision": p, "recall": r, "f_measure": f}


def transcribe(model, wav_path):
    out, _, events = inference.predict(str(wav_path), model)
    frames = note_creation.output_to_notes_polyphonic(
        out["note"].copy(), out["onset"].copy(), onset_thresh=0.5, frame_thresh=0.3,
        min_note_len=11, infer_onsets=True, max_freq=None, min_freq=None, melodia_trick=True)
    assert len(frames) == len(events)
    return out, events, frames


def notes_json(name, wav_path, mid_path, model):
    _, events, frames = transcribe(model, wav_path)
    rows = []
    for (s, e, p, a, b), (fs, fe, fp, fa) in zip(events, frames):
        assert p == fp
        rows.append({"start_frame": int(fs), "end_frame": int(fe), "start_time_s": float(s),
                     "end_time_s": float(e), "pitch_midi": int(p), "amplitude": float(a),
                     "pitch_bends": [int(x) for x in b] if b is not None else None})
    doc = {"audio": str(pathlib.Path(wav_path).relative_to(ROOT)),
           "reference_midi": str(pathlib.Path(mid_path).relative_to(ROOT)),
           "options": {"onset_threshold": 0.5, "frame_threshold": 0.3, "min_note_len": 11,
                       "infer_onsets": True, "melodia_trick": True, "pitch_bends": True},
           "notes": rows, "mir_eval_onset_scores": scores(mid_path, events)}
    (FIX / f"notes_{name}.json").write_text(json.dumps(doc, indent=1))
    print(name, len(rows), "notes", doc["mir_eval_onset_scores"])


def main():
    FIX.mkdir(parents=True, exist_ok=True)
    model = inference.Model(ONNX)
    if "--eval" in sys.argv:
        out = pathlib.Path("/tmp/basic_pitch_eval")
        out.mkdir(exist_ok=True)
        for seed in (101, 102, 103, 104):
            mid, wav = out / f"heldout_{seed}.mid", out / f"heldout_{seed}.wav"
            render(random_piano(seed), mid, wav)
            _, events, _ = transcribe(model, wav)
            print(f"heldout_{seed}", len(events), "notes", scores(mid, events))
        return
    render(piano_short(), ASSETS / "piano_short.mid", ASSETS / "piano_short.wav")
    render(guitar(), FIX / "guitar.mid", FIX / "guitar.wav")
    # Posteriorgrams of one window of piano.wav.
    n_overlap = 30
    overlap_len = n_overlap * 256
    hop = 43844 - overlap_len
    windows = [w for w, _, _ in inference.get_audio_input(str(ASSETS / "piano.wav"), overlap_len, hop)]
    pred = model.predict(windows[1])
    for k in ("note", "onset", "contour"):
        np.save(FIX / f"window_piano_w1_{k}.npy", pred[k][0].astype(np.float32))
    out = inference.run_inference(str(FIX / "guitar.wav"), model)
    for k in ("note", "onset"):
        np.save(FIX / f"unwrapped_guitar_{k}.npy", out[k].astype(np.float32))
    notes_json("piano", ASSETS / "piano.wav", ASSETS / "piano.mid", model)
    notes_json("piano_short", ASSETS / "piano_short.wav", ASSETS / "piano_short.mid", model)
    notes_json("guitar", FIX / "guitar.wav", FIX / "guitar.mid", model)


if __name__ == "__main__":
    main()
