//! Linear prediction for FLAC's LPC subframes (RFC 9639 §9.2.6), as
//! libFLAC's default level 5 computes it: a Tukey(0.5) window, the
//! autocorrelation, Levinson–Durbin for every order up to 8, the order whose
//! expected residual is smallest, and coefficients quantised with error
//! feedback to the precision libFLAC picks for the block size.

/// The highest LPC order tried (libFLAC's level 5).
pub(super) const MAX_LPC_ORDER: usize = 8;
/// The largest coefficient shift the 5-bit field may carry (decoders take
/// it as non-negative).
const MAX_SHIFT: i32 = 15;

/// A quantised predictor: `x̂[n] = (Σⱼ coefficients[j] · x[n − 1 − j]) >> shift`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Predictor {
    /// One coefficient per order, `precision` bits each.
    pub(super) coefficients: Vec<i32>,
    /// Bits per coefficient, 1 to 15.
    pub(super) precision: u32,
    /// The right shift of the prediction, 0 to 15.
    pub(super) shift: u32,
}

/// Scratch buffers of the analysis.
#[derive(Debug, Default)]
pub(super) struct Analysis {
    window: Vec<f64>,
    windowed: Vec<f64>,
}

impl Analysis {
    /// The predictor for `x` (`bits` bits per sample), or `None` for a
    /// signal with no energy or coefficients too large to quantise.
    pub(super) fn predictor(&mut self, x: &[i64], bits: u32) -> Option<Predictor> {
        let n = x.len();
        if n <= MAX_LPC_ORDER {
            return None;
        }
        if self.window.len() != n {
            self.window = tukey(n);
        }
        self.windowed.clear();
        self.windowed
            .extend(x.iter().zip(&self.window).map(|(&v, &w)| v as f64 * w));
        let mut autoc = [0.0f64; MAX_LPC_ORDER + 1];
        for (lag, a) in autoc.iter_mut().enumerate() {
            *a = dot(&self.windowed[lag..], &self.windowed);
        }
        if autoc[0] <= 0.0 {
            return None;
        }
        let (coefficients, errors) = levinson(&autoc);
        let precision = precision(bits, n);
        let order = best_order(&errors, n, bits + precision);
        quantise(&coefficients[order - 1][..order], precision)
    }
}

/// `Σ a[i] · b[i]` over the shorter length, in four interleaved partial
/// sums (one sequential sum is bound by the adder's latency).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// A Tukey window with half its length tapered (libFLAC's `tukey(0.5)`).
fn tukey(n: usize) -> Vec<f64> {
    let mut w = vec![1.0; n];
    let np = (0.25 * n as f64) as usize;
    if np > 1 {
        let np1 = (np - 1) as f64;
        for i in 0..np {
            let v = 0.5 - 0.5 * (std::f64::consts::PI * i as f64 / np1).cos();
            w[i] = v;
            w[n - 1 - i] = v;
        }
    }
    w
}

/// Levinson–Durbin: the predictor coefficients of each order 1 to
/// [`MAX_LPC_ORDER`] (row `k − 1` holds order `k`), and each order's
/// prediction error.
fn levinson(autoc: &[f64; MAX_LPC_ORDER + 1]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut lpc = [0.0f64; MAX_LPC_ORDER];
    let mut err = autoc[0];
    let mut coefficients = Vec::with_capacity(MAX_LPC_ORDER);
    let mut errors = Vec::with_capacity(MAX_LPC_ORDER);
    for i in 0..MAX_LPC_ORDER {
        let mut r = -autoc[i + 1];
        for j in 0..i {
            r -= lpc[j] * autoc[i - j];
        }
        r /= err;
        lpc[i] = r;
        for j in 0..i / 2 {
            let tmp = lpc[j];
            lpc[j] += r * lpc[i - 1 - j];
            lpc[i - 1 - j] += r * tmp;
        }
        if i % 2 == 1 {
            lpc[i / 2] += lpc[i / 2] * r;
        }
        err *= 1.0 - r * r;
        // The filter's coefficients negated are the predictor's.
        coefficients.push(lpc[..=i].iter().map(|c| -c).collect());
        errors.push(err.max(0.0));
        if err <= 0.0 {
            // Perfect prediction: the higher orders repeat this one.
            while coefficients.len() < MAX_LPC_ORDER {
                let mut c: Vec<f64> = lpc[..=i].iter().map(|c| -c).collect();
                c.resize(coefficients.len() + 1, 0.0);
                coefficients.push(c);
                errors.push(0.0);
            }
            break;
        }
    }
    (coefficients, errors)
}

/// The coefficient precision libFLAC picks for `bits`-bit samples in
/// blocks of `n`.
fn precision(bits: u32, n: usize) -> u32 {
    if bits <= 16 {
        match n {
            0..=192 => 7,
            193..=384 => 8,
            385..=576 => 9,
            577..=1152 => 10,
            1153..=2304 => 11,
            2305..=4608 => 12,
            _ => 13,
        }
    } else {
        match n {
            0..=384 => 13,
            385..=1152 => 14,
            _ => 15,
        }
    }
}

/// The order (1 to [`MAX_LPC_ORDER`]) of the smallest expected size: the
/// residual's bits from its variance, `½ log₂(error / 2n)` per sample, plus
/// `overhead` bits per order (a warm-up sample and a coefficient).
fn best_order(errors: &[f64], n: usize, overhead: u32) -> usize {
    let scale = 0.5 / n as f64;
    let mut best = (1, f64::INFINITY);
    for (i, &err) in errors.iter().enumerate() {
        let order = i + 1;
        let per_sample = if err > 0.0 {
            (0.5 * (scale * err).log2()).max(0.0)
        } else {
            0.0
        };
        let size = per_sample * (n - order) as f64 + (order as u32 * overhead) as f64;
        if size < best.1 {
            best = (order, size);
        }
    }
    best.0
}

/// Quantises `coefficients` to `precision` bits with error feedback, the
/// shift chosen so the largest fills the range; `None` when they cannot be
/// represented with a shift of 0 to [`MAX_SHIFT`].
fn quantise(coefficients: &[f64], precision: u32) -> Option<Predictor> {
    let cmax = coefficients.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    if !(cmax > 0.0 && cmax.is_finite()) {
        return None;
    }
    // cmax = m · 2^e with ½ ≤ m < 1.
    let exponent = cmax.log2().floor() as i32 + 1;
    let shift = (precision as i32 - 1 - exponent).min(MAX_SHIFT);
    if shift < 0 {
        return None;
    }
    let qmax = (1i64 << (precision - 1)) - 1;
    let qmin = -(1i64 << (precision - 1));
    let scale = f64::from(1u32 << shift);
    let mut error = 0.0;
    let quantised = coefficients
        .iter()
        .map(|&c| {
            error += c * scale;
            let q = (error.round() as i64).clamp(qmin, qmax);
            error -= q as f64;
            q as i32
        })
        .collect();
    Some(Predictor {
        coefficients: quantised,
        precision,
        shift: shift as u32,
    })
}

/// The residual of `x` under `predictor` after its `order` warm-up samples,
/// zigzag-coded into `out`; `false` (and `out` incomplete) when a residual
/// leaves the 32-bit range decoders hold.
pub(super) fn residual(x: &[i64], predictor: &Predictor, out: &mut Vec<u64>) -> bool {
    let order = predictor.coefficients.len();
    // Coefficient j weighs x[i − 1 − j]: reversed, they line up with the
    // window x[i − order .. i].
    let reversed: Vec<i64> = predictor
        .coefficients
        .iter()
        .rev()
        .map(|&c| i64::from(c))
        .collect();
    out.clear();
    for (window, &sample) in x.windows(order).zip(&x[order..]) {
        let prediction: i64 = window.iter().zip(&reversed).map(|(&v, &c)| v * c).sum();
        let r = sample - (prediction >> predictor.shift);
        if i32::try_from(r).is_err() {
            return false;
        }
        out.push(super::frame::zigzag(r));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{levinson, quantise, MAX_LPC_ORDER};

    /// An AR(2) process's autocorrelation gives back its coefficients at
    /// order 2 and zeros beyond.
    #[test]
    fn levinson_recovers_an_ar2_process() {
        // x[n] = 1.5 x[n-1] - 0.7 x[n-2] + e: r(k) from the Yule-Walker
        // recursion with r(0) = 1.
        let (a1, a2) = (1.5, -0.7);
        let mut r = [0.0; MAX_LPC_ORDER + 1];
        r[0] = 1.0;
        r[1] = a1 / (1.0 - a2);
        for k in 2..=MAX_LPC_ORDER {
            r[k] = a1 * r[k - 1] + a2 * r[k - 2];
        }
        let (c, _) = levinson(&r);
        assert!((c[1][0] - a1).abs() < 1e-9 && (c[1][1] - a2).abs() < 1e-9);
        assert!(c[4][2..].iter().all(|v| v.abs() < 1e-9));
    }

    #[test]
    fn quantised_coefficients_fill_the_precision() {
        let p = quantise(&[1.5, -0.7], 12).expect("quantise");
        // 1.5 needs one integer bit: 12 bits = sign + 1 + 10 fraction bits.
        assert_eq!(p.shift, 10);
        // 1.5 is exact at that scale; -0.7 rounds with the error 1.5 left (none).
        let scale = f64::from(1u32 << 10);
        let expected = [(1.5 * scale).round() as i32, (-0.7 * scale).round() as i32];
        assert_eq!(p.coefficients, expected);
    }
}
