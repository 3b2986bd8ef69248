//! The phase vocoder of `librosa.phase_vocoder` (librosa 0.11).

use ndarray::{Array2, ArrayView2};
use num_complex::Complex;

use crate::{Error, Float, Result};

/// A planned phase vocoder: time-scales an STFT by a rate, as
/// `librosa.phase_vocoder(D, rate=rate, hop_length=hop_length, n_fft=n_fft)`.
///
/// Output frame `t` reads the input at `step = t · rate` (`t = 0 … ⌈frames /
/// rate⌉ - 1`, `numpy.arange(0, frames, rate)`): its magnitude is the linear
/// interpolation `(1 - α)|D[⌊step⌋]| + α|D[⌊step⌋ + 1]|`, `α = step mod 1`,
/// and its phase the accumulated phase `φ`, which starts at `∠D[0]` and
/// advances by `ω_k + Δ` with `ω_k = hop · 2πk / n_fft` (the expected advance
/// of bin `k`) and `Δ` the measured deviation `∠D[⌊step⌋+1] - ∠D[⌊step⌋] -
/// ω_k` wrapped to `[-π, π]` (ties to even, as `numpy.round`). Frames past
/// the end read zeros.
///
/// Each operation is librosa's, in its precision: for `f32` spectra the
/// angles, magnitudes, `cos`/`sin` and the accumulated phase are `f32`,
/// the interpolation and the phase arithmetic `f64`, so the output is
/// librosa's to float rounding. Angles and magnitudes of the input are
/// computed once per input frame (librosa recomputes them per output frame;
/// the values are the same).
///
/// Reference: J. L. Flanagan and R. M. Golden, "Phase vocoder", Bell System
/// Technical Journal 45(9), 1966; D. P. W. Ellis, "A phase vocoder in
/// Matlab", 2002.
///
/// ```
/// use audio_dsp::effects::PhaseVocoder;
/// use audio_dsp::{Stft, StftConfig, Transform};
///
/// let y: Vec<f32> = (0..22_050).map(|i| (i as f32 * 0.05).sin()).collect();
/// let d = Stft::<f32>::new(StftConfig::default())?.process(&y)?;
/// let fast = PhaseVocoder::new(2048, None)?.process(d.view(), 2.0)?;
/// assert_eq!(fast.dim(), (1025, d.ncols().div_ceil(2)));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseVocoder {
    n_fft: usize,
    hop_length: usize,
    phi_advance: Vec<f64>,
}

impl PhaseVocoder {
    /// Plans a vocoder for spectra of `n_fft / 2 + 1` bins computed with
    /// hop `hop_length` (default `n_fft / 4`, librosa's).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `n_fft < 2` or a zero hop.
    pub fn new(n_fft: usize, hop_length: Option<usize>) -> Result<Self> {
        if n_fft < 2 {
            return Err(Error::InvalidParameter {
                name: "n_fft",
                value: n_fft.to_string(),
                expected: "at least 2",
            });
        }
        let hop_length = hop_length.unwrap_or(n_fft / 4);
        if hop_length == 0 {
            return Err(Error::InvalidParameter {
                name: "hop_length",
                value: "0".into(),
                expected: "a positive hop length",
            });
        }
        // hop * numpy.fft.rfftfreq(n_fft, d=1 / (2π)), in numpy's order.
        let d = 1.0 / (2.0 * std::f64::consts::PI);
        let val = 1.0 / (n_fft as f64 * d);
        let phi_advance = (0..=n_fft / 2)
            .map(|k| hop_length as f64 * (k as f64 * val))
            .collect();
        Ok(Self {
            n_fft,
            hop_length,
            phi_advance,
        })
    }

    /// The number of bins of the spectra it takes, `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// The hop length.
    pub fn hop_length(&self) -> usize {
        self.hop_length
    }

    /// The number of output frames for `frames` input frames at `rate`:
    /// `len(numpy.arange(0, frames, rate))`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `rate` is finite and positive.
    pub fn output_frames(&self, frames: usize, rate: f64) -> Result<usize> {
        check_rate(rate)?;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a finite, non-negative frame count"
        )]
        Ok((frames as f64 / rate).ceil() as usize)
    }

    /// Time-scales `d` (`(n_fft / 2 + 1, frames)`) by `rate` (> 1 faster,
    /// < 1 slower).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a rate that is not finite and
    /// positive; [`Error::ShapeMismatch`] for a spectrum of another bin count;
    /// [`Error::InputTooShort`] for one without frames.
    ///
    /// # Shapes
    ///
    /// `(bins, frames)` → `(bins, ⌈frames / rate⌉)`.
    pub fn process<T: Float>(
        &self,
        d: ArrayView2<'_, Complex<T>>,
        rate: f64,
    ) -> Result<Array2<Complex<T>>> {
        let (bins, frames) = d.dim();
        if bins != self.n_bins() {
            return Err(Error::ShapeMismatch {
                what: "phase vocoder input",
                expected: vec![self.n_bins(), 0],
                got: vec![bins, frames],
            });
        }
        if frames == 0 {
            return Err(Error::InputTooShort {
                what: "phase vocoder input (frames)",
                expected: 1,
                got: 0,
            });
        }
        let out_frames = self.output_frames(frames, rate)?;
        // Angles and magnitudes of every input frame, then two zero frames
        // (librosa's padding), frame-major for the inner loop.
        let mut angle = vec![T::zero(); (frames + 2) * bins];
        let mut mag = vec![T::zero(); (frames + 2) * bins];
        for (f, col) in d.columns().into_iter().enumerate() {
            for (k, z) in col.iter().enumerate() {
                angle[f * bins + k] = z.im.atan2(z.re);
                mag[f * bins + k] = z.re.hypot(z.im);
            }
        }
        let mut phase_acc: Vec<T> = angle[..bins].to_vec();
        let mut out = Array2::<Complex<T>>::zeros((bins, out_frames));
        let two_pi = 2.0 * std::f64::consts::PI;
        let cast = |v: f64| T::from(v).unwrap_or_else(T::zero);
        let wide = |v: T| v.to_f64().unwrap_or(0.0);
        for t in 0..out_frames {
            let step = t as f64 * rate;
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "0 <= step < frames"
            )]
            let c0 = step as usize;
            let alpha = step % 1.0;
            let (a0, a1) = (
                &angle[c0 * bins..][..bins],
                &angle[(c0 + 1) * bins..][..bins],
            );
            let (m0, m1) = (&mag[c0 * bins..][..bins], &mag[(c0 + 1) * bins..][..bins]);
            let mut col = out.column_mut(t);
            for k in 0..bins {
                let m = (1.0 - alpha) * wide(m0[k]) + alpha * wide(m1[k]);
                let p = phase_acc[k];
                col[k] = Complex::new(cast(wide(p.cos()) * m), cast(wide(p.sin()) * m));
                let mut dphase = wide(a1[k] - a0[k]) - self.phi_advance[k];
                dphase -= two_pi * (dphase / two_pi).round_ties_even();
                phase_acc[k] = cast(wide(p) + (self.phi_advance[k] + dphase));
            }
        }
        Ok(out)
    }
}

pub(crate) fn check_rate(rate: f64) -> Result<()> {
    if rate.is_finite() && rate > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "rate",
            value: rate.to_string(),
            expected: "a finite rate > 0",
        })
    }
}

/// `librosa.phase_vocoder(D, rate=rate, hop_length=hop_length,
/// n_fft=n_fft)`: [`PhaseVocoder`] planned for this call (`n_fft` defaults
/// to `2 (bins - 1)`, the hop to `n_fft / 4`).
///
/// ```
/// use audio_dsp::effects::phase_vocoder;
/// use ndarray::Array2;
/// use num_complex::Complex;
///
/// let d = Array2::from_elem((513, 10), Complex::new(1.0_f64, 0.0));
/// let slow = phase_vocoder(d.view(), 0.5, None, None)?;
/// assert_eq!(slow.dim(), (513, 20));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
///
/// # Errors
///
/// As [`PhaseVocoder::new`] and [`PhaseVocoder::process`].
///
/// # Shapes
///
/// `(bins, frames)` → `(bins, ⌈frames / rate⌉)`.
pub fn phase_vocoder<T: Float>(
    d: ArrayView2<'_, Complex<T>>,
    rate: f64,
    hop_length: Option<usize>,
    n_fft: Option<usize>,
) -> Result<Array2<Complex<T>>> {
    let n_fft = n_fft.unwrap_or(2 * d.nrows().saturating_sub(1));
    PhaseVocoder::new(n_fft, hop_length)?.process(d, rate)
}
