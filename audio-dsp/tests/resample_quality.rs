//! Resampling quality, measured: exactness of `ResampleMethod::Fft` against
//! `librosa.resample(res_type="fft")`, the SNR of every preset against
//! `librosa.resample(res_type="soxr_hq")` on real recordings, and pass-band
//! error and alias/image rejection with the definitions of
//! `tools/reference/dsp_resample_fixtures.py` (which measured soxr_hq the same
//! way). Run with `--nocapture` to see the figures quoted in the user guide.
#![allow(clippy::unwrap_used, reason = "tests")]

use std::f64::consts::PI;

use audio_dsp::resample::{ResampleMethod, Resampler};
use audio_test_fixtures::{fixtures_dir, read_json, read_npy_f32};
use realfft::RealFftPlanner;

/// `ResampleMethod::Fft` against scipy.signal.resample: both are the same
/// f64 FFT arithmetic, the fixtures are float32, so agreement is at float32
/// rounding of the reference (relative to its peak).
const FFT_EXACT_TOL: f64 = 1e-6;

/// The high-quality preset's alias/image rejection goal (issue 4), in dB.
const HIGH_REJECTION_GOAL_DB: f64 = 90.0;

/// Pass-band error bound for `High` up to 0.9 of the lower Nyquist, in dB:
/// soxr_hq measures below 0.01 dB there; ours must not be worse than 0.01 dB.
const HIGH_PASSBAND_DB: f64 = 0.01;

/// SNR of `High` against soxr_hq on the piano recordings, whole band, in dB.
/// Both are linear-phase and aligned; they differ in the filters'
/// transition bands (soxr_hq rolls off from 91 % of the lower Nyquist, ours
/// from ~99 %), so the difference is the recording's energy near Nyquist.
/// Measured 44.7 dB (22.05 -> 16 kHz) to 68 dB; bound below the lowest.
const HIGH_SNR_VS_SOXR_DB: f64 = 43.0;

/// The same SNR with both signals low-passed (ideally, by FFT) at 0.9 of the
/// lower Nyquist, where both resamplers are flat: what is left is the two
/// filters' pass-band ripple (soxr_hq's is 0.008 dB at 0.9 Nyquist for
/// 22.05 -> 16 kHz, i.e. ~1e-3 relative) and the float32 fixtures.
/// Measured 72.7 dB (22.05 -> 16 kHz) to 102 dB; bound below the lowest.
const HIGH_INBAND_SNR_VS_SOXR_DB: f64 = 70.0;

const PAIRS: [(u32, u32); 3] = [(44_100, 22_050), (22_050, 16_000), (16_000, 44_100)];

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("resample")
}

fn input(sr: u32) -> Vec<f64> {
    let name = match sr {
        44_100 => "piano44k.npy",
        22_050 => "piano22k.npy",
        _ => "piano16k.npy",
    };
    read_npy_f32(dir().join(name))
        .iter()
        .map(|&v| f64::from(v))
        .collect()
}

/// Ideal low-pass (zeroing rfft bins) at `cut` Hz of a signal at `sr` Hz.
fn lowpass(x: &[f64], sr: f64, cut: f64) -> Vec<f64> {
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(x.len());
    let inv = planner.plan_fft_inverse(x.len());
    let mut buf = x.to_vec();
    let mut spec = fwd.make_output_vec();
    fwd.process(&mut buf, &mut spec).unwrap();
    for (k, c) in spec.iter_mut().enumerate() {
        if k as f64 * sr / x.len() as f64 > cut {
            *c = num_complex::Complex::new(0.0, 0.0);
        }
    }
    spec[0].im = 0.0;
    let mut out = inv.make_output_vec();
    inv.process(&mut spec, &mut out).unwrap();
    out.iter().map(|v| v / x.len() as f64).collect()
}

fn snr_db(reference: &[f64], ours: &[f64]) -> f64 {
    assert_eq!(reference.len(), ours.len());
    let signal: f64 = reference.iter().map(|v| v * v).sum();
    let noise: f64 = reference
        .iter()
        .zip(ours)
        .map(|(a, b)| (a - b).powi(2))
        .sum();
    10.0 * (signal / noise.max(1e-300)).log10()
}

/// max |20 log10 A| over 40 tones up to 0.9 of the lower Nyquist.
fn passband_error_db(r: &Resampler, sr_in: f64, sr_out: f64) -> f64 {
    let nyq = sr_in.min(sr_out) / 2.0;
    let mut worst: f64 = 0.0;
    for k in 1..=40 {
        let f = f64::from(k) * 0.9 * nyq / 40.0;
        let x: Vec<f64> = (0..sr_in as usize)
            .map(|i| (2.0 * PI * f * i as f64 / sr_in).sin())
            .collect();
        let y = r.process(&x).unwrap();
        let (lo, hi) = (y.len() / 4, 3 * y.len() / 4);
        // Least squares of y on [sin, cos] at f.
        let (mut ss, mut sc, mut cc, mut ys, mut yc) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, &v) in y.iter().enumerate().take(hi).skip(lo) {
            let t = 2.0 * PI * f * i as f64 / sr_out;
            let (s, c) = t.sin_cos();
            ss += s * s;
            sc += s * c;
            cc += c * c;
            ys += v * s;
            yc += v * c;
        }
        let det = ss * cc - sc * sc;
        let a = (ys * cc - yc * sc) / det;
        let b = (yc * ss - ys * sc) / det;
        worst = worst.max((20.0 * a.hypot(b).log10()).abs());
    }
    worst
}

fn chirp(sr: f64, f0: f64, f1: f64, seconds: f64) -> Vec<f64> {
    (0..(sr * seconds) as usize)
        .map(|i| {
            let t = i as f64 / sr;
            (2.0 * PI * (f0 * t + (f1 - f0) * t * t / (2.0 * seconds))).sin()
        })
        .collect()
}

/// Down: input power over output power of a sweep across [out Nyquist,
/// 0.999 in Nyquist]. Up: output power over image power (above the input
/// Nyquist) of a sweep across [0, 0.9 in Nyquist].
fn rejection_db(r: &Resampler, sr_in: f64, sr_out: f64) -> f64 {
    let mean_sq = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
    if sr_out < sr_in {
        let x = chirp(sr_in, sr_out / 2.0, 0.999 * sr_in / 2.0, 2.0);
        let y = r.process(&x).unwrap();
        let n = y.len();
        let core = &y[n / 20..n - n / 20];
        return 10.0 * (mean_sq(&x) / mean_sq(core).max(1e-300)).log10();
    }
    let x = chirp(sr_in, 0.0, 0.9 * sr_in / 2.0, 2.0);
    let y = r.process(&x).unwrap();
    let n = y.len();
    let m = n - 2 * (n / 20);
    // numpy.hanning: symmetric Hann.
    let mut core: Vec<f64> = (0..m)
        .map(|i| y[n / 20 + i] * (0.5 - 0.5 * (2.0 * PI * i as f64 / (m - 1) as f64).cos()))
        .collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(m);
    let mut spec = fft.make_output_vec();
    fft.process(&mut core, &mut spec).unwrap();
    let (mut total, mut images) = (0.0, 0.0);
    for (k, c) in spec.iter().enumerate() {
        let p = c.norm_sqr();
        total += p;
        if k as f64 * sr_out / m as f64 > sr_in / 2.0 {
            images += p;
        }
    }
    10.0 * (total / images.max(1e-300)).log10()
}

#[test]
fn fft_method_matches_scipy_resample() {
    for (a, b) in PAIRS {
        let y = input(a);
        let want = read_npy_f32(dir().join(format!("fft_{a}_{b}.npy")));
        let r = Resampler::new(f64::from(a), f64::from(b), ResampleMethod::Fft).unwrap();
        let got = r.process(&y).unwrap();
        assert_eq!(got.len(), want.len(), "{a}->{b}: length");
        let peak = want.iter().fold(0.0_f64, |m, &v| m.max(f64::from(v).abs()));
        let err = got
            .iter()
            .zip(want.iter())
            .fold(0.0_f64, |m, (&g, &w)| m.max((g - f64::from(w)).abs()));
        assert!(err <= FFT_EXACT_TOL * peak, "{a}->{b}: max error {err:e}");
    }
}

#[test]
fn presets_against_soxr_hq_on_real_recordings() {
    for (a, b) in PAIRS {
        let y = input(a);
        let want: Vec<f64> = read_npy_f32(dir().join(format!("soxr_hq_{a}_{b}.npy")))
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        for method in [
            ResampleMethod::Fast,
            ResampleMethod::Medium,
            ResampleMethod::High,
        ] {
            let r = Resampler::new(f64::from(a), f64::from(b), method).unwrap();
            let got = r.process(&y).unwrap();
            assert_eq!(got.len(), want.len(), "{a}->{b} {method:?}: length");
            let snr = snr_db(&want, &got);
            let cut = 0.9 * f64::from(a.min(b)) / 2.0;
            let inband = snr_db(
                &lowpass(&want, f64::from(b), cut),
                &lowpass(&got, f64::from(b), cut),
            );
            println!(
                "SNR vs soxr_hq {a}->{b} {method:?}: {snr:.1} dB whole band, {inband:.1} dB below 0.9 Nyquist"
            );
            if method == ResampleMethod::High {
                assert!(snr >= HIGH_SNR_VS_SOXR_DB, "{a}->{b}: SNR {snr:.1} dB");
                assert!(
                    inband >= HIGH_INBAND_SNR_VS_SOXR_DB,
                    "{a}->{b}: in-band SNR {inband:.1} dB"
                );
            }
        }
    }
}

#[test]
fn high_preset_passband_and_rejection() {
    let soxr = read_json(dir().join("quality.json"));
    for (a, b) in PAIRS {
        let (fa, fb) = (f64::from(a), f64::from(b));
        for method in [
            ResampleMethod::Fast,
            ResampleMethod::Medium,
            ResampleMethod::High,
        ] {
            let r = Resampler::new(fa, fb, method).unwrap();
            let pass = passband_error_db(&r, fa, fb);
            let rej = rejection_db(&r, fa, fb);
            println!("{a}->{b} {method:?}: passband error {pass:.5} dB, rejection {rej:.1} dB");
            if method == ResampleMethod::High {
                assert!(pass <= HIGH_PASSBAND_DB, "{a}->{b}: passband {pass} dB");
                assert!(
                    rej >= HIGH_REJECTION_GOAL_DB,
                    "{a}->{b}: rejection {rej} dB"
                );
            }
        }
        let reference = &soxr["soxr_hq"][format!("{a}_{b}")];
        println!(
            "{a}->{b} soxr_hq (librosa): passband error {:.5} dB, rejection {:.1} dB",
            reference["passband_error_db"].as_f64().unwrap(),
            reference["rejection_db"].as_f64().unwrap()
        );
    }
}

/// `High` at non-integer rate pairs, the two-stage engine's (the pitch
/// shifts of +2 and -3 semitones at 22.05 kHz, and a clock-drift pair):
/// the same pass-band and rejection goals as at integer rates, in f64 and
/// (pass band) in f32, the precision `pitch_shift` runs it in.
#[test]
fn high_at_non_integer_rates() {
    let semitone = |n: f64| 22_050.0 * 2f64.powf(n / 12.0);
    for (a, b) in [
        (semitone(2.0), 22_050.0),
        (semitone(-3.0), 22_050.0),
        (44_100.0, 44_100.0 * 1.000_1),
    ] {
        let r = Resampler::new(a, b, ResampleMethod::High).unwrap();
        let passband = passband_error_db(&r, a, b);
        let rejection = rejection_db(&r, a, b);
        println!(
            "High {a:.1} -> {b:.1}: pass-band error {passband:.5} dB, rejection {rejection:.1} dB"
        );
        assert!(passband <= HIGH_PASSBAND_DB, "{a}->{b}: {passband} dB");
        assert!(
            rejection >= HIGH_REJECTION_GOAL_DB,
            "{a}->{b}: {rejection} dB"
        );
        // f32: a pass-band tone to float32 precision.
        let f = 0.5 * a.min(b) / 2.0;
        let x: Vec<f32> = (0..a as usize)
            .map(|i| (2.0 * PI * f * i as f64 / a).sin() as f32)
            .collect();
        let y = r.process(&x).unwrap();
        let err = (y.len() / 4..3 * y.len() / 4)
            .map(|j| (f64::from(y[j]) - (2.0 * PI * f * j as f64 / b).sin()).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-5, "f32 {a}->{b}: {err}");
    }
}

/// How far a resampled 1 kHz tone may stray from the ideal tone, relative to
/// its unit amplitude: soxr_hq's pass band is flat to 0.01 dB (1.2e-3) and
/// its phase linear and compensated, so the tone comes out as the tone.
const LONG_TONE_TOL: f64 = 2e-3;

/// soxr's poly-phase clock counts in `1 / l` of an input sample on a 32.32
/// fixed-point clock; for 16 -> 44.1 kHz (l = 882) its integer part passes
/// 2^32 after 4.87 M input samples (5 min of audio). A 5.2 M-sample tone
/// must resample as a tone through that point and to its end.
#[test]
fn soxr_poly_phase_clock_runs_past_two_to_the_32_phases() {
    let (sr_in, sr_out, f) = (16_000.0, 44_100.0, 1_000.0);
    let n = 5_200_000;
    let y: Vec<f32> = (0..n)
        .map(|i| (2.0 * PI * f * i as f64 / sr_in).sin() as f32)
        .collect();
    let r = Resampler::new(sr_in, sr_out, ResampleMethod::SoxrHq).unwrap();
    let out = r.process(&y).unwrap();
    assert_eq!(out.len(), r.output_len(n));
    // The input index where the clock's integer part passes 2^32, in
    // output samples, and the stretch up to the end (less the filter's tail).
    let crossing = ((1u64 << 32) / 882) as f64 * sr_out / sr_in;
    let from = crossing as usize - 50_000;
    let to = out.len() - 1_000;
    let worst = (from..to)
        .map(|i| (out[i] as f64 - (2.0 * PI * f * i as f64 / sr_out).sin()).abs())
        .fold(0.0, f64::max);
    assert!(worst < LONG_TONE_TOL, "worst deviation {worst:.2e}");
}
