"""python-soxr / librosa 0.11 fixtures for audio-dsp's soxr resampler
(`ResampleMethod::SoxrHq`, `SoxrVhq`, `SoxrMq`, `SoxrLq`) and for
`audio_io::load(sr=...)`.

Renders `assets/audio/song_44k_stereo.wav` (if missing): 3 s of a flute
melody over bass, piano chords, hi-hat and crash cymbals, written as a MIDI
file here and rendered by FluidSynth with FluidR3_GM (MIT) at 44.1 kHz,
stereo, 16-bit — the "44.1 kHz stereo song with cymbals and flute" of the
load check. Then writes audio-dsp/tests/fixtures/soxr/:

- `input_f32` / `input_f64`: 0.4 s of the song from 0.5 s, mono (librosa.to_mono),
  float32, and the same as float64;
- `soxr.resample(x, 44100, rate, quality)` for several target rates
  (integer, rational and irrational ratios, up and down) and every quality;
  HQ/MQ/LQ from the float32 input (soxr's float32 engine), VHQ from the
  float64 input (soxr's float64 engine);
- `librosa.load(song, sr=22050)` and `librosa.load(song, sr=16000)` (mono
  float32, soxr_hq inside), and `librosa.resample(..., res_type=...)` cases
  for its `ceil` output length;
- cases.json.

    python tools/reference/dsp_soxr_fixtures.py
"""
import json
import pathlib
import struct
import subprocess
import tempfile

import librosa
import numpy as np
import soundfile as sf
import soxr

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-dsp" / "tests" / "fixtures" / "soxr"
SONG = ROOT / "assets" / "audio" / "song_44k_stereo.wav"
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def write_midi(path):
    """A type-0 MIDI file, 480 ticks per beat at 120 BPM (3 s = 6 beats)."""
    events = []  # (tick, bytes)

    def note(tick, dur, ch, key, vel):
        events.append((tick, bytes([0x90 | ch, key, vel])))
        events.append((tick + dur, bytes([0x80 | ch, key, 0])))

    events.append((0, bytes([0xC0, 73])))   # ch 0: flute
    events.append((0, bytes([0xC1, 33])))   # ch 1: finger bass
    events.append((0, bytes([0xC2, 0])))    # ch 2: piano
    for i, key in enumerate([72, 74, 76, 79, 81, 79, 76, 74, 72, 76, 79, 84]):
        note(i * 240, 230, 0, key, 100)
    for i, key in enumerate([36, 43, 41, 43, 36, 43]):
        note(i * 480, 460, 1, key, 110)
    for i, chord in enumerate([(60, 64, 67), (65, 69, 72), (67, 71, 74)]):
        for key in chord:
            note(i * 960, 900, 2, key, 70)
    for i in range(24):
        note(i * 120, 60, 9, 42, 90)        # closed hi-hat
    for tick in (0, 1440):
        note(tick, 400, 9, 49, 120)         # crash cymbal
    events.sort(key=lambda e: e[0])
    track = bytearray(b"\x00\xff\x51\x03\x07\xa1\x20")  # 500000 us per beat
    last = 0
    for tick, data in events:
        track += vlq(tick - last) + data
        last = tick
    track += b"\x00\xff\x2f\x00"
    path.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track)


def render_song():
    with tempfile.TemporaryDirectory() as tmp:
        mid = pathlib.Path(tmp) / "song.mid"
        wav = pathlib.Path(tmp) / "song.wav"
        write_midi(mid)
        subprocess.run(["fluidsynth", "-ni", "-g", "0.6", "-r", "44100", "-F", str(wav), SF2, str(mid)],
                       check=True, capture_output=True)
        y, sr = sf.read(wav, dtype="float32")
        assert sr == 44100 and y.shape[1] == 2
        sf.write(SONG, y[: 3 * sr], sr, subtype="PCM_16")


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(array))
    return name


def main():
    if not SONG.exists():
        render_song()
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.glob("*.npy"):
        f.unlink()
    stereo, sr = sf.read(SONG, dtype="float32", always_2d=True)
    mono = librosa.to_mono(stereo.T)[sr // 2: sr // 2 + 2 * sr // 5]
    cases = {"soxr": soxr.__version__, "libsoxr": soxr.__libsoxr_version__, "librosa": librosa.__version__,
             "sr": sr, "input_f32": save("input_f32", mono), "input_f64": save("input_f64", mono.astype(np.float64)),
             "resample": [], "load": [], "librosa_resample": []}
    rates = [22050, 16000, 48000, 8000, 11025, 32000, 96000, 44100 * 2 ** (-3 / 12), 44100 / 1.3]
    for rate in rates:
        for quality in ("HQ", "VHQ", "MQ", "LQ"):
            x = mono.astype(np.float64) if quality == "VHQ" else mono
            y = soxr.resample(x, sr, rate, quality)
            name = f"soxr_{quality}_{rate:.4f}".replace(".", "p")
            cases["resample"].append({"quality": quality, "in_rate": sr, "out_rate": rate,
                                      "input": "input_f64" if quality == "VHQ" else "input_f32",
                                      "file": save(name, y)})
    for target in (22050, 16000):
        y, _ = librosa.load(SONG, sr=target, mono=True)
        cases["load"].append({"sr": target, "file": save(f"load_{target}", y)})
    for res_type, target in (("soxr_hq", 22050), ("soxr_vhq", 16000), ("soxr_mq", 11025), ("soxr_lq", 48000)):
        y = librosa.resample(mono, orig_sr=sr, target_sr=target, res_type=res_type)
        cases["librosa_resample"].append({"res_type": res_type, "target_sr": target,
                                          "file": save(f"librosa_{res_type}_{target}", y)})
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
