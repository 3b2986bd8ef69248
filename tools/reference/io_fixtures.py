"""Golden fixtures for `audio-io` (decoding, load, MIDI, piano rolls, weights).

Reference stack: soundfile 0.13 / libsndfile 1.2.2 (with mpg123, LAME and
libvorbis), librosa 0.11.0, pretty_midi, torch. Writes into
`audio-io/tests/fixtures/`:

- `mir_eval_wav/`: copies of every WAV in mir_eval's test data (MIT, LICENSE
  beside them; 40 files, ~830 kB) and `mir_eval_wav.json`: per file the rate,
  channels, frames and an FNV-1a-64 hash of the interleaved float32 samples
  `soundfile.read(dtype="float32")` returns (plus the first samples, for
  readable failures). Bit-exact comparison.
- `formats/`: a 0.1 s stereo excerpt of the bundled piano recording written by
  soundfile as WAV PCM_U8/16/24/32, FLOAT, DOUBLE, WAVEX (extensible) and
  FLAC 16/24-bit, hashed the same way (`formats.json`), plus full-scale edge
  values (-1.0 and the largest positive code) in 16- and 24-bit WAV.
- `lossy/`: 1 s of the piano recording (mono, 22.05 kHz) encoded as MP3
  (LAME through libsndfile) and OGG/Vorbis (libvorbis through libsndfile), and
  the reference decodes `*_ref.npy` made by soundfile (mpg123 / libvorbis).
- `load_stereo44k.wav` + `load.json`: a 0.4 s stereo 44.1 kHz 16-bit excerpt
  and `librosa.load(..., sr=None, mono=True, offset=0.1, duration=0.3)`
  and `librosa.stream(..., block_length=3, frame_length=2048, hop_length=512,
  offset=0.05, duration=0.3)` block lengths and hashes (with and without fill)
  samples (`load_mono_offset_duration.npy`); `load_sr22050.npy` is `librosa.load(..., sr=22050, mono=True)`
  (soxr_hq) for when a resampler exists in audio-dsp.
- `midi/`: MIDI files written by pretty_midi (tempo changes, several programs,
  drums, pitch bends, type 1) with pretty_midi's note list, pitch bends and
  `Instrument.get_piano_roll(fs=50)` as JSON; the bundled `piano.mid` with its
  notes.
- `weights/`: a small PyTorch state dict (`torch.save`, zip format) with
  float32/float16/bfloat16/int64 tensors, a 0-d tensor, a strided view sharing
  storage, and the same tensors as safetensors; expected values as JSON.

    /work/refenv/bin/python tools/reference/io_fixtures.py
"""

import json
import pathlib
import shutil

import librosa
import numpy as np
import pretty_midi
import soundfile as sf

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-io" / "tests" / "fixtures"
MIR_EVAL = ROOT.parent / "shared" / "reference" / "mir_eval"
if not MIR_EVAL.exists():
    MIR_EVAL = pathlib.Path("/work/shared/reference/mir_eval")
PIANO = ROOT / "assets" / "audio" / "piano.wav"


def fnv1a64(data: bytes) -> str:
    """FNV-1a 64-bit hash, as a hex string (the Rust tests compute the same)."""
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def describe(path: pathlib.Path) -> dict:
    data, sr = sf.read(path, dtype="float32", always_2d=True)
    info = sf.info(path)
    return {
        "sample_rate": sr,
        "channels": data.shape[1],
        "frames": data.shape[0],
        "subtype": info.subtype,
        "fnv1a64_f32le_interleaved": fnv1a64(np.ascontiguousarray(data).astype("<f4").tobytes()),
        "first": [float(v) for v in data[:4].ravel()],
    }


def mir_eval_wavs() -> None:
    dst = OUT / "mir_eval_wav"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(MIR_EVAL / "LICENSE", dst / "LICENSE")
    table = {}
    for wav in sorted(MIR_EVAL.rglob("*.wav")):
        rel = wav.relative_to(MIR_EVAL)
        name = "_".join(rel.parts)
        shutil.copy(wav, dst / name)
        table[name] = describe(dst / name)
    (OUT / "mir_eval_wav.json").write_text(json.dumps(table, indent=1))


def piano_excerpt(seconds: float, start: float = 5.0, stereo: bool = True) -> np.ndarray:
    y, sr = sf.read(PIANO, dtype="float64")
    a = y[int(start * sr): int((start + seconds) * sr)]
    if not stereo:
        return a
    b = 0.7 * y[int((start + 0.37) * sr): int((start + 0.37) * sr) + len(a)]
    return np.stack([a, -b], axis=1)


def formats() -> None:
    dst = OUT / "formats"
    dst.mkdir(parents=True, exist_ok=True)
    x = piano_excerpt(0.1)
    x = x / np.abs(x).max() * 0.9
    table = {}
    cases = [
        ("WAV", "PCM_U8", "pcm_u8.wav"),
        ("WAV", "PCM_16", "pcm16.wav"),
        ("WAV", "PCM_24", "pcm24.wav"),
        ("WAV", "PCM_32", "pcm32.wav"),
        ("WAV", "FLOAT", "float32.wav"),
        ("WAV", "DOUBLE", "float64.wav"),
        ("WAVEX", "PCM_16", "ext_pcm16.wav"),
        ("WAVEX", "PCM_24", "ext_pcm24.wav"),
        ("WAVEX", "FLOAT", "ext_float32.wav"),
        ("FLAC", "PCM_16", "flac16.flac"),
        ("FLAC", "PCM_24", "flac24.flac"),
    ]
    for fmt, subtype, name in cases:
        sf.write(dst / name, x, 22050, format=fmt, subtype=subtype)
        table[name] = describe(dst / name)
    # Full-scale edges: -1.0 and the largest positive code.
    for subtype, name, top in [("PCM_16", "edges16.wav", 32767), ("PCM_24", "edges24.wav", 8388607)]:
        codes = np.array([-(top + 1), top, 0, 1, -1, top // 2], dtype=np.int64)
        sf.write(dst / name, codes.astype(np.float64) / (top + 1), 8000, subtype=subtype)
        table[name] = describe(dst / name)
    (OUT / "formats.json").write_text(json.dumps(table, indent=1))


def lossy() -> None:
    dst = OUT / "lossy"
    dst.mkdir(parents=True, exist_ok=True)
    x = piano_excerpt(1.0, stereo=False)
    for fmt, subtype, name in [("MP3", "MPEG_LAYER_III", "piano.mp3"), ("OGG", "VORBIS", "piano.ogg")]:
        sf.write(dst / name, x, 22050, format=fmt, subtype=subtype)
        ref, sr = sf.read(dst / name, dtype="float32", always_2d=True)
        np.save(dst / (name.replace(".", "_") + "_ref.npy"), ref.T.copy())
    np.save(dst / "piano_source.npy", x.astype(np.float32)[None, :])
    # 44.1 kHz stereo (MPEG-1 Layer III: 1152 samples per frame).
    y, sr = sf.read(PIANO, dtype="float64")
    t = np.arange(int(0.5 * 44100)) / 44100
    a = np.interp(t + 3.0, np.arange(len(y)) / sr, y)
    x2 = np.stack([a, 0.6 * np.roll(a, 400)], axis=1)
    for fmt, subtype, name in [("MP3", "MPEG_LAYER_III", "piano44k.mp3"), ("OGG", "VORBIS", "piano44k.ogg")]:
        sf.write(dst / name, x2, 44100, format=fmt, subtype=subtype)
        ref, sr = sf.read(dst / name, dtype="float32", always_2d=True)
        np.save(dst / (name.replace(".", "_") + "_ref.npy"), ref.T.copy())


def load_cases() -> None:
    y, sr = sf.read(PIANO, dtype="float64")
    t = np.arange(int(0.4 * 44100)) / 44100
    src = np.interp(t + 4.0, np.arange(len(y)) / sr, y)
    stereo = np.stack([src, 0.5 * np.roll(src, 300)], axis=1) * 0.8
    path = OUT / "load_stereo44k.wav"
    sf.write(path, stereo, 44100, subtype="PCM_16")
    z, zsr = librosa.load(path, sr=None, mono=True, offset=0.1, duration=0.3)
    full, _ = librosa.load(path, sr=None, mono=False)
    r, rsr = librosa.load(path, sr=22050, mono=True)
    np.save(OUT / "load_sr22050.npy", r.astype(np.float32))
    np.save(OUT / "load_mono_offset_duration.npy", z.astype(np.float32))
    # librosa.stream blocks (soundfile.blocks semantics), with and without fill.
    streams = {}
    for fill in [None, 0.0]:
        blocks = list(librosa.stream(path, block_length=3, frame_length=2048, hop_length=512,
                                     mono=True, offset=0.05, duration=0.3, fill_value=fill))
        streams["fill0" if fill is not None else "nofill"] = {
            "lengths": [int(b.shape[-1]) for b in blocks],
            "fnv1a64_f32le": [fnv1a64(np.ascontiguousarray(b, dtype="<f4").tobytes()) for b in blocks],
        }
    (OUT / "load.json").write_text(json.dumps({
        "stream": streams,
        "offset": 0.1, "duration": 0.3, "sr": zsr, "len": len(z),
        "stereo_shape": list(full.shape),
        "resampled_sr": rsr, "resampled_len": len(r),
    }))


def midi_cases() -> None:
    dst = OUT / "midi"
    dst.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    pm = pretty_midi.PrettyMIDI(initial_tempo=100.0, resolution=480)
    # Tempo changes: pretty_midi only writes the initial tempo, so add them
    # through the tick scale by hand after building notes in seconds.
    for prog, drum in [(0, False), (40, False), (0, True)]:
        inst = pretty_midi.Instrument(program=prog, is_drum=drum, name=f"p{prog}{'d' if drum else ''}")
        t = 0.0
        for _ in range(30):
            dur = float(rng.choice([0.125, 0.25, 0.3, 0.5, 0.75]))
            pitch = int(rng.integers(36, 90))
            vel = int(rng.integers(20, 127))
            inst.notes.append(pretty_midi.Note(velocity=vel, pitch=pitch, start=t, end=t + dur))
            t += float(rng.choice([0.0, 0.125, 0.25, 0.5]))
        if prog == 40:
            for i in range(20):
                inst.pitch_bends.append(pretty_midi.PitchBend(pitch=int(rng.integers(-8192, 8191)), time=0.1 * i))
        pm.instruments.append(inst)
    pm.write(str(dst / "pm_multi.mid"))

    # A file with tempo changes, written with mido (pretty_midi reads it back).
    import mido
    mid = mido.MidiFile(type=1, ticks_per_beat=96)
    tempo_track = mido.MidiTrack()
    tempo_track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    tempo_track.append(mido.MetaMessage("set_tempo", tempo=400000, time=384))
    tempo_track.append(mido.MetaMessage("set_tempo", tempo=750000, time=384))
    mid.tracks.append(tempo_track)
    tr = mido.MidiTrack()
    tr.append(mido.Message("program_change", program=5, channel=2, time=0))
    for i in range(24):
        tr.append(mido.Message("note_on", note=60 + i % 12, velocity=64 + i, channel=2, time=0 if i == 0 else 24))
        tr.append(mido.Message("note_off", note=60 + i % 12, velocity=0, channel=2, time=48))
    mid.tracks.append(tr)
    mid.save(dst / "tempo_changes.mid")

    table = {}
    for path in [dst / "pm_multi.mid", dst / "tempo_changes.mid", ROOT / "assets" / "audio" / "piano.mid"]:
        p = pretty_midi.PrettyMIDI(str(path))
        insts = []
        for inst in p.instruments:
            roll = inst.get_piano_roll(fs=50)
            nz = np.argwhere(roll > 0)
            insts.append({
                "program": int(inst.program), "is_drum": bool(inst.is_drum),
                "notes": [[float(n.start), float(n.end), int(n.pitch), int(n.velocity)] for n in inst.notes],
                "pitch_bends": [[float(b.time), int(b.pitch)] for b in inst.pitch_bends],
                "piano_roll_fs50_shape": list(roll.shape),
                "piano_roll_fs50_nonzero": [[int(a), int(b), float(roll[a, b])] for a, b in nz],
            })
        tempo_times, tempi = p.get_tempo_changes()
        table[path.name] = {
            "instruments": insts,
            "tempo_change_times": [float(v) for v in tempo_times],
            "tempi_bpm": [float(v) for v in tempi],
            "end_time": float(p.get_end_time()),
        }
    (OUT / "midi.json").write_text(json.dumps(table))


def weights() -> None:
    import torch
    from safetensors.torch import save_file

    dst = OUT / "weights"
    dst.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv1d(2, 3, 3),
        torch.nn.BatchNorm1d(3),
        torch.nn.LSTM(4, 2, batch_first=True),
    )
    sd = dict(model.state_dict())
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    sd["extra.half"] = torch.linspace(-2, 2, 7).to(torch.float16)
    sd["extra.bf16"] = torch.linspace(-3, 3, 5).to(torch.bfloat16)
    sd["extra.i64"] = torch.tensor([[1, -2], [3, 1 << 40]], dtype=torch.int64)
    sd["extra.scalar"] = torch.tensor(3.5)
    sd["extra.view_t"] = base.t()  # non-contiguous, shares storage with view_slice
    sd["extra.view_slice"] = base[1:3]
    sd["extra.f64"] = torch.tensor([1.0 / 3.0, -2.5], dtype=torch.float64)
    torch.save(sd, dst / "state_dict.pth")
    # torch.save names the archive's folder after the file's stem. With a
    # 21-character stem the first central-directory entry
    # (`<stem>/data.pkl`) is 76 bytes, the size of the zip64 end record and
    # locator that torch writes before the end record: a reader that infers
    # the directory's start from its size lands on the second entry.
    torch.save(sd, dst / "a_21_character_stem__.pth")
    # A checkpoint around the real OrderedDict (with its `_metadata` attribute).
    torch.save({"state_dict": model.state_dict(), "epoch": 7}, dst / "checkpoint.pt")
    save_file({k: v.contiguous() for k, v in sd.items()}, dst / "state_dict.safetensors")
    expected = {
        k: {
            "dtype": str(v.dtype).replace("torch.", ""),
            "shape": list(v.shape),
            "values": [float(x) for x in v.detach().to(torch.float64).reshape(-1).tolist()],
        }
        for k, v in sd.items()
    }
    (OUT / "weights.json").write_text(json.dumps(expected, indent=1))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    mir_eval_wavs()
    formats()
    lossy()
    load_cases()
    midi_cases()
    weights()
