"""Python json.dump fixtures for audio_eval::report (CPython's json module).

Writes audio-eval/tests/fixtures/report/python_json.json: for each float (given
by its IEEE-754 bits, so nothing is lost on the way), the text `json.dumps`
writes for it (repr, NaN, Infinity); the escaping of strings with the default
`ensure_ascii=True`; and `json.dumps` of a small map of lists, compact and
with `indent=2`. audio-eval/tests/report_fixtures.rs compares
`python_float`, `to_json_compact` and `to_json_indented` with them.

    python3 tools/reference/eval_report_fixtures.py
"""

import json
import math
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "audio-eval" / "tests" / "fixtures" / "report"

FLOATS = [0.0, -0.0, 0.5, 1.0, 100.0, 0.1, 1.0 / 3.0, 0.0001, 0.00012345, 0.00001,
          1.5e-7, 1e15, 1e16, 1.2345e100, -2.5e-300, sys.float_info.max, 5e-324,
          12.345678901234567, 2.0 / 3.0, 123.456e20, -9.87654321e-5,
          math.nan, math.inf, -math.inf]
STRINGS = ["a\"b\\c\n\t\x01", "\u00e9\U0001F600"]
MAP = {"a": [], "b": [1.0, math.nan]}


def bits(v):
    return struct.unpack("<Q", struct.pack("<d", v))[0]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    out = {
        "python": sys.version.split()[0],
        "floats": [[bits(v), json.dumps(v)] for v in FLOATS],
        "strings": {"input": STRINGS, "dumps": json.dumps(STRINGS)},
        "map": {"dumps": json.dumps(MAP), "dumps_indent_2": json.dumps(MAP, indent=2)},
    }
    (OUT / "python_json.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
