//! Every subcommand against every kind of bad input a user can hand it.
//!
//! The subcommands are enumerated from clap's own help (`audio --help`, then
//! `audio <group> --help` for groups such as `eval`), and each one's required
//! arguments from its usage line, so a new command is swept without touching
//! this file. Each run must
//! - exit non-zero with exactly one line on stderr, `error: …` (naming the
//!   file when the file is what cannot be read), or succeed where a
//!   documented behaviour says so (`documented_success`);
//! - never panic (exit code 101, or "panicked" on stderr) or hang;
//! - leave no output, complete or partial, behind when it fails, and no
//!   temporary file either way.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The longest one run may take before it counts as a hang. The slowest
/// command on these tiny inputs (Basic Pitch's embedded model, unoptimised
/// test build) takes a few seconds.
const HANG_LIMIT: Duration = Duration::from_secs(120);

/// Values of required non-file arguments, by their clap value name.
fn fixed_value(command: &[String], value_name: &str) -> Option<String> {
    let separate = command.last().is_some_and(|c| c == "separate");
    let tag = command.last().is_some_and(|c| c == "tag");
    let effect = command.last().is_some_and(|c| c == "effect");
    let generate = command.first().is_some_and(|c| c == "generate");
    let denoise = command.last().is_some_and(|c| c == "denoise");
    let resynth = command.last().is_some_and(|c| c == "resynth");
    let vocode = command.last().is_some_and(|c| c == "vocode");
    match value_name {
        "TARGET_SR" => Some("16000".into()),
        "INTERVALS" => Some("0:10".into()),
        "ARCH" => Some("open-unmix".into()),
        // The random-weight Demucs release of audio-models' fixtures, so
        // that `separate` gets as far as reading its input and writing
        // (`evaluate`'s model is a checkpoint folder: it gets the input).
        "MODEL" if separate => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../audio-models/tests/fixtures/demucs/demucs_small.th")
                .display()
                .to_string(),
        ),
        // A two-class SampleCNN checkpoint (widths 2-4) trained on tones
        // and noise, so that `tag` gets as far as its input and output.
        "MODEL" if tag => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../audio-models/tests/fixtures/tagging/tiny_samplecnn")
                .display()
                .to_string(),
        ),
        // micro-TCN's Lightning-style checkpoint (it names its own size),
        // so that `effect` gets as far as its input and output.
        "MODEL" if effect => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../audio-models/tests/fixtures/tcn_effect/utcn300.ckpt")
                .display()
                .to_string(),
        ),
        // Tiny trained runs (a VAE of 2 + 2 filters; a DDSP decoder of
        // width 8; a MelGAN of width 4), so that `denoise`, `resynth` and
        // `vocode` get to their input.
        "MODEL" if denoise || resynth || vocode => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../audio-models/tests/fixtures")
                .join(if denoise {
                    "denoiser"
                } else if resynth {
                    "ddsp"
                } else {
                    "melgan"
                })
                .join("tiny_run")
                .display()
                .to_string(),
        ),
        // Tiny trained runs (a melody LSTM of 16 cells; an unconditioned
        // WaveNet of 4 channels), so that `generate` gets to its output.
        "MODEL" if generate => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../audio-models/tests/fixtures")
                .join(command.last().map_or("melody", String::as_str))
                .join("tiny_run")
                .display()
                .to_string(),
        ),
        _ => None,
    }
}

/// The output name a command expects (its writer chooses the format by it).
fn output_name(command: &[String]) -> &'static str {
    match command.last().map(String::as_str) {
        Some("convert" | "effect") => "out.wav",
        Some("specshow" | "waveshow") => "out.png",
        Some("notes-to-midi" | "transcribe" | "pipeline" | "melody") => "out.mid",
        Some("wavenet" | "denoise" | "resynth" | "vocode") => "out.wav",
        Some("midi-to-notes") => "out.csv",
        Some("estimate-key" | "tag") => "out.json",
        Some("separate") => "stems",
        Some("train") => "run",
        _ => "out.npy",
    }
}

/// The command names listed under `Commands:` in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

fn help(path: &[String]) -> String {
    let out = common::audio_command()
        .args(path)
        .arg("--help")
        .output()
        .expect("run audio --help");
    assert!(out.status.success(), "audio {path:?} --help failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every leaf command, as the words that invoke it, with its help text.
fn leaf_commands() -> Vec<(Vec<String>, String)> {
    let mut leaves = Vec::new();
    let mut stack: Vec<Vec<String>> = subcommands(&help(&[]))
        .into_iter()
        .map(|c| vec![c])
        .collect();
    while let Some(path) = stack.pop() {
        let text = help(&path);
        let children = subcommands(&text);
        if children.is_empty() {
            leaves.push((path, text));
        } else {
            stack.extend(children.into_iter().map(|c| {
                let mut p = path.clone();
                p.push(c);
                p
            }));
        }
    }
    leaves.sort();
    leaves
}

/// One argument of a usage line.
#[derive(Debug, Clone)]
enum Slot {
    /// A positional `<NAME>` or `[NAME]`.
    Positional(String),
    /// A required option `--flag <NAME>`.
    Option(String, String),
}

/// The required arguments of a usage line
/// (`Usage: audio remix [OPTIONS] --output <OUTPUT> --intervals <INTERVALS> <INPUT>`).
fn required_slots(help: &str) -> Vec<Slot> {
    let usage = help
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .expect("a usage line");
    let words: Vec<&str> = usage.split_whitespace().collect();
    let mut slots = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let name = |s: &str| {
            s.trim_matches(|c| matches!(c, '<' | '>' | '[' | ']' | '.'))
                .to_owned()
        };
        if w.starts_with("--") && i + 1 < words.len() && words[i + 1].starts_with('<') {
            slots.push(Slot::Option(w.to_owned(), name(words[i + 1])));
            i += 2;
            continue;
        }
        if (w.starts_with('<') || w.starts_with('[')) && w != "[OPTIONS]" {
            slots.push(Slot::Positional(name(w)));
        }
        i += 1;
    }
    slots
}

/// The bad inputs, written once into `dir`.
struct Inputs {
    dir: PathBuf,
}

fn wav_header(channels: u16, rate: u32, bits: u16, riff_size: u32, data_size: u32) -> Vec<u8> {
    let block = channels.wrapping_mul(bits / 8);
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&riff_size.to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate.wrapping_mul(u32::from(block))).to_le_bytes());
    h.extend_from_slice(&block.to_le_bytes());
    h.extend_from_slice(&bits.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_size.to_le_bytes());
    h
}

/// A format-0 MIDI file with two notes.
const MIDI: &[u8] = &[
    b'M', b'T', b'h', b'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96, b'M', b'T', b'r', b'k', 0, 0, 0, 20, 0,
    0x90, 60, 100, 48, 0x80, 60, 0, 0, 0x90, 64, 100, 48, 0x80, 64, 0, 0, 0xFF, 0x2F, 0,
];

/// A 16-bit mono WAV of `n` samples of a 440 Hz tone at 22050 Hz.
fn good_wav(n: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..n)
        .flat_map(|i| {
            let v = (0.5
                * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 22050.0).sin()
                * 32767.0) as i16;
            v.to_le_bytes()
        })
        .collect();
    let len = u32::try_from(data.len()).expect("small");
    let mut w = wav_header(1, 22050, 16, 36 + len, len);
    w.extend_from_slice(&data);
    w
}

/// A `.npy` file: `descr`, `shape`, and raw little-endian `data`.
fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).expect("short").to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

impl Inputs {
    fn write(dir: PathBuf) -> Self {
        std::fs::create_dir_all(&dir).expect("sweep dir");
        let put = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
        put("empty.wav", b"");
        // Deterministic noise (xorshift), not a valid file of any kind.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        put("random.wav", &random);
        let good = good_wav(22050);
        put("good.wav", &good);
        put("truncated.wav", &good[..1001]);
        put("truncated-header.wav", &good[..30]);
        let mut lying = wav_header(1, 22050, 16, 0xFFFF_FFF0, 0xFFFF_FFF0);
        lying.extend_from_slice(&good[44..144]);
        put("lying-sizes.wav", &lying);
        let mut zero_channels = wav_header(0, 22050, 16, 136, 100);
        zero_channels.extend_from_slice(&[0; 100]);
        put("zero-channels.wav", &zero_channels);
        let mut zero_rate = wav_header(1, 0, 16, 136, 100);
        zero_rate.extend_from_slice(&[0; 100]);
        put("zero-rate.wav", &zero_rate);
        put("one-sample.wav", &good_wav(1));
        let specials: Vec<u8> = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.5]
            .iter()
            .cycle()
            .take(4096)
            .flat_map(|v| v.to_le_bytes())
            .collect();
        put("nonfinite.npy", &npy("<f4", "(4096,)", &specials));
        put("nonfinite-2d.npy", &npy("<f4", "(64, 64)", &specials));
        put("wrong-dtype.npy", &npy("<U2", "(4,)", &[b'a'; 32]));
        put("wrong-rank.npy", &npy("<f4", "(2, 2, 2, 2)", &[0; 64]));
        std::fs::create_dir_all(dir.join("a-directory.wav")).expect("dir");
        put("a-file", b"not a directory");
        let tone: Vec<f32> = (0..22050)
            .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 22050.0).sin() / 2.0)
            .collect();
        let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        put("signal.npy", &npy("<f4", "(22050,)", &le(&tone)));
        let positive: Vec<f32> = (0..128 * 20).map(|i| 1.0 + (i % 7) as f32).collect();
        put("matrix.npy", &npy("<f4", "(128, 20)", &le(&positive)));
        let spectrum: Vec<f32> = (0..2 * 1025 * 20).map(|i| ((i % 5) as f32) / 5.0).collect();
        put("complex.npy", &npy("<c8", "(1025, 20)", &le(&spectrum)));
        let codes: Vec<u8> = (0..256i64).flat_map(|c| (c - 128).to_le_bytes()).collect();
        put("codes.npy", &npy("<i8", "(256,)", &codes));
        put(
            "notes.csv",
            b"onset,offset,pitch,velocity\n0.0,0.5,60,100\n0.5,1.0,64,90\n",
        );
        let magnitude: Vec<f32> = (0..1025 * 20).map(|i| ((i % 5) as f32) / 5.0).collect();
        put("magnitude.npy", &npy("<f4", "(1025, 20)", &le(&magnitude)));
        put("good.mid", MIDI);
        // mir_eval's annotation formats: event times (beats, onsets, and
        // multipitch frames without pitches), `time frequency`, `onset
        // offset frequency [velocity]`, `tonic mode`.
        put("events.txt", b"0.5\n1.0\n1.5\n2.0\n2.5\n3.0\n");
        put(
            "melody.txt",
            b"0.00 0.0\n0.01 440.0\n0.02 440.0\n0.03 441.0\n0.04 0.0\n",
        );
        put("notes.txt", b"0.0 0.5 261.63\n0.5 1.0 329.63\n");
        put(
            "velocity-notes.txt",
            b"0.0 0.5 261.63 100\n0.5 1.0 329.63 90\n",
        );
        put("key.txt", b"C\tmajor\n");
        Self { dir }
    }

    /// Inputs that some command accepts, tried in turn to find one that
    /// gets a command as far as writing its output.
    fn good(&self) -> Vec<PathBuf> {
        [
            "good.wav",
            "signal.npy",
            "matrix.npy",
            "complex.npy",
            "codes.npy",
            "notes.csv",
            "magnitude.npy",
            "good.mid",
            "events.txt",
            "melody.txt",
            "notes.txt",
            "velocity-notes.txt",
            "key.txt",
        ]
        .iter()
        .map(|n| self.dir.join(n))
        .collect()
    }

    fn cases(&self) -> Vec<Case> {
        let case = |name, file: &str, blame| Case {
            name,
            input: self.dir.join(file),
            blame,
        };
        vec![
            case("empty file", "empty.wav", Blame::Input),
            case("random bytes", "random.wav", Blame::Input),
            case("truncated WAV", "truncated.wav", Blame::Content),
            case("truncated WAV header", "truncated-header.wav", Blame::Input),
            case("lying chunk sizes", "lying-sizes.wav", Blame::Content),
            case("zero channels", "zero-channels.wav", Blame::Input),
            case("zero sample rate", "zero-rate.wav", Blame::Input),
            case("one sample", "one-sample.wav", Blame::Content),
            case("NaN/inf .npy", "nonfinite.npy", Blame::Content),
            case("NaN/inf 2-D .npy", "nonfinite-2d.npy", Blame::Content),
            case("wrong-dtype .npy", "wrong-dtype.npy", Blame::Input),
            case("wrong-rank .npy", "wrong-rank.npy", Blame::Input),
            case("missing file", "no-such-file.wav", Blame::Input),
            case("directory", "a-directory.wav", Blame::Input),
        ]
    }
}

/// What a failure's one line must name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Blame {
    /// The input file: it cannot be read as what the command takes.
    Input,
    /// Nothing in particular: the file reads, and what is in it (non-finite
    /// values, too few samples) may or may not suit the command.
    Content,
}

/// The bad inputs on which a command succeeds, each for the reason given;
/// any other success is a problem.
fn documented_success(command: &[String], case: &str) -> bool {
    let cmd = command.join(" ");
    // `generate` reads no input file (its model is a fixture here; a bad
    // model directory is tested in their own CLI tests).
    if command.first().is_some_and(|c| c == "generate") {
        return true;
    }
    match case {
        // The samples present are decoded, as libsndfile (`soundfile`, under
        // `librosa.load`) does; a 1-sample file is a valid file.
        "truncated WAV" | "lying chunk sizes" | "one sample" => true,
        // Element-wise functions on any shape, non-finite values propagating
        // as in numpy (`librosa.power_to_db`, `amplitude_to_db`, `mu_expand`,
        // `stack_memory`).
        "NaN/inf .npy" | "NaN/inf 2-D .npy" => {
            matches!(
                cmd.as_str(),
                "amplitude-to-db" | "power-to-db" | "stack-memory"
            )
        }
        "wrong-rank .npy" => matches!(
            cmd.as_str(),
            "amplitude-to-db" | "power-to-db" | "mu-expand"
        ),
        // mir_eval scores empty annotations as 0 (with a warning).
        "empty file" => matches!(
            cmd.as_str(),
            "eval beat"
                | "eval multipitch"
                | "eval onset"
                | "eval transcription"
                | "eval transcription-velocity"
        ),
        _ => false,
    }
}

/// Failures of the input cases that need not name the input file, with
/// the reason.
fn excused(command: &[String], case: &str, stderr: &str) -> bool {
    let cmd = command.join(" ");
    // `resample` refuses any `.npy` before reading it when `--orig-sr` is
    // missing: the error names the missing flag.
    (cmd == "resample" && case.contains(".npy") && stderr.contains("--orig-sr"))
        // An empty annotation file parses to no events, which is content
        // the metric refuses in its own words ("labels is empty",
        // "reference times is empty").
        || (command.first().map(String::as_str) == Some("eval")
            && command.get(1).map(String::as_str) != Some("separation")
            && case == "empty file"
            && stderr.contains("empty"))
}

/// One kind of bad input.
struct Case {
    name: &'static str,
    input: PathBuf,
    blame: Blame,
}

/// Files under `dir`, recursively (directories themselves are not listed).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Runs `audio args…` with a time limit: (exit code, stderr), or `None` when
/// it had to be killed.
fn run_limited(args: &[String]) -> Option<(Option<i32>, String)> {
    let mut child = common::audio_command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn audio");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some((status.code(), reader.join().expect("stderr reader")));
        }
        if start.elapsed() > HANG_LIMIT {
            child.kill().ok();
            child.wait().ok();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The arguments that run `command` on `input`, writing to `output` (or to
/// `out_dir/out.json` for commands whose only output is `--json`).
fn arguments(command: &[String], help: &str, input: &Path, output: &Path) -> Vec<String> {
    let path = |p: &Path| p.display().to_string();
    let mut args: Vec<String> = command.to_vec();
    let mut has_output = false;
    let value = |name: &str| fixed_value(command, name).unwrap_or_else(|| path(input));
    for slot in required_slots(help) {
        match slot {
            Slot::Positional(name) => args.push(value(&name)),
            Slot::Option(flag, name) => {
                args.push(flag);
                if name == "OUTPUT" {
                    has_output = true;
                    args.push(path(output));
                } else {
                    args.push(value(&name));
                }
            }
        }
    }
    // Outputs that are optional, and inputs that the usage line does not
    // show as required but the command needs (`train`).
    let has_flag = |flag: &str| help.lines().any(|l| l.trim_start().contains(flag));
    if !has_output && has_flag("--output <OUTPUT>") {
        args.extend(["--output".to_owned(), path(output)]);
    } else if !has_output && has_flag("--json <JSON>") {
        args.extend(["--json".to_owned(), path(output)]);
    }
    // `effect` needs `--model` unless `--random-overdrive` is given, which
    // its usage line does not show.
    if command.last().is_some_and(|c| c == "effect") {
        if let Some(model) = fixed_value(command, "MODEL") {
            args.extend(["--model".to_owned(), model]);
        }
    }
    if has_flag("--data <DATA>") && !args.iter().any(|a| a == "--data") {
        args.extend(["--data".to_owned(), path(input)]);
    }
    if has_flag("--out <OUT>") {
        args.extend([
            "--out".to_owned(),
            path(output),
            "--epochs".to_owned(),
            "1".to_owned(),
        ]);
    }
    args
}

/// Where `command` writes in `out_dir` (`out.json` for commands whose only
/// output is `--json`), or `None` for a command that writes no file.
fn output_in(command: &[String], help: &str, out_dir: &Path) -> Option<PathBuf> {
    if help.contains("--output <OUTPUT>") || help.contains("--out <OUT>") {
        Some(out_dir.join(output_name(command)))
    } else if help.contains("--json <JSON>") {
        Some(out_dir.join("out.json"))
    } else {
        None
    }
}

/// What one run did, or a description of why it broke the rules.
struct Ran {
    shown: String,
    code: Option<i32>,
    stderr: String,
}

fn run_checked(args: &[String], problems: &mut Vec<String>, case: &str) -> Option<Ran> {
    let shown = format!("audio {}", args.join(" "));
    let Some((code, stderr)) = run_limited(args) else {
        problems.push(format!("{case}: `{shown}` ran past {HANG_LIMIT:?}"));
        return None;
    };
    if code == Some(101) || stderr.contains("panicked") {
        problems.push(format!("{case}: `{shown}` panicked: {stderr}"));
        return None;
    }
    if code != Some(0) {
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() != 1 || !lines[0].starts_with("error: ") {
            problems.push(format!(
                "{case}: `{shown}` failed ({code:?}) without one `error:` line: {stderr:?}"
            ));
        }
    }
    Some(Ran {
        shown,
        code,
        stderr,
    })
}

fn leftovers(out_dir: &Path, problems: &mut Vec<String>, case: &str, ran: &Ran) {
    let left = files_under(out_dir);
    if ran.code == Some(0) {
        if let Some(part) = left.iter().find(|p| p.to_string_lossy().ends_with(".part")) {
            problems.push(format!("{case}: `{}` left {}", ran.shown, part.display()));
        }
    } else if !left.is_empty() {
        problems.push(format!("{case}: `{}` failed but left {left:?}", ran.shown));
    }
}

fn fresh(dir: PathBuf) -> PathBuf {
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).expect("out dir");
    dir
}

#[test]
fn every_subcommand_survives_every_bad_input() {
    let root = common::tmp("sweep");
    let inputs = Inputs::write(root.join("inputs"));
    let commands = leaf_commands();
    assert!(
        commands.len() >= 60,
        "only {} commands found",
        commands.len()
    );
    let mut problems = Vec::new();
    let mut runs = 0;
    for (command, help) in &commands {
        // `serve` takes no file: it is a service whose inputs are uploads,
        // swept by `serve_cli.rs` (each limit, corrupt and truncated files)
        // and the `serve_upload` fuzz target. Run here it would listen.
        if command == &["serve"] {
            continue;
        }
        for case in inputs.cases() {
            let out_dir = fresh(root.join("out"));
            let output = output_in(command, help, &out_dir).unwrap_or_else(|| out_dir.join("none"));
            let args = arguments(command, help, &case.input, &output);
            runs += 1;
            let Some(ran) = run_checked(&args, &mut problems, case.name) else {
                continue;
            };
            leftovers(&out_dir, &mut problems, case.name, &ran);
            if ran.code == Some(0) && !documented_success(command, case.name) {
                problems.push(format!(
                    "{}: `{}` succeeded, which no documented behaviour explains",
                    case.name, ran.shown
                ));
            }
            if ran.code != Some(0) && case.blame == Blame::Input {
                let name = case
                    .input
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                if let Some(name) = name {
                    if !ran.stderr.contains(&name) && !excused(command, case.name, &ran.stderr) {
                        problems.push(format!(
                            "{}: `{}` does not name {name}: {:?}",
                            case.name, ran.shown, ran.stderr
                        ));
                    }
                }
            }
        }
    }
    std::fs::remove_dir_all(root.join("out")).ok();
    assert!(
        problems.is_empty(),
        "{} of {runs} runs misbehaved:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Output paths that cannot be written: under a plain file (nothing can be
/// created there), and an existing directory (the output is written in full
/// beside it, then the rename fails). Each command gets an input it accepts,
/// so the failure is the output's; it must name the output and leave
/// nothing behind.
#[test]
fn every_subcommand_reports_an_unwritable_output_and_leaves_nothing() {
    let root = common::tmp("unwritable");
    let inputs = Inputs::write(root.join("inputs"));
    let blocked = inputs.dir.join("a-file");
    let commands = leaf_commands();
    let mut problems = Vec::new();
    let mut exercised = Vec::new();
    for (command, help) in &commands {
        if output_in(command, help, &root).is_none() {
            continue;
        }
        // The first input this command accepts.
        let good = inputs.good().into_iter().find(|input| {
            let out_dir = fresh(root.join("probe"));
            let output = output_in(command, help, &out_dir).expect("writes a file");
            let args = arguments(command, help, input, &output);
            run_limited(&args).is_some_and(|(code, _)| code == Some(0))
        });
        let Some(good) = good else { continue };
        exercised.push(command.join(" "));
        // Under a plain file.
        let output = output_in(command, help, &blocked).expect("writes a file");
        let args = arguments(command, help, &good, &output);
        if let Some(ran) = run_checked(&args, &mut problems, "output under a file") {
            let name = output.file_name().map(|n| n.to_string_lossy().into_owned());
            match name {
                Some(name) if ran.code != Some(0) && !ran.stderr.contains(&name) => {
                    problems.push(format!(
                        "output under a file: `{}` does not name {name}: {:?}",
                        ran.shown, ran.stderr
                    ))
                }
                _ if ran.code == Some(0) => {
                    problems.push(format!("output under a file: `{}` succeeded", ran.shown))
                }
                _ => {}
            }
        }
        // An existing directory in the output's place.
        let out_dir = fresh(root.join("taken"));
        let output = output_in(command, help, &out_dir).expect("writes a file");
        std::fs::create_dir_all(&output).expect("directory in the way");
        let args = arguments(command, help, &good, &output);
        if let Some(ran) = run_checked(&args, &mut problems, "output is a directory") {
            leftovers(&out_dir, &mut problems, "output is a directory", &ran);
        }
    }
    std::fs::remove_dir_all(root.join("probe")).ok();
    std::fs::remove_dir_all(root.join("taken")).ok();
    // Not exercised: `info` (no output file), the commands that need a
    // dataset folder (`train`, `evaluate`), `visualize-filters` (a folder of
    // pictures of a trained waveform model), whose writers are the same
    // `audio_io::OutputFile` as the rest; and `serve` (a service: its
    // results go to its data folder, tested in `serve_cli.rs`).
    println!(
        "{} commands wrote an output: {exercised:?}",
        exercised.len()
    );
    assert!(
        exercised.len() >= commands.len() - 5,
        "only {} commands exercised: {exercised:?}",
        exercised.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
