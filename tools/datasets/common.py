"""Shared helpers of the dataset tools (tools/datasets/*.py): soundfonts,
FluidSynth renders, splits by piece, manifests.

    soundfonts() -> {name: path}           FluidR3_GM, TimGM6mb, MuseScore_General
    render_midi(pm_or_midi_path, sf_path, sr, gain=0.6) -> (samples, channels)
    render_clips(clips, sf_path, sr, seconds, slot)  many short clips, few FluidSynth runs
    split_pieces(ids, seed, valid_frac, test_frac) -> {id: "train"|"valid"|"test"}
    write_manifest(root, doc, started=None)  ROOT/manifest.json (+ totals)

Held-out soundfont convention of every rendering tool: train and valid
examples use TRAIN_FONTS (FluidR3_GM, TimGM6mb); every test example uses
TEST_FONT (MuseScore_General, the Debian musescore-general-soundfont's
MuseScore_General_Full.sf3, which FluidSynth 2.3 loads), never seen in
training. Licences, from /usr/share/doc/<package>/copyright: FluidR3_GM
MIT, TimGM6mb GPL-2, MuseScore_General MIT (parts PD/CC0).

Deterministic: nothing here draws random numbers except from the generator
or seed it is given. Install: tools/datasets/README.md."""
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import soundfile as sf

# name -> (path, licence). Train and valid use TRAIN_FONTS; every test split
# is rendered with TEST_FONT only, which no training example uses.
FONTS = {
    "FluidR3_GM": ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "MIT (Debian fluid-soundfont-gm)"),
    "TimGM6mb": ("/usr/share/sounds/sf2/TimGM6mb.sf2", "GPL-2 (Debian timgm6mb-soundfont)"),
    "MuseScore_General": ("/usr/share/sounds/sf3/MuseScore_General_Full.sf3", "MIT (Debian musescore-general-soundfont)"),
}
TRAIN_FONTS = ["FluidR3_GM", "TimGM6mb"]
TEST_FONT = "MuseScore_General"
INSTALL = ("apt-get install -y fluidsynth fluid-soundfont-gm timgm6mb-soundfont "
           "musescore-general-soundfont espeak-ng sox; pip install -r tools/datasets/requirements.txt")


def soundfonts():
    """name -> path of the three soundfonts (FluidR3_GM, TimGM6mb,
    MuseScore_General); exits with the install command when one is missing."""
    return {name: font_path(name) for name in FONTS}


def font_path(name):
    path = FONTS[name][0]
    if not os.path.exists(path):
        raise SystemExit(f"soundfont {path} missing: {INSTALL}")
    return path


def font_for(split, rng):
    """The soundfont name of one example: the held-out font for test, else
    one of the training fonts drawn from `rng`."""
    if split == "test":
        return TEST_FONT
    return TRAIN_FONTS[int(rng.integers(len(TRAIN_FONTS)))]


def render_midi(pm_or_midi_path, sf_path, sr, gain=0.6, mono=False, reverb=True):
    """FluidSynth render of a pretty_midi.PrettyMIDI, a music21 stream or a
    MIDI file path with the soundfont `sf_path` (a path, or a name of
    FONTS) at `sr` Hz and FluidSynth gain `gain`: float64 array of shape
    (samples, channels) (stereo; one channel averaged when `mono`).
    `reverb=False` turns FluidSynth's reverb and chorus off."""
    sf_path = font_path(sf_path) if sf_path in FONTS else sf_path
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "x.wav")
        if isinstance(pm_or_midi_path, (str, os.PathLike)):
            mid = os.fspath(pm_or_midi_path)
        elif hasattr(pm_or_midi_path, "instruments"):  # pretty_midi
            mid = os.path.join(tmp, "x.mid")
            pm_or_midi_path.write(mid)
        else:  # a music21 stream
            mid = os.path.join(tmp, "x.mid")
            pm_or_midi_path.write("midi", fp=mid)
        cmd = ["fluidsynth", "-ni", "-g", str(gain), "-r", str(sr), "-F", wav]
        if not reverb:
            cmd += ["-R", "0", "-C", "0"]
        subprocess.run(cmd + [sf_path, mid], check=True, capture_output=True)
        audio, rate = sf.read(wav, always_2d=True)
    if rate != sr:
        raise SystemExit(f"fluidsynth wrote {rate} Hz, expected {sr}")
    return audio.mean(axis=1, keepdims=True) if mono else audio


def render_clips(clips, sf_path, sr, seconds, slot=3.0, gain=0.6, reverb=True, batch=200):
    """Renders many short clips in few FluidSynth runs: `clips` is a list of
    (program, [(pitch, start_s, end_s, velocity)]), each played from its own
    slot of `seconds + slot` seconds (the gap lets release and reverb tails
    die away) on MIDI channel 0, with a program change at the slot's start
    (so any number of programs can share a render). Returns one mono float64
    array of exactly round(seconds * sr) samples per clip, in order."""
    import mido
    n = int(round(seconds * sr))
    out = []
    for b in range(0, len(clips), batch):
        events = []  # (tick, order, message); note-offs before changes before note-ons
        tick = lambda s: int(round(s * 960))  # 480 ticks a beat at 120 bpm
        for j, (program, notes) in enumerate(clips[b:b + batch]):
            off = j * (seconds + slot)
            events.append((tick(off), 1, mido.Message("program_change", channel=0, program=int(program))))
            for pitch, start, end, vel in notes:
                start, end = min(start, seconds), min(max(end, start + 0.02), seconds)
                if end <= start:
                    continue
                p = int(np.clip(pitch, 0, 127))
                events.append((tick(off + start), 2, mido.Message("note_on", channel=0, note=p, velocity=int(vel))))
                events.append((tick(off + end), 0, mido.Message("note_off", channel=0, note=p, velocity=0)))
        events.sort(key=lambda e: (e[0], e[1]))
        mf = mido.MidiFile(ticks_per_beat=480)
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
        now = 0
        for t, _, msg in events:
            track.append(msg.copy(time=t - now))
            now = t
        mf.tracks.append(track)
        with tempfile.TemporaryDirectory() as tmp:
            mid = os.path.join(tmp, "clips.mid")
            mf.save(mid)
            audio = render_midi(mid, sf_path, sr, gain=gain, mono=True, reverb=reverb)[:, 0]
        for j in range(len(clips[b:b + batch])):
            start = int(round(j * (seconds + slot) * sr))
            clip = np.zeros(n)
            seg = audio[start:start + n]
            clip[:len(seg)] = seg
            out.append(clip)
    return out


def split_pieces(ids, seed, valid_frac=0.1, test_frac=0.15):
    """id -> split, by piece: a seeded permutation, the first test_frac of
    it test, the next valid_frac valid, the rest train (each non-empty when
    there are at least three ids)."""
    ids = sorted(ids)
    order = np.random.default_rng(seed).permutation(len(ids))
    n_test = max(1, int(round(test_frac * len(ids))))
    n_valid = max(1, int(round(valid_frac * len(ids))))
    out = {}
    for rank, i in enumerate(order):
        out[ids[i]] = "test" if rank < n_test else "valid" if rank < n_test + n_valid else "train"
    return out


def write_wav(path, audio, sr):
    """16-bit PCM, peak-limited to 0.99."""
    audio = np.asarray(audio, dtype=np.float64)
    peak = np.abs(audio).max() if audio.size else 0.0
    if peak > 0.99:
        audio = audio * (0.99 / peak)
    sf.write(path, audio, sr, subtype="PCM_16")


def font_licences():
    """name -> licence of the soundfonts (checked against
    /usr/share/doc/<package>/copyright)."""
    return {k: v[1] for k, v in FONTS.items()}


def write_manifest(root, doc, started=None):
    """Writes `doc` (a dict: at least "tool", "args", "sources", "licences"
    and "splits" = split -> {"count", "hours", ...}) as ROOT/manifest.json,
    adding the music21 version, the held-out soundfont choice (when
    doc["sources"] names soundfonts), total count
    and hours, and the run time since `started` (time.time()). Prints a
    one-line summary; returns the document."""
    from music21 import __version__ as m21
    doc = dict(doc)
    splits = doc.get("splits", {})
    doc.setdefault("music21", m21)
    if "soundfonts" in doc.get("sources", {}):
        doc.setdefault("held_out_soundfont", {"test": TEST_FONT, "train_valid": TRAIN_FONTS})
    doc["total_count"] = sum(s["count"] for s in splits.values())
    doc["total_hours"] = sum(s.get("hours", 0.0) for s in splits.values())
    if started is not None:
        doc["run_seconds"] = round(time.time() - started, 1)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(doc, f, indent=1)
    print(json.dumps({k: (v["count"], round(v.get("hours", 0.0), 3)) for k, v in splits.items()}),
          f"{doc.get('run_seconds', '?')} s")
    return doc


def chorale_parts(limit=None):
    """(piece id, [part notes]) of the corpus's Bach chorales: each part a list
    of (midi, start_q, end_q) with ties merged; sorted by path."""
    from music21 import converter, corpus
    paths = sorted(str(p) for p in corpus.getComposer("bach") if "bwv" in os.path.basename(str(p)))
    out = []
    for path in paths:
        try:
            score = converter.parse(path)
        except Exception:  # noqa: BLE001  (a corpus file music21 cannot read is skipped)
            continue
        parts = []
        for part in score.parts:
            notes = []
            for n in part.stripTies().flatten().notes:
                s = float(n.offset)
                e = s + float(n.duration.quarterLength)
                for p in n.pitches:
                    notes.append((int(p.midi), s, e))
            if notes:
                parts.append(notes)
        if parts:
            out.append((os.path.splitext(os.path.basename(path))[0], parts))
        if limit and len(out) >= limit:
            break
    return out


def folk_parts(limit, seed):
    """(piece id, [notes]) of up to `limit` folk songs of the corpus's Essen
    collection (`essenFolksong`, ABC, public domain), each song one piece
    with one part of (midi, start_q, end_q), ties merged. The collection's
    files are visited in an order drawn from `seed`, songs in file order."""
    from music21 import corpus
    paths = sorted(str(p) for p in corpus.getPaths(fileExtensions=("abc",))
                   if os.path.basename(os.path.dirname(str(p))) == "essenFolksong"
                   and not os.path.basename(str(p)).startswith("test"))
    out = []
    for i in np.random.default_rng(seed).permutation(len(paths)):
        if len(out) >= limit:
            break
        try:
            opus = corpus.parse(paths[i])
        except Exception:  # noqa: BLE001  (a file music21 cannot read is skipped)
            continue
        scores = list(opus.scores) if hasattr(opus, "scores") else [opus]
        col = os.path.splitext(os.path.basename(paths[i]))[0]
        for k, score in enumerate(scores):
            if len(out) >= limit:
                break
            notes = []
            for n in score.stripTies().flatten().notes:
                s = float(n.offset)
                notes.extend((int(p.midi), s, s + float(n.duration.quarterLength)) for p in n.pitches)
            if len(notes) >= 8:
                out.append((f"essen-{col}-{k:04d}", [notes]))
    return out
