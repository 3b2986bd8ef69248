#!/usr/bin/env python
"""One command for the performance guide's comparison table.

    ~/audio-refenv/bin/python tools/bench/run.py [--rounds N] [--only KEY,KEY] [--out DIR]
    ~/audio-refenv/bin/python tools/bench/run.py --render DIR/results.json   # table only

It

1. builds the criterion benches (and the release `audio` binary) once, with
   `cargo bench --no-run` / `cargo build --release`;
2. runs, for several rounds, each Rust bench and its Python twin one after
   the other (the order alternates between rounds), every side on one thread
   (`RAYON_NUM_THREADS=1`; `OMP_NUM_THREADS=1` and friends, torch and
   onnxruntime on one thread);
3. records, for each step, the CPU model, the load average and the CPU time
   that other processes took on the machine while the step ran (the
   machine's busy time from `/proc/stat` minus the step's own CPU time);
4. reports per side the median and the spread (min-max) of the step's
   timings, and the ratio (Python / Rust) per round;
5. writes `DIR/results.md` (default `docs/src/bench/`), which the
   performance guide includes as it is, and `DIR/results.json` with every
   timing.

Both sides report process CPU time (user + system, all threads): the Rust
benches through criterion with `audio_test_fixtures::CpuTime` or
`cpu_timed`, the Python twins (`tools/bench/twin.py`) with
`time.process_time()`; the whole-process row takes the child's CPU time from
`getrusage`. Wall time is recorded beside it.

Needs the reference environment of `tools/reference/README.md` (librosa,
museval, mir_eval, torch, openunmix, onnxruntime, soundfile) and the Basic
Pitch wheel unpacked where `BASIC_PITCH_WHEEL` points (default
/work/bp/wheel; `pip download --no-deps basic-pitch==0.4.0`, then unzip).
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")

# One thread for every pool either side might start.
ONE_THREAD = {
    "RAYON_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "THREADS": "1",  # tools/reference/bench_umx.py: torch.set_num_threads
}


@dataclass
class Case:
    key: str
    work: str
    # Rust: (package, bench target, criterion id) or "cli" for the whole-process row.
    rust: tuple
    # Python: (tools/reference module, case) or "cli".
    python: tuple
    repeats: int = 5
    warmup: int = 1
    # The goal as a minimum ratio (Python time / Rust time), and how the
    # issue states it.
    goal: float = None
    goal_text: str = ""
    reference: str = ""
    # Extra criterion options (shorter warm-up and measurement for the
    # many short resampling cases).
    criterion_args: tuple = ()


CASES = [
    Case("stft", "STFT, n_fft 2048, hop 512, 30 s at 22.05 kHz, f32",
         ("audio-dsp", "librosa_comparison", "librosa_comparison/stft_2048_512"),
         ("bench_librosa", "stft_2048_512"), repeats=20, goal=2.0,
         goal_text=">= 2x (the audio-dsp issue's goal; keep)", reference="librosa 0.11.0"),
    Case("mel", "melspectrogram, 128 mels, 30 s",
         ("audio-dsp", "librosa_comparison", "librosa_comparison/melspectrogram_128"),
         ("bench_librosa", "melspectrogram_128"), repeats=20, goal=2.5,
         goal_text=">= 2.5x (keep)", reference="librosa 0.11.0"),
    Case("mfcc", "MFCC, 20 coefficients, 30 s",
         ("audio-dsp", "librosa_comparison", "librosa_comparison/mfcc_20"),
         ("bench_librosa", "mfcc_20"), repeats=20, goal=2.5,
         goal_text=">= 2.5x (keep)", reference="librosa 0.11.0"),
    Case("cqt", "CQT, 84 bins, soxr_hq, 21.7 s piano, plan + process (one librosa call)",
         ("audio-dsp", "cqt", "cqt/cqt_soxr_hq_plan"),
         ("bench_cqt", "cqt_soxr_hq"), repeats=10, goal=3.0, goal_text=">= 3x",
         reference="librosa 0.11.0"),
    Case("chroma_cqt", "chroma_cqt, tuning 0, 21.7 s piano, plan + process",
         ("audio-dsp", "cqt", "cqt/chroma_cqt_soxr_hq_plan"),
         ("bench_cqt", "chroma_cqt"), repeats=10, goal=3.0, goal_text=">= 3x (as CQT)",
         reference="librosa 0.11.0"),
    Case("museval_10s", "museval v4, 4 stereo sources x 10 s, 44.1 kHz, win = hop = 1 s",
         ("audio-eval", "separation", "separation/museval_v4_4x10s_stereo"),
         ("bench_separation", "museval_v4_4x10s_stereo"), repeats=3, warmup=0,
         goal=50.0, goal_text=">= 50x", reference="museval 0.4.1"),
    Case("museval_60s", "museval v4, 4 stereo sources x 60 s",
         ("audio-eval", "separation", "separation/museval_v4_4x60s_stereo"),
         ("bench_separation", "museval_v4_4x60s_stereo"), repeats=2, warmup=0,
         goal=50.0, goal_text=">= 50x", reference="museval 0.4.1"),
    Case("bss_eval_sources", "bss_eval_sources with permutation, 4 mono sources x 10 s",
         ("audio-eval", "separation", "separation/mir_eval_bss_eval_sources_4x10s_mono"),
         ("bench_separation", "mir_eval_bss_eval_sources_4x10s_mono"), repeats=3, warmup=0,
         goal=50.0, goal_text=">= 50x", reference="mir_eval 0.8.2"),
    Case("museval_cli", "`audio eval separation --museval`, whole process, 4 stereo WAV stems x 10 s",
         "cli", "cli", repeats=3, warmup=0, goal=40.0, goal_text=">= 40x",
         reference="museval 0.4.1 (soundfile + evaluate)"),
    Case("umx_niter0", "Open-Unmix, umxhq size, 4 targets, 10 s stereo, niter 0",
         ("audio-models", "open_unmix", "open_unmix_umxhq_4_targets_10s/niter0"),
         ("bench_umx", "niter0"), repeats=5, goal=1.0,
         goal_text=">= 1x (Rust <= 1.0 of PyTorch's time)", reference="openunmix 1.3.0, torch"),
    Case("umx_niter1", "Open-Unmix, as above, niter 1",
         ("audio-models", "open_unmix", "open_unmix_umxhq_4_targets_10s/niter1"),
         ("bench_umx", "niter1"), repeats=5, goal=1.0,
         goal_text="keep the lead (> 1x; 2.2-2.4x in issue 20)", reference="openunmix 1.3.0, torch"),
    Case("griffinlim", "Griffin-Lim, 32 iterations, 30 s, f64 iterations (the default)",
         ("audio-dsp", "librosa_comparison", "librosa_comparison/griffinlim_32"),
         ("bench_librosa", "griffinlim_32"), repeats=5, goal=3.0, goal_text=">= 3x (audio-dsp issue)",
         reference="librosa 0.11.0"),
    Case("griffinlim_f32", "Griffin-Lim, 32 iterations, 30 s, f32 iterations (`--native-precision`)",
         ("audio-dsp", "librosa_comparison", "librosa_comparison/griffinlim_32_native_f32"),
         ("bench_librosa", "griffinlim_32"), repeats=5, goal=3.0, goal_text=">= 3x (audio-dsp issue)",
         reference="librosa 0.11.0"),
] + [
    Case(f"resample_{a // 1000}k_{b // 1000}k_{recipe[5:]}",
         f"resample {a} -> {b} Hz, {recipe}, 30 s, f32",
         ("audio-dsp", "resample", f"resample/{a}_{b}_{recipe}"),
         ("bench_resample", f"{a}_{b}_{recipe}"), repeats=10, goal=1.0,
         goal_text=">= 1x soxr (audio-dsp issue)",
         reference="python-soxr 1.1.0 through librosa.resample",
         criterion_args=("--warm-up-time", "1", "--measurement-time", "3"))
    for a, b in [(44100, 22050), (22050, 16000), (16000, 44100)]
    for recipe in ("soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq")
] + [
    Case("basic_pitch", "Basic Pitch, 60 s: posteriorgrams + notes",
         ("audio-models", "basic_pitch", "basic_pitch/transcribe_60s"),
         ("bench_basic_pitch", "transcribe_60s"), repeats=5, goal=1.0,
         goal_text=">= 1x (Rust <= 1.0 of onnxruntime's time)",
         reference="basic-pitch 0.4.0 on onnxruntime"),
]


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                return [f for f in ("avx2", "avx512f", "fma") if f in flags]
    except OSError:
        pass
    return []


def busy_seconds():
    """The machine's busy CPU time so far (all cores) and its steal time."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_step(cmd, env):
    """Runs one step; returns (stdout, facts about the machine during it)."""
    load = os.getloadavg()[0]
    busy0, steal0 = busy_seconds()
    own0 = children_cpu()
    w0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - w0
    own = children_cpu() - own0
    busy1, steal1 = busy_seconds()
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"step failed: {' '.join(map(str, cmd))}")
    facts = {
        "load1": round(load, 2),
        "wall_s": round(wall, 3),
        "own_cpu_s": round(own, 3),
        "others_cpu_s": round(max(0.0, (busy1 - busy0) - own), 3),
        "steal_s": round(steal1 - steal0, 3),
    }
    return proc.stdout, facts


def executables(cmd, keep):
    """Runs a cargo build with `--message-format=json`; returns target name ->
    executable for the artifacts `keep(target)` accepts."""
    out = subprocess.run(cmd + ["--message-format=json"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    exes = {}
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and keep(msg["target"]):
            exes[msg["target"]["name"]] = msg["executable"]
    return exes


def build(cases):
    """Builds every bench the cases need once; returns bench name -> executable."""
    pairs = sorted({(c.rust[0], c.rust[1]) for c in cases if c.rust != "cli"})
    cmd = ["cargo", "bench", "--no-run"]
    for package in sorted({p for p, _ in pairs}):
        cmd += ["-p", package]
    for bench in sorted({b for _, b in pairs}):
        cmd += ["--bench", bench]
    exes = executables(cmd, lambda target: "bench" in target["kind"]) if pairs else {}
    if any(c.rust == "cli" for c in cases):
        exes.update(executables(["cargo", "build", "--release", "-p", "audio-cli"],
                                lambda target: target["name"] == "audio"))
    return exes


def rust_step(case, exes, env, home):
    """One criterion run of the case's bench; per-iteration times in seconds."""
    _, bench, bench_id = case.rust
    env = dict(env, CRITERION_HOME=str(home))
    cmd = [exes[bench], "--bench", "--noplot", *case.criterion_args, "--exact", bench_id]
    _, facts = run_step(cmd, env)
    sample = json.loads((home / bench_id / "new" / "sample.json").read_text())
    times = [t / i * 1e-9 for t, i in zip(sample["times"], sample["iters"])]
    return times, facts


def python_step(case, env):
    script, name = case.python
    cmd = [PYTHON, str(ROOT / "tools" / "bench" / "twin.py"), script, name, str(case.repeats), str(case.warmup)]
    out, facts = run_step(cmd, env)
    return json.loads(out.strip().splitlines()[-1])["cpu"], facts


def write_stems(folder):
    """4 stereo sources x 10 s at 44.1 kHz as float WAVs: the separation bench's
    signal (scaled into [-1, 1]) and its estimates."""
    sys.path.insert(0, str(ROOT / "tools" / "reference"))
    import soundfile as sf
    from bench_separation import estimates, signal

    r = signal(4, 10, 2) * 0.4
    e = estimates(r)
    refs, ests = [], []
    for j in range(4):
        refs.append(folder / f"reference{j}.wav")
        ests.append(folder / f"estimate{j}.wav")
        sf.write(refs[-1], r[j], 44100, subtype="FLOAT")
        sf.write(ests[-1], e[j], 44100, subtype="FLOAT")
    return refs, ests


def cli_steps(case, exes, env, folder, side):
    """The whole-process row: one process per repeat, CPU time from getrusage."""
    refs, ests = folder["stems"]
    out = folder["dir"] / f"scores-{side}.json"
    if side == "rust":
        cmd = [exes["audio"], "eval", "separation", "--museval", "--reference", *map(str, refs),
               "--estimate", *map(str, ests), "--json", str(out)]
    else:
        cmd = [PYTHON, str(ROOT / "tools" / "bench" / "museval_wavs.py"), str(out),
               "--reference", *map(str, refs), "--estimate", *map(str, ests)]
    times, facts_all = [], []
    for _ in range(case.repeats):
        _, facts = run_step(cmd, env)
        times.append(facts["own_cpu_s"])
        facts_all.append(facts)
    facts = {
        "load1": facts_all[0]["load1"],
        "wall_s": round(sum(f["wall_s"] for f in facts_all), 3),
        "own_cpu_s": round(sum(f["own_cpu_s"] for f in facts_all), 3),
        "others_cpu_s": round(sum(f["others_cpu_s"] for f in facts_all), 3),
        "steal_s": round(sum(f["steal_s"] for f in facts_all), 3),
    }
    return times, facts


def fmt_s(x):
    if x >= 1:
        return f"{x:.3f} s"
    if x >= 1e-3:
        return f"{x * 1e3:.2f} ms"
    return f"{x * 1e6:.1f} us"


def side_text(times):
    return f"{fmt_s(statistics.median(times))} ({fmt_s(min(times))}-{fmt_s(max(times))})"


def others_text(facts):
    """Other processes' CPU during the step, in % of one core over its wall time."""
    pct = 100.0 * facts["others_cpu_s"] / max(facts["wall_s"], 1e-9)
    return f"{pct:.0f}%"


def markdown(meta, results):
    lines = [
        f"Measured by `tools/bench/run.py` on {meta['date']} at commit `{meta['commit']}`: "
        f"{meta['cpu']} ({', '.join(meta['flags']) or 'no AVX2'}), {meta['cores']} cores, "
        f"{meta['rounds']} rounds, both sides on one thread, process CPU time. "
        "Each cell gives the median of the step's runs and their spread (min-max); "
        "the ratio is the reference's median over ours (higher is faster). "
        "\"Others\" is the CPU time other processes took while the step ran, "
        "in % of one core, reference step / Rust step; load is the 1-minute load "
        "average when the step began.",
        "",
        "| work | round | reference | ours | ratio | goal | load | others |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in [c for c in CASES if c.key in results]:
        for k, r in enumerate(results[case.key]["rounds"]):
            ratio = r["ratio"]
            met = "" if case.goal is None else (" (met)" if ratio >= case.goal else " (**missed**)")
            lines.append(
                f"| {case.work if k == 0 else ''} | {k + 1} | {side_text(r['python'])} | "
                f"{side_text(r['rust'])} | **{ratio:.2f}x**{met} | "
                f"{case.goal_text if k == 0 else ''} | {r['python_facts']['load1']} / "
                f"{r['rust_facts']['load1']} | {others_text(r['python_facts'])} / "
                f"{others_text(r['rust_facts'])} |")
    lines += ["", "References: " + "; ".join(
        f"{c.key}: {c.reference}" for c in CASES if c.key in results) + ".", ""]
    return "\n".join(lines)


def meta_of(args):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + ("+changes" if dirty else ""),
        "cpu": cpu_model(),
        "flags": cpu_flags(),
        "cores": os.cpu_count(),
        "rounds": args.rounds,
    }


def write(args, results, meta):
    """Writes what has been measured so far (after every case, so that an
    interrupted run keeps its figures)."""
    done = {k: v for k, v in results.items() if v["rounds"]}
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"meta": meta, "results": done}, indent=1) + "\n")
    (out / "results.md").write_text(markdown(meta, done))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated case keys")
    ap.add_argument("--out", default=str(ROOT / "docs" / "src" / "bench"))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--render", metavar="RESULTS_JSON",
                    help="only rewrite results.md in --out from a results.json of an earlier run")
    args = ap.parse_args()
    if args.render:
        saved = json.loads(pathlib.Path(args.render).read_text())
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.md").write_text(markdown(saved["meta"], saved["results"]))
        print(markdown(saved["meta"], saved["results"]))
        return
    if args.list:
        for c in CASES:
            print(f"{c.key:18s} {c.work}")
        return
    only = set(filter(None, args.only.split(",")))
    cases = [c for c in CASES if not only or c.key in only]
    if only - {c.key for c in cases}:
        raise SystemExit(f"unknown case(s): {sorted(only - {c.key for c in cases})}")
    # The commit (and whether tracked files differ from it) as the run
    # starts: what is measured; the date is the start of the run.
    meta = meta_of(args)
    print("building the benches ...", file=sys.stderr, flush=True)
    exes = build(cases)
    env = dict(os.environ, **ONE_THREAD)
    results = {c.key: {"rounds": []} for c in cases}
    with tempfile.TemporaryDirectory(prefix="audio-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        folder = {"dir": tmp}
        if any(c.rust == "cli" for c in cases):
            folder["stems"] = write_stems(tmp)
        for rnd in range(args.rounds):
            for case in cases:
                order = ["rust", "python"] if rnd % 2 == 0 else ["python", "rust"]
                entry = {}
                for side in order:
                    print(f"round {rnd + 1}: {case.key} ({side}) ...", file=sys.stderr, flush=True)
                    if case.rust == "cli":
                        times, facts = cli_steps(case, exes, env, folder, side)
                    elif side == "rust":
                        times, facts = rust_step(case, exes, env, tmp / f"criterion-{rnd}")
                    else:
                        times, facts = python_step(case, env)
                    entry[side] = times
                    entry[f"{side}_facts"] = facts
                entry["ratio"] = statistics.median(entry["python"]) / statistics.median(entry["rust"])
                print(f"    ratio {entry['ratio']:.2f}", file=sys.stderr, flush=True)
                results[case.key]["rounds"].append(entry)
                write(args, results, meta)
    write(args, results, meta)
    print(markdown(meta, results))

if __name__ == "__main__":
    main()
