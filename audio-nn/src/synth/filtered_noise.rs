//! DDSP's filtered-noise synthesiser (Engel et al. 2020): white noise
//! through a time-varying linear-phase FIR filter given by frame-rate band
//! magnitudes; differentiable in the magnitudes.

use audio_dsp::SeededRng;
use candle_core::Tensor;

use crate::checks;
use crate::{Error, Result};

const LAYER: &str = "FilteredNoise";

/// Filtered noise: for each frame `t`, the band magnitudes `H_t[0..M]`
/// (linearly spaced from 0 Hz to Nyquist) become a zero-phase impulse
/// response by the inverse real DFT of length `L = 2(M − 1)`, shifted to
/// be causal and Hann-windowed (DDSP's `frequency_impulse_response`); the
/// frame's `hop` samples of white noise (uniform in `[−1, 1]`, from a seeded
/// generator) are convolved with it, and the frames overlap-added, with the
/// filter's `L/2` delay removed.
///
/// Everything but the magnitudes is constant, so each frame's output is a
/// fixed `(hop + L − 1) × M` matrix `G_t` (noise ⊛ basis) times `H_t`: one
/// batched matrix product, which autograd differentiates. The noise of
/// frame `t` is the same in every batch item and every call (a fixed
/// seeded texture, so synthesis is deterministic).
///
/// # Shapes
///
/// Magnitudes `(batch, frames, M)` → audio `(batch, frames·hop)`.
///
/// # Example
///
/// ```
/// use audio_nn::synth::FilteredNoise;
/// use candle_core::{DType, Device, Tensor};
/// let noise = FilteredNoise::new(65, 64, 100, 0, &Device::Cpu)?;
/// let quiet = Tensor::zeros((2, 100, 65), DType::F32, &Device::Cpu)?;
/// let y = noise.synthesize(&quiet)?;
/// assert_eq!(y.dims(), &[2, 6400]);
/// assert_eq!(y.abs()?.max_all()?.to_scalar::<f32>()?, 0.0);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FilteredNoise {
    bands: usize,
    hop: usize,
    max_frames: usize,
    /// `(max_frames, hop + L − 1, M)`.
    frames_basis: Tensor,
}

impl FilteredNoise {
    /// Plans a synthesiser with `bands` magnitudes per frame, `hop` samples
    /// per frame, for up to `max_frames` frames, with noise from `seed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for fewer than 2 bands, a zero hop or
    /// frame count, or a plan over 64 M values.
    pub fn new(
        bands: usize,
        hop: usize,
        max_frames: usize,
        seed: u64,
        device: &candle_core::Device,
    ) -> Result<Self> {
        check_bands_and_hop(bands, hop)?;
        checks::config(LAYER, "max_frames", max_frames, max_frames > 0, "> 0")?;
        let l = 2 * (bands - 1);
        let width = hop + l - 1;
        let size = max_frames.saturating_mul(width).saturating_mul(bands);
        checks::config(
            LAYER,
            "max_frames",
            max_frames,
            size <= 64 << 20,
            "a plan of at most 64 M values",
        )?;
        let basis = impulse_basis(bands);
        let mut rng = SeededRng::new(seed);
        let mut data = vec![0.0f32; size];
        for t in 0..max_frames {
            #[allow(clippy::cast_possible_truncation, reason = "noise in f32")]
            let u: Vec<f64> = (0..hop).map(|_| rng.range(-1.0, 1.0)).collect();
            let g = &mut data[t * width * bands..(t + 1) * width * bands];
            // G[n, k] = Σ_m basis[k, m] · u[n − m].
            for (i, &ui) in u.iter().enumerate() {
                for m in 0..l {
                    let row = &mut g[(i + m) * bands..(i + m + 1) * bands];
                    for (k, v) in row.iter_mut().enumerate() {
                        #[allow(clippy::cast_possible_truncation, reason = "noise in f32")]
                        {
                            *v += (basis[k * l + m] * ui) as f32;
                        }
                    }
                }
            }
        }
        Ok(Self {
            bands,
            hop,
            max_frames,
            frames_basis: Tensor::from_vec(data, (max_frames, width, bands), device)?,
        })
    }

    /// Bands per frame.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// The audio `(batch, frames·hop)` of magnitudes `(batch, frames, M)`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for the wrong band count or more frames than
    /// planned; candle errors.
    pub fn synthesize(&self, magnitudes: &Tensor) -> Result<Tensor> {
        let [b, t, m] = checks::dims::<3>(LAYER, "(batch, frames, bands)", magnitudes)?;
        if m != self.bands || t == 0 || t > self.max_frames {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!(
                    "(batch, 1..={} frames, {} bands)",
                    self.max_frames, self.bands
                ),
                got: vec![b, t, m],
            });
        }
        let l = 2 * (self.bands - 1);
        let hop = self.hop;
        let width = hop + l - 1;
        let g = self.frames_basis.narrow(0, 0, t)?.unsqueeze(0)?;
        // (1, t, width, M) × (b, t, M, 1) → (b, t, width).
        let frames = g
            .broadcast_matmul(&magnitudes.unsqueeze(3)?.to_dtype(g.dtype())?)?
            .squeeze(3)?;
        // Overlap-add at hop spacing: each frame spans ceil(width / hop)
        // hops; pad it to that many, then add the shifted pieces.
        let spans = width.div_ceil(hop);
        let padded = frames.pad_with_zeros(2, 0, spans * hop - width)?;
        let total = t + spans - 1;
        let mut out: Option<Tensor> = None;
        for s in 0..spans {
            let piece = padded.narrow(2, s * hop, hop)?; // (b, t, hop)
            let placed = piece.pad_with_zeros(1, s, total - t - s)?;
            out = Some(match out {
                None => placed,
                Some(acc) => (acc + placed)?,
            });
        }
        let out = out
            .ok_or(Error::InvalidParameter {
                layer: LAYER,
                name: "hop",
                value: hop.to_string(),
                expected: "> 0",
            })?
            .reshape((b, total * hop))?;
        Ok(out.narrow(1, l / 2, t * hop)?)
    }
}

/// [`FilteredNoise::synthesize`] without autograd and without a frame
/// limit, for inference on long inputs: the same noise (frame `t` takes the
/// `t`-th `hop` draws of the generator seeded with `seed`), the same
/// filters, computed directly, one frame at a time.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when `magnitudes` is not a whole number of
/// frames of `bands` values; [`Error::InvalidParameter`] for fewer than 2
/// bands or a zero hop.
///
/// # Shapes
///
/// `magnitudes` frame-major `(frames × bands)` → `frames·hop` samples.
pub fn filtered_noise_direct(
    magnitudes: &[f32],
    bands: usize,
    hop: usize,
    seed: u64,
) -> Result<Vec<f32>> {
    // The stream checks the bands, the hop and the frames.
    let mut stream = FilteredNoiseStream::new(bands, hop, seed)?;
    let mut out = stream.push(magnitudes)?;
    out.extend(stream.finish());
    Ok(out)
}

/// [`filtered_noise_direct`] over frames that arrive a few at a time: the
/// same draws, filters and overlap-add, each sample returned once no later
/// frame reaches it, so the samples joined are `filtered_noise_direct`'s
/// to the bit. Memory: one impulse response and its overlap.
///
/// # Example
///
/// ```
/// use audio_nn::synth::{filtered_noise_direct, FilteredNoiseStream};
/// let magnitudes: Vec<f32> = (0..40 * 5).map(|i| (i % 7) as f32 / 7.0).collect();
/// let whole = filtered_noise_direct(&magnitudes, 5, 16, 9)?;
/// let mut stream = FilteredNoiseStream::new(5, 16, 9)?;
/// let mut y = Vec::new();
/// for frames in magnitudes.chunks(3 * 5) {
///     y.extend(stream.push(frames)?);
/// }
/// y.extend(stream.finish());
/// assert_eq!(y, whole);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug)]
pub struct FilteredNoiseStream {
    bands: usize,
    hop: usize,
    seed: u64,
    basis: Vec<f64>,
    rng: SeededRng,
    ir: Vec<f64>,
    /// The overlap-added signal from `base` on.
    acc: Vec<f64>,
    base: usize,
    frames: usize,
    /// The first position of the overlap-added signal not yet returned
    /// (the output starts `L / 2` in).
    emitted: usize,
}

impl FilteredNoiseStream {
    /// A stream of `bands`-band filtered noise, `hop` samples a frame,
    /// drawn from the generator seeded with `seed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for fewer than 2 (or more than 1025)
    /// bands or a zero hop.
    pub fn new(bands: usize, hop: usize, seed: u64) -> Result<Self> {
        check_bands_and_hop(bands, hop)?;
        let l = 2 * (bands - 1);
        Ok(Self {
            bands,
            hop,
            seed,
            basis: impulse_basis(bands),
            rng: SeededRng::new(seed),
            ir: vec![0.0; l],
            acc: Vec::new(),
            base: 0,
            frames: 0,
            emitted: l / 2,
        })
    }

    /// Feeds frames of band magnitudes (frame-major, `frames × bands`) and
    /// returns the samples no later frame will change.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `magnitudes` is not a whole number of
    /// frames.
    pub fn push(&mut self, magnitudes: &[f32]) -> Result<Vec<f32>> {
        let (bands, hop) = (self.bands, self.hop);
        if !magnitudes.len().is_multiple_of(bands) {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!("frames × {bands} magnitudes"),
                got: vec![magnitudes.len()],
            });
        }
        let l = self.ir.len();
        for h in magnitudes.chunks_exact(bands) {
            let t = self.frames;
            let end = t * hop + hop + l - self.base;
            if self.acc.len() < end {
                self.acc.resize(end, 0.0);
            }
            self.ir.iter_mut().for_each(|v| *v = 0.0);
            for (k, &hk) in h.iter().enumerate() {
                for (m, v) in self.ir.iter_mut().enumerate() {
                    *v += f64::from(hk) * self.basis[k * l + m];
                }
            }
            for i in 0..hop {
                let u = self.rng.range(-1.0, 1.0);
                let at = t * hop + i - self.base;
                for (m, &c) in self.ir.iter().enumerate() {
                    self.acc[at + m] += c * u;
                }
            }
            self.frames += 1;
        }
        // Positions before the next frame's start are final.
        Ok(self.emit(self.frames * hop))
    }

    /// The last samples (the output has `frames · hop` in all); the stream
    /// then starts over.
    pub fn finish(&mut self) -> Vec<f32> {
        let l = self.ir.len();
        let end = l / 2 + self.frames * self.hop;
        if self.acc.len() < end - self.base {
            self.acc.resize(end - self.base, 0.0);
        }
        let out = self.emit(end);
        self.rng = SeededRng::new(self.seed);
        self.acc.clear();
        self.base = 0;
        self.frames = 0;
        self.emitted = l / 2;
        out
    }

    /// The signal from `emitted` up to `end`, as f32; the held part before
    /// it dropped.
    fn emit(&mut self, end: usize) -> Vec<f32> {
        if end <= self.emitted {
            return Vec::new();
        }
        #[allow(clippy::cast_possible_truncation, reason = "audio samples in f32")]
        let out: Vec<f32> = self.acc[self.emitted - self.base..end - self.base]
            .iter()
            .map(|&v| v as f32)
            .collect();
        self.acc.drain(..end - self.base);
        self.base = end;
        self.emitted = end;
        out
    }
}

/// The band count (2 to 1025) and the hop (above 0) of a filtered-noise
/// synthesiser.
fn check_bands_and_hop(bands: usize, hop: usize) -> Result<()> {
    checks::config(
        LAYER,
        "bands",
        bands,
        (2..=1025).contains(&bands),
        "in 2..=1025",
    )?;
    checks::config(LAYER, "hop", hop, hop > 0, "> 0")
}

/// `basis[k, m]` (`M × L`): the causal, Hann-windowed impulse response of
/// unit magnitude in band `k` and zero elsewhere: the inverse real DFT of
/// length `L = 2(M − 1)` (`(1/L)·c_k·cos(2πk(m − L/2)/L)` with `c_k = 1` at
/// DC and Nyquist, 2 between), times a periodic Hann window of length `L`.
fn impulse_basis(bands: usize) -> Vec<f64> {
    let l = 2 * (bands - 1);
    #[allow(clippy::cast_precision_loss, reason = "filter lengths are small")]
    let lf = l as f64;
    let mut basis = vec![0.0f64; bands * l];
    for k in 0..bands {
        let c = if k == 0 || k == bands - 1 { 1.0 } else { 2.0 };
        for m in 0..l {
            #[allow(clippy::cast_precision_loss, reason = "filter lengths are small")]
            let (kf, mf) = (k as f64, m as f64);
            let window = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * mf / lf).cos();
            basis[k * l + m] =
                window * c * (2.0 * std::f64::consts::PI * kf * (mf - lf / 2.0) / lf).cos() / lf;
        }
    }
    basis
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    /// Unit magnitudes in every band give a delayed unit impulse (the
    /// window is 1 at its centre), so the output is the noise itself.
    #[test]
    fn flat_magnitudes_pass_the_noise() -> Result<()> {
        let noise = FilteredNoise::new(33, 16, 8, 5, &Device::Cpu)?;
        let ones = Tensor::ones((1, 8, 33), DType::F32, &Device::Cpu)?;
        let y = noise.synthesize(&ones)?.flatten_all()?.to_vec1::<f32>()?;
        let mut rng = SeededRng::new(5);
        for (n, v) in y.iter().enumerate() {
            let u = rng.range(-1.0, 1.0);
            assert!((f64::from(*v) - u).abs() < 1e-5, "sample {n}: {v} vs {u}");
        }
        Ok(())
    }

    /// The batched tensor path equals the direct path, frame by frame.
    #[test]
    fn tensor_path_equals_direct_path() -> Result<()> {
        let (bands, hop, frames) = (17, 8, 12);
        let noise = FilteredNoise::new(bands, hop, 20, 9, &Device::Cpu)?;
        let mags = Tensor::rand(0f32, 1.0, (2, frames, bands), &Device::Cpu)?;
        let y = noise.synthesize(&mags)?.to_vec2::<f32>()?;
        for (b, row) in y.iter().enumerate() {
            let m = mags.get(b)?.flatten_all()?.to_vec1::<f32>()?;
            let direct = filtered_noise_direct(&m, bands, hop, 9)?;
            assert_eq!(row.len(), direct.len());
            for (x, z) in row.iter().zip(&direct) {
                assert!((x - z).abs() < 1e-5, "{x} vs {z}");
            }
        }
        Ok(())
    }
}
