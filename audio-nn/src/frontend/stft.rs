//! Differentiable STFT / ISTFT as candle ops (DFT bases applied by matmul, no
//! complex dtype), magnitude, mel projection and log compression.

use audio_dsp::{get_window, pad_center, MelConfig, MelFilterbank, WindowKind};
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};

use crate::checks;
use crate::conv::padding::{pad1d, PadMode};
use crate::kernels::stft_fft::StftOp;
use crate::{Error, Result};

const LAYER: &str = "StftLayer";

/// Configuration of a [`StftLayer`] / [`IstftLayer`], with librosa's names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StftLayerConfig {
    /// FFT size `N`.
    pub n_fft: usize,
    /// Hop between frames (`hop_length`).
    pub hop_length: usize,
    /// Window length (`win_length`, `<= n_fft`, zero-padded to `N` in the centre); `None` = `n_fft`.
    pub win_length: Option<usize>,
    /// Window shape (periodic, scipy `fftbins=True`, as librosa and `torch.*_window`).
    pub window: WindowKind,
    /// Pad `N/2` samples on both sides so frame `t` is centred on sample `t·hop`.
    pub center: bool,
    /// Padding used with `center` (librosa 0.11's default is constant zeros;
    /// `torch.stft`'s is reflect).
    pub pad_mode: PadMode,
}

impl StftLayerConfig {
    /// librosa's defaults for `n_fft` (hop `N/4`, Hann, centred, zero padding).
    pub fn new(n_fft: usize) -> Self {
        Self {
            n_fft,
            hop_length: n_fft / 4,
            win_length: None,
            window: WindowKind::Hann,
            center: true,
            pad_mode: PadMode::Zeros,
        }
    }

    /// `torch.stft`'s conventions as auraloss calls it: reflect padding.
    pub fn torch(n_fft: usize, hop_length: usize, win_length: usize) -> Self {
        Self {
            n_fft,
            hop_length,
            win_length: Some(win_length),
            window: WindowKind::Hann,
            center: true,
            pad_mode: PadMode::Reflect,
        }
    }

    fn validate(&self) -> Result<usize> {
        checks::config(LAYER, "n_fft", self.n_fft, self.n_fft >= 2, ">= 2")?;
        checks::config(
            LAYER,
            "hop_length",
            self.hop_length,
            self.hop_length > 0,
            "> 0",
        )?;
        let w = self.win_length.unwrap_or(self.n_fft);
        checks::config(
            LAYER,
            "win_length",
            w,
            w > 0 && w <= self.n_fft,
            "in 1..=n_fft",
        )?;
        Ok(w)
    }

    /// Number of frequency bins, `1 + N/2`.
    pub fn n_freqs(&self) -> usize {
        self.n_fft / 2 + 1
    }

    fn window_vec(&self) -> Result<Vec<f64>> {
        let w = self.validate()?;
        let win: Vec<f64> = get_window(self.window, w, true)?;
        Ok(pad_center(&win, self.n_fft)?)
    }
}

fn frame_indices(n_frames: usize, n_fft: usize, hop: usize, device: &Device) -> Result<Tensor> {
    let idx: Vec<u32> = (0..n_frames)
        .flat_map(|t| (0..n_fft).map(move |n| (t * hop + n) as u32))
        .collect();
    Ok(Tensor::from_vec(idx, n_frames * n_fft, device)?)
}

/// A differentiable short-time Fourier transform:
/// `X[b, k, t] = Σ_n w[n] x_pad[b, t·hop + n] e^{-2πi k n / N}` for
/// `k = 0..=N/2`, returned as real and imaginary parts, differentiable
/// through candle's autograd. On the CPU in f32 it is one custom op of real
/// FFTs whose backward pass is the adjoint transform (inverse half-spectrum
/// FFT per frame, windowed, overlap-added); elsewhere (other devices, f64)
/// frames are gathered with `index_select` and multiplied by a `(N, 2(N/2+1))`
/// window-weighted cos/−sin basis.
///
/// Equals `librosa.stft(x, n_fft, hop_length, win_length, window, center, pad_mode)`
/// (and `torch.stft` with [`StftLayerConfig::torch`]) within f32 rounding.
///
/// # Shapes
///
/// Input `(batch, time)`; outputs `(batch, N/2 + 1, frames)` each, with
/// `frames = 1 + (time + 2·(N/2)·center - N) / hop`.
///
/// ```
/// use audio_nn::{StftLayer, StftLayerConfig};
/// use candle_core::{DType, Device, Tensor};
/// let stft = StftLayer::new(StftLayerConfig::new(512), DType::F32, &Device::Cpu)?;
/// let (re, im) = stft.forward(&Tensor::zeros((2, 4096), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(re.dims(), &[2, 257, 33]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Clone)]
pub struct StftLayer {
    config: StftLayerConfig,
    /// `(N, 2F)`: columns `w[n] cos(2πkn/N)` then `-w[n] sin(2πkn/N)`.
    basis: Tensor,
    /// The FFT plans and window of the CPU f32 path.
    fft: Arc<FftPlan>,
}

struct FftPlan {
    window: Arc<Vec<f32>>,
    forward: Arc<dyn realfft::RealToComplex<f32>>,
    forward_even: Option<Arc<crate::kernels::real_fft::RealFftEven>>,
    inverse: Arc<dyn realfft::ComplexToReal<f32>>,
    /// The kernels' instruction set, chosen when the layer is built.
    isa: crate::kernels::Isa,
}

impl std::fmt::Debug for StftLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StftLayer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl StftLayer {
    /// Builds the DFT basis for `config` (the plan).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `n_fft < 2`, hop 0, `win_length` out of range;
    /// window errors from `audio-dsp`.
    pub fn new(config: StftLayerConfig, dtype: DType, device: &Device) -> Result<Self> {
        let w = config.window_vec()?;
        let n = config.n_fft;
        let f = config.n_freqs();
        let mut basis = vec![0f64; n * 2 * f];
        for (i, &wi) in w.iter().enumerate() {
            for k in 0..f {
                // Reduce k·i mod N exactly in integers before the trig call.
                let ph = 2.0 * std::f64::consts::PI * ((k * i) % n) as f64 / n as f64;
                basis[i * 2 * f + k] = wi * ph.cos();
                basis[i * 2 * f + f + k] = -wi * ph.sin();
            }
        }
        let basis = Tensor::from_vec(basis, (n, 2 * f), device)?.to_dtype(dtype)?;
        let mut planner = realfft::RealFftPlanner::<f32>::new();
        let fft = Arc::new(FftPlan {
            window: Arc::new(w.iter().map(|&v| v as f32).collect()),
            forward: planner.plan_fft_forward(n),
            forward_even: n
                .is_multiple_of(2)
                .then(|| Arc::new(crate::kernels::real_fft::RealFftEven::new(n))),
            inverse: planner.plan_fft_inverse(n),
            isa: crate::kernels::Isa::detect(),
        });
        Ok(Self { config, basis, fft })
    }

    /// The configuration.
    pub fn config(&self) -> &StftLayerConfig {
        &self.config
    }

    /// `(real, imag)` of the STFT.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] unless the input is `(batch, time)`;
    /// [`Error::ShapeMismatch`] when the (padded) signal is shorter than `n_fft`;
    /// [`Error::InvalidParameter`] when reflect padding is longer than the signal.
    pub fn forward(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let [b, _] = checks::dims::<2>(LAYER, "(batch, time)", x)?;
        let c = &self.config;
        let n = c.n_fft;
        let (pl, pr) = if c.center { (n / 2, n / 2) } else { (0, 0) };
        let len = x.dim(1)? + pl + pr;
        if len < n {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!("at least n_fft = {n} samples (after centre padding)"),
                got: x.dims().to_vec(),
            });
        }
        let t = 1 + (len - n) / c.hop_length;
        let f = c.n_freqs();
        if x.device().is_cpu() && x.dtype() == DType::F32 {
            // Real FFTs in one custom op with its own backward pass.
            crate::conv::padding::check_padding(x.dim(1)?, pl, pr, c.pad_mode)?;
            let op = StftOp {
                left: pl,
                right: pr,
                mode: c.pad_mode,
                n_fft: n,
                hop: c.hop_length,
                frames: t,
                window: self.fft.window.clone(),
                forward: self.fft.forward.clone(),
                forward_even: self.fft.forward_even.clone(),
                inverse: self.fft.inverse.clone(),
                isa: self.fft.isa,
            };
            let spec = x.contiguous()?.apply_op1(op)?; // (B, 2F, T)
            return Ok((spec.narrow(1, 0, f)?, spec.narrow(1, f, f)?));
        }
        let xp = pad1d(x, pl, pr, c.pad_mode)?;
        let idx = frame_indices(t, n, c.hop_length, x.device())?;
        let frames = xp
            .contiguous()?
            .index_select(&idx, 1)?
            .reshape((b * t, n))?;
        let spec = frames.matmul(&self.basis.to_dtype(x.dtype())?)?; // (B*T, 2F)
        let spec = spec.reshape((b, t, 2 * f))?.transpose(1, 2)?; // (B, 2F, T)
        Ok((
            spec.narrow(1, 0, f)?.contiguous()?,
            spec.narrow(1, f, f)?.contiguous()?,
        ))
    }
}

/// A differentiable inverse STFT, `librosa.istft`: each frame is the inverse
/// real DFT `x[n] = (1/N)(Re X₀ + Re X_{N/2}(-1)ⁿ + 2Σ_{0<k<N/2} Re X_k cos(2πkn/N) - Im X_k sin(2πkn/N))`
/// (a matmul with a `(2F, N)` basis), multiplied by the window, overlap-added,
/// divided by the window's sum of squares where it exceeds `f32::MIN_POSITIVE`,
/// and trimmed by `N/2` on both sides when centred.
///
/// # Shapes
///
/// `(real, imag)` `(batch, N/2+1, frames)` → `(batch, length)` (`length` given,
/// or `hop·(frames-1)` when centred).
///
/// ```
/// use audio_nn::{IstftLayer, StftLayer, StftLayerConfig};
/// use candle_core::{DType, Device, Tensor};
/// let cfg = StftLayerConfig::new(256);
/// let (stft, istft) = (StftLayer::new(cfg, DType::F32, &Device::Cpu)?, IstftLayer::new(cfg, DType::F32, &Device::Cpu)?);
/// let x = Tensor::randn(0f32, 1f32, (1, 2048), &Device::Cpu)?;
/// let (re, im) = stft.forward(&x)?;
/// let y = istft.forward(&re, &im, Some(2048))?;
/// assert!(y.sub(&x)?.abs()?.max_all()?.to_scalar::<f32>()? < 1e-4);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct IstftLayer {
    config: StftLayerConfig,
    /// `(2F, N)` inverse basis with the synthesis window folded in.
    basis: Tensor,
    window_sq: Vec<f64>,
}

impl IstftLayer {
    /// Builds the inverse basis.
    ///
    /// # Errors
    ///
    /// As [`StftLayer::new`].
    pub fn new(config: StftLayerConfig, dtype: DType, device: &Device) -> Result<Self> {
        let w = config.window_vec()?;
        let n = config.n_fft;
        let f = config.n_freqs();
        let mut basis = vec![0f64; 2 * f * n];
        for k in 0..f {
            let scale = if k == 0 || (n.is_multiple_of(2) && k == n / 2) {
                1.0
            } else {
                2.0
            } / n as f64;
            for (i, &wi) in w.iter().enumerate() {
                let ph = 2.0 * std::f64::consts::PI * ((k * i) % n) as f64 / n as f64;
                basis[k * n + i] = scale * ph.cos() * wi;
                // The imaginary parts of DC and Nyquist do not contribute (irfft ignores them).
                let s = if k == 0 || (n.is_multiple_of(2) && k == n / 2) {
                    0.0
                } else {
                    -scale * ph.sin() * wi
                };
                basis[(f + k) * n + i] = s;
            }
        }
        let basis = Tensor::from_vec(basis, (2 * f, n), device)?.to_dtype(dtype)?;
        Ok(Self {
            config,
            basis,
            window_sq: w.iter().map(|v| v * v).collect(),
        })
    }

    /// The signal from `(real, imag)`.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] when `real` and `imag` differ,
    /// [`Error::ShapeMismatch`] unless they are `(batch, N/2+1, frames)`.
    pub fn forward(&self, real: &Tensor, imag: &Tensor, length: Option<usize>) -> Result<Tensor> {
        checks::same_shape("IstftLayer", real, imag)?;
        let [b, f, t] = checks::dims::<3>("IstftLayer", "(batch, freqs, frames)", real)?;
        let c = &self.config;
        if f != c.n_freqs() || t == 0 {
            return Err(Error::ShapeMismatch {
                layer: "IstftLayer",
                expected: format!("(batch, {}, frames >= 1)", c.n_freqs()),
                got: real.dims().to_vec(),
            });
        }
        let n = c.n_fft;
        let hop = c.hop_length;
        let spec = Tensor::cat(&[real, imag], 1)?
            .transpose(1, 2)?
            .contiguous()?; // (B, T, 2F)
        let frames = spec
            .reshape((b * t, 2 * f))?
            .matmul(&self.basis.to_dtype(real.dtype())?)?
            .reshape((b, t, n))?;
        // Overlap-add: split each frame into R chunks of `hop` samples; chunk r of
        // frame t lands on output block t + r.
        let r = n.div_ceil(hop);
        let frames = frames
            .pad_with_zeros(2, 0, r * hop - n)?
            .reshape((b, t, r, hop))?;
        let mut acc: Option<Tensor> = None;
        for ri in 0..r {
            let chunk = frames
                .narrow(2, ri, 1)?
                .squeeze(2)?
                .pad_with_zeros(1, ri, r - 1 - ri)?;
            acc = Some(match acc {
                None => chunk,
                Some(a) => a.add(&chunk)?,
            });
        }
        let full_len = (t + r - 1) * hop;
        let y = acc
            .ok_or(Error::ShapeMismatch {
                layer: "IstftLayer",
                expected: "at least one frame".into(),
                got: real.dims().to_vec(),
            })?
            .reshape((b, full_len))?;
        // Window sum-square normalisation (librosa.filters.window_sumsquare).
        let mut wss = vec![0f64; full_len];
        for ti in 0..t {
            for (i, &w2) in self.window_sq.iter().enumerate() {
                wss[ti * hop + i] += w2;
            }
        }
        let tiny = f64::from(f32::MIN_POSITIVE);
        let inv: Vec<f64> = wss
            .iter()
            .map(|&v| if v > tiny { 1.0 / v } else { 1.0 })
            .collect();
        let inv = Tensor::from_vec(inv, full_len, real.device())?.to_dtype(real.dtype())?;
        let y = y.broadcast_mul(&inv)?;
        let start = if c.center { n / 2 } else { 0 };
        let avail = full_len.saturating_sub(start);
        let default_len = if c.center { hop * (t - 1) } else { avail };
        let want = length.unwrap_or(default_len);
        let take = want.min(avail);
        let y = y.narrow(1, start, take)?;
        Ok(if want > take {
            y.pad_with_zeros(1, 0, want - take)?
        } else {
            y
        })
    }
}

/// `sqrt(max(re² + im², eps))`, the magnitude as auraloss computes it (the
/// clamp keeps the gradient finite at 0); `eps = 0` gives the plain magnitude.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the parts differ in shape.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let m = audio_nn::frontend::stft::magnitude(&Tensor::new(&[3f32], &Device::Cpu)?, &Tensor::new(&[4f32], &Device::Cpu)?, 0.0)?;
/// assert_eq!(m.to_vec1::<f32>()?, vec![5.0]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn magnitude(real: &Tensor, imag: &Tensor, eps: f64) -> Result<Tensor> {
    checks::same_shape("magnitude", real, imag)?;
    let p = real.sqr()?.add(&imag.sqr()?)?;
    let p = if eps > 0.0 { p.maximum(eps)? } else { p };
    Ok(p.sqrt()?)
}

/// `re² + im²`.
///
/// # Errors
///
/// [`Error::IncompatibleShapes`] when the parts differ in shape.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let p = audio_nn::frontend::stft::power(&Tensor::new(&[3f32], &Device::Cpu)?, &Tensor::new(&[4f32], &Device::Cpu)?)?;
/// assert_eq!(p.to_vec1::<f32>()?, vec![25.0]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn power(real: &Tensor, imag: &Tensor) -> Result<Tensor> {
    checks::same_shape("power", real, imag)?;
    Ok(real.sqr()?.add(&imag.sqr()?)?)
}

/// A mel projection `M S` with `audio-dsp`'s [`MelFilterbank`] (`librosa.filters.mel`),
/// differentiable in `S`.
///
/// # Shapes
///
/// `(batch, N/2+1, frames)` → `(batch, n_mels, frames)`.
///
/// ```
/// use audio_nn::frontend::stft::MelProjection;
/// use candle_core::{DType, Device, Tensor};
/// let mel = MelProjection::new(&audio_dsp::MelConfig { n_fft: 512, n_mels: 40, ..Default::default() }, DType::F32, &Device::Cpu)?;
/// assert_eq!(mel.forward(&Tensor::ones((1, 257, 3), DType::F32, &Device::Cpu)?)?.dims(), &[1, 40, 3]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MelProjection {
    weights: Tensor,
}

impl MelProjection {
    /// Builds the filterbank (float32 as librosa's default dtype).
    ///
    /// # Errors
    ///
    /// `audio-dsp`'s parameter errors.
    pub fn new(config: &MelConfig, dtype: DType, device: &Device) -> Result<Self> {
        let fb = MelFilterbank::<f32>::new(config)?;
        let w = fb.weights();
        let (m, f) = w.dim();
        let v: Vec<f32> = w.iter().copied().collect();
        Ok(Self {
            weights: Tensor::from_vec(v, (m, f), device)?.to_dtype(dtype)?,
        })
    }

    /// The filterbank `(n_mels, N/2+1)`.
    pub fn weights(&self) -> &Tensor {
        &self.weights
    }

    /// `M S`.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`], [`Error::ChannelMismatch`] for the wrong bin count.
    pub fn forward(&self, spec: &Tensor) -> Result<Tensor> {
        let [_, f, _] = checks::dims::<3>("MelProjection", "(batch, freqs, frames)", spec)?;
        checks::channels("MelProjection", self.weights.dim(1)?, f)?;
        Ok(self
            .weights
            .to_dtype(spec.dtype())?
            .broadcast_matmul(spec)?)
    }
}

/// Log compression `ln(max(x, eps))`, differentiable where `x > eps`.
///
/// # Errors
///
/// Candle errors.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let y = audio_nn::frontend::stft::log_compress(&Tensor::new(&[1f32, 0.], &Device::Cpu)?, 1e-5)?;
/// assert_eq!(y.to_vec1::<f32>()?[0], 0.0);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn log_compress(x: &Tensor, eps: f64) -> Result<Tensor> {
    Ok(x.maximum(eps)?.log()?)
}

/// `librosa.power_to_db(S, ref=1.0, amin, top_db)`: `10 log10(max(S, amin))`,
/// then (with `top_db`) floored at the maximum minus `top_db`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `amin <= 0` or a negative `top_db`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let db = audio_nn::frontend::stft::power_to_db(&Tensor::new(&[100f32, 1e-20], &Device::Cpu)?, 1e-10, Some(80.0))?;
/// assert_eq!(db.to_vec1::<f32>()?, vec![20.0, -60.0]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn power_to_db(s: &Tensor, amin: f64, top_db: Option<f64>) -> Result<Tensor> {
    checks::config("power_to_db", "amin", amin, amin > 0.0, "> 0")?;
    let db = s
        .maximum(amin)?
        .log()?
        .affine(10.0 / std::f64::consts::LN_10, 0.0)?;
    match top_db {
        None => Ok(db),
        Some(t) => {
            checks::config("power_to_db", "top_db", t, t >= 0.0, ">= 0")?;
            let floor = db.max_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()? - t;
            Ok(db.maximum(floor)?)
        }
    }
}
