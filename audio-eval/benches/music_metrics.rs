//! Criterion benchmarks of the music metrics against mir_eval 0.8.2
//! (`tools/reference/bench_mir.py` times mir_eval on the same inputs).
//!
//! The inputs are generated here with a fixed seed and written as mir_eval
//! text files to `$AUDIO_EVAL_BENCH_DIR` (default: the system temporary
//! folder's `audio-eval-bench/`), so that the Python script evaluates exactly
//! the same annotations:
//!
//! - transcription: a reference of N notes (piano-like: chords, 30–1500 ms
//!   notes) and an estimate with onset/offset jitter, 20 % of the notes
//!   dropped, 20 % spurious notes added; N = 500 and 4000;
//! - multipitch: 10 ms frames of up to 6 pitches, 1 minute (6000 frames) and
//!   5 minutes (30000 frames), the estimate on the same time base with
//!   detuned, missing and extra pitches.

use std::fmt::Write as _;
use std::path::PathBuf;

use audio_dsp::midi_to_hz;
use audio_eval::annotations::{parse_ragged_time_series, parse_valued_intervals};
use audio_eval::transcription::TranscriptionConfig;
use criterion::{criterion_group, criterion_main, Criterion};

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.next_f64().max(1e-300);
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn bench_dir() -> PathBuf {
    let dir = std::env::var_os("AUDIO_EVAL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("audio-eval-bench"));
    std::fs::create_dir_all(&dir).expect("creating the benchmark input folder");
    dir
}

/// Writes `"onset\toffset\tpitch"` lines, as mir_eval's note files.
fn note_file(notes: &[(f64, f64, f64)]) -> String {
    let mut s = String::new();
    for &(on, off, p) in notes {
        let _ = writeln!(s, "{on:.4}\t{off:.4}\t{p:.4}");
    }
    s
}

fn make_notes(n: usize, rng: &mut Rng) -> (String, String) {
    let duration = n as f64 * 0.25;
    let mut reference = Vec::with_capacity(n);
    while reference.len() < n {
        let on = (rng.next_f64() * duration / 0.125).floor() * 0.125;
        let chord = 1 + (rng.next_f64() * 4.0) as usize;
        for _ in 0..chord.min(n - reference.len()) {
            let len = 0.03 + rng.next_f64() * 1.47;
            let midi = (36.0 + rng.next_f64() * 60.0).floor();
            reference.push((on, on + len, midi_to_hz(midi)));
        }
    }
    let mut estimate = Vec::with_capacity(n);
    for &(on, off, p) in &reference {
        if rng.next_f64() < 0.2 {
            continue;
        }
        let on2 = (on + 0.02 * rng.normal()).max(0.0);
        let off2 = (off + 0.06 * rng.normal()).max(on2 + 0.01);
        estimate.push((on2, off2, p * 2f64.powf(20.0 * rng.normal() / 1200.0)));
    }
    for _ in 0..n / 5 {
        let on = rng.next_f64() * duration;
        let len = 0.03 + rng.next_f64() * 1.47;
        estimate.push((
            on,
            on + len,
            midi_to_hz((36.0 + rng.next_f64() * 60.0).floor()),
        ));
    }
    (note_file(&reference), note_file(&estimate))
}

fn make_frames(n_frames: usize, rng: &mut Rng) -> (String, String) {
    let (mut r, mut e) = (String::new(), String::new());
    let mut pitches: Vec<f64> = Vec::new();
    for i in 0..n_frames {
        // Notes last ~20 frames: change the chord now and then.
        if i % 20 == 0 {
            pitches.clear();
            let k = (rng.next_f64() * 7.0) as usize;
            for _ in 0..k {
                pitches.push((40.0 + rng.next_f64() * 48.0).floor());
            }
        }
        let t = i as f64 * 0.01;
        let _ = write!(r, "{t:.2}");
        let _ = write!(e, "{t:.2}");
        for &m in &pitches {
            let _ = write!(r, "\t{:.3}", midi_to_hz(m));
            if rng.next_f64() > 0.15 {
                let _ = write!(e, "\t{:.3}", midi_to_hz(m + 0.3 * rng.normal()));
            }
        }
        if rng.next_f64() < 0.1 {
            let _ = write!(
                e,
                "\t{:.3}",
                midi_to_hz((40.0 + rng.next_f64() * 48.0).floor())
            );
        }
        r.push('\n');
        e.push('\n');
    }
    (r, e)
}

fn transcription(c: &mut Criterion) {
    let dir = bench_dir();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for n in [500usize, 4000] {
        let (r, e) = make_notes(n, &mut rng);
        std::fs::write(dir.join(format!("transcription_ref_{n}.txt")), &r).expect("write");
        std::fs::write(dir.join(format!("transcription_est_{n}.txt")), &e).expect("write");
        let r = parse_valued_intervals(&r).expect("parse");
        let e = parse_valued_intervals(&e).expect("parse");
        let config = TranscriptionConfig::default();
        c.bench_function(&format!("transcription_evaluate_{n}_notes"), |b| {
            b.iter(|| {
                audio_eval::transcription::evaluate(
                    &r.intervals,
                    &r.values,
                    &e.intervals,
                    &e.values,
                    &config,
                )
                .expect("evaluate")
            });
        });
    }
}

fn multipitch(c: &mut Criterion) {
    let dir = bench_dir();
    let mut rng = Rng(0x5EED_1234_ABCD_0002);
    for n in [6000usize, 30000] {
        let (r, e) = make_frames(n, &mut rng);
        std::fs::write(dir.join(format!("multipitch_ref_{n}.txt")), &r).expect("write");
        std::fs::write(dir.join(format!("multipitch_est_{n}.txt")), &e).expect("write");
        let (rt, rf) = parse_ragged_time_series(&r).expect("parse");
        let (et, ef) = parse_ragged_time_series(&e).expect("parse");
        c.bench_function(&format!("multipitch_evaluate_{n}_frames"), |b| {
            b.iter(|| audio_eval::multipitch::evaluate(&rt, &rf, &et, &ef, 0.5).expect("evaluate"));
        });
    }
}

criterion_group!(benches, transcription, multipitch);
criterion_main!(benches);
