#!/usr/bin/env python
"""Render songs with a piano stem and its exact MIDI, for seed 004's
separate -> transcribe pipeline (`audio pipeline`):

    OUT/<song>/{mixture,vocals,drums,bass,other}.wav   44.1 kHz stereo, 16-bit
    OUT/<song>/other.mid                                the piano stem's notes
    OUT/manifest.json

Each song is a Bach chorale of music21's corpus (public domain), laid out as
`render_separation.py` does, except that `other` (alto and tenor) is always
an acoustic grand piano (GM 0) and its notes are written as MIDI exactly as
played (unisons merged as `render_transcription.py` merges them). Vocals
(soprano on a lead patch), bass (an octave down on a GM bass) and drums are
as in `render_separation.py`. Every song is rendered with the held-out
MuseScore_General soundfont, and the default chorales are the test split of
`render_separation.py --seed 0`, so neither the embedded separator nor a
transcriber trained on the other tools' train splits heard them.

Run: python tools/datasets/render_pipeline_songs.py OUT --seconds 30 --seed 0
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import pretty_midi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render_separation as rs  # noqa: E402
from common import TEST_FONT, font_path  # noqa: E402
from render_transcription import piano_notes  # noqa: E402

# The test chorales of render_separation.py --seed 0 (its manifest).
DEFAULT_CHORALES = ["bwv259", "bwv349", "bwv351", "bwv401", "bwv419", "bwv73.5"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--chorales", nargs="*", default=DEFAULT_CHORALES)
    ap.add_argument("--seconds", type=float, default=30.0, help="longest song (s)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(args.seed)
    paths = {os.path.splitext(os.path.basename(p))[0]: p for p in rs.chorales()}
    songs = []
    for name in args.chorales:
        parsed = rs.voices(paths[name])
        if parsed is None:
            raise SystemExit(f"{name}: not a four-part chorale")
        parts, beats = parsed
        stems, tempo, length = rs.chorale_song(parts, beats, args.seconds, rng)
        beat = 60.0 / tempo
        piano = pretty_midi.Instrument(program=0)
        piano.control_changes.append(pretty_midi.ControlChange(10, int(rng.integers(24, 104)), 0.0))
        piano.notes = piano_notes(parts[1] + parts[2], beat, length, rng)
        pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
        pm.instruments.append(piano)
        stems["other"] = pm
        song = f"chorale-{name}"
        directory = os.path.join(args.out, song)
        n = int(length * rs.SR)
        rs.write_song(directory, stems, n, TEST_FONT)
        pm.write(os.path.join(directory, "other.mid"))
        songs.append({"song": song, "source": os.path.basename(paths[name]), "tempo": tempo,
                      "seconds": n / rs.SR, "piano_notes": len(piano.notes)})
        print(song, f"{n / rs.SR:.1f} s", len(piano.notes), "piano notes", flush=True)
    manifest = {
        "tool": "tools/datasets/render_pipeline_songs.py",
        "args": vars(args),
        "layout": "<song>/{mixture,vocals,drums,bass,other}.wav + other.mid (the piano stem's notes)",
        "sample_rate": rs.SR,
        "soundfont": {TEST_FONT: font_path(TEST_FONT)},
        "licences": {"scores": "public domain (music21 corpus)", TEST_FONT: "MIT (Debian musescore-general-soundfont)"},
        "songs": songs,
        "render_seconds": time.time() - t0,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
