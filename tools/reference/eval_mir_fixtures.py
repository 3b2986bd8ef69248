#!/usr/bin/env python
"""Extra fixtures for audio-eval's music metrics, written by mir_eval 0.8.2
(and scikit-learn for classification, which mir_eval lacks).

mir_eval's own regression data (copied into
audio-eval/tests/fixtures/mir_eval/) uses default parameters only.
These cases cover the rest: non-default tolerances, strict comparisons,
onset-only scores, the exact note pairs of the matching (which the average
overlap ratio depends on), velocity regression corner cases, multipitch
resampling, melody with continuous voicing / hop / zero and nearest
interpolation, short beat sequences (Goto, continuity and information gain
corner cases), every key pair, and classification against scikit-learn.

Run with the reference environment:

    /work/refenv/bin/python tools/reference/eval_mir_fixtures.py

Writes audio-eval/tests/fixtures/mir_extra/<task>.json.
"""

import json
import os
import warnings

import mir_eval
import numpy as np

warnings.filterwarnings("ignore")

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "..",
    "audio-eval",
    "tests",
    "fixtures",
    "mir_extra",
)


def fl(x):
    return [float(v) for v in np.asarray(x).ravel()]


def scores(d):
    return {k: float(v) for k, v in d.items()}


def random_notes(rng, n, dur=30.0, dense=False):
    onsets = np.sort(rng.uniform(0, dur, n))
    if dense:
        # Chords: groups of notes sharing (almost) one onset, close pitches.
        onsets = np.round(onsets / 0.5) * 0.5 + rng.uniform(0, 0.02, n)
        onsets = np.sort(onsets)
    lengths = rng.uniform(0.05, 1.5, n)
    midi = rng.integers(40, 90, n) + (rng.uniform(-0.3, 0.3, n) if dense else 0)
    pitches = 440.0 * 2 ** ((midi - 69) / 12.0)
    intervals = np.stack([onsets, onsets + lengths], axis=1)
    return np.round(intervals, 4), pitches


def perturb_notes(rng, intervals, pitches, drop=0.2, add=0.2):
    n = len(pitches)
    keep = rng.uniform(size=n) > drop
    iv = intervals[keep].copy()
    p = pitches[keep].copy()
    iv[:, 0] += rng.normal(0, 0.03, len(p))
    iv[:, 1] += rng.normal(0, 0.08, len(p))
    iv = np.maximum(iv, 0)
    iv[:, 1] = np.maximum(iv[:, 1], iv[:, 0] + 0.01)
    p = p * 2 ** (rng.normal(0, 30, len(p)) / 1200)
    n_add = int(add * n)
    extra_iv, extra_p = random_notes(rng, n_add)
    iv = np.concatenate([iv, extra_iv])
    p = np.concatenate([p, extra_p])
    order = rng.permutation(len(p))
    return np.round(iv[order], 4), p[order]


def transcription_cases(rng):
    cases = []
    configs = [
        {},
        {"offset_ratio": None},
        {"strict": True},
        {"onset_tolerance": 0.1, "pitch_tolerance": 25.0},
        {"offset_ratio": 0.5, "offset_min_tolerance": 0.1},
        {"beta": 0.5},
    ]
    for k in range(12):
        dense = k % 2 == 1
        n = [5, 40, 200, 600][k % 4]
        ri, rp = random_notes(rng, n, dense=dense)
        ei, ep = perturb_notes(rng, ri, rp)
        cfg = configs[k % len(configs)]
        full = dict(
            onset_tolerance=0.05,
            pitch_tolerance=50.0,
            offset_ratio=0.2,
            offset_min_tolerance=0.05,
            strict=False,
            beta=1.0,
        )
        full.update(cfg)
        match_kw = {k2: v for k2, v in full.items() if k2 != "beta"}
        matching = mir_eval.transcription.match_notes(ri, rp, ei, ep, **match_kw)
        cases.append(
            {
                "name": f"random{k}_n{n}{'_dense' if dense else ''}",
                "config": full,
                "ref_intervals": [fl(r) for r in ri],
                "ref_pitches": fl(rp),
                "est_intervals": [fl(r) for r in ei],
                "est_pitches": fl(ep),
                "matching": [[int(a), int(b)] for a, b in matching],
                "expected": scores(
                    mir_eval.transcription.evaluate(ri, rp, ei, ep, **cfg)
                ),
            }
        )
    # Identity and disjoint cases.
    ri, rp = random_notes(rng, 50)
    for name, (ei, ep) in {
        "identity": (ri, rp),
        "octave_off": (ri, rp * 2),
        "empty_estimate": (np.zeros((0, 2)), np.zeros(0)),
    }.items():
        cases.append(
            {
                "name": name,
                "config": dict(
                    onset_tolerance=0.05,
                    pitch_tolerance=50.0,
                    offset_ratio=0.2,
                    offset_min_tolerance=0.05,
                    strict=False,
                    beta=1.0,
                ),
                "ref_intervals": [fl(r) for r in ri],
                "ref_pitches": fl(rp),
                "est_intervals": [fl(r) for r in ei],
                "est_pitches": fl(ep),
                "matching": [
                    [int(a), int(b)]
                    for a, b in mir_eval.transcription.match_notes(ri, rp, ei, ep)
                ],
                "expected": scores(mir_eval.transcription.evaluate(ri, rp, ei, ep)),
            }
        )
    return cases


def velocity_cases(rng):
    cases = []
    for k in range(8):
        n = [10, 80, 300, 3][k % 4]
        ri, rp = random_notes(rng, n)
        ei, ep = perturb_notes(rng, ri, rp, drop=0.1, add=0.1)
        rv = rng.integers(1, 128, len(rp)).astype(float)
        if k == 3:
            ev = np.full(len(ep), 64.0)  # rank-deficient regression
        elif k == 7:
            rv = np.full(len(rp), 80.0)  # constant reference velocities
            ev = rng.integers(1, 128, len(ep)).astype(float)
        else:
            ev = rng.integers(1, 128, len(ep)).astype(float) / 127.0
        tol = [0.1, 0.2][k % 2]
        cases.append(
            {
                "name": f"velocity{k}_n{n}",
                "velocity_tolerance": tol,
                "ref_intervals": [fl(r) for r in ri],
                "ref_pitches": fl(rp),
                "ref_velocities": fl(rv),
                "est_intervals": [fl(r) for r in ei],
                "est_pitches": fl(ep),
                "est_velocities": fl(ev),
                "expected": scores(
                    mir_eval.transcription_velocity.evaluate(
                        ri, rp, rv, ei, ep, ev, velocity_tolerance=tol
                    )
                ),
            }
        )
    return cases


def random_frames(rng, times, max_poly=4):
    frames = []
    for _ in times:
        k = rng.integers(0, max_poly + 1)
        midi = rng.integers(30, 90, k) + rng.normal(0, 0.3, k)
        frames.append(440.0 * 2 ** ((midi - 69) / 12.0))
    return frames


def multipitch_cases(rng):
    cases = []
    for k in range(6):
        n = [50, 300, 1200][k % 3]
        ref_t = np.arange(n) * 0.01
        ref_f = random_frames(rng, ref_t)
        if k < 3:
            est_t = ref_t.copy()
            est_f = [
                f * 2 ** (rng.normal(0, 20, len(f)) / 1200)
                if rng.uniform() < 0.7
                else random_frames(rng, [0])[0]
                for f in ref_f
            ]
        else:
            # Different time base: resampled by nearest neighbour.
            est_t = np.arange(int(n * 0.8)) * 0.0116 + 0.003
            est_f = random_frames(rng, est_t)
            for i in range(0, len(est_f), 3):
                j = min(int(round(est_t[i] / 0.01)), n - 1)
                est_f[i] = ref_f[j] * 2 ** (1 if i % 2 else 0)
        window = [0.5, 0.25][k % 2]
        cases.append(
            {
                "name": f"multipitch{k}_n{n}",
                "window": window,
                "ref_time": fl(ref_t),
                "ref_freqs": [fl(f) for f in ref_f],
                "est_time": fl(est_t),
                "est_freqs": [fl(f) for f in est_f],
                "expected": scores(
                    mir_eval.multipitch.evaluate(
                        ref_t, ref_f, est_t, est_f, window=window
                    )
                ),
            }
        )
    return cases


def onset_cases(rng):
    cases = []
    for k in range(6):
        n = [3, 50, 500][k % 3]
        ref = np.sort(rng.uniform(0, 60, n))
        kept = ref[rng.uniform(size=n) > 0.2]
        est = np.sort(
            np.concatenate(
                [kept + rng.normal(0, 0.03, len(kept)), rng.uniform(0, 60, n // 5)]
            )
        )
        est = np.maximum(est, 0)
        window = [0.05, 0.02, 0.1][k % 3]
        cases.append(
            {
                "name": f"onset{k}_n{n}",
                "window": window,
                "ref": fl(ref),
                "est": fl(est),
                "expected": scores(mir_eval.onset.evaluate(ref, est, window=window)),
            }
        )
    return cases


def melody_cases(rng):
    cases = []
    n = 800
    ref_t = np.arange(n) * 0.0058
    midi = 60 + np.cumsum(rng.normal(0, 0.3, n))
    ref_f = 440.0 * 2 ** ((midi - 69) / 12.0)
    ref_f[rng.uniform(size=n) < 0.25] = 0
    variants = [
        ("linear_resample", dict(), 0.01, 0.0),
        ("starts_late", dict(), 0.01, 0.5),
        ("hop", dict(hop=0.01), 0.0075, 0.0),
        ("zero_kind", dict(kind="zero"), 0.0101, 0.0),
        ("nearest_kind", dict(kind="nearest"), 0.009, 0.0),
        ("continuous_voicing", dict(), 0.0058, 0.0),
        ("continuous_voicing_resampled", dict(), 0.01, 0.2),
        ("negative_unvoiced", dict(), 0.0058, 0.0),
        ("tolerance_25", dict(cent_tolerance=25), 0.0058, 0.0),
        ("base_frequency_55", dict(base_frequency=55.0), 0.0101, 0.0),
    ]
    for name, kw, hop, start in variants:
        m = int((ref_t[-1] - start) / hop * rng.uniform(0.8, 1.1))
        est_t = start + np.arange(m) * hop
        est_midi = np.interp(est_t, ref_t, midi) + rng.normal(0, 0.3, m)
        est_midi[rng.uniform(size=m) < 0.05] += 12
        est_f = 440.0 * 2 ** ((est_midi - 69) / 12.0)
        est_f[rng.uniform(size=m) < 0.2] = 0
        est_voicing = None
        ref_reward = None
        if name.startswith("continuous_voicing"):
            est_voicing = rng.uniform(0, 1, m)
            ref_reward = rng.uniform(0, 1, n)
        if name == "negative_unvoiced":
            idx = rng.uniform(size=m) < 0.1
            est_f[idx] = -np.abs(est_f[idx]) - 1
        call_kw = dict(kw)
        if est_voicing is not None:
            call_kw["est_voicing"] = est_voicing
            call_kw["ref_reward"] = ref_reward
        expected = mir_eval.melody.evaluate(ref_t, ref_f, est_t, est_f, **call_kw)
        cases.append(
            {
                "name": name,
                "config": {
                    "hop": kw.get("hop"),
                    "kind": kw.get("kind", "linear"),
                    "cent_tolerance": kw.get("cent_tolerance", 50.0),
                    "base_frequency": kw.get("base_frequency", 10.0),
                },
                "ref_time": fl(ref_t),
                "ref_freq": fl(ref_f),
                "est_time": fl(est_t),
                "est_freq": fl(est_f),
                "est_voicing": None if est_voicing is None else fl(est_voicing),
                "ref_reward": None if ref_reward is None else fl(ref_reward),
                "expected": scores(expected),
            }
        )
    return cases


def beat_cases(rng):
    cases = []
    lists = []
    for k in range(8):
        period = rng.uniform(0.35, 0.8)
        n = [3, 6, 40, 120][k % 4]
        ref = 5.0 + np.arange(n) * period + rng.normal(0, 0.005, n)
        if k % 4 == 0:
            est = ref + rng.normal(0, 0.02, n)
        elif k == 1:
            est = np.sort(np.concatenate([ref, ref[:-1] + period / 2]))  # double
        elif k == 2:
            est = ref[::2] + rng.normal(0, 0.01, len(ref[::2]))  # half
        elif k == 3:
            est = ref + period / 2  # off-beat
        else:
            est = np.sort(
                np.concatenate([ref[rng.uniform(size=n) > 0.3], rng.uniform(4, ref[-1], n // 4)])
            )
            est = est + rng.normal(0, 0.04, len(est))
        lists.append((f"beat{k}_n{n}", np.sort(ref), np.sort(np.maximum(est, 0))))
    # Before 5 s trimmed; two beats; one beat; steady.
    steady = np.arange(0, 30, 0.5)
    lists.append(("steady_identity", steady, steady.copy()))
    lists.append(("two_beats", np.array([5.0, 5.5]), np.array([5.02, 5.5])))
    lists.append(("one_beat", np.array([6.0]), np.array([6.0, 6.5])))
    lists.append(("goto_long_track", steady, np.concatenate([steady[:10], steady[10:] + 0.01])))
    for name, ref, est in lists:
        cases.append(
            {
                "name": name,
                "ref": fl(ref),
                "est": fl(est),
                "expected": scores(mir_eval.beat.evaluate(ref, est)),
            }
        )
    return cases


def key_cases():
    keys = [
        "C major", "C minor", "G major", "G minor", "A minor", "A major",
        "Eb major", "C# minor", "E minor", "Db major", "F# other", "X",
        "Bb minor", "D major",
    ]
    return [
        {
            "name": f"{r}|{e}",
            "ref": r,
            "est": e,
            "expected": scores(mir_eval.key.evaluate(r, e)),
        }
        for r in keys
        for e in keys
    ]


def classification_cases(rng):
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        precision_recall_fscore_support,
    )

    cases = []
    for k in range(5):
        n = [10, 100, 1000, 7, 300][k]
        n_classes = [3, 5, 10, 4, 6][k]
        y_true = rng.integers(0, n_classes, n)
        y_pred = np.where(
            rng.uniform(size=n) < 0.6, y_true, rng.integers(0, n_classes + (k == 3), n)
        )
        labels = sorted(set(y_true) | set(y_pred))
        p, r, f, s = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=None, zero_division=0
        )
        mp, mr, mf, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average="macro", zero_division=0
        )
        cases.append(
            {
                "name": f"classification{k}_n{n}",
                "truth": [int(v) for v in y_true],
                "predicted": [int(v) for v in y_pred],
                "classes": [int(v) for v in labels],
                "accuracy": float(accuracy_score(y_true, y_pred)),
                "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
                "precision": fl(p),
                "recall": fl(r),
                "f1": fl(f),
                "support": [int(v) for v in s],
                "macro_precision": float(mp),
                "macro_recall": float(mr),
                "macro_f1": float(mf),
            }
        )
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20260611)
    tasks = {
        "transcription": transcription_cases(rng),
        "transcription_velocity": velocity_cases(rng),
        "multipitch": multipitch_cases(rng),
        "onset": onset_cases(rng),
        "melody": melody_cases(rng),
        "beat": beat_cases(rng),
        "key": key_cases(),
        "classification": classification_cases(rng),
    }
    for task, cases in tasks.items():
        doc = {
            "generator": "tools/reference/eval_mir_fixtures.py",
            "mir_eval": mir_eval.__version__,
            "cases": cases,
        }
        path = os.path.join(OUT, f"{task}.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print(f"{path}: {len(cases)} cases, {os.path.getsize(path) // 1024} KiB")


if __name__ == "__main__":
    main()
