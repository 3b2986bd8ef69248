//! The multichannel Wiener filter of `openunmix.filtering` (`wiener` and
//! `expectation_maximization`), for one or two channels.

use ndarray::{ArrayView3, ArrayViewMut3, Axis};
use num_complex::Complex;
use rayon::prelude::*;

use crate::{Error, Result};

type C64 = Complex<f64>;

/// Settings of [`wiener`], the arguments of `openunmix.filtering.wiener`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WienerConfig {
    /// EM iterations refining the initial estimates (`iterations`, 0 = none).
    pub niter: usize,
    /// Initial estimates by ratio masks `S_j / (eps + Σ_k S_k)` times the
    /// mixture (`softmask = True`) instead of magnitudes with the mixture phase.
    pub softmask: bool,
    /// Add a residual source `X - Σ_j Y_j` before EM (`residual`).
    pub residual: bool,
    /// The mixture is divided by `max(1, max|X| / scale_factor)` before EM
    /// and the estimates multiplied back (`scale_factor`, default 10).
    pub scale_factor: f64,
    /// Regularisation and division guard (`eps`, default `1e-10`); the
    /// mixture covariance gets `sqrt(eps)·I`.
    pub eps: f64,
}

impl Default for WienerConfig {
    fn default() -> Self {
        Self {
            niter: 1,
            softmask: false,
            residual: false,
            scale_factor: 10.0,
            eps: 1e-10,
        }
    }
}

/// `openunmix.filtering.wiener` on one block of frames: separates the complex
/// mixture `mix` with the magnitude (or, with `softmask`, any nonnegative)
/// spectrograms of the targets and writes the complex estimates to `out`.
///
/// Initial estimates are `Y_j = S_j · e^{i∠X}` (or `X · S_j / (eps + Σ_k S_k)`
/// with `softmask`), plus `X - Σ_j Y_j` with `residual`. With `niter > 0`,
/// after scaling by `m = max(1, max|X| / scale_factor)`, each EM iteration
/// (per bin `f`, over the block's frames `t`) sets
///
/// ```text
/// v_j(t,f) = mean_c |Y_j(c,t,f)|²
/// R_j(f)   = Σ_t Y_j(t,f) Y_j(t,f)ᴴ / (eps + Σ_t v_j(t,f))
/// C_x(t,f) = sqrt(eps)·I + Σ_j v_j(t,f) R_j(f)
/// Y_j(t,f) = v_j(t,f) R_j(f) C_x(t,f)⁻¹ X(t,f)
/// ```
///
/// (Duong et al. 2010; Nugraha et al. 2016), as
/// `openunmix.filtering.expectation_maximization`. Computed in `f64`.
///
/// # Shapes
///
/// - `spectrograms`: one `(1 or channels, bins, frames)` per target (a
///   single channel is shared by all mixture channels);
/// - `mix`: `(channels, bins, frames)`, channels 1 or 2;
/// - `out`: one `(channels, bins, frames)` per source: the targets, then the
///   residual when `config.residual`.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] for inconsistent shapes or more than two channels,
/// [`Error::InvalidParameter`] for EM with a single source (as the package).
///
/// # Example
///
/// ```
/// use audio_models::open_unmix::{wiener, WienerConfig};
/// use ndarray::Array3;
/// use num_complex::Complex;
/// let mix = Array3::from_elem((2, 3, 4), Complex::new(1.0f32, 1.0));
/// let s1 = Array3::from_elem((2, 3, 4), 1.0f32);
/// let s2 = Array3::from_elem((2, 3, 4), 0.5f32);
/// let mut a = Array3::zeros((2, 3, 4));
/// let mut b = Array3::zeros((2, 3, 4));
/// wiener(&[s1.view(), s2.view()], mix.view(), &WienerConfig::default(),
///        &mut [a.view_mut(), b.view_mut()])?;
/// let sum = a[[0, 0, 0]] + b[[0, 0, 0]];
/// assert!((sum - mix[[0, 0, 0]]).norm() < 1e-3);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn wiener(
    spectrograms: &[ArrayView3<'_, f32>],
    mix: ArrayView3<'_, Complex<f32>>,
    config: &WienerConfig,
    out: &mut [ArrayViewMut3<'_, Complex<f32>>],
) -> Result<()> {
    let (channels, bins, frames) = mix.dim();
    let n_targets = spectrograms.len();
    let n_sources = n_targets + usize::from(config.residual);
    if !(1..=2).contains(&channels) {
        return Err(Error::ShapeMismatch {
            what: "wiener mixture",
            expected: "(1 or 2 channels, bins, frames)".into(),
            got: mix.shape().to_vec(),
        });
    }
    for s in spectrograms {
        let (c, b, t) = s.dim();
        if (c != 1 && c != channels) || b != bins || t != frames {
            return Err(Error::ShapeMismatch {
                what: "wiener target spectrogram",
                expected: format!("(1 or {channels}, {bins}, {frames})"),
                got: s.shape().to_vec(),
            });
        }
    }
    if out.len() != n_sources || out.iter().any(|o| o.dim() != mix.dim()) {
        return Err(Error::ShapeMismatch {
            what: "wiener output",
            expected: format!("{n_sources} arrays of shape {:?}", mix.shape()),
            got: out.first().map(|o| o.shape().to_vec()).unwrap_or_default(),
        });
    }
    if config.niter > 0 && n_sources < 2 {
        return Err(Error::InvalidParameter {
            name: "niter",
            value: config.niter.to_string(),
            expected: "0 with a single source (EM needs two targets, or one and `residual`)",
        });
    }
    if frames == 0 || bins == 0 {
        return Ok(());
    }
    // Scale for numerical stability (EM only): max over the whole block.
    let scale = if config.niter > 0 {
        let max_abs = mix
            .iter()
            .map(|z| f64::from(z.re).hypot(f64::from(z.im)))
            .fold(0.0f64, f64::max);
        (max_abs / config.scale_factor).max(1.0)
    } else {
        1.0
    };
    let results: Vec<Vec<C64>> = (0..bins)
        .into_par_iter()
        .map(|f| {
            let mut k = BinKernel::new(channels, frames, n_sources);
            k.load(spectrograms, mix, f, config);
            if config.niter > 0 {
                k.em(config, scale);
            }
            k.y
        })
        .collect();
    for (f, y) in results.into_iter().enumerate() {
        for (j, o) in out.iter_mut().enumerate() {
            let mut o = o.index_axis_mut(Axis(1), f);
            for c in 0..channels {
                for t in 0..frames {
                    let v = y[(j * channels + c) * frames + t];
                    o[[c, t]] = Complex::new(v.re as f32, v.im as f32);
                }
            }
        }
    }
    Ok(())
}

/// One frequency bin's working set: `x[c][t]`, `y[j][c][t]` (flattened).
struct BinKernel {
    channels: usize,
    frames: usize,
    sources: usize,
    x: Vec<C64>,
    y: Vec<C64>,
}

impl BinKernel {
    fn new(channels: usize, frames: usize, sources: usize) -> Self {
        Self {
            channels,
            frames,
            sources,
            x: vec![C64::new(0.0, 0.0); channels * frames],
            y: vec![C64::new(0.0, 0.0); sources * channels * frames],
        }
    }

    fn load(
        &mut self,
        spectrograms: &[ArrayView3<'_, f32>],
        mix: ArrayView3<'_, Complex<f32>>,
        f: usize,
        config: &WienerConfig,
    ) {
        let (ch, nt) = (self.channels, self.frames);
        for c in 0..ch {
            for t in 0..nt {
                let z = mix[[c, f, t]];
                self.x[c * nt + t] = C64::new(f64::from(z.re), f64::from(z.im));
            }
        }
        let n_targets = spectrograms.len();
        for c in 0..ch {
            for t in 0..nt {
                let x = self.x[c * nt + t];
                let sc = |s: &ArrayView3<'_, f32>| {
                    let cc = if s.dim().0 == 1 { 0 } else { c };
                    f64::from(s[[cc, f, t]])
                };
                if config.softmask {
                    let total: f64 = spectrograms.iter().map(sc).sum();
                    for (j, s) in spectrograms.iter().enumerate() {
                        self.y[(j * ch + c) * nt + t] = x * (sc(s) / (config.eps + total));
                    }
                } else {
                    // The mixture phase `e^{i·atan2(im, re)} = x / |x|` (no
                    // trigonometry); `atan2(0, 0) = 0` as the package's gives 1.
                    let r = (x.re * x.re + x.im * x.im).sqrt();
                    let phase = if r > 0.0 { x / r } else { C64::new(1.0, 0.0) };
                    for (j, s) in spectrograms.iter().enumerate() {
                        self.y[(j * ch + c) * nt + t] = phase * sc(s);
                    }
                }
                if config.residual {
                    let sum: C64 = (0..n_targets).map(|j| self.y[(j * ch + c) * nt + t]).sum();
                    self.y[(n_targets * ch + c) * nt + t] = x - sum;
                }
            }
        }
    }

    #[allow(
        clippy::needless_range_loop,
        reason = "1x1/2x2 complex matrix algebra over channel indices"
    )]
    fn em(&mut self, config: &WienerConfig, scale: f64) {
        let (ch, nt, ns) = (self.channels, self.frames, self.sources);
        let inv_scale = 1.0 / scale;
        self.x.iter_mut().for_each(|v| *v *= inv_scale);
        self.y.iter_mut().for_each(|v| *v *= inv_scale);
        let reg = config.eps.sqrt();
        let mut v = vec![0.0f64; ns * nt];
        let mut r = vec![[[C64::new(0.0, 0.0); 2]; 2]; ns];
        for _ in 0..config.niter {
            // PSDs and spatial covariances.
            for j in 0..ns {
                let mut weight = config.eps;
                let mut rj = [[C64::new(0.0, 0.0); 2]; 2];
                for t in 0..nt {
                    let mut p = 0.0;
                    for c in 0..ch {
                        p += self.y[(j * ch + c) * nt + t].norm_sqr();
                    }
                    let vt = p / ch as f64;
                    v[j * nt + t] = vt;
                    weight += vt;
                    for a in 0..ch {
                        let ya = self.y[(j * ch + a) * nt + t];
                        for b in 0..ch {
                            rj[a][b] += ya * self.y[(j * ch + b) * nt + t].conj();
                        }
                    }
                }
                for row in rj.iter_mut().take(ch) {
                    for e in row.iter_mut().take(ch) {
                        *e /= weight;
                    }
                }
                r[j] = rj;
            }
            // Filter.
            for t in 0..nt {
                let mut cxx = [[C64::new(0.0, 0.0); 2]; 2];
                for a in 0..ch {
                    cxx[a][a] = C64::new(reg, 0.0);
                }
                for j in 0..ns {
                    let vj = v[j * nt + t];
                    for a in 0..ch {
                        for b in 0..ch {
                            cxx[a][b] += r[j][a][b] * vj;
                        }
                    }
                }
                let inv = invert(&cxx, ch);
                for j in 0..ns {
                    let vj = v[j * nt + t];
                    for a in 0..ch {
                        let mut acc = C64::new(0.0, 0.0);
                        for i in 0..ch {
                            // gain[a][i] = v_j Σ_k R_j[a][k] inv[k][i]
                            let mut g = C64::new(0.0, 0.0);
                            for k in 0..ch {
                                g += r[j][a][k] * inv[k][i];
                            }
                            acc += g * vj * self.x[i * nt + t];
                        }
                        self.y[(j * ch + a) * nt + t] = acc;
                    }
                }
            }
        }
        self.y.iter_mut().for_each(|v| *v *= scale);
    }
}

/// Inverse of a 1×1 or 2×2 complex matrix by the analytic formula (as
/// `openunmix.filtering._invert`).
fn invert(m: &[[C64; 2]; 2], ch: usize) -> [[C64; 2]; 2] {
    let zero = C64::new(0.0, 0.0);
    if ch == 1 {
        return [[m[0][0].inv(), zero], [zero, zero]];
    }
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let inv_det = det.inv();
    [
        [inv_det * m[1][1], -inv_det * m[0][1]],
        [-inv_det * m[1][0], inv_det * m[0][0]],
    ]
}
