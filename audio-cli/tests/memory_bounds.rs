//! Peak resident memory of the streaming commands does not grow with the
//! input (issue 24's check, on 1- and 10-minute 44.1 kHz stereo files; the
//! performance guide has the 60-minute figures). Each command runs as its
//! own process with `--peak-memory` (Linux `VmHWM`); elsewhere the test
//! only checks that the commands succeed.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::{Path, PathBuf};

use audio_io::wav::{WavStreamWriter, WavWriteOptions};
use common::{audio_command, tmp};
use ndarray::Array2;

/// The issue's bound: the long input's peak within 1.5× of the short one's.
const MAX_GROWTH: f64 = 1.5;

/// Slack on the stated growth: the allocator's arenas and the decoder's
/// buffers vary by a few MiB from run to run whatever the input's length.
const SLACK_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// Basic Pitch's note creation is global (onsets rescaled by file-wide
/// maxima, the melodia trick from the file-wide maximum), so the note and
/// onset posteriorgrams (88 + 88 f32 a frame) and the note creation's copy
/// of the note posteriorgram (88 f32) are kept for the whole file: 1056 B
/// a frame at 22050 / 256 frames a second. The stated growth: that, with
/// half again for the vectors' doubling, per second of audio.
const TRANSCRIBE_BYTES_PER_SECOND: f64 = 1.5 * 1056.0 * 22_050.0 / 256.0;

/// pyin's Viterbi decoding is global, so each frame's back-pointers are
/// kept (2 bytes for each of the 2 × 601 states at the default grid) and
/// its voiced probability (8 bytes), at 22050 / 512 frames a second; with
/// half again for the vectors' doubling.
const PYIN_BYTES_PER_SECOND: f64 = 1.5 * (2.0 * 1202.0 + 8.0) * 22_050.0 / 512.0;

/// DDSP's resynthesis (`audio resynth`) decodes its f0 with pYIN, whose
/// Viterbi decoding is global: each frame's back-pointers (2 bytes for
/// each of the 2 × 601 states of DDSP's C2–C7 grid) and voiced probability
/// (8 bytes), and pYIN's outputs and the controls (f0 and voiced
/// probability in f64, the voiced flag, f0 and loudness in f32: 25 bytes)
/// are kept, at `rate / 128` frames a second; with half again for the
/// vectors' doubling. The audio itself streams.
fn resynth_bytes_per_second(rate: f64) -> f64 {
    1.5 * (2.0 * 1202.0 + 8.0 + 25.0) * rate / 128.0
}

/// Open-Unmix's exact path keeps each model's encoder output and BiLSTM
/// output for the whole track (`2 × hidden_size` f32 a frame per target,
/// 44100 / 1024 frames a second; the BiLSTM runs over the whole sequence).
/// The CLI reads the file once per pass and never holds it. With half again
/// for the tensors' copies.
fn separate_bytes_per_second(hidden_size: f64, targets: f64) -> f64 {
    1.5 * targets * 2.0 * hidden_size * 4.0 * 44_100.0 / 1024.0
}

/// A stereo 44.1 kHz 16-bit WAV of `seconds`: two decaying plucked tones a
/// second and a little noise, written block by block.
fn render(path: &Path, seconds: usize) {
    let mut file = std::fs::File::create(path).unwrap();
    let mut writer =
        WavStreamWriter::new(&mut file, 2, 44_100, &WavWriteOptions::default()).unwrap();
    let mut state = 1u32;
    for s in 0..seconds {
        let f = [220.0, 277.2, 329.6, 440.0][s % 4];
        let block = Array2::from_shape_fn((2, 44_100), |(c, t)| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            let t = t as f32 / 44_100.0;
            let tone = (2.0 * std::f32::consts::PI * f * (1.0 + 0.5 * c as f32) * t).sin();
            0.4 * tone * (-3.0 * t).exp() + 0.01 * noise
        });
        writer.write_block(&block).unwrap();
    }
    writer.finalize().unwrap();
}

/// Runs `audio --peak-memory args…` and returns its peak in bytes (`None`
/// where the platform does not report it).
fn peak(args: &[&str]) -> Option<f64> {
    let out = audio_command()
        .arg("--peak-memory")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "audio {args:?}: {stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("peak resident memory:"))?;
    let mib: f64 = line
        .trim_start_matches("peak resident memory:")
        .trim()
        .strip_suffix("MiB")?
        .trim()
        .parse()
        .ok()?;
    Some(mib * 1024.0 * 1024.0)
}

struct Inputs {
    short: PathBuf,
    long: PathBuf,
}

impl Drop for Inputs {
    /// The rendered inputs are large (106 MB for 10 minutes): removed when
    /// the test ends, pass or fail.
    fn drop(&mut self) {
        std::fs::remove_file(&self.short).ok();
        std::fs::remove_file(&self.long).ok();
    }
}

fn inputs(short_s: usize, long_s: usize) -> Inputs {
    let (short, long) = (
        tmp(&format!("in_{short_s}s.wav")),
        tmp(&format!("in_{long_s}s.wav")),
    );
    if !short.exists() {
        render(&short, short_s);
    }
    if !long.exists() {
        render(&long, long_s);
    }
    Inputs { short, long }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `(short peak, long peak)` of one command on both inputs; `args` holds
/// `{in}` and `{out}` placeholders.
fn both(inputs: &Inputs, args: &[&str], out: &str) -> Option<(f64, f64)> {
    let run = |input: &Path, tag: &str| {
        let output = tmp(&format!("{tag}_{out}"));
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{in}", s(input)).replace("{out}", s(&output)))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let p = peak(&args);
        if output.is_dir() {
            std::fs::remove_dir_all(&output).ok();
        } else {
            std::fs::remove_file(&output).ok();
        }
        p
    };
    Some((run(&inputs.short, "short")?, run(&inputs.long, "long")?))
}

fn mib(b: f64) -> f64 {
    b / 1024.0 / 1024.0
}

#[test]
fn streaming_commands_stay_flat_from_1_to_10_minutes() {
    let inputs = inputs(60, 600);
    // A small random-weight Demucs v2 release (8 kHz) of the fixtures.
    let demucs = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../audio-models/tests/fixtures/demucs/demucs_small.th");
    let demucs = s(&demucs);
    // A Wave-U-Net-Pytorch checkpoint of the fixtures (8 kHz).
    let wun = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../audio-models/tests/fixtures/wave_u_net/normal_fixed_joint");
    let (wun_pth, wun_json) = (
        s(&wun.with_extension("pth")).to_string(),
        s(&wun.with_extension("json")).to_string(),
    );
    for (name, args, out) in [
        (
            "convert --sr 22050 --mono",
            &["convert", "{in}", "-o", "{out}", "--sr", "22050", "--mono"][..],
            "c.wav",
        ),
        (
            "melspectrogram",
            &["melspectrogram", "{in}", "-o", "{out}"][..],
            "mel.npy",
        ),
        (
            "mfcc (two passes)",
            &["mfcc", "{in}", "-o", "{out}"][..],
            "mfcc.npy",
        ),
        (
            "resample --target-sr 16000",
            &["resample", "{in}", "-o", "{out}", "--target-sr", "16000"][..],
            "r.npy",
        ),
        (
            "stft --sr 8000",
            &[
                "stft", "{in}", "-o", "{out}", "--sr", "8000", "--n-fft", "256",
            ][..],
            "stft.npy",
        ),
        (
            "spectral-centroid",
            &["spectral-centroid", "{in}", "-o", "{out}"][..],
            "centroid.npy",
        ),
        ("rms", &["rms", "{in}", "-o", "{out}"][..], "rms.npy"),
        ("yin", &["yin", "{in}", "-o", "{out}"][..], "yin.npy"),
        (
            "onset-strength (two passes)",
            &["onset-strength", "{in}", "-o", "{out}"][..],
            "onset.npy",
        ),
        (
            "tempo (the onset envelope kept)",
            &["tempo", "{in}", "-o", "{out}"][..],
            "tempo.npy",
        ),
        (
            "tempogram (written in blocks)",
            &["tempogram", "{in}", "-o", "{out}"][..],
            "tempogram.npy",
        ),
        ("plp", &["plp", "{in}", "-o", "{out}"][..], "plp.npy"),
        (
            "beat-track",
            &["beat-track", "{in}", "-o", "{out}"][..],
            "beats.npz",
        ),
        (
            "chroma-stft (tuning estimated first)",
            &["chroma-stft", "{in}", "-o", "{out}"][..],
            "chroma.npy",
        ),
        ("cqt", &["cqt", "{in}", "-o", "{out}"][..], "cqt.npy"),
        (
            "transcribe --model frame-mlp",
            &["transcribe", "{in}", "-o", "{out}", "--model", "frame-mlp"][..],
            "mlp.mid",
        ),
        (
            "chroma-cqt (tuning estimated first)",
            &["chroma-cqt", "{in}", "-o", "{out}"][..],
            "chroma_cqt.npy",
        ),
        ("hpss", &["hpss", "{in}", "-o", "{out}"][..], "hpss.npz"),
        (
            "chroma-cens (tuning estimated first)",
            &["chroma-cens", "{in}", "-o", "{out}"][..],
            "cens.npy",
        ),
        (
            "trim (two passes)",
            &["trim", "{in}", "-o", "{out}"][..],
            "trim.npz",
        ),
        ("split", &["split", "{in}", "-o", "{out}"][..], "split.npy"),
        (
            "preemphasis",
            &["preemphasis", "{in}", "-o", "{out}"][..],
            "pre.npy",
        ),
        (
            "estimate-key (tuning estimated first)",
            &["estimate-key", "{in}", "-o", "{out}"][..],
            "key.json",
        ),
        ("hcqt", &["hcqt", "{in}", "-o", "{out}"][..], "hcqt.npy"),
        (
            "hybrid-cqt",
            &["hybrid-cqt", "{in}", "-o", "{out}"][..],
            "hybrid.npy",
        ),
        (
            "remix (two passes, out of order)",
            &[
                "remix",
                "{in}",
                "-o",
                "{out}",
                "--intervals",
                "600000:1200000,0:600000",
            ][..],
            "remix.npy",
        ),
        (
            "specshow",
            &["specshow", "{in}", "-o", "{out}"][..],
            "spec.png",
        ),
        (
            "waveshow",
            &["waveshow", "{in}", "-o", "{out}"][..],
            "wave.png",
        ),
        (
            "separate --model normal_fixed_joint.pth (Wave-U-Net: windows)",
            &[
                "separate",
                "{in}",
                "-o",
                "{out}",
                "--model",
                wun_pth.as_str(),
                "--config",
                wun_json.as_str(),
            ][..],
            "wun_stems",
        ),
        (
            "separate --model demucs_small.th (Demucs: three passes, a window)",
            &["separate", "{in}", "-o", "{out}", "--model", demucs][..],
            "demucs_stems",
        ),
        (
            "eval separation --museval (three passes)",
            &[
                "eval",
                "separation",
                "--museval",
                "--reference",
                "{in}",
                "--estimate",
                "{in}",
                "--json",
                "{out}",
            ][..],
            "museval.json",
        ),
        (
            "eval separation (bss_eval_sources)",
            &[
                "eval",
                "separation",
                "--reference",
                "{in}",
                "--estimate",
                "{in}",
                "--json",
                "{out}",
            ][..],
            "bss_eval.json",
        ),
    ] {
        let Some((short, long)) = both(&inputs, args, out) else {
            return;
        };
        eprintln!(
            "{name}: {:.1} MiB (1 min) -> {:.1} MiB (10 min)",
            mib(short),
            mib(long)
        );
        assert!(
            long <= MAX_GROWTH * short,
            "{name}: {short} -> {long} bytes"
        );
    }
}

#[test]
fn transcribe_pyin_and_separate_grow_only_by_their_whole_track_state() {
    let inputs = inputs(30, 150);
    let seconds = 120.0;
    // The embedded separator: four targets, hidden size from its config.
    let hidden: f64 = 64.0;
    let ddsp = tiny_ddsp_run();
    let ddsp = s(&ddsp);
    for (name, args, out, bytes_per_second) in [
        (
            "transcribe",
            &["transcribe", "{in}", "-o", "{out}"][..],
            "t.mid",
            TRANSCRIBE_BYTES_PER_SECOND,
        ),
        (
            "pyin",
            &["pyin", "{in}", "-o", "{out}"][..],
            "pyin.npy",
            PYIN_BYTES_PER_SECOND,
        ),
        (
            "separate",
            &["separate", "{in}", "-o", "{out}"][..],
            "stems",
            separate_bytes_per_second(hidden, 4.0),
        ),
        (
            "resynth (DDSP at 22.05 kHz)",
            &["resynth", "{in}", "-o", "{out}", "--model", ddsp][..],
            "resynth.wav",
            resynth_bytes_per_second(22_050.0),
        ),
    ] {
        let Some((short, long)) = both(&inputs, args, out) else {
            return;
        };
        let bound = bytes_per_second * seconds + SLACK_BYTES;
        eprintln!(
            "{name}: {:.1} -> {:.1} MiB (stated growth at most {:.1} MiB)",
            mib(short),
            mib(long),
            mib(bound)
        );
        assert!(long - short <= bound, "{name} grew {} bytes", long - short);
    }
}

/// A tiny DDSP run at 22.05 kHz, trained for two steps on the bundled
/// violin melody (its weights do not matter for memory).
fn tiny_ddsp_run() -> PathBuf {
    let data = tmp("ddsp-data");
    let asset = |ext: &str| common::repo(&format!("assets/audio/violin_melody.{ext}"));
    for split in ["train", "valid", "test"] {
        std::fs::create_dir_all(data.join(split)).unwrap();
        std::fs::copy(asset("wav"), data.join(split).join("song.wav")).unwrap();
        std::fs::copy(asset("mid"), data.join(split).join("song.mid")).unwrap();
    }
    let config = tmp("ddsp.json");
    std::fs::write(
        &config,
        r#"{"sample_rate": 22050, "mlp_width": 16, "mlp_layers": 1, "gru_size": 16}"#,
    )
    .unwrap();
    let run = tmp("ddsp-run");
    common::run_ok(&[
        "train",
        "ddsp",
        "--data",
        s(&data),
        "--out",
        s(&run),
        "--config",
        s(&config),
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "2",
        "--excerpt-seconds",
        "0.5",
    ]);
    run
}
