//! librosa's unit conversions, against the outputs librosa 0.11 gave for the
//! same inputs (`tools/reference/dsp_convert_fixtures.py`).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::*;
use audio_test_fixtures::{fixtures_dir, read_json};
use serde_json::Value;

/// Relative tolerance of the float conversions: both sides evaluate the same
/// closed forms (`440 · 2^((m − 69)/12)`, `12 log2(f/440) + 69`) in f64, and
/// numpy's and Rust's `log2`/`exp2` may differ in the last ulp.
const FLOAT_RTOL: f64 = 1e-12;

fn cases(name: &str) -> Vec<Value> {
    let all = read_json(fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("convert/convert.json"));
    all[name].as_array().unwrap().clone()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn n_fft(v: &Value) -> Option<usize> {
    v.as_u64().map(|n| n as usize)
}

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= FLOAT_RTOL * want.abs().max(1.0),
        "{what}: {got} vs librosa {want}"
    );
}

#[test]
fn pitch_conversions_match_librosa() {
    for c in cases("midi_to_hz") {
        close("midi_to_hz", midi_to_hz(f(&c[0])), f(&c[1]));
    }
    for c in cases("hz_to_midi") {
        close("hz_to_midi", hz_to_midi(f(&c[0])), f(&c[1]));
    }
    for c in cases("note_to_midi") {
        let name = c[0].as_str().unwrap();
        close(name, note_to_midi(name).unwrap(), f(&c[1]));
    }
    for c in cases("note_to_hz") {
        let name = c[0].as_str().unwrap();
        close(name, note_to_hz(name).unwrap(), f(&c[1]));
    }
}

#[test]
fn note_names_match_librosa() {
    let cents = PitchNameOptions {
        cents: true,
        ..Default::default()
    };
    let unicode = PitchNameOptions {
        octave: false,
        unicode: true,
        ..Default::default()
    };
    for (key, options) in [
        ("midi_to_note", PitchNameOptions::default()),
        ("midi_to_note_cents", cents),
        ("midi_to_note_unicode_no_octave", unicode),
    ] {
        for c in cases(key) {
            let got = midi_to_note_with(f(&c[0]), &options).unwrap();
            assert_eq!(got, c[1].as_str().unwrap(), "{key}({})", c[0]);
        }
    }
    for c in cases("hz_to_note") {
        assert_eq!(hz_to_note(f(&c[0])).unwrap(), c[1].as_str().unwrap());
    }
}

#[test]
fn frame_sample_and_time_conversions_match_librosa() {
    let int = |v: &Value| v.as_i64().unwrap();
    for c in cases("frames_to_samples") {
        let got = frames_to_samples(int(&c[0]), c[1].as_u64().unwrap() as usize, n_fft(&c[2]));
        assert_eq!(got.unwrap(), int(&c[3]), "{c:?}");
    }
    for c in cases("samples_to_frames") {
        let got = samples_to_frames(int(&c[0]), c[1].as_u64().unwrap() as usize, n_fft(&c[2]));
        assert_eq!(got.unwrap(), int(&c[3]), "{c:?}");
    }
    for c in cases("frames_to_time") {
        let got = frames_to_time(
            int(&c[0]),
            f(&c[1]),
            c[2].as_u64().unwrap() as usize,
            n_fft(&c[3]),
        );
        close("frames_to_time", got.unwrap(), f(&c[4]));
    }
    for c in cases("time_to_frames") {
        let got = time_to_frames(
            f(&c[0]),
            f(&c[1]),
            c[2].as_u64().unwrap() as usize,
            n_fft(&c[3]),
        );
        assert_eq!(got.unwrap(), int(&c[4]), "{c:?}");
    }
    for c in cases("time_to_samples") {
        assert_eq!(
            time_to_samples(f(&c[0]), f(&c[1])).unwrap(),
            int(&c[2]),
            "{c:?}"
        );
    }
    for c in cases("samples_to_time") {
        close(
            "samples_to_time",
            samples_to_time(int(&c[0]), f(&c[1])).unwrap(),
            f(&c[2]),
        );
    }
}
