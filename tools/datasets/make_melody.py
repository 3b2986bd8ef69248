#!/usr/bin/env python
"""Make a monophonic-melody dataset (the melody-generation seed trained on
KernScores / the ESAC folk songs) in the layout
`audio_models::datasets::MelodyDataset` reads:

    OUT/{train,valid,test}/<id>.krn    (Humdrum **kern, one spine)
    OUT/{train,valid,test}/<id>.mid    (one track)
    OUT/manifest.json

Sources, all from music21's corpus (public-domain scores):
- `**kern`: the top voice of Palestrina's masses (the corpus's kern
  collection), cut out of each file as its last `**kern` spine, so the
  output is the composer's own kern text, one spine; files with spine
  splits or joins are skipped;
- folk songs: the Essen folk-song collection (`essenFolksong`, ABC, the
  ESAC melodies of Velardo's "generating melodies with LSTM nets") and
  O'Neill's 1850 collection, written as one-track MIDI files at 120 bpm.

Only melodies whose every note and rest lies on a 16th-note grid (the
seed's encoding step) and has no chords are kept. Splits are by piece (a
folk song or a mass movement); no audio, so no soundfont.

Install: see tools/datasets/README.md.
Run: python tools/datasets/make_melody.py OUT --kern 500 --folk 1200 --seed 0
Quick: python tools/datasets/make_melody.py /tmp/mel --kern 10 --folk 30
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import split_pieces, write_manifest  # noqa: E402



def on_grid(stream):
    """Every note/rest offset and length a multiple of a 16th, no chords,
    at least 8 notes."""
    notes = 0
    for n in stream.flatten().notesAndRests:
        if n.isChord:
            return False
        if n.duration.quarterLength == 0:  # grace notes
            return False
        if (float(n.offset) * 4) % 1 or (float(n.duration.quarterLength) * 4) % 1:
            return False
        notes += n.isNote
    return notes >= 8


def top_spine(text):
    """The last **kern spine of a Humdrum file as a one-spine file, or None
    when the file has spine splits/joins or no **kern spine."""
    lines = text.splitlines()
    out, col = [], None
    for line in lines:
        if line.startswith("!!"):
            out.append(line)
            continue
        if not line.strip():
            continue
        cells = line.split("\t")
        if col is None:
            kern = [i for i, c in enumerate(cells) if c == "**kern"]
            if not kern:
                return None
            col, width = kern[-1], len(cells)
        if len(cells) != width or any(c in ("*^", "*v", "*+", "*x") for c in cells):
            return None
        out.append(cells[col])
    # A line of only null tokens is dropped (it belonged to other spines).
    out = [l for l in out if l != "."]
    return "\n".join(out) + "\n"


def kern_melodies(limit, rng):
    from music21 import converter, corpus
    paths = sorted(str(p) for p in corpus.getPaths(fileExtensions=("krn",)))
    order = rng.permutation(len(paths))
    out = []
    for i in order:
        if len(out) >= limit:
            break
        path = paths[i]
        try:
            with open(path, encoding="latin-1") as f:
                mono = top_spine(f.read())
            if mono is None:
                continue
            s = converter.parse(mono, format="humdrum")
        except Exception:  # noqa: BLE001  (unparseable: skipped)
            continue
        if on_grid(s):
            name = os.path.splitext(os.path.basename(path))[0]
            out.append((f"kern-{os.path.basename(os.path.dirname(path))}-{name}", "krn", mono, path))
    return out


def folk_melodies(limit, rng):
    """Grid-fitting songs of the folk collections, the collections visited in
    a seeded order until `limit` songs are found."""
    from music21 import corpus
    paths = sorted(str(p) for p in corpus.getPaths(fileExtensions=("abc",))
                   if os.path.basename(os.path.dirname(str(p))) in ("essenFolksong", "oneills1850")
                   and not os.path.basename(str(p)).startswith("test"))
    out = []
    for i in rng.permutation(len(paths)):
        if len(out) >= limit:
            break
        path = paths[i]
        try:
            opus = corpus.parse(path)
        except Exception:  # noqa: BLE001  (unparseable: skipped)
            continue
        scores = list(opus.scores) if hasattr(opus, "scores") else [opus]
        col = os.path.splitext(os.path.basename(path))[0]
        for k, s in enumerate(scores):
            if len(out) >= limit:
                break
            if on_grid(s):
                out.append((f"folk-{col}-{k:04d}", "mid", s, path))
    return out


def write_midi(score, path):
    import pretty_midi
    pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    inst = pretty_midi.Instrument(program=0, name="melody")
    sec = 0.5  # a quarter at 120 bpm
    for n in score.stripTies().flatten().notes:
        s = float(n.offset) * sec
        inst.notes.append(pretty_midi.Note(90, int(n.pitch.midi), s, s + float(n.duration.quarterLength) * sec))
    pm.instruments.append(inst)
    pm.write(path)
    return len(inst.notes)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--kern", type=int, default=500, help="kern melodies (at most)")
    ap.add_argument("--folk", type=int, default=1200, help="folk melodies (at most)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    started = time.time()
    rng = np.random.default_rng(args.seed)
    items = kern_melodies(args.kern, rng) + folk_melodies(args.folk, rng)
    split_of = split_pieces([i[0] for i in items], args.seed)
    stats = {s: {"count": 0, "krn": 0, "mid": 0, "notes": 0} for s in ("train", "valid", "test")}
    for pid, ext, content, _ in items:
        split = split_of[pid]
        d = os.path.join(args.out, split)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"{pid}.{ext}")
        if ext == "krn":
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
            notes = sum(1 for l in content.splitlines() if l and l[0] not in "!*=" and "r" not in l)
        else:
            notes = write_midi(content, path)
        st = stats[split]
        st["count"] += 1
        st[ext] += 1
        st["notes"] += notes
    write_manifest(args.out, {
        "tool": "tools/datasets/make_melody.py", "args": vars(args),
        "sources": {"kern": "music21 corpus **kern files, top voice (last **kern spine), the composer's own kern text",
                    "folk": "music21 corpus essenFolksong (ESAC) and oneills1850 ABC collections, one-track MIDI at 120 bpm"},
        "licences": {"scores": "public domain (music21 corpus; music21 itself BSD-3-Clause)"},
        "splits": stats, "layout": "{split}/<id>.{krn,mid}",
        "grid": "every note and rest offset and duration a multiple of a 16th note; no chords or grace notes; >= 8 notes"},
        started)


if __name__ == "__main__":
    main()
