//! SincNet's learnable band-pass front end.

use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::{Error, Result};

const LAYER: &str = "SincConv";

/// Configuration of a [`SincConv`] (the arguments of SincNet's `SincConv_fast`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SincConvConfig {
    /// Number of band-pass filters.
    pub out_channels: usize,
    /// Filter length (an even value is increased by one, as SincNet does).
    pub kernel_size: usize,
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Lowest cut-off added to `|low_hz_|` (`min_low_hz`, 50).
    pub min_low_hz: f64,
    /// Smallest band added to `|band_hz_|` (`min_band_hz`, 50).
    pub min_band_hz: f64,
    /// Step between output samples.
    pub stride: usize,
    /// Zero padding on both sides.
    pub padding: usize,
}

impl SincConvConfig {
    /// SincNet's defaults for the given filters, length and rate.
    pub fn new(out_channels: usize, kernel_size: usize, sample_rate: f64) -> Self {
        Self {
            out_channels,
            kernel_size,
            sample_rate,
            min_low_hz: 50.0,
            min_band_hz: 50.0,
            stride: 1,
            padding: 0,
        }
    }
}

/// SincConv (Ravanelli & Bengio 2018, `SincConv_fast` of the SincNet
/// repository): a convolution of a mono signal with `out_channels` band-pass
/// filters parameterised only by their cut-offs,
/// `low = min_low_hz + |low_hz_|`, `high = clamp(low + min_band_hz + |band_hz_|, min_low_hz, sr/2)`,
/// `g[n] = (sin(2π·high·n/sr) - sin(2π·low·n/sr)) / (n/2) · w[n]` (Hamming
/// window `0.54 - 0.46 cos(2πn/K)` on the left half, mirrored), centre tap
/// `2(high - low)`, the whole filter divided by `2(high - low)`.
///
/// Weights: `low_hz_`, `band_hz_` `(out_channels, 1)`, initialised on the mel
/// scale between 30 Hz and `sr/2 - (min_low_hz + min_band_hz)` as SincNet.
///
/// # Shapes
///
/// `(batch, 1, time)` → `(batch, out_channels, time')`.
///
/// ```
/// use audio_nn::{SincConv, SincConvConfig};
/// use candle_core::{DType, Device, Module, Tensor};
/// let cfg = SincConvConfig::new(8, 101, 16000.0);
/// let varmap = candle_nn::VarMap::new();
/// SincConv::init_varmap(&varmap, "", &cfg, DType::F32, &Device::Cpu)?;
/// let s = SincConv::new(cfg, candle_nn::VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu))?;
/// assert_eq!(s.forward(&Tensor::zeros((1, 1, 400), DType::F32, &Device::Cpu)?)?.dims(), &[1, 8, 300]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SincConv {
    low_hz: Tensor,
    band_hz: Tensor,
    /// `2π·n/sr` for the left half, `(1, K/2)`.
    n_: Tensor,
    /// Hamming window of the left half, `(1, K/2)`.
    window: Tensor,
    config: SincConvConfig,
    kernel_size: usize,
}

fn to_mel(hz: f64) -> f64 {
    2595.0 * (1.0 + hz / 700.0).log10()
}
fn to_hz(mel: f64) -> f64 {
    700.0 * (10f64.powf(mel / 2595.0) - 1.0)
}

impl SincConv {
    /// SincNet's initial `(low_hz_, band_hz_)`: `out_channels + 1` cut-offs
    /// equally spaced on the mel scale (`2595 log10(1 + f/700)`) between 30 Hz
    /// and `sr/2 - (min_low_hz + min_band_hz)`; `low` are the first
    /// `out_channels`, `band` their differences.
    pub fn initial_cutoffs(config: &SincConvConfig) -> (Vec<f64>, Vec<f64>) {
        let n = config.out_channels.max(1);
        let high = config.sample_rate / 2.0 - (config.min_low_hz + config.min_band_hz);
        let (m_lo, m_hi) = (to_mel(30.0), to_mel(high));
        let hz: Vec<f64> = (0..=n)
            .map(|i| to_hz(m_lo + (m_hi - m_lo) * i as f64 / n as f64))
            .collect();
        (
            hz[..n].to_vec(),
            hz.windows(2).map(|w| w[1] - w[0]).collect(),
        )
    }

    /// Puts SincNet's initial cut-offs into `varmap` under `prefix` (`prefix.low_hz_`,
    /// `prefix.band_hz_`; no prefix when empty), so that [`SincConv::new`] on a
    /// builder of that map starts where SincNet starts.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn init_varmap(
        varmap: &candle_nn::VarMap,
        prefix: &str,
        config: &SincConvConfig,
        dtype: candle_core::DType,
        device: &candle_core::Device,
    ) -> Result<()> {
        let (low, band) = Self::initial_cutoffs(config);
        let n = low.len();
        let key = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        let mut data = varmap.data().lock().map_err(|_| Error::Unsupported {
            layer: LAYER,
            operation: "init_varmap",
            reason: "the VarMap lock is poisoned",
        })?;
        for (k, v) in [("low_hz_", low), ("band_hz_", band)] {
            let t = Tensor::from_vec(v, (n, 1), device)?.to_dtype(dtype)?;
            data.insert(key(k), candle_core::Var::from_tensor(&t)?);
        }
        Ok(())
    }

    /// Loads `low_hz_` and `band_hz_` (see [`SincConv::init_varmap`] to start training).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for zero filters, a sample rate too low for the
    /// minimum band, or a zero stride; [`Error::MissingKey`] /
    /// [`Error::WeightShape`] naming the key.
    pub fn new(config: SincConvConfig, vb: VarBuilder) -> Result<Self> {
        let c = &config;
        checks::config(
            LAYER,
            "out_channels",
            c.out_channels,
            c.out_channels > 0,
            "> 0",
        )?;
        checks::config(
            LAYER,
            "kernel_size",
            c.kernel_size,
            c.kernel_size > 1,
            "> 1",
        )?;
        checks::config(LAYER, "stride", c.stride, c.stride > 0, "> 0")?;
        let high = c.sample_rate / 2.0 - (c.min_low_hz + c.min_band_hz);
        checks::config(
            LAYER,
            "sample_rate",
            c.sample_rate,
            high > 30.0,
            "> 2·(60 + min_low_hz + min_band_hz)",
        )?;
        let k = if c.kernel_size.is_multiple_of(2) {
            c.kernel_size + 1
        } else {
            c.kernel_size
        };
        let n = c.out_channels;
        let dev = vb.device().clone();
        let dtype = vb.dtype();
        let low_hz = get_init(&vb, "low_hz_", n)?;
        let band_hz = get_init(&vb, "band_hz_", n)?;
        let half = k / 2;
        // n_lin = linspace(0, K/2 - 1, K/2) (SincNet uses kernel_size/2 as a float).
        let kf = k as f64;
        let n_lin: Vec<f64> = (0..half)
            .map(|i| {
                if half > 1 {
                    i as f64 * (kf / 2.0 - 1.0) / (half - 1) as f64
                } else {
                    0.0
                }
            })
            .collect();
        let window: Vec<f64> = n_lin
            .iter()
            .map(|&t| 0.54 - 0.46 * (2.0 * std::f64::consts::PI * t / kf).cos())
            .collect();
        let nn = (kf - 1.0) / 2.0;
        let n_: Vec<f64> = (0..half)
            .map(|i| 2.0 * std::f64::consts::PI * (-nn + i as f64) / c.sample_rate)
            .collect();
        Ok(Self {
            low_hz,
            band_hz,
            n_: Tensor::from_vec(n_, (1, half), &dev)?.to_dtype(dtype)?,
            window: Tensor::from_vec(window, (1, half), &dev)?.to_dtype(dtype)?,
            config,
            kernel_size: k,
        })
    }

    /// The current filters `(out_channels, 1, kernel_size)` (differentiable in the cut-offs).
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn filters(&self) -> Result<Tensor> {
        let c = &self.config;
        let low = self.low_hz.abs()?.affine(1.0, c.min_low_hz)?;
        let high = low
            .add(&self.band_hz.abs()?.affine(1.0, c.min_band_hz)?)?
            .clamp(c.min_low_hz, c.sample_rate / 2.0)?;
        let band = high.sub(&low)?; // (n, 1)
        let ftl = low.matmul(&self.n_)?;
        let fth = high.matmul(&self.n_)?;
        let left = fth
            .sin()?
            .sub(&ftl.sin()?)?
            .broadcast_div(&self.n_.affine(0.5, 0.0)?)?
            .broadcast_mul(&self.window)?;
        let centre = band.affine(2.0, 0.0)?;
        let right = left.flip(&[1])?;
        let bp = Tensor::cat(&[&left, &centre, &right], 1)?;
        let bp = bp.broadcast_div(&band.affine(2.0, 0.0)?)?;
        Ok(bp.reshape((c.out_channels, 1, self.kernel_size))?)
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`], [`Error::ChannelMismatch`] (one input channel).
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let [_, ch, _] = checks::dims::<3>(LAYER, "(batch, 1, time)", x)?;
        checks::channels(LAYER, 1, ch)?;
        let f = self.filters()?;
        let xp = x.pad_with_zeros(2, self.config.padding, self.config.padding)?;
        crate::conv::conv1d::conv1d_valid(&xp, &f, self.config.stride, 1, 1)
    }
}

fn get_init(vb: &VarBuilder, name: &str, n: usize) -> Result<Tensor> {
    if !vb.contains_tensor(name) {
        return Err(Error::MissingKey {
            layer: LAYER,
            key: checks::full_key(vb, name),
        });
    }
    checks::weight(vb, LAYER, name, &[n, 1], Init::Const(0.0))
}

impl Module for SincConv {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
