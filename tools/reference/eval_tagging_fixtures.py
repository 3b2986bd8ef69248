#!/usr/bin/env python
"""Fixtures for audio-eval's tagging scores (ROC-AUC and average precision),
written by scikit-learn 1.9.1 (`sklearn.metrics.roc_auc_score`,
`average_precision_score`).

Cases: random multi-label truth with continuous scores; scores rounded to a
few levels so that many tie (within and across the two classes); a label with
no positive example; a label whose examples are all positive; a single
column; and single-class input. scikit-learn 1.9 returns NaN (with an
UndefinedMetricWarning) for the ROC-AUC of a label with one class present,
and a macro or micro mean that includes it is NaN too; JSON has no NaN, so
the fixture records `null`. Where it raises, the message is recorded.

Run with the reference environment (numpy, scikit-learn):

    /tmp/refenv/bin/python tools/reference/eval_tagging_fixtures.py

Writes audio-eval/tests/fixtures/tagging/tagging.json.
"""

import json
import os
import warnings

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

warnings.filterwarnings("ignore")

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "audio-eval", "tests", "fixtures", "tagging",
)


def score(fn, truth, scores, average):
    try:
        v = fn(truth, scores, average=average)
    except ValueError as err:
        return None, str(err)
    if average is None:
        return [nan_to_none(x) for x in np.atleast_1d(v)], None
    return nan_to_none(v), None


def nan_to_none(x):
    """JSON has no NaN: an undefined score (scikit-learn's NaN) is null."""
    x = float(x)
    return None if np.isnan(x) else x


def case(name, truth, scores):
    truth = np.asarray(truth, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    out = {
        "name": name,
        "truth": truth.tolist(),
        "scores": scores.tolist(),
    }
    for key, fn in [("roc_auc", roc_auc_score), ("average_precision", average_precision_score)]:
        for average in [None, "macro", "micro"]:
            label = average or "per_label"
            value, err = score(fn, truth, scores, average)
            out[f"{key}_{label}"] = value
            if err is not None:
                out[f"{key}_{label}_error"] = err
    # Per label, computed one column at a time (the per-label values where
    # the whole-matrix call raises).
    per = []
    for j in range(truth.shape[1]):
        v, _ = score(roc_auc_score, truth[:, j], scores[:, j], "macro")
        per.append(v)
    out["roc_auc_columns"] = per
    return out


def main():
    rng = np.random.default_rng(16)
    cases = []
    for k, (n, labels) in enumerate([(20, 3), (200, 8), (500, 10), (7, 2)]):
        truth = (rng.uniform(size=(n, labels)) < rng.uniform(0.2, 0.6, size=labels)).astype(int)
        truth[0, :] = 1
        truth[1, :] = 0
        scores = np.clip(truth * 0.3 + rng.uniform(size=(n, labels)), 0, 1)
        cases.append(case(f"random{k}_n{n}_l{labels}", truth, scores))
    # Ties: scores on 4 levels, tied within and across classes.
    truth = (rng.uniform(size=(300, 5)) < 0.4).astype(int)
    scores = np.round(truth * 0.25 + rng.uniform(size=(300, 5)) * 0.75, 1)
    cases.append(case("ties_levels", truth, scores))
    # Every score tied.
    truth = (rng.uniform(size=(50, 3)) < 0.5).astype(int)
    truth[0, :] = 1
    truth[1, :] = 0
    cases.append(case("all_tied", truth, np.full((50, 3), 0.5)))
    # A label with no positives, and a label with only positives.
    truth = (rng.uniform(size=(60, 4)) < 0.5).astype(int)
    truth[:, 1] = 0
    truth[:, 3] = 1
    cases.append(case("no_positive_and_all_positive", truth, rng.uniform(size=(60, 4))))
    # Single column.
    truth = (rng.uniform(size=(40, 1)) < 0.3).astype(int)
    truth[0, 0] = 1
    cases.append(case("single_column", truth, rng.uniform(size=(40, 1))))
    # Single-class input: every example negative in every label.
    cases.append(case("single_class_input", np.zeros((10, 2), dtype=int), rng.uniform(size=(10, 2))))
    # Perfect and reversed rankings.
    truth = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    cases.append(case("perfect_and_reversed", truth, np.array([[0.9, 0.9], [0.8, 0.8], [0.2, 0.2], [0.1, 0.1]])))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "tagging.json"), "w") as f:
        json.dump(cases, f)
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
