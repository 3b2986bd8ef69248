"""Held-out check of the `audio` CLI against librosa 0.11.0 on recordings the
fixtures never saw.

The DSP fixtures (dsp_*_fixtures.py) are all computed on FluidSynth renders
made with FluidR3_GM. This script renders other audio with a different
soundfont (TimGM6mb), from the repository's three MIDI files and from four
public-domain pieces of music21's corpus (a Bach chorale on organ, the C major
prelude BWV 846 on harpsichord, and openings of a Mozart and a Beethoven
string quartet, each trimmed to 30 s), runs librosa and our CLI on the same
signals, and compares:

- rhythm: beat.beat_track (beat frames and tempo identical), feature.tempo
  (identical), feature.tempogram, beat.plp;
- onsets: onset.onset_strength, onset.onset_detect (frames identical);
- features: spectral_centroid / bandwidth / rolloff / flatness / contrast,
  rms, zero_crossing_rate, melspectrogram, mfcc, chroma_stft, cqt (complex),
  chroma_cqt, and chroma_cqt(norm=None) as a diagnostic row (per-frame max
  normalisation turns absolute float32 noise into large relative errors in
  near-silent frames; where chroma_cqt fails, report.md says how quiet the
  failing frames are and how far librosa moves from itself when the signal is
  delayed by one hop, which changes only float32 rounding);
- loading: `audio convert IN44k.wav --format float32 --sr 22050 --mono`
  against librosa.load(sr=22050), the same at the native rate against
  librosa.load(sr=None), `audio resample --res-type soxr_hq` of the file to
  22.05 kHz and of the mono float32 signal to 16 kHz (SNR in dB).

Every analysis uses librosa's default parameters, on librosa.load(wav,
sr=22050) of a 22.05 kHz render (mono float32), given to the CLI as a 1-D
.npy with --sr 22050. Bounds are the project's: arrays within 1e-5 of the
reference's peak (max |ours - librosa| / max |librosa|), integer results and
tempi identical, SNR >= 100 dB.

Everything is written under the work folder (default /tmp/holdout), never
into the repository: renders in wav/, MIDI in midi/, both sides' outputs in
out/, and the Markdown table (with the details of each failure) in
report.md. The table is also printed; the exit status is 1 if any check
fails.

    ~/audio-refenv/bin/pip install music21          # once, for the corpus
    ~/audio-refenv/bin/python tools/reference/dsp_holdout_check.py \
        [--audio target/release/audio] [--work /tmp/holdout] [--rerender]

Needs fluidsynth and /usr/share/sounds/sf2/TimGM6mb.sf2 (Debian's
timgm6mb-soundfont). `--audio` defaults to target/release/audio, else
target/debug/audio.
"""
import argparse
import datetime
import pathlib
import shutil
import subprocess
import sys
import time

import librosa
import numpy as np
import soundfile as sf

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets" / "audio"
SF2 = "/usr/share/sounds/sf2/TimGM6mb.sf2"  # held out: the fixtures use FluidR3_GM
SR = 22050
SR_HI = 44100
SECONDS = 30.0
REL_BOUND = 1e-5
SNR_BOUND = 100.0

# music21 corpus pieces: (name, corpus path, General MIDI program per part or
# None to keep the parsed instruments).
CORPUS = [
    ("bwv66_6_organ", "bach/bwv66.6", 19),
    ("bwv846_harpsichord", "bach/bwv846", 6),
    ("mozart_k80_quartet", "mozart/k80/movement1", (40, 40, 41, 42)),
    ("beethoven_op18no1_quartet", "beethoven/opus18no1/movement1", (40, 40, 41, 42)),
]
# Recordings also rendered at 44.1 kHz stereo for the load / resample checks.
HI_RATE = ("piano", "bwv66_6_organ", "mozart_k80_quartet")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Rendering


def write_corpus_midi(path, corpus_path, programs):
    """music21 corpus piece -> MIDI, cut to the first measures covering ~32 s."""
    from music21 import corpus, instrument

    score = corpus.parse(corpus_path)
    marks = score.metronomeMarkBoundaries()
    bpm = (marks[0][2].getQuarterBPM() if marks else None) or 120.0
    need_ql = (SECONDS + 2.0) * bpm / 60.0
    measures = score.parts[0].getElementsByClass("Measure")
    last = measures[-1].number
    for m in measures:
        if m.offset >= need_ql:
            last = m.number
            break
    score = score.measures(measures[0].number, last)
    if programs is not None:
        if isinstance(programs, int):
            programs = (programs,) * len(score.parts)
        for part, program in zip(score.parts, programs):
            for inst in list(part.recurse().getElementsByClass(instrument.Instrument)):
                inst.activeSite.remove(inst)
            new = instrument.instrumentFromMidiProgram(program)
            new.midiProgram = program
            part.insert(0, new)
    score.write("midi", fp=str(path))


def render(mid, wav, rate):
    """FluidSynth render (stereo int16) of `mid`, trimmed to SECONDS."""
    subprocess.run(["fluidsynth", "-ni", "-g", "0.6", "-r", str(rate), "-F", str(wav), SF2, str(mid)],
                   check=True, capture_output=True)
    data, sr = sf.read(wav, dtype="int16", always_2d=True)
    assert sr == rate, (wav, sr)
    n = int(SECONDS * rate)
    if data.shape[0] > n:
        sf.write(wav, data[:n], rate, subtype="PCM_16")


def render_all(work, rerender):
    midi_dir, wav_dir = work / "midi", work / "wav"
    midi_dir.mkdir(parents=True, exist_ok=True)
    wav_dir.mkdir(parents=True, exist_ok=True)
    mids = {}
    for name in ("piano", "violin_melody", "piano_short"):
        mids[name] = ASSETS / f"{name}.mid"
    for name, corpus_path, programs in CORPUS:
        mid = midi_dir / f"{name}.mid"
        if rerender or not mid.exists():
            log(f"music21: {corpus_path} -> {mid}")
            write_corpus_midi(mid, corpus_path, programs)
        mids[name] = mid
    renders = {}
    for name, mid in mids.items():
        rates = (SR, SR_HI) if name in HI_RATE else (SR,)
        for rate in rates:
            wav = wav_dir / f"{name}_{rate // 1000}k.wav"
            if rerender or not wav.exists():
                log(f"fluidsynth: {mid.name} @ {rate} Hz -> {wav}")
                render(mid, wav, rate)
            renders[(name, rate)] = wav
    return renders


# --------------------------------------------------------------------------
# Running and comparing


class Checker:
    def __init__(self, audio, out):
        self.audio = audio
        self.out = out
        self.rows = []      # (recording, function, metric, value, bound, ok)
        self.details = []   # text for failures

    def cli(self, *args):
        cmd = [str(self.audio), *map(str, args)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
        return r

    def row(self, rec, fn, metric, value, bound, ok, detail=None):
        self.rows.append((rec, fn, metric, value, bound, ok))
        if not ok and detail:
            self.details.append(f"**{rec} / {fn}**: {detail}")

    def fail_run(self, rec, fn, err):
        self.row(rec, fn, "ran", "error", "runs", False, "`" + str(err).strip().replace("\n", " ")[:600] + "`")

    def rel(self, rec, fn, ours, ref):
        """max |ours - ref| / max |ref| (complex-aware), bound REL_BOUND."""
        ours, ref = np.asarray(ours), np.asarray(ref)
        if ours.shape != ref.shape:
            self.row(rec, fn, "shape", f"{ours.shape} vs {ref.shape}", "equal", False,
                     f"shape ours {ours.shape}, librosa {ref.shape}")
            return
        o = ours.astype(np.complex128 if np.iscomplexobj(ours) or np.iscomplexobj(ref) else np.float64)
        r = ref.astype(o.dtype)
        diff = np.abs(o - r)
        peak = np.max(np.abs(r)) if r.size else 0.0
        err = float(np.max(diff) / peak) if peak > 0 else float(np.max(diff)) if diff.size else 0.0
        ok = bool(np.isfinite(err) and err <= REL_BOUND and np.array_equal(np.isnan(o), np.isnan(r)))
        detail = None
        if not ok:
            idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
            over = diff > REL_BOUND * peak
            cols = np.unique(np.nonzero(over)[-1]) if over.ndim else []
            detail = (f"max error {err:.3e} of the peak ({peak:.6g}) at index {tuple(int(i) for i in idx)}: "
                      f"ours {o[idx]:.9g}, librosa {r[idx]:.9g}; {int(over.sum())} of {over.size} elements over "
                      f"{REL_BOUND:g} of the peak, in {len(cols)} of {diff.shape[-1]} frames"
                      + (f" (first {', '.join(map(str, cols[:12]))})" if len(cols) else ""))
        if ours.dtype != ref.dtype:
            self.details.append(f"note, {rec} / {fn}: dtype ours {ours.dtype}, librosa {ref.dtype}")
        self.row(rec, fn, "max abs err / peak", f"{err:.2e}", f"<= {REL_BOUND:g}", ok, detail)

    def ints(self, rec, fn, ours, ref, what):
        ours, ref = np.asarray(ours).ravel(), np.asarray(ref).ravel()
        a, b = set(ours.tolist()), set(ref.tolist())
        ok = ours.shape == ref.shape and np.array_equal(ours, ref)
        value = f"{len(a ^ b)} mismatched ({len(ours)} ours, {len(ref)} librosa)"
        detail = None
        if not ok:
            detail = (f"{what} only in librosa: {sorted(b - a)}; only in ours: {sorted(a - b)} "
                      f"(librosa {len(ref)}, ours {len(ours)})")
        self.row(rec, fn, f"{what} identical", value, "0 mismatched", ok, detail)

    def exact(self, rec, fn, what, ours, ref):
        ours, ref = np.asarray(ours, dtype=np.float64).ravel(), np.asarray(ref, dtype=np.float64).ravel()
        ok = ours.shape == ref.shape and np.array_equal(ours, ref)
        fmt = lambda v: ", ".join(f"{x:.12g}" for x in v)
        value = f"{fmt(ours)}" if ok else f"ours {fmt(ours)} vs {fmt(ref)}"
        self.row(rec, fn, f"{what} identical", value, "equal", ok,
                 None if ok else f"{what}: ours {fmt(ours)}, librosa {fmt(ref)}")

    def snr(self, rec, fn, ours, ref):
        ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
        if ours.shape != ref.shape:
            self.row(rec, fn, "shape", f"{ours.shape} vs {ref.shape}", "equal", False,
                     f"length ours {ours.shape}, librosa {ref.shape}")
            return
        noise = float(np.sum((ours - ref) ** 2))
        s = float("inf") if noise == 0 else 10 * np.log10(np.sum(ref ** 2) / noise)
        ok = s >= SNR_BOUND
        detail = None
        if not ok:
            d = np.abs(ours - ref)
            detail = f"SNR {s:.2f} dB; max |diff| {d.max():.3e} at sample {int(d.argmax())} of {d.size}"
        self.row(rec, fn, "SNR (dB)", "inf (bit-exact)" if s == float("inf") else f"{s:.1f}",
                 f">= {SNR_BOUND:g}", ok, detail)


# Array-valued analyses: (row label, CLI subcommand, extra CLI flags, librosa
# call on (y, sr)).
ARRAY_CHECKS = [
    ("onset-strength", "onset-strength", (), lambda y, sr: librosa.onset.onset_strength(y=y, sr=sr)),
    ("tempogram", "tempogram", (), lambda y, sr: librosa.feature.tempogram(y=y, sr=sr)),
    ("plp", "plp", (), lambda y, sr: librosa.beat.plp(y=y, sr=sr)),
    ("spectral-centroid", "spectral-centroid", (), lambda y, sr: librosa.feature.spectral_centroid(y=y, sr=sr)),
    ("spectral-bandwidth", "spectral-bandwidth", (), lambda y, sr: librosa.feature.spectral_bandwidth(y=y, sr=sr)),
    ("spectral-rolloff", "spectral-rolloff", (), lambda y, sr: librosa.feature.spectral_rolloff(y=y, sr=sr)),
    ("spectral-flatness", "spectral-flatness", (), lambda y, sr: librosa.feature.spectral_flatness(y=y)),
    ("spectral-contrast", "spectral-contrast", (), lambda y, sr: librosa.feature.spectral_contrast(y=y, sr=sr)),
    ("rms", "rms", (), lambda y, sr: librosa.feature.rms(y=y)),
    ("zero-crossing-rate", "zero-crossing-rate", (), lambda y, sr: librosa.feature.zero_crossing_rate(y)),
    ("melspectrogram", "melspectrogram", (), lambda y, sr: librosa.feature.melspectrogram(y=y, sr=sr)),
    ("mfcc", "mfcc", (), lambda y, sr: librosa.feature.mfcc(y=y, sr=sr)),
    ("chroma-stft", "chroma-stft", (), lambda y, sr: librosa.feature.chroma_stft(y=y, sr=sr)),
    ("cqt", "cqt", (), lambda y, sr: librosa.cqt(y, sr=sr)),
    ("chroma-cqt", "chroma-cqt", (), lambda y, sr: librosa.feature.chroma_cqt(y=y, sr=sr)),
    # Diagnostic companion of chroma-cqt: the same chromagram before the
    # per-frame max normalisation, which blows up absolute float32 noise in
    # near-silent frames.
    ("chroma-cqt --norm none", "chroma-cqt", ("--norm", "none"),
     lambda y, sr: librosa.feature.chroma_cqt(y=y, sr=sr, norm=None)),
]


def slug(label):
    return label.replace(" --", "_").replace(" ", "_")


def chroma_cqt_diagnosis(ck, rec, y, out):
    """Where chroma-cqt fails: how loud the failing frames are, and how far
    librosa moves from itself when the same signal is delayed by one hop (512
    zeros in front: mathematically the same frames, a different alignment of
    soxr's float32 blocks inside the CQT's octave decimation)."""
    ours = np.load(out / f"{rec}_chroma-cqt_ours.npy").astype(np.float64)
    ref = np.load(out / f"{rec}_chroma-cqt_librosa.npy").astype(np.float64)
    raw = np.load(out / f"{rec}_{slug('chroma-cqt --norm none')}_librosa.npy")
    level = raw.max(axis=0) / raw.max()
    bad = np.unique(np.nonzero(np.abs(ours - ref) > REL_BOUND * np.abs(ref).max())[1])
    if not len(bad):
        return
    tuning = librosa.estimate_tuning(y=y, sr=SR, bins_per_octave=36)
    delayed = librosa.feature.chroma_cqt(y=np.concatenate([np.zeros(512, y.dtype), y]), sr=SR, tuning=tuning)
    self_err = float(np.max(np.abs(delayed[:, 1:1 + ref.shape[1]].astype(np.float64) - ref)))
    ck.details.append(
        f"diagnosis, {rec} / chroma-cqt: the {len(bad)} failing frames are quiet: frame max of the "
        f"un-normalised chroma {np.median(level[bad]):.1e} of the recording's max (median; loudest "
        f"{level[bad].max():.1e}); librosa against itself on the signal delayed by 512 samples differs "
        f"by {self_err:.2e}")


def check_analysis(ck, rec, wav, out):
    y, sr = librosa.load(wav, sr=SR)
    assert y.dtype == np.float32 and sr == SR
    sig = out / f"{rec}_y.npy"
    np.save(sig, y)

    def ours(cmd, suffix="npy"):
        path = out / f"{rec}_{cmd}_ours.{suffix}"
        ck.cli(cmd, sig, "-o", path, "--sr", SR)
        return path

    # beat_track: beat frames and tempo
    try:
        tempo_ref, beats_ref = librosa.beat.beat_track(y=y, sr=sr)
        with np.load(ours("beat-track", "npz")) as z:
            tempo, beats = z["tempo"], z["beats"]
        np.savez(out / f"{rec}_beat-track_librosa.npz", tempo=tempo_ref, beats=beats_ref)
        ck.ints(rec, "beat-track", beats, beats_ref, "beat frames")
        ck.exact(rec, "beat-track", "tempo", tempo, tempo_ref)
    except Exception as e:  # noqa: BLE001 - reported as a failing row
        ck.fail_run(rec, "beat-track", e)
    # tempo
    try:
        ref = librosa.feature.tempo(y=y, sr=sr)
        ck.exact(rec, "tempo", "BPM", np.load(ours("tempo")), ref)
    except Exception as e:  # noqa: BLE001
        ck.fail_run(rec, "tempo", e)
    # onset_detect
    try:
        ref = librosa.onset.onset_detect(y=y, sr=sr)
        np.save(out / f"{rec}_onset-detect_librosa.npy", ref)
        ck.ints(rec, "onset-detect", np.load(ours("onset-detect")), ref, "onset frames")
    except Exception as e:  # noqa: BLE001
        ck.fail_run(rec, "onset-detect", e)
    for label, cmd, extra, fn in ARRAY_CHECKS:
        try:
            ref = fn(y, sr)
            np.save(out / f"{rec}_{slug(label)}_librosa.npy", ref)
            path = out / f"{rec}_{slug(label)}_ours.npy"
            ck.cli(cmd, sig, "-o", path, "--sr", SR, *extra)
            ck.rel(rec, label, np.load(path), ref)
        except Exception as e:  # noqa: BLE001
            ck.fail_run(rec, label, e)
    try:
        chroma_cqt_diagnosis(ck, rec, y, out)
    except Exception as e:  # noqa: BLE001
        ck.details.append(f"diagnosis, {rec} / chroma-cqt: failed ({e})")


def check_load(ck, rec, wav, out):
    ref22, _ = librosa.load(wav, sr=SR)
    try:
        path = out / f"{rec}_44k_convert_22k.wav"
        ck.cli("convert", wav, "-o", path, "--format", "float32", "--sr", SR, "--mono")
        y, sr = sf.read(path, dtype="float32")
        assert sr == SR, sr
        ck.snr(rec + " (44.1k stereo)", "convert --sr 22050 --mono", y, ref22)
    except Exception as e:  # noqa: BLE001
        ck.fail_run(rec + " (44.1k stereo)", "convert --sr 22050 --mono", e)
    try:
        path = out / f"{rec}_44k_convert_native.wav"
        ck.cli("convert", wav, "-o", path, "--format", "float32", "--mono")
        y, sr = sf.read(path, dtype="float32")
        ref, sr_ref = librosa.load(wav, sr=None)
        assert sr == sr_ref == SR_HI, (sr, sr_ref)
        ck.snr(rec + " (44.1k stereo)", "convert --mono (native rate)", y, ref)
    except Exception as e:  # noqa: BLE001
        ck.fail_run(rec + " (44.1k stereo)", "convert --mono (native rate)", e)
    try:
        path = out / f"{rec}_44k_resample_22k.npy"
        ck.cli("resample", wav, "-o", path, "--target-sr", SR, "--res-type", "soxr_hq")
        ck.snr(rec + " (44.1k stereo)", "resample file -> 22050 soxr_hq", np.load(path), ref22)
    except Exception as e:  # noqa: BLE001
        ck.fail_run(rec + " (44.1k stereo)", "resample file -> 22050 soxr_hq", e)
    try:
        y44, _ = librosa.load(wav, sr=None)
        sig = out / f"{rec}_44k_y.npy"
        np.save(sig, y44)
        path = out / f"{rec}_44k_resample_16k.npy"
        ck.cli("resample", sig, "-o", path, "--orig-sr", SR_HI, "--target-sr", 16000, "--res-type", "soxr_hq")
        ref = librosa.resample(y44, orig_sr=SR_HI, target_sr=16000, res_type="soxr_hq")
        ck.snr(rec + " (44.1k stereo)", "resample .npy 44100 -> 16000 soxr_hq", np.load(path), ref)
    except Exception as e:  # noqa: BLE001
        ck.fail_run(rec + " (44.1k stereo)", "resample .npy 44100 -> 16000 soxr_hq", e)


def table(ck, header):
    lines = [header, "", "| recording | function | metric | value | bound | result |", "|---|---|---|---|---|---|"]
    for rec, fn, metric, value, bound, ok in ck.rows:
        lines.append(f"| {rec} | {fn} | {metric} | {value} | {bound} | {'pass' if ok else '**FAIL**'} |")
    n_fail = sum(not r[5] for r in ck.rows)
    lines += ["", f"{len(ck.rows) - n_fail} of {len(ck.rows)} checks pass, {n_fail} fail."]
    if ck.details:
        lines += ["", "## Details", ""] + [f"- {d}" for d in ck.details]
    return "\n".join(lines) + "\n", n_fail


def main():
    default_audio = ROOT / "target" / "release" / "audio"
    if not default_audio.exists():
        default_audio = ROOT / "target" / "debug" / "audio"
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--audio", type=pathlib.Path, default=default_audio, help="the audio CLI binary")
    ap.add_argument("--work", type=pathlib.Path, default=pathlib.Path("/tmp/holdout"))
    ap.add_argument("--rerender", action="store_true", help="render the MIDI/WAV files again even if present")
    args = ap.parse_args()
    work = args.work.resolve()
    if ROOT in work.parents or work == ROOT:
        sys.exit("--work must be outside the repository")
    if shutil.which("fluidsynth") is None or not pathlib.Path(SF2).exists():
        sys.exit(f"needs fluidsynth and {SF2}")
    t0 = time.time()
    renders = render_all(work, args.rerender)
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    ck = Checker(args.audio.resolve(), out)
    for (rec, rate), wav in renders.items():
        if rate == SR:
            log(f"analysis: {rec}")
            check_analysis(ck, rec, wav, out)
    for (rec, rate), wav in renders.items():
        if rate == SR_HI:
            log(f"load/resample: {rec} (44.1 kHz stereo)")
            check_load(ck, rec, wav, out)
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    durations = ", ".join(f"{rec} {sf.info(str(w)).duration:.1f} s" for (rec, rate), w in renders.items() if rate == SR)
    header = (f"# Held-out check: `audio` CLI vs librosa {librosa.__version__}\n\n"
              f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, repository at {commit}, "
              f"binary `{args.audio}`, numpy {np.__version__}. Renders: FluidSynth with "
              f"{pathlib.Path(SF2).name}, {SR} Hz ({durations}); 44.1 kHz stereo: {', '.join(HI_RATE)}. "
              f"Run time {time.time() - t0:.0f} s.")
    text, n_fail = table(ck, header)
    (work / "report.md").write_text(text)
    print(text)
    log(f"wrote {work / 'report.md'}")
    sys.exit(1 if n_fail else 0)


if __name__ == "__main__":
    main()
