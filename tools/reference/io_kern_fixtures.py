"""Golden fixtures for `audio_io::kern` (the Humdrum `**kern` reader).

Reference: music21 10.5.1 (`music21.converter.parse` of `.krn` files, its
Humdrum parser). Copies 18 `**kern` files of music21's own corpus (Bach
chorales, a Chopin mazurka, two movements of Beethoven's op. 18 no. 1,
Palestrina mass movements; chosen for spine splits/joins, chords, triplets,
ties across barlines, breves, several key/time signatures) into
`audio-io/tests/fixtures/kern/` and writes `kern.json`: per file, per part
in *kern spine order* (music21 lists parts in reverse spine order; the script
reverses them back so that part 0 is the first `**kern` spine, as the Rust
reader does):

- `notes`: `[midi, offset_num, offset_den, dur_num, dur_den, grace]` of
  every note after `Part.stripTies()`, chords flattened to one entry per
  pitch, sorted; offsets and durations in quarter notes as exact fractions;
- `key_signatures`: `[offset_num, offset_den, sharps]` of the
  `KeySignature`s that are not `Key`s (the `*k[...]` records);
- `keys`: `[offset_num, offset_den, tonic_pitch_class, mode]` of the `Key`s
  (the `*G:` / `*e:` records);
- `time_signatures`: `[offset_num, offset_den, numerator, denominator]`;

and per file the title and composer of `score.metadata` and the
`MetronomeMark` numbers.

    /tmp/refenv/bin/python tools/reference/io_kern_fixtures.py
"""

import fractions
import json
import pathlib
import shutil

import music21
from music21 import converter, key, meter, tempo

assert music21.__version__ == "10.5.1", music21.__version__

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-io" / "tests" / "fixtures" / "kern"
CORPUS = pathlib.Path(music21.__file__).parent / "corpus"

FILES = [
    "bach/bwv281.krn",
    "bach/bwv277.krn",
    "bach/bwv366.krn",
    "chopin/mazurka06-2.krn",
    "beethoven/opus18no1/movement3.krn",
    "beethoven/opus18no1/movement2.krn",
    "palestrina/Agnus_III_b.krn",
    "palestrina/Benedictus_66_b.krn",
    "palestrina/Agnus_02.krn",
    "palestrina/Kyrie_II_19.krn",
    "palestrina/Credo_50_b.krn",
    "palestrina/Agnus_17.krn",
    "palestrina/Sanctus_28_c.krn",
    "palestrina/Benedictus_09_a.krn",
    "palestrina/Agnus_II_10_a.krn",
    "palestrina/Gloria_03.krn",
    "palestrina/Kyrie_79.krn",
    "palestrina/Sanctus_34.krn",
]


def frac(x):
    f = fractions.Fraction(x)
    return [f.numerator, f.denominator]


def part_record(part):
    flat = part.stripTies().flatten()
    notes = []
    for n in flat.notes:
        off = frac(n.offset)
        dur = frac(n.quarterLength)
        for p in n.pitches:
            notes.append([p.midi, *off, *dur, bool(n.duration.isGrace)])
    notes.sort(key=lambda r: (fractions.Fraction(r[1], r[2]), r[0], fractions.Fraction(r[3], r[4])))
    sigs, keys = [], []
    for k in flat.getElementsByClass(key.KeySignature):
        if isinstance(k, key.Key):
            keys.append([*frac(k.offset), k.tonic.pitchClass, k.mode])
        else:
            sigs.append([*frac(k.offset), k.sharps])
    times = [
        [*frac(t.offset), t.numerator, t.denominator]
        for t in flat.getElementsByClass(meter.TimeSignature)
    ]
    return {
        "notes": notes,
        "key_signatures": sigs,
        "keys": keys,
        "time_signatures": times,
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"music21": music21.__version__, "files": {}}
    for rel in FILES:
        src = CORPUS / rel
        name = rel.replace("/", "_")
        shutil.copyfile(src, OUT / name)
        score = converter.parse(src, format="humdrum")
        parts = [part_record(p) for p in reversed(list(score.parts))]
        marks = [
            m.number
            for m in score.flatten().getElementsByClass(tempo.MetronomeMark)
            if m.number is not None
        ]
        result["files"][name] = {
            "title": score.metadata.title,
            "composer": score.metadata.composer,
            "tempos": marks,
            "parts": parts,
        }
        print(name, len(parts), "parts", sum(len(p["notes"]) for p in parts), "notes")
    with open(OUT / "kern.json", "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
