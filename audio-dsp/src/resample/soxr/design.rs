//! The filter design of soxr (the SoX resampler library): Kaiser-windowed
//! sinc low-pass filters whose length and Kaiser β follow from the
//! attenuation and transition band, and soxr's model of a filter's roll-off
//! (`inv_f_resp`), from which the presets' pass-band edges are derived.
//!
//! Facts (formulas and fitted constants) are from libsoxr 0.1.3's
//! `filter.c`; the code is this crate's.

use std::f64::consts::PI;

/// `20 log10(x)`.
pub(crate) fn linear_to_db(x: f64) -> f64 {
    x.log10() * 20.0
}

/// The modified Bessel function of the first kind, order 0, by its power
/// series `Σ ((x/2)^k / k!)²` (converges for every `x`; relative error near
/// machine precision for the arguments Kaiser windows use, `x < 40`).
pub(crate) fn bessel_i0(x: f64) -> f64 {
    let q = 0.25 * x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while term > sum * 1e-17 {
        term *= q / (k * k);
        sum += term;
        k += 1.0;
    }
    sum
}

/// soxr's Kaiser β for an attenuation (dB) and a transition width (fraction
/// of Nyquist): a cubic in the attenuation fitted per octave of transition
/// width above 60 dB, interpolated between octaves; Kaiser's formula below.
pub(crate) fn kaiser_beta(att: f64, tr_bw: f64) -> f64 {
    const COEFS: [[f64; 4]; 10] = [
        [-6.784957e-10, 1.02856e-05, 0.1087556, -0.8988365 + 0.001],
        [-6.897885e-10, 1.027433e-05, 0.10876, -0.8994658 + 0.002],
        [-1.000683e-09, 1.030092e-05, 0.1087677, -0.9007898 + 0.003],
        [-3.654474e-10, 1.040631e-05, 0.1087085, -0.8977766 + 0.006],
        [8.106988e-09, 6.983091e-06, 0.1091387, -0.9172048 + 0.015],
        [9.519571e-09, 7.272678e-06, 0.1090068, -0.9140768 + 0.025],
        [-5.626821e-09, 1.342186e-05, 0.1083999, -0.9065452 + 0.05],
        [-9.965946e-08, 5.073548e-05, 0.1040967, -0.7672778 + 0.085],
        [1.604808e-07, -5.856462e-05, 0.1185998, -1.34824 + 0.1],
        [-1.511964e-07, 6.363034e-05, 0.1064627, -0.9876665 + 0.18],
    ];
    if att >= 60.0 {
        let realm = (tr_bw / 0.0005).ln() / 2f64.ln();
        let whole = realm as i64;
        let at = |i: i64| COEFS[i.clamp(0, COEFS.len() as i64 - 1) as usize];
        let (c0, c1) = (at(whole), at(whole + 1));
        let b0 = ((c0[0] * att + c0[1]) * att + c0[2]) * att + c0[3];
        let b1 = ((c1[0] * att + c1[1]) * att + c1[2]) * att + c1[3];
        return b0 + (b1 - b0) * (realm - whole as f64);
    }
    if att > 50.0 {
        return 0.1102 * (att - 8.7);
    }
    if att > 20.96 {
        return 0.58417 * (att - 20.96).powf(0.4) + 0.07886 * (att - 20.96);
    }
    0.0
}

/// A Kaiser-windowed sinc of `num_taps` taps, cut-off `fc` (fraction of
/// Nyquist), `rho` widening the window's denominator, scaled by `scale`.
fn make_lpf(num_taps: usize, fc: f64, beta: f64, rho: f64, scale: f64) -> Vec<f64> {
    let m = num_taps - 1;
    let mut h = vec![0.0; num_taps];
    let mult = scale / bessel_i0(beta);
    let mult1 = 1.0 / (0.5 * m as f64 + rho);
    for i in 0..=m / 2 {
        let z = i as f64 - 0.5 * m as f64;
        let x = z * PI;
        let y = z * mult1;
        let sinc = if x != 0.0 { (fc * x).sin() / x } else { fc };
        h[i] = sinc * bessel_i0(beta * (1.0 - y * y).sqrt()) * mult;
        h[m - i] = h[i];
    }
    h
}

/// soxr's `lsx_design_lpf`: a low-pass with pass-band end `fp`, stop-band
/// start `fs`, Nyquist `fn_` (only `|fn_|` is used), attenuation `att` dB.
/// `num_taps = 0` estimates the length; `k > 0` is the number of poly-phase
/// phases, `k < 0` rounds the length to `1 (mod -k)`; `beta < 0` estimates β.
/// Returns the length and, unless `fn_ < 0` (a dry run), the taps.
pub(crate) fn design_lpf(
    fp: f64,
    fs: f64,
    fn_: f64,
    att: f64,
    num_taps: usize,
    k: i64,
    beta: f64,
) -> (usize, Option<Vec<f64>>) {
    let phases = k.max(1) as usize;
    let modulo = (-k).max(1) as usize;
    let rho = if phases == 1 {
        0.5
    } else if att < 120.0 {
        0.63
    } else {
        0.75
    };
    let (fp, mut fs) = (fp / fn_.abs(), fs / fn_.abs());
    let mut tr_bw = 0.5 * (fs - fp);
    tr_bw /= phases as f64;
    fs /= phases as f64;
    tr_bw = tr_bw.min(0.5 * fs);
    let fc = fs - tr_bw;
    let beta = if beta < 0.0 {
        kaiser_beta(att, tr_bw * 0.5 / fc)
    } else {
        beta
    };
    let a = if att < 60.0 {
        (att - 7.95) / (2.285 * PI * 2.0)
    } else {
        ((0.000_752_835_8 - 1.577_737e-05 * beta) * beta + 0.624_802_2) * beta + 0.061_869_02
    };
    let n = if num_taps == 0 {
        let estimate = (a / tr_bw + 1.0).ceil() as usize;
        if phases > 1 {
            estimate / phases * phases + phases - 1
        } else {
            (estimate + modulo - 2) / modulo * modulo + 1
        }
    } else {
        num_taps
    };
    let taps = (fn_ >= 0.0).then(|| make_lpf(n, fc, beta, rho, phases as f64));
    (n, taps)
}

fn sine_phi(x: f64) -> f64 {
    ((2.0517e-07 * x - 1.1303e-04) * x + 0.023154) * x + 0.55924
}

fn sine_pow(x: f64) -> f64 {
    0.5f64.ln() / (x * 0.5).sin().ln()
}

/// soxr's inverse roll-off model: the normalised frequency at which a filter
/// of attenuation `a` dB has dropped by `drop` dB.
pub(crate) fn inv_f_resp(drop: f64, a: f64) -> f64 {
    let x = sine_phi(a);
    let drop = (drop * (std::f64::consts::LN_10 * 0.05)).exp();
    let s = if drop > 0.5 { 1.0 - drop } else { drop };
    let x = (s.powf(1.0 / sine_pow(x))).asin() / x;
    if drop > 0.5 {
        x
    } else {
        1.0 - x
    }
}

/// `1 - inv_f_resp(-3, a)`: the -3 dB point's distance below Nyquist.
pub(crate) fn to_3db(a: f64) -> f64 {
    1.0 - inv_f_resp(-3.0, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_matches_its_integral() {
        // I0(x) = (1/π) ∫_0^π e^{x cos t} dt, by the trapezoid rule (exact to
        // rounding for this periodic integrand at 4096 points).
        for x in [0.0, 1.0, 7.5, 20.0] {
            let n = 4096;
            let h = std::f64::consts::PI / n as f64;
            let sum: f64 = (0..=n)
                .map(|k| {
                    let w = if k == 0 || k == n { 0.5 } else { 1.0 };
                    w * (x * (k as f64 * h).cos()).exp()
                })
                .sum();
            let integral = sum * h / std::f64::consts::PI;
            assert!((bessel_i0(x) / integral - 1.0).abs() < 1e-13, "{x}");
        }
    }

    #[test]
    fn designed_filters_are_symmetric_low_passes() {
        // The soxr_hq 2:1 decimator: pass band below the stop band, odd
        // length ≡ 1 (mod 4), symmetric, unit gain at DC. Its equality with
        // soxr is tests/soxr_fixtures.rs's.
        let rej = 20.0 * linear_to_db(2.0);
        let fp = 1.0 - 0.05 / to_3db(rej);
        assert!(fp > 0.9 && fp < 1.0);
        let (n, h) = design_lpf(fp, 1.0, 2.0, 21.0 * linear_to_db(2.0), 0, -4, -1.0);
        let h = h.unwrap_or_default();
        assert_eq!((h.len(), n % 4), (n, 1));
        assert!(h.iter().zip(h.iter().rev()).all(|(a, b)| a == b));
        let dc: f64 = h.iter().sum();
        assert!((dc - 1.0).abs() < 1e-6, "{dc}");
    }
}
