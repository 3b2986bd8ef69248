//! `audio pipeline` (seed 004's separate → transcribe chain) with the
//! embedded models, and the frame-window MLP through `audio train`,
//! `audio evaluate`, `audio transcribe --model` and `audio pipeline
//! --transcriber`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::Path;

use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::Note;
use ndarray::Array2;

#[test]
fn pipeline_runs_end_to_end_with_the_embedded_models() {
    let input = common::repo("assets/audio/piano_short.wav");
    let reference = common::repo("assets/audio/piano_short.mid");
    let out = common::tmp("pipeline.mid");
    let stem = common::tmp("pipeline-stem.wav");
    let stdout = common::run_ok(&[
        "pipeline",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--target",
        "other",
        "--quantize",
        "120:4",
        "--key",
        "auto",
        "--stem",
        stem.to_str().unwrap(),
        "--reference",
        reference.to_str().unwrap(),
    ]);
    assert!(stdout.contains("note onset: precision"), "{stdout}");
    let notes = MidiFile::read(&out).unwrap().pitched_notes();
    assert!(!notes.is_empty());
    // Quantised to sixteenths at 120 bpm (0.125 s).
    for n in &notes {
        let q = n.onset / 0.125;
        assert!((q - q.round()).abs() < 1e-3, "{n:?}");
    }
    // The stem is mono at Basic Pitch's rate, as long as the input.
    let mix = audio_io::decode(&input).unwrap();
    let s = audio_io::decode(&stem).unwrap();
    assert_eq!((s.channels(), s.sample_rate), (1, 22_050));
    let expected = mix.frames() as f64 * 22_050.0 / f64::from(mix.sample_rate);
    assert!((s.frames() as f64 - expected).abs() <= 1.0);
}

#[test]
fn pipeline_without_separation_is_audio_transcribe() {
    let input = common::repo("assets/audio/piano_short.wav");
    let a = common::tmp("direct-pipeline.mid");
    let b = common::tmp("direct-transcribe.mid");
    common::run_ok(&[
        "pipeline",
        input.to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
        "--separate",
        "none",
    ]);
    common::run_ok(&[
        "transcribe",
        input.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn pipeline_refuses_bad_options() {
    let input = common::repo("assets/audio/piano_short.wav");
    let out = common::tmp("bad.mid");
    for extra in [
        ["--target", "piano"],
        ["--transcriber", "crepe"],
        ["--transcriber", "frame-mlp:"],
        ["--separate", "/no/such/open-unmix"],
    ] {
        let mut args = vec![
            "pipeline",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = common::run(&args);
        assert!(!o.status.success(), "{extra:?} succeeded");
        assert!(!o.stderr.is_empty());
        assert!(!out.exists(), "{extra:?} left an output");
    }
}

/// A piece of harmonic tones with its notes.
fn piece(dir: &Path, name: &str, offset: u8) {
    let rate = 22_050u32;
    let notes: Vec<Note> = (0..8u8)
        .map(|i| {
            let t = f64::from(i) * 0.25;
            Note::new(t, t + 0.25, 55 + offset + (i * 5) % 12, 90)
        })
        .collect();
    let n = (2.2 * f64::from(rate)) as usize;
    let mut y = vec![0.0f32; n];
    for note in &notes {
        let f0 = 440.0 * 2f64.powf((f64::from(note.pitch) - 69.0) / 12.0);
        let (a, b) = (
            (note.onset * f64::from(rate)) as usize,
            (note.offset * f64::from(rate)) as usize,
        );
        for (i, v) in y[a..b].iter_mut().enumerate() {
            let t = i as f64 / f64::from(rate);
            *v += (0.3 * (-4.0 * t).exp() * (2.0 * std::f64::consts::PI * f0 * t).sin()) as f32;
        }
    }
    let audio = audio_io::Audio {
        samples: Array2::from_shape_vec((1, n), y).unwrap(),
        sample_rate: rate,
    };
    std::fs::create_dir_all(dir).unwrap();
    audio_io::wav::write_wav(
        dir.join(format!("{name}.wav")),
        &audio,
        &audio_io::wav::WavWriteOptions::default(),
    )
    .unwrap();
    MidiFile::from_notes(notes, TempoMap::constant(480, 120.0))
        .write(dir.join(format!("{name}.mid")), MidiType::Type1)
        .unwrap();
}

#[test]
fn frame_mlp_trains_evaluates_and_transcribes() {
    let data = common::tmp("fmlp-data");
    for (split, k) in [("train", 3u8), ("valid", 1), ("test", 1)] {
        for i in 0..k {
            piece(&data.join(split), &format!("p{i}"), i);
        }
    }
    let config = common::tmp("fmlp.json");
    std::fs::write(
        &config,
        r#"{"n_mels": 32, "hidden": [32], "context": 3, "n_fft": 1024}"#,
    )
    .unwrap();
    let run = common::tmp("fmlp-run");
    let stdout = common::run_ok(&[
        "train",
        "frame-mlp",
        "--data",
        data.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--epochs",
        "3",
        "--batch-size",
        "32",
    ]);
    assert!(stdout.contains("best validation BCE"), "{stdout}");
    let json = common::tmp("fmlp-scores.json");
    let stdout = common::run_ok(&[
        "evaluate",
        "frame-mlp",
        "--model",
        run.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--with-basic-pitch",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(
        stdout.contains("frame-mlp:") && stdout.contains("basic-pitch:"),
        "{stdout}"
    );
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for model in ["frame-mlp", "basic-pitch"] {
        let f = scores[model]["onset"]["f_measure"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&f), "{model}: {f}");
    }
    let spec = format!("frame-mlp:{}", run.display());
    let wav = data.join("test/p0.wav");
    let a = common::tmp("fmlp-transcribe.mid");
    let b = common::tmp("fmlp-pipeline.mid");
    common::run_ok(&[
        "transcribe",
        wav.to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
        "--model",
        &spec,
        "--threshold",
        "0.3",
    ]);
    common::run_ok(&[
        "pipeline",
        wav.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
        "--separate",
        "none",
        "--transcriber",
        &spec,
    ]);
    for path in [&a, &b] {
        MidiFile::read(path).unwrap();
    }
    // Basic Pitch's own options are refused for the frame MLP.
    let o = common::run(&[
        "transcribe",
        wav.to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
        "--model",
        &spec,
        "--pitch-bends",
    ]);
    assert!(!o.status.success());
}

/// The embedded frame MLP: `audio pipeline --separate none` gives the MIDI
/// of `audio transcribe --model frame-mlp`, and the notes score above
/// chance against the piano render's MIDI (0.37 onset F when measured).
#[test]
fn embedded_frame_mlp_transcribes_through_both_commands() {
    let input = common::repo("assets/audio/piano_short.wav");
    let reference = common::repo("assets/audio/piano_short.mid");
    let a = common::tmp("fmlp-embedded-pipeline.mid");
    let b = common::tmp("fmlp-embedded-transcribe.mid");
    common::run_ok(&[
        "pipeline",
        input.to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
        "--separate",
        "none",
        "--transcriber",
        "frame-mlp",
    ]);
    let stdout = common::run_ok(&[
        "transcribe",
        input.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
        "--model",
        "frame-mlp",
        "--reference",
        reference.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let f: f64 = stdout
        .lines()
        .find(|l| l.starts_with("note onset:"))
        .and_then(|l| l.split("F-measure ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(f > 0.3, "{stdout}");
}

/// With a Demucs release as the separator, the pipeline reads the input
/// block by block (`Demucs::separate_source`) and its stem is the
/// library's whole-track separation of the chosen source, mixed to mono
/// and resampled to Basic Pitch's rate (soxr HQ).
#[test]
fn pipeline_streams_a_demucs_separator() {
    use audio_models::demucs::{ApplyConfig, Demucs};
    use audio_models::Separator;
    let fixtures = common::repo("audio-models/tests/fixtures/demucs");
    let mix = audio_test_fixtures::read_npy_f32(fixtures.join("mix.npy"))
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap();
    let input = common::tmp("pipeline-demucs-mix.wav");
    let mut file = std::fs::File::create(&input).unwrap();
    let float = audio_io::wav::WavWriteOptions {
        format: audio_io::wav::WavWriteFormat::Float32,
        dither: audio_io::wav::Dither::None,
    };
    let mut w = audio_io::wav::WavStreamWriter::new(&mut file, 2, 8000, &float).unwrap();
    w.write_block(&mix).unwrap();
    w.finalize().unwrap();
    let (out, stem) = (
        common::tmp("pipeline-demucs.mid"),
        common::tmp("pipeline-demucs-stem.wav"),
    );
    let model = fixtures.join("demucs_small.th");
    common::run_ok(&[
        "pipeline",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--separate",
        model.to_str().unwrap(),
        "--target",
        "vocals",
        "--stem",
        stem.to_str().unwrap(),
    ]);
    let sep = Demucs::load(&model, ApplyConfig::default(), &candle_core::Device::Cpu).unwrap();
    let vocals = &sep.separate(mix.view()).unwrap()[3];
    let mono: Vec<f32> = vocals
        .columns()
        .into_iter()
        .map(|c| c.sum() / vocals.nrows() as f32)
        .collect();
    let expected = audio_dsp::Resampler::new(8000.0, 22_050.0, audio_dsp::ResampleMethod::SoxrHq)
        .unwrap()
        .process(&mono)
        .unwrap();
    let got = audio_io::wav::read_wav(&stem).unwrap();
    assert_eq!(got.sample_rate, 22_050);
    assert_eq!(got.samples.ncols(), expected.len());
    // Demucs's streamed separation and the streaming resampler give the
    // whole-signal samples to the bit, and the stem is float32.
    assert_eq!(got.samples.row(0).to_vec(), expected, "the stem differs");
}
