#!/usr/bin/env python
"""Render multi-instrument songs from generated MIDI into stems + mixture, in
a MUSDB18-HQ-like layout, for training and evaluating Open-Unmix:

    OUT/train/<song>/{mixture,vocals,drums,bass,other}.wav
    OUT/test/<song>/{mixture,vocals,drums,bass,other}.wav

Each song: a random key, tempo and chord progression (I-V-vi-IV family);
drums (GM percussion: kick, snare, hi-hats, occasional crash), bass (one of
the GM basses, roots and fifths), other (piano/organ/guitar/strings chords),
vocals (a lead melody on a GM voice/lead patch: Choir Aahs, Voice Oohs,
Synth Voice, Lead 6 (voice)). Every stem is rendered separately in stereo
with FluidSynth and the GM soundfont (Debian packages `fluidsynth`,
`fluid-soundfont-gm`), 44.1 kHz, 16-bit; the mixture is the sum of the
stems (so `mixture = Σ stems` up to 16-bit rounding). Deterministic for a
seed.

Requires: pretty_midi, numpy, soundfile, the `fluidsynth` binary.

Run: python tools/datasets/render_songs.py OUT --train 24 --test 4 --seconds 20 --seed 0
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
import pretty_midi
import soundfile as sf

SR = 44100
SF2_CANDIDATES = ["/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/soundfonts/FluidR3_GM.sf2"]
BASS = [32, 33, 34, 35, 38, 39]
OTHER = [0, 1, 4, 16, 24, 25, 48, 49]
VOCALS = [52, 53, 54, 85]
PROGRESSIONS = [[0, 7, 9, 5], [0, 5, 7, 5], [9, 5, 0, 7], [0, 9, 5, 7]]


def soundfont():
    for p in SF2_CANDIDATES:
        if os.path.exists(p):
            return p
    raise SystemExit("no GM soundfont found (apt-get install fluid-soundfont-gm)")


def render(pm, seconds, sf2):
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = os.path.join(tmp, "s.mid"), os.path.join(tmp, "s.wav")
        pm.write(mid)
        subprocess.run(["fluidsynth", "-ni", "-g", "0.6", "-r", str(SR), "-F", wav, sf2, mid],
                       check=True, capture_output=True)
        audio, rate = sf.read(wav, always_2d=True)
    assert rate == SR
    n = int(seconds * SR)
    out = np.zeros((n, 2))
    m = min(n, audio.shape[0])
    out[:m] = audio[:m]
    return out


def song(rng, seconds):
    tempo = float(rng.integers(84, 140))
    beat = 60.0 / tempo
    key = int(rng.integers(0, 12))
    prog = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
    bars = int(np.ceil(seconds / (4 * beat)))
    stems = {}
    # drums
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    d = pretty_midi.Instrument(program=0, is_drum=True)
    for b in range(bars):
        for s in range(8):
            t = (b * 4 + s / 2) * beat
            if s % 4 == 0 or (s == 5 and rng.random() < 0.5):
                d.notes.append(pretty_midi.Note(int(rng.integers(95, 120)), 36, t, t + 0.1))
            if s % 4 == 2:
                d.notes.append(pretty_midi.Note(int(rng.integers(90, 115)), 38, t, t + 0.1))
            d.notes.append(pretty_midi.Note(int(rng.integers(60, 90)), 42 if rng.random() < 0.85 else 46, t, t + 0.05))
        if b % 4 == 0:
            d.notes.append(pretty_midi.Note(100, 49, b * 4 * beat, b * 4 * beat + 0.5))
    pm.instruments.append(d)
    stems["drums"] = pm
    # bass
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    bi = pretty_midi.Instrument(program=int(rng.choice(BASS)))
    bi.control_changes.append(pretty_midi.ControlChange(10, int(rng.integers(50, 78)), 0.0))
    for b in range(bars):
        root = 36 + (key + prog[b % 4]) % 12
        for q in range(4):
            t = (b * 4 + q) * beat
            p = root + (7 if q == 2 and rng.random() < 0.5 else 0)
            bi.notes.append(pretty_midi.Note(int(rng.integers(85, 110)), p, t, t + beat * 0.9))
    pm.instruments.append(bi)
    stems["bass"] = pm
    # other: chords
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    oi = pretty_midi.Instrument(program=int(rng.choice(OTHER)))
    oi.control_changes.append(pretty_midi.ControlChange(10, int(rng.integers(20, 108)), 0.0))
    for b in range(bars):
        root = 60 + (key + prog[b % 4]) % 12 - 12 * int(rng.random() < 0.3)
        minor = prog[b % 4] == 9
        chord = [root, root + (3 if minor else 4), root + 7]
        for half in range(2):
            t = (b * 4 + 2 * half) * beat
            for p in chord:
                oi.notes.append(pretty_midi.Note(int(rng.integers(60, 90)), p, t, t + 2 * beat * 0.95))
    pm.instruments.append(oi)
    stems["other"] = pm
    # vocals: a melody on the scale
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    vi = pretty_midi.Instrument(program=int(rng.choice(VOCALS)))
    vi.control_changes.append(pretty_midi.ControlChange(10, 64, 0.0))
    scale = [0, 2, 4, 5, 7, 9, 11]
    deg = 7
    t = 0.0
    while t < seconds:
        dur = beat * float(rng.choice([0.5, 1.0, 1.0, 2.0]))
        deg = int(np.clip(deg + rng.integers(-2, 3), 0, 13))
        p = 67 + key % 12 - 12 * (key > 5) + 12 * (deg // 7) + scale[deg % 7] - 12 * (deg < 7) * 0
        if rng.random() < 0.85:
            vi.notes.append(pretty_midi.Note(int(rng.integers(80, 110)), int(p), t, t + dur * 0.95))
        t += dur
    pm.instruments.append(vi)
    stems["vocals"] = pm
    return stems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=24)
    ap.add_argument("--test", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    sf2 = soundfont()
    rng = np.random.default_rng(args.seed)
    for split, count in (("train", args.train), ("test", args.test)):
        for i in range(count):
            name = f"song{i:03d}"
            d = os.path.join(args.out, split, name)
            os.makedirs(d, exist_ok=True)
            audio = {k: render(pm, args.seconds, sf2) for k, pm in song(rng, args.seconds).items()}
            peak = max(np.abs(sum(audio.values())).max(), 1e-9)
            gain = 0.9 / peak if peak > 0.9 else 1.0
            q = {k: np.round(v * gain * 32767) / 32767 for k, v in audio.items()}
            for k, v in q.items():
                sf.write(os.path.join(d, f"{k}.wav"), v, SR, subtype="PCM_16")
            sf.write(os.path.join(d, "mixture.wav"), np.clip(sum(q.values()), -1, 1), SR, subtype="PCM_16")
            print(split, name, flush=True)


if __name__ == "__main__":
    main()
