//! `librosa.effects.preemphasis` and `deemphasis`.

use crate::{Error, Float, Result};

fn check(y_len: usize, coef: f64) -> Result<()> {
    if !coef.is_finite() {
        return Err(Error::InvalidParameter {
            name: "coef",
            value: coef.to_string(),
            expected: "a finite coefficient",
        });
    }
    if y_len < 2 {
        return Err(Error::InputTooShort {
            what: "pre/de-emphasis input",
            expected: 2,
            got: y_len,
        });
    }
    Ok(())
}

/// Pre-emphasis: `y[n] = x[n] - coef · x[n-1]`, with librosa's initial
/// state `x[-1]` term `zi = 2 x[0] - x[1]` (so `y[0] = x[0] + zi`), as
/// `scipy.signal.lfilter([1, -coef], [1], x, zi=zi)` in `T`'s precision.
///
/// `librosa.effects.preemphasis(y, coef=coef)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite `coef`;
/// [`Error::InputTooShort`] for fewer than 2 samples; [`Error::NonFinite`]
/// for NaN or infinite samples.
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
/// ```
/// use audio_dsp::effects::preemphasis;
/// let y = preemphasis(&[1.0_f32, 1.0, 1.0, 1.0], 0.97)?;
/// assert!((y[1] - 0.03).abs() < 1e-6);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn preemphasis<T: Float>(y: &[T], coef: f64) -> Result<Vec<T>> {
    check(y.len(), coef)?;
    let mut stream = EmphasisStream::preemphasis(coef)?;
    let mut out = stream.push(y)?;
    out.extend(stream.finish()?);
    Ok(out)
}

/// De-emphasis, the inverse filter: `y[n] = x[n] + coef · y[n-1]` from a
/// zero state, then librosa's correction of the start,
/// `y[n] -= ((2 - coef) x[0] - x[1]) / (3 - coef) · coef^n` (so that
/// `deemphasis(preemphasis(x)) ≈ x`). The recursion and the correction's
/// scalar run in `T`, its powers of `coef` in f64, as numpy does.
///
/// `librosa.effects.deemphasis(y, coef=coef)`.
///
/// # Errors
///
/// As [`preemphasis`]; [`Error::InvalidParameter`] for `coef = 3`.
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
/// ```
/// use audio_dsp::effects::{deemphasis, preemphasis};
/// let x: Vec<f64> = (0..100).map(|i| (i as f64 * 0.3).sin()).collect();
/// let back = deemphasis(&preemphasis(&x, 0.97)?, 0.97)?;
/// assert!(x.iter().zip(&back).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn deemphasis<T: Float>(y: &[T], coef: f64) -> Result<Vec<T>> {
    check(y.len(), coef)?;
    let mut stream = EmphasisStream::deemphasis(coef)?;
    let mut out = stream.push(y)?;
    out.extend(stream.finish()?);
    Ok(out)
}

/// Which filter an [`EmphasisStream`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pre,
    De,
}

/// [`preemphasis`] or [`deemphasis`] of a signal fed block by block: the
/// same samples, to the bit, whatever the blocks. Both filters start from
/// a state made of the first two samples, so the first sample comes out
/// once the second is in.
///
/// # Example
///
/// ```
/// use audio_dsp::effects::{preemphasis, EmphasisStream};
/// let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin()).collect();
/// let mut stream = EmphasisStream::preemphasis(0.97)?;
/// let mut y = Vec::new();
/// for block in x.chunks(7) {
///     y.extend(stream.push(block)?);
/// }
/// y.extend(stream.finish()?);
/// assert_eq!(y, preemphasis(&x, 0.97)?);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EmphasisStream<T> {
    kind: Kind,
    coef: f64,
    /// Samples before the second one arrived.
    head: Vec<T>,
    started: bool,
    /// Pre: `b1 · x[n-1]` (librosa's `zi` at the start); de: `y[n-1]` of
    /// the recursion before the correction.
    state: T,
    /// De: the start correction and `coef^n`.
    correction: f64,
    power: f64,
    seen: usize,
}

impl<T: Float> EmphasisStream<T> {
    /// A [`preemphasis`] stream.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-finite `coef`.
    pub fn preemphasis(coef: f64) -> Result<Self> {
        check(2, coef)?;
        Ok(Self::new(Kind::Pre, coef))
    }

    /// A [`deemphasis`] stream.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-finite `coef` or `coef = 3`.
    pub fn deemphasis(coef: f64) -> Result<Self> {
        check(2, coef)?;
        if coef == 3.0 {
            return Err(Error::InvalidParameter {
                name: "coef",
                value: "3".into(),
                expected: "a coefficient other than 3 (librosa divides by 3 - coef)",
            });
        }
        Ok(Self::new(Kind::De, coef))
    }

    fn new(kind: Kind, coef: f64) -> Self {
        Self {
            kind,
            coef,
            head: Vec::new(),
            started: false,
            state: T::zero(),
            correction: 0.0,
            power: 1.0,
            seen: 0,
        }
    }

    /// Filters the next samples; returns those that are final (all of
    /// them once two samples are in).
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for a NaN or infinite sample (its index in the
    /// whole signal).
    pub fn push(&mut self, block: &[T]) -> Result<Vec<T>> {
        let what = match self.kind {
            Kind::Pre => "preemphasis input",
            Kind::De => "deemphasis input",
        };
        if let Err(Error::NonFinite { index, .. }) =
            crate::spectral::stft::check_finite(what, block)
        {
            return Err(Error::NonFinite {
                what,
                index: self.seen + index,
            });
        }
        self.seen += block.len();
        if !self.started {
            self.head.extend_from_slice(block);
            if self.head.len() < 2 {
                return Ok(Vec::new());
            }
            self.start();
            let head = std::mem::take(&mut self.head);
            return Ok(self.run(&head));
        }
        Ok(self.run(block))
    }

    /// The state from the first two samples.
    fn start(&mut self) {
        let (y0, y1) = (self.head[0], self.head[1]);
        self.started = true;
        match self.kind {
            Kind::Pre => {
                let two = T::one() + T::one();
                self.state = two * y0 - y1;
            }
            Kind::De => {
                // numpy evaluates the correction's scalar in the signal's dtype.
                let cast = |v: f64| T::from(v).unwrap_or_else(T::zero);
                self.correction = ((cast(2.0 - self.coef) * y0 - y1) / cast(3.0 - self.coef))
                    .to_f64()
                    .unwrap_or(0.0);
            }
        }
    }

    fn run(&mut self, block: &[T]) -> Vec<T> {
        let c = T::from(self.coef).unwrap_or_else(T::zero);
        match self.kind {
            Kind::Pre => block
                .iter()
                .map(|&x| {
                    let out = x + self.state;
                    self.state = -c * x;
                    out
                })
                .collect(),
            Kind::De => block
                .iter()
                .map(|&x| {
                    let out = x + c * self.state;
                    self.state = out;
                    let corrected = out.to_f64().unwrap_or(0.0) - self.correction * self.power;
                    self.power *= self.coef;
                    T::from(corrected).unwrap_or_else(T::zero)
                })
                .collect(),
        }
    }

    /// Ends the signal.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] when fewer than 2 samples came.
    pub fn finish(self) -> Result<Vec<T>> {
        if !self.started {
            check(self.head.len(), self.coef)?;
        }
        Ok(Vec::new())
    }
}
