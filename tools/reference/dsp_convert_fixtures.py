"""Unit-conversion fixtures (librosa 0.11.0).

Writes audio-dsp/tests/fixtures/convert/convert.json: librosa's own outputs of
midi_to_hz, hz_to_midi, note_to_midi, note_to_hz, midi_to_note (default,
cents, unicode without octave), hz_to_note and the frames/samples/time
conversions, for the inputs audio-dsp/tests/convert_fixtures.rs feeds to
audio_dsp's functions of the same names.

    ~/audio-refenv/bin/python tools/reference/dsp_convert_fixtures.py
"""

import json
import pathlib

import librosa

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "convert"

MIDI = [0.0, 12.0, 24.0, 45.5, 57.0, 60.0, 61.0, 69.0, 69.15, 81.0, 108.0, 127.0]
HZ = [8.175798915643707, 27.5, 110.0, 261.6255653005986, 440.0, 443.0, 1000.0, 4186.009]
NAMES = ["C", "C4", "c4", "C#4", "C\u266f4", "Db4", "D\u266d4", "D!4",
         "C\U0001D12A4", "E\U0001D12B4", "F\u266e4", "B#3", "Cb4", "C-1", "A-2",
         "G10", "A4+15", "A4-50", "C+4"]
NOTE_MIDI = [-13.0, -1.0, 0.0, 60.0, 60.29, 60.5, 61.0, 61.5, 68.7, 69.0, 69.15, 127.0]
FRAMES = [0, 1, 10, 43, 1000]
SAMPLES = [-1, 0, 5119, 5120, 22050]
TIMES = [-0.00001, 0.0, 0.5, 1.0, 2.3219954648526078]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    out = {
        "librosa": librosa.__version__,
        "midi_to_hz": [[m, float(librosa.midi_to_hz(m))] for m in MIDI],
        "hz_to_midi": [[f, float(librosa.hz_to_midi(f))] for f in HZ],
        "note_to_midi": [[n, float(librosa.note_to_midi(n, round_midi=False))] for n in NAMES],
        "note_to_hz": [[n, float(librosa.note_to_hz(n))] for n in ["A4", "A5", "C4", "C#4"]],
        "midi_to_note": [[m, librosa.midi_to_note(m, unicode=False)] for m in NOTE_MIDI],
        "midi_to_note_cents": [[m, librosa.midi_to_note(m, cents=True, unicode=False)]
                               for m in NOTE_MIDI],
        "midi_to_note_unicode_no_octave": [[m, librosa.midi_to_note(m, octave=False, unicode=True)]
                                           for m in NOTE_MIDI],
        "hz_to_note": [[f, librosa.hz_to_note(f, unicode=False)] for f in HZ],
        "frames_to_samples": [[f, hop, n_fft, int(librosa.frames_to_samples(f, hop_length=hop, n_fft=n_fft))]
                              for f in FRAMES for hop, n_fft in [(512, None), (512, 2048), (256, None)]],
        "samples_to_frames": [[s, hop, n_fft, int(librosa.samples_to_frames(s, hop_length=hop, n_fft=n_fft))]
                              for s in SAMPLES for hop, n_fft in [(512, None), (512, 2048)]],
        "frames_to_time": [[f, sr, hop, n_fft, float(librosa.frames_to_time(f, sr=sr, hop_length=hop, n_fft=n_fft))]
                           for f in FRAMES for sr, hop, n_fft in [(22050, 512, None), (44100, 1024, 2048)]],
        "time_to_frames": [[t, sr, hop, n_fft, int(librosa.time_to_frames(t, sr=sr, hop_length=hop, n_fft=n_fft))]
                           for t in TIMES for sr, hop, n_fft in [(22050, 512, None), (22050, 512, 2048)]],
        "time_to_samples": [[t, sr, int(librosa.time_to_samples(t, sr=sr))]
                            for t in TIMES for sr in [22050, 16000]],
        "samples_to_time": [[s, sr, float(librosa.samples_to_time(s, sr=sr))]
                            for s in SAMPLES for sr in [22050, 16000]],
    }
    (OUT / "convert.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
