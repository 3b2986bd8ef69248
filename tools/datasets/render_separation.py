#!/usr/bin/env python
"""Render a source-separation dataset from real scores, in the MUSDB18-HQ
layout that `audio_models::datasets::SeparationDataset` reads:

    OUT/{train,valid,test}/<song>/{mixture,vocals,drums,bass,other}.wav
    OUT/manifest.json

Songs are Bach's four-part chorales from music21's corpus (public-domain
scores), four voices on four instruments:

- vocals: the soprano on a lead patch (Choir Aahs, Voice Oohs, Synth Voice,
  Oboe, Flute, Lead 6 (voice));
- other: alto and tenor on one chord instrument (piano, organ, guitar,
  strings);
- bass: the bass voice an octave down on a GM bass (finger, pick,
  fretless, synth bass);
- drums: a kick/snare/hi-hat pattern in the chorale's metre (GM
  percussion), since chorales have none.

With `--generated N`, N songs of `render_songs.py` (generated MIDI) are
added to the training split too.

Every stem is rendered separately in stereo with FluidSynth (each
instrument panned at random), 44.1 kHz, 16-bit; the mixture is the sum of
the stems (`mixture = Σ stems` up to 16-bit rounding). Tempo, programs,
velocities and pans are drawn from the seed; chorales are split by piece.

Held-out soundfont: train and valid songs use FluidR3_GM or TimGM6mb
(drawn per song); every test song uses MuseScore_General, which no
training song uses, so test scores measure generalisation to a new timbre.

Install (Debian): apt-get install -y fluidsynth fluid-soundfont-gm
timgm6mb-soundfont musescore-general-soundfont; pip install -r
tools/datasets/requirements.txt

Run: python tools/datasets/render_separation.py OUT --train 40 --valid 6 --test 10 --generated 12 --seconds 30 --seed 0
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import pretty_midi
import soundfile as sf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render_songs  # noqa: E402  (the generated-song renderer)
from common import FONTS, TEST_FONT, TRAIN_FONTS, font_for, font_path, render_midi  # noqa: E402

SR = 44100
LEAD = [52, 53, 54, 68, 73, 85]
CHORD = [0, 1, 4, 16, 19, 24, 25, 48, 49]
BASS = [32, 33, 34, 35, 38, 39]
STEMS = ["vocals", "drums", "bass", "other"]


def render(pm, n, font):
    """FluidSynth render of `pm` with soundfont `font`, cut or zero-padded to
    `n` stereo samples."""
    audio = render_midi(pm, font_path(font), SR)
    out = np.zeros((n, 2))
    m = min(n, audio.shape[0])
    out[:m] = audio[:m]
    return out


def chorales():
    """Paths of the corpus's four-part Bach chorales, sorted (deterministic)."""
    from music21 import corpus
    paths = sorted(str(p) for p in corpus.getComposer("bach") if "bwv" in os.path.basename(str(p)))
    return paths


def voices(path):
    """The chorale's four parts as lists of (midi, start_q, end_q), and its
    beats per bar; None unless it has exactly four parts of notes."""
    from music21 import converter
    score = converter.parse(path)
    parts = score.parts
    if len(parts) != 4:
        return None
    out = []
    for part in parts:
        notes = []
        for n in part.stripTies().flatten().notes:
            start = float(n.offset)
            end = start + float(n.duration.quarterLength)
            for p in n.pitches:
                notes.append((int(p.midi), start, end))
        if not notes:
            return None
        out.append(notes)
    ts = score.flatten().getElementsByClass("TimeSignature")
    beats = int(ts[0].numerator) if len(ts) else 4
    return out, max(2, min(beats, 6))


def instrument(program, notes, beat, rng, transpose=0):
    inst = pretty_midi.Instrument(program=program)
    inst.control_changes.append(pretty_midi.ControlChange(10, int(rng.integers(24, 104)), 0.0))
    for midi, s, e in notes:
        vel = int(rng.integers(70, 110))
        inst.notes.append(pretty_midi.Note(vel, midi + transpose, s * beat, max(s * beat + 0.05, e * beat - 0.02)))
    return inst


def drums(beats_per_bar, bars, beat, rng):
    d = pretty_midi.Instrument(program=0, is_drum=True)
    for b in range(bars):
        for s in range(2 * beats_per_bar):
            t = (b * beats_per_bar + s / 2) * beat
            if s == 0 or (s == beats_per_bar and beats_per_bar % 2 == 0) or (s % 2 == 1 and rng.random() < 0.15):
                d.notes.append(pretty_midi.Note(int(rng.integers(95, 120)), 36, t, t + 0.1))
            if s % 2 == 0 and s != 0 and (s // 2) % 2 == 1:
                d.notes.append(pretty_midi.Note(int(rng.integers(90, 115)), 38, t, t + 0.1))
            d.notes.append(pretty_midi.Note(int(rng.integers(55, 90)), 42 if rng.random() < 0.85 else 46, t, t + 0.05))
        if b % 4 == 0:
            d.notes.append(pretty_midi.Note(100, 49, b * beats_per_bar * beat, b * beats_per_bar * beat + 0.5))
    return d


def chorale_song(parts, beats_per_bar, seconds, rng):
    """The four stems (pretty_midi) of a chorale, its tempo and length."""
    tempo = float(rng.integers(66, 112))
    beat = 60.0 / tempo
    sop, alto, ten, bass = parts
    stems = {}
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    pm.instruments.append(instrument(int(rng.choice(LEAD)), sop, beat, rng))
    stems["vocals"] = pm
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    pm.instruments.append(instrument(int(rng.choice(CHORD)), alto + ten, beat, rng))
    stems["other"] = pm
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    pm.instruments.append(instrument(int(rng.choice(BASS)), bass, beat, rng, transpose=-12))
    stems["bass"] = pm
    end_q = max(e for v in parts for _, _, e in v)
    length = min(seconds, end_q * beat + 1.0)
    bars = int(np.ceil(length / (beats_per_bar * beat)))
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    pm.instruments.append(drums(beats_per_bar, bars, beat, rng))
    stems["drums"] = pm
    return stems, tempo, length


def write_song(directory, stems, n, font):
    os.makedirs(directory, exist_ok=True)
    audio = {k: render(pm, n, font) for k, pm in stems.items()}
    peak = max(np.abs(sum(audio.values())).max(), 1e-9)
    gain = 0.9 / peak if peak > 0.9 else 1.0
    q = {k: np.round(v * gain * 32767) / 32767 for k, v in audio.items()}
    for k, v in q.items():
        sf.write(os.path.join(directory, f"{k}.wav"), v, SR, subtype="PCM_16")
    sf.write(os.path.join(directory, "mixture.wav"), np.clip(sum(q.values()), -1, 1), SR, subtype="PCM_16")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=40, help="chorales in train")
    ap.add_argument("--valid", type=int, default=6, help="chorales in valid")
    ap.add_argument("--test", type=int, default=10, help="chorales in test")
    ap.add_argument("--generated", type=int, default=12, help="generated songs added to train")
    ap.add_argument("--seconds", type=float, default=30.0, help="longest song (s)")
    ap.add_argument("--min-seconds", type=float, default=12.0, help="shortest chorale kept (s)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(args.seed)
    paths = chorales()
    order = rng.permutation(len(paths))
    want = {"train": args.train, "valid": args.valid, "test": args.test}
    split_of = ["test"] * args.test + ["valid"] * args.valid + ["train"] * args.train
    counts = {s: 0 for s in want}
    seconds = {s: 0.0 for s in want}
    pieces = {s: [] for s in want}
    fonts_used = {s: set() for s in want}
    for idx in order:
        if not split_of:
            break
        path = paths[idx]
        parsed = voices(path)
        if parsed is None:
            continue
        parts, beats = parsed
        split = split_of[-1]
        stems, tempo, length = chorale_song(parts, beats, args.seconds, rng)
        if length < args.min_seconds:
            continue
        split_of.pop()
        font = font_for(split, rng)
        name = "chorale-" + os.path.splitext(os.path.basename(path))[0]
        n = int(length * SR)
        write_song(os.path.join(args.out, split, name), stems, n, font)
        counts[split] += 1
        seconds[split] += n / SR
        pieces[split].append({"song": name, "source": os.path.basename(path), "soundfont": font, "tempo": tempo})
        fonts_used[split].add(font)
        print(split, name, font, f"{n / SR:.1f} s", flush=True)
    for i in range(args.generated):
        font = font_for("train", rng)
        name = f"generated-{i:03d}"
        stems = render_songs.song(rng, args.seconds)
        n = int(args.seconds * SR)
        write_song(os.path.join(args.out, "train", name), stems, n, font)
        counts["train"] += 1
        seconds["train"] += n / SR
        pieces["train"].append({"song": name, "source": "render_songs.song (generated MIDI)", "soundfont": font})
        fonts_used["train"].add(font)
        print("train", name, font, flush=True)
    from music21 import __version__ as m21
    manifest = {
        "tool": "tools/datasets/render_separation.py",
        "args": vars(args),
        "layout": "{train,valid,test}/<song>/{mixture,vocals,drums,bass,other}.wav",
        "sample_rate": SR,
        "channels": 2,
        "sources": {
            "scores": f"music21 {m21} corpus: J. S. Bach four-part chorales (public domain)",
            "generated": "tools/datasets/render_songs.py song() (generated MIDI)",
            "soundfonts": {k: v[0] for k, v in FONTS.items()},
            "synthesiser": "FluidSynth (Debian fluidsynth)",
        },
        "licences": {
            "scores": "public domain (music21 corpus; music21 itself BSD-3-Clause)",
            **{k: v[1] for k, v in FONTS.items()},
        },
        "held_out_soundfont": {"test": TEST_FONT, "train_valid": TRAIN_FONTS},
        "splits": {
            s: {"songs": counts[s], "hours": seconds[s] / 3600, "soundfonts": sorted(fonts_used[s]), "pieces": pieces[s]}
            for s in want
        },
        "total_hours": sum(seconds.values()) / 3600,
        "render_seconds": time.time() - t0,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(json.dumps({s: (counts[s], round(seconds[s] / 3600, 3)) for s in want}), f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
