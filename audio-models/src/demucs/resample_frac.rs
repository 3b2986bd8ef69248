//! `julius.resample_frac`: the windowed-sinc resampler Demucs uses to
//! upsample its input by 2 and downsample its output by 2.
//!
//! For rates `old` and `new` (divided by their GCD) the filter keeps
//! `zeros = 24` zero crossings of a sinc cut at `rolloff · min(old, new) / 2`
//! (`rolloff = 0.945`), under a `cos²` window. Output phase `i` of `new` uses
//! the kernel
//!
//! `k_i[j] = sinc(π t) · cos²(π t / (2 · zeros)) / Σ`, with
//! `t = clamp((−i / new + (j − w) / old) · sr, −zeros, zeros)`,
//! `w = ⌈zeros · old / sr⌉`, `sr = rolloff · min(old, new)`, `j ∈ [0, 2w + old)`,
//!
//! applied with stride `old` to the input padded by replicating its edge
//! samples (`w` on the left, `w + old` on the right). The output has
//! `⌊new · n / old⌋` samples (`full = False`).

use crate::error::{Error, Result};

/// Zero crossings of the sinc (julius's default).
const ZEROS: usize = 24;
/// Cut-off as a fraction of the lower Nyquist frequency (julius's default).
const ROLLOFF: f64 = 0.945;

/// A planned `julius.ResampleFrac(old_sr, new_sr)`.
///
/// # Example
///
/// ```
/// use audio_models::demucs::ResampleFrac;
///
/// let up = ResampleFrac::new(1, 2)?;
/// let y = up.process(&[0.0, 1.0, 0.0, -1.0]);
/// assert_eq!(y.len(), 8);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ResampleFrac {
    old: usize,
    new: usize,
    width: usize,
    /// `new` kernels of `2 · width + old` taps.
    kernels: Vec<Vec<f32>>,
}

impl ResampleFrac {
    /// Plans the kernels for `old_sr → new_sr`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero rate, or reduced rates above
    /// 1024 (the kernels grow with them, as julius warns).
    pub fn new(old_sr: usize, new_sr: usize) -> Result<Self> {
        if old_sr == 0 || new_sr == 0 {
            return Err(Error::InvalidParameter {
                name: "sample rate",
                value: format!("{old_sr} -> {new_sr}"),
                expected: "positive rates",
            });
        }
        let g = gcd(old_sr, new_sr);
        let (old, new) = (old_sr / g, new_sr / g);
        if old > 1024 || new > 1024 {
            return Err(Error::InvalidParameter {
                name: "sample rate",
                value: format!("{old_sr} -> {new_sr}"),
                expected: "rates whose ratio reduces to terms of at most 1024",
            });
        }
        let sr = old.min(new) as f64 * ROLLOFF;
        let zeros = ZEROS as f64;
        let width = (zeros * old as f64 / sr).ceil() as usize;
        let kernels = (0..new)
            .map(|i| {
                let raw: Vec<f64> = (0..2 * width + old)
                    .map(|j| {
                        let idx = j as f64 - width as f64;
                        let t = ((-(i as f64) / new as f64 + idx / old as f64) * sr)
                            .clamp(-zeros, zeros)
                            * std::f64::consts::PI;
                        let window = (t / zeros / 2.0).cos().powi(2);
                        let sinc = if t == 0.0 { 1.0 } else { t.sin() / t };
                        sinc * window
                    })
                    .collect();
                let sum: f64 = raw.iter().sum();
                raw.iter().map(|v| (v / sum) as f32).collect()
            })
            .collect();
        Ok(Self {
            old,
            new,
            width,
            kernels,
        })
    }

    /// Output samples for `n` input samples: `⌊new · n / old⌋`.
    pub fn output_len(&self, n: usize) -> usize {
        n * self.new / self.old
    }

    /// Resamples one signal into `out` (cleared first), as
    /// `julius.resample_frac(x, old_sr, new_sr)`.
    pub fn process_into(&self, x: &[f32], out: &mut Vec<f32>) {
        out.clear();
        let n = x.len();
        if n == 0 {
            return;
        }
        if self.old == self.new {
            out.extend_from_slice(x);
            return;
        }
        let len = self.output_len(n);
        out.reserve(len);
        let at = |k: isize| -> f32 {
            // Replicate padding.
            x[k.clamp(0, n as isize - 1) as usize]
        };
        let taps = 2 * self.width + self.old;
        'frames: for m in 0.. {
            let start = (m * self.old) as isize - self.width as isize;
            for kernel in &self.kernels {
                if out.len() == len {
                    break 'frames;
                }
                let mut acc = 0.0f32;
                for (j, w) in kernel.iter().enumerate().take(taps) {
                    acc += w * at(start + j as isize);
                }
                out.push(acc);
            }
        }
    }

    /// Resamples one signal, as `julius.resample_frac(x, old_sr, new_sr)`.
    pub fn process(&self, x: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        self.process_into(x, &mut out);
        out
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
