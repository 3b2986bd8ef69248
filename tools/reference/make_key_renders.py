"""Render short pieces in known keys with FluidSynth for the key-estimation test.

Each case is a scale (up an octave, eighth notes) followed by a cadence
(I-IV-V-I in major, i-iv-V-i with the harmonic minor's major dominant in
minor) in block chords with the tonic in the bass, on a General MIDI
instrument of the FluidR3 soundfont. 16 cases: 8 major and 8 minor keys over
different tonics and 6 instruments.

Writes `audio-dsp/tests/fixtures/key/<name>.wav` (11.025 kHz, mono,
16-bit PCM, 3 s each: about 66 kB) and `keys.json` (name, tonic pitch class,
mode, program, and the key that librosa's chroma_stft + the same
Krumhansl-Kessler correlation gives, as a cross-check of the labels).

    /work/refenv/bin/python tools/reference/make_key_renders.py
"""

import json
import pathlib
import subprocess
import tempfile

import librosa
import numpy as np
import pretty_midi
import soundfile as sf

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "key"
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
SR = 11025
SECONDS = 3.0
NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
MAJOR = [0, 2, 4, 5, 7, 9, 11, 12]
MINOR = [0, 2, 3, 5, 7, 8, 10, 12]
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

# (tonic pitch class, mode, GM program, base octave MIDI of the tonic)
CASES = [
    (0, "major", 0, 60),    # C major, acoustic grand
    (7, "major", 19, 55),   # G major, church organ
    (2, "major", 48, 62),   # D major, strings
    (9, "major", 24, 57),   # A major, nylon guitar
    (4, "major", 73, 64),   # E major, flute
    (5, "major", 0, 53),    # F major, piano
    (10, "major", 19, 58),  # Bb major, organ
    (3, "major", 48, 63),   # Eb major, strings
    (9, "minor", 0, 57),    # A minor, piano
    (4, "minor", 48, 52),   # E minor, strings
    (2, "minor", 19, 62),   # D minor, organ
    (7, "minor", 24, 55),   # G minor, guitar
    (0, "minor", 73, 60),   # C minor, flute
    (11, "minor", 0, 59),   # B minor, piano
    (6, "minor", 48, 54),   # F# minor, strings
    (5, "minor", 4, 53),    # F minor, electric piano
]


def piece(tonic_midi, mode, program):
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    inst = pretty_midi.Instrument(program=program)
    scale = MAJOR if mode == "major" else MINOR
    t = 0.0
    step = 0.18
    for s in scale:
        inst.notes.append(pretty_midi.Note(velocity=85, pitch=tonic_midi + s, start=t, end=t + step * 0.95))
        t += step
    # Cadence: chords as scale-degree triads (semitones above the tonic).
    if mode == "major":
        chords = [[0, 4, 7], [5, 9, 12], [7, 11, 14], [0, 4, 7]]
    else:
        chords = [[0, 3, 7], [5, 8, 12], [7, 11, 14], [0, 3, 7]]
    dur = (SECONDS - t - 0.1) / 4
    for chord in chords:
        bass = tonic_midi - 12 + chord[0]
        inst.notes.append(pretty_midi.Note(velocity=80, pitch=bass, start=t, end=t + dur * 0.95))
        for c in chord:
            inst.notes.append(pretty_midi.Note(velocity=80, pitch=tonic_midi + c, start=t, end=t + dur * 0.95))
        t += dur
    pm.instruments.append(inst)
    return pm


def render(pm, wav_path):
    with tempfile.TemporaryDirectory() as tmp:
        mid = pathlib.Path(tmp) / "piece.mid"
        raw = pathlib.Path(tmp) / "render.wav"
        pm.write(str(mid))
        subprocess.run(
            ["fluidsynth", "-ni", "-g", "0.8", "-R", "0", "-C", "0", "-r", str(SR),
             "-F", str(raw), SOUNDFONT, str(mid)],
            check=True, capture_output=True,
        )
        audio, sr = sf.read(raw, dtype="float64", always_2d=True)
    assert sr == SR, sr
    mono = audio.mean(axis=1)[: int(SECONDS * SR)]
    mono = 0.9 * mono / np.max(np.abs(mono))
    sf.write(wav_path, mono, SR, subtype="PCM_16")
    return mono


def kk_key(chroma):
    profile = chroma.mean(axis=1)
    scores = []
    for prof in (KK_MAJOR, KK_MINOR):
        for tonic in range(12):
            scores.append(np.corrcoef(profile, np.roll(prof, tonic))[0, 1])
    best = int(np.argmax(scores))
    return best % 12, "major" if best < 12 else "minor"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    entries = []
    for tonic, mode, program, base in CASES:
        name = f"{NAMES[tonic].replace('#', 's')}_{mode}_p{program}"
        y = render(piece(base, mode, program), OUT / f"{name}.wav")
        y, _ = sf.read(OUT / f"{name}.wav", dtype="float64")
        chroma = librosa.feature.chroma_stft(y=y, sr=SR, tuning=0.0)
        est = kk_key(chroma)
        entries.append({"name": name, "wav": f"{name}.wav", "tonic": tonic, "mode": mode, "program": program,
                        "librosa_chroma_kk": {"tonic": est[0], "mode": est[1]}})
        print(name, "->", NAMES[est[0]], est[1], "" if est == (tonic, mode) else "  MISMATCH")
    (OUT / "keys.json").write_text(json.dumps({"sr": SR, "cases": entries}, indent=1))


if __name__ == "__main__":
    main()
