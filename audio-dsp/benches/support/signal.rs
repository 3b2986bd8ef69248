//! The benchmark signal shared by the benches and computed identically by
//! `tools/reference/timing.py`'s `bench_signal`: a 110 → 3520 Hz
//! exponential chirp plus a 440 Hz tone, `seconds` long at `sr` Hz.

/// `0.5 · chirp + 0.25 · tone`, float32.
pub fn chirp_tone(sr: usize, seconds: usize) -> Vec<f32> {
    let n = sr * seconds;
    let (f0, f1, t1) = (110.0f64, 3520.0f64, seconds as f64);
    let k = (f1 / f0).ln() / t1;
    (0..n)
        .map(|i| {
            let t = i as f64 / sr as f64;
            let chirp = (2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k).sin();
            let tone = (2.0 * std::f64::consts::PI * 440.0 * t).sin();
            (0.5 * chirp + 0.25 * tone) as f32
        })
        .collect()
}
