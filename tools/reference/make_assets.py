"""Render the bundled real recordings in `assets/audio/` with FluidSynth.

The family's tests and the README's main job run on real music, not only on
noise: a ~10 s piano piece in C major (a melody over broken chords) written as
MIDI with pretty_midi and rendered by FluidSynth with the FluidR3 General MIDI
soundfont (Debian packages `fluidsynth` and `fluid-soundfont-gm`).

Writes `assets/audio/piano.mid` (the ground truth) and `assets/audio/piano.wav`
(22.05 kHz, mono, 16-bit PCM).

    python tools/reference/make_assets.py
"""

import pathlib
import subprocess
import tempfile

import numpy as np
import pretty_midi
import soundfile as sf

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets" / "audio"
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
SR = 22050


def piano_piece() -> pretty_midi.PrettyMIDI:
    """I-vi-IV-V-I-IV-V-I in C major at 96 bpm: broken chords and a melody."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=96.0)
    piano = pretty_midi.Instrument(program=0, name="piano")
    beat = 60.0 / 96.0
    chords = [
        [48, 55, 60, 64],  # C
        [45, 52, 57, 60],  # Am
        [41, 48, 53, 57],  # F
        [43, 50, 55, 59],  # G
        [48, 55, 60, 64],  # C
        [41, 48, 53, 57],  # F
        [43, 50, 55, 59],  # G
        [48, 55, 60, 64],  # C
    ]
    melody = [
        [76, 74, 72, 74], [72, 71, 69, 71], [69, 72, 77, 76], [74, 71, 67, 71],
        [72, 76, 79, 76], [77, 76, 74, 72], [71, 74, 79, 77], [76, 72, None, None],
    ]
    t = 0.0
    for chord, tune in zip(chords, melody):
        # Left hand: broken chord in eighth notes.
        for i in range(8):
            pitch = chord[[0, 1, 2, 3, 2, 1, 2, 3][i]]
            start = t + i * beat / 2
            piano.notes.append(pretty_midi.Note(velocity=70, pitch=pitch, start=start, end=start + beat / 2 * 0.95))
        # Right hand: quarter-note melody.
        for i, pitch in enumerate(tune):
            if pitch is None:
                continue
            start = t + i * beat
            dur = beat * (2.0 if i == 1 and tune[2] is None else 0.9)
            piano.notes.append(pretty_midi.Note(velocity=92, pitch=pitch, start=start, end=start + dur))
        t += 4 * beat
    # Final chord.
    for pitch in [48, 55, 60, 64, 72]:
        piano.notes.append(pretty_midi.Note(velocity=80, pitch=pitch, start=t, end=t + 2 * beat))
    pm.instruments.append(piano)
    return pm


def render(pm: pretty_midi.PrettyMIDI, midi_path: pathlib.Path, wav_path: pathlib.Path,
           tail: float = 0.5) -> None:
    """Writes `pm` to `midi_path` and its FluidSynth render (mono mean, peak
    0.9, 16-bit, `tail` seconds kept after the last note) to `wav_path`.
    Shared by the other fixture scripts (`from make_assets import render`)."""
    pm.write(str(midi_path))
    with tempfile.TemporaryDirectory() as tmp:
        raw = pathlib.Path(tmp) / "render.wav"
        subprocess.run(
            ["fluidsynth", "-ni", "-g", "0.8", "-R", "0", "-C", "0", "-r", str(SR),
             "-F", str(raw), SOUNDFONT, str(midi_path)],
            check=True, capture_output=True,
        )
        audio, sr = sf.read(raw, dtype="float64", always_2d=True)
    assert sr == SR, sr
    mono = audio.mean(axis=1)
    # Trim the synthesiser's release tail to `tail` s after the last note.
    end = int((pm.get_end_time() + tail) * SR)
    mono = mono[:end]
    mono = 0.9 * mono / np.max(np.abs(mono))
    sf.write(wav_path, mono, SR, subtype="PCM_16")


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    render(piano_piece(), ASSETS / "piano.mid", ASSETS / "piano.wav")
    print("wrote", ASSETS / "piano.mid", ASSETS / "piano.wav")


if __name__ == "__main__":
    main()
