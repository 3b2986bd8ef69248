#!/usr/bin/env python
"""museval 0.4.1 and SI-SDR fixtures for audio-eval's separation module.

Real multi-stem audio: a short MIDI arrangement (piano, bass, strings) made
with pretty_midi, each stem rendered in stereo by FluidSynth (FluidR3_GM) at
44.1 kHz, 4 s long. Estimates are the references with interference from the
other stems, white noise and a short FIR filter; one reference holds a
silent second and one estimate a silent second, so museval returns NaN in
those windows.

Inputs are stored as int16 .npy (`references.npy`, `estimates.npy`,
`(sources, samples, channels)`; the float signals are int16 / 32768), and
museval's outputs of `museval.evaluate` as strict JSON (NaN written as
null, infinities as the strings inf / -inf).

Run: /work/refenv/bin/python tools/reference/eval_separation_fixtures.py
"""
import json
import os
import subprocess
import sys
import tempfile
import types

import numpy as np
import pretty_midi
import soundfile as sf

# museval imports musdb (and through it stempeg, which needs ffmpeg) only for
# its dataset helpers; stub it so `museval.evaluate` can be imported.
sys.modules.setdefault("musdb", types.ModuleType("musdb"))
import museval  # noqa: E402

SR = 44100
DURATION = 4.0
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "audio-eval", "tests", "fixtures", "museval"
)


def render_stem(program, notes, pan):
    """Render one instrument to a (samples, 2) float array with FluidSynth."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    inst = pretty_midi.Instrument(program=program)
    inst.control_changes.append(pretty_midi.ControlChange(number=10, value=pan, time=0.0))
    for start, end, pitch, vel in notes:
        inst.notes.append(pretty_midi.Note(velocity=vel, pitch=pitch, start=start, end=end))
    pm.instruments.append(inst)
    with tempfile.TemporaryDirectory() as tmp:
        mid = os.path.join(tmp, "stem.mid")
        wav = os.path.join(tmp, "stem.wav")
        pm.write(mid)
        subprocess.run(
            ["fluidsynth", "-ni", "-g", "0.8", "-r", str(SR), "-F", wav, SF2, mid],
            check=True,
            capture_output=True,
        )
        audio, rate = sf.read(wav, always_2d=True)
    assert rate == SR
    n = int(DURATION * SR)
    out = np.zeros((n, 2))
    m = min(n, audio.shape[0])
    out[:m] = audio[:m]
    return out


def arrangement():
    piano = []
    for i, chord in enumerate([(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]):
        for p in chord:
            piano.append((i * 1.0, i * 1.0 + 0.9, p, 90))
    bass = [(i * 0.5, i * 0.5 + 0.45, p, 100) for i, p in enumerate([36, 36, 33, 33, 29, 29, 31, 31])]
    strings = [(0.0, 1.9, 72, 70), (2.0, 3.9, 74, 70)]
    return [(0, piano, 40), (33, bass, 64), (48, strings, 90)]


def strict(obj):
    """JSON without NaN/Infinity tokens: NaN -> null, +-inf -> "inf"/"-inf"."""
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(v) for v in obj]
    if isinstance(obj, float):
        if np.isnan(obj):
            return None
        if np.isinf(obj):
            return "inf" if obj > 0 else "-inf"
    return obj


def quantize(x):
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20260)
    refs = np.stack([render_stem(p, notes, pan) for p, notes, pan in arrangement()])
    refs /= np.abs(refs).max() * 1.25
    nsrc, n, nch = refs.shape
    # A silent second in the strings reference: museval gives NaN there.
    refs[2, SR : 2 * SR] = 0.0
    ests = np.empty_like(refs)
    taps = [np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.1]), np.array([1.0, -0.3, 0.05])]
    for j in range(nsrc):
        filtered = np.stack([np.convolve(refs[j, :, c], taps[j])[:n] for c in range(nch)], axis=1)
        interf = sum(0.15 * (k + 1) / nsrc * refs[k] for k in range(nsrc) if k != j)
        noise = 0.003 * rng.standard_normal((n, nch))
        ests[j] = filtered + interf + noise
    # A silent second in the bass estimate.
    ests[1, 3 * SR : 4 * SR] = 0.0
    refs_q = quantize(refs)
    ests_q = quantize(ests)
    np.save(os.path.join(OUT, "references.npy"), refs_q)
    np.save(os.path.join(OUT, "estimates.npy"), ests_q)
    r = refs_q.astype(np.float64) / 32768.0
    e = ests_q.astype(np.float64) / 32768.0

    cases = {
        "v4_default": dict(win=SR, hop=SR, mode="v4", estimates="full"),
        "v4_overlap_padded": dict(win=30000, hop=12000, mode="v4", estimates="short"),
        "v4_truncated": dict(win=SR, hop=SR // 2, mode="v4", estimates="long"),
        "v3_default": dict(win=SR, hop=SR, mode="v3", estimates="full"),
    }
    for name, c in cases.items():
        est = e
        if c["estimates"] == "short":
            est = e[:, : n - 5000]
        elif c["estimates"] == "long":
            est = np.concatenate([e, e[:, :3000]], axis=1)
        sdr, isr, sir, sar = museval.evaluate(r, est, win=c["win"], hop=c["hop"], mode=c["mode"])
        doc = {
            "museval_version": museval.__version__ if hasattr(museval, "__version__") else "0.4.1",
            "win": c["win"],
            "hop": c["hop"],
            "mode": c["mode"],
            "estimates": c["estimates"],
            "SDR": sdr.tolist(),
            "ISR": isr.tolist(),
            "SIR": sir.tolist(),
            "SAR": sar.tolist(),
            "median": {
                k: np.nanmedian(v, axis=1).tolist() for k, v in dict(SDR=sdr, ISR=isr, SIR=sir, SAR=sar).items()
            },
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(strict(doc), f, indent=1, allow_nan=False)
        print(name, np.round(np.nanmedian(sdr, axis=1), 3))

    # SI-SDR reference formula (Le Roux et al. 2019) on the mono mixdowns.
    rm = r.mean(axis=2)
    em = e.mean(axis=2)[[2, 0, 1]]  # shuffled so the permutation matters

    def scores(refs_, ests_, zero_mean):
        if zero_mean:
            refs_ = refs_ - refs_.mean(axis=1, keepdims=True)
            ests_ = ests_ - ests_.mean(axis=1, keepdims=True)
        out = []
        coef_all = np.linalg.lstsq(refs_.T, ests_.T, rcond=None)[0]  # (nsrc, nest)
        for j in range(refs_.shape[0]):
            s = refs_[j]
            est_ = ests_[j]
            alpha = np.dot(est_, s) / np.dot(s, s)
            target = alpha * s
            proj = refs_.T @ coef_all[:, j]
            out.append(
                (
                    10 * np.log10(np.sum(target**2) / np.sum((est_ - target) ** 2)),
                    10 * np.log10(np.sum(target**2) / np.sum((proj - target) ** 2)),
                    10 * np.log10(np.sum(target**2) / np.sum((est_ - proj) ** 2)),
                )
            )
        return np.array(out)

    def si_sdr_matrix(refs_, ests_):
        m = np.empty((ests_.shape[0], refs_.shape[0]))
        for i in range(ests_.shape[0]):
            for j in range(refs_.shape[0]):
                s = refs_[j]
                alpha = np.dot(ests_[i], s) / np.dot(s, s)
                m[i, j] = 10 * np.log10(np.sum((alpha * s) ** 2) / np.sum((ests_[i] - alpha * s) ** 2))
        return m

    import itertools

    m = si_sdr_matrix(rm, em)
    perms = list(itertools.permutations(range(rm.shape[0])))
    best = perms[int(np.argmax([np.mean([m[p[j], j] for j in range(len(p))]) for p in perms]))]
    doc = {
        "identity": scores(rm, em, False).tolist(),
        "identity_zero_mean": scores(rm, em, True).tolist(),
        "permutation": list(best),
        "permuted": scores(rm, em[list(best)], False).tolist(),
    }
    with open(os.path.join(OUT, "si_sdr.json"), "w") as f:
        json.dump(strict(doc), f, indent=1, allow_nan=False)
    print("si_sdr perm", best)


if __name__ == "__main__":
    main()
