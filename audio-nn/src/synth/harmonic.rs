//! DDSP's additive harmonic synthesiser (Engel et al. 2020), differentiable
//! in the harmonic amplitudes.

use candle_core::{DType, Device, Tensor};

use crate::checks;
use crate::{Error, Result};

const LAYER: &str = "HarmonicSynth";

/// A bank of harmonic oscillators driven by a frame-rate fundamental
/// `f0[t]` (Hz) and frame-rate harmonic amplitudes `a[t, k]`:
///
/// `y[n] = Σ_{k=1..K} â_k[n] · sin(k · φ[n])`, `φ[n] = 2π Σ_{m≤n} f̂0[m] / sr`,
///
/// where `f̂0` and `â_k` are linearly interpolated from the frames (frame
/// `t` at sample `t·hop`) and a harmonic is silent at every sample where
/// `k·f̂0[n] ≥ sr/2` (no aliasing). The fundamental is an input (an f0
/// tracker's, as in DDSP's autoencoder), so the phases are computed once in
/// `f64`, outside autograd; the output is linear in the amplitudes, which
/// autograd differentiates.
///
/// Per frame, `y[t·hop + j] = S0_t[j, :]·a[t] + S1_t[j, :]·a[t+1]` with
/// constant bases `S0 = (1 − j/hop)·sin(kφ)` and `S1 = (j/hop)·sin(kφ)`
/// (the last frame held), so synthesis is two batched matrix products.
///
/// # Shapes
///
/// `f0` `(batch, frames)`, amplitudes `(batch, frames, K)` → audio
/// `(batch, frames·hop)`.
///
/// # Example
///
/// ```
/// use audio_nn::synth::HarmonicSynth;
/// use candle_core::{Device, Tensor};
/// let synth = HarmonicSynth::new(16_000, 64, 4)?;
/// let f0 = Tensor::full(250f32, (1, 10), &Device::Cpu)?;
/// let bases = synth.bases(&f0)?;
/// // Only the fundamental, at 0.5.
/// let a = Tensor::new(&[[0.5f32, 0.0, 0.0, 0.0]], &Device::Cpu)?.broadcast_as((1, 10, 4))?.contiguous()?;
/// let y = synth.synthesize(&bases, &a)?.to_vec2::<f32>()?;
/// let expected = 0.5 * (2.0 * std::f64::consts::PI * 250.0 * 17.0 / 16_000.0).sin();
/// assert!((f64::from(y[0][16]) - expected).abs() < 1e-5);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HarmonicSynth {
    sample_rate: u32,
    hop: usize,
    harmonics: usize,
}

/// The constant bases of one batch of fundamentals
/// ([`HarmonicSynth::bases`]).
#[derive(Debug, Clone)]
pub struct HarmonicBases {
    /// `(batch·frames, hop, K)`: `(1 − j/hop)·sin(kφ)`, zero above Nyquist.
    current: Tensor,
    /// `(batch·frames, hop, K)`: `(j/hop)·sin(kφ)`, zero above Nyquist.
    next: Tensor,
    batch: usize,
    frames: usize,
}

impl HarmonicSynth {
    /// A synthesiser at `sample_rate` with `hop` samples per frame and
    /// `harmonics` oscillators.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero rate, hop or harmonic count.
    pub fn new(sample_rate: u32, hop: usize, harmonics: usize) -> Result<Self> {
        checks::config(LAYER, "sample_rate", sample_rate, sample_rate > 0, "> 0")?;
        checks::config(LAYER, "hop", hop, hop > 0, "> 0")?;
        checks::config(
            LAYER,
            "harmonics",
            harmonics,
            (1..=1024).contains(&harmonics),
            "in 1..=1024",
        )?;
        Ok(Self {
            sample_rate,
            hop,
            harmonics,
        })
    }

    /// Oscillators.
    pub fn harmonics(&self) -> usize {
        self.harmonics
    }

    /// Samples per frame.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Runs the oscillators over one row of frame-rate fundamentals,
    /// calling `visit(t, j, w, sines)` for every sample `t·hop + j` with the
    /// interpolation weight `w = j / hop` and `sin(kφ)` of each harmonic
    /// (zero where it would alias).
    fn oscillate(&self, f0: &[f32], mut visit: impl FnMut(usize, usize, f64, &[f64])) {
        let mut sines = vec![0.0f64; self.harmonics];
        let mut phase = 0.0f64;
        for (t, &a) in f0.iter().enumerate() {
            let b = f0.get(t + 1).copied().unwrap_or(a);
            self.oscillate_frame(&mut phase, &mut sines, a, b, |j, w, sines| {
                visit(t, j, w, sines);
            });
        }
    }

    /// One frame of [`HarmonicSynth::oscillate`]: the fundamental from `a`
    /// (this frame's) to `b` (the next frame's), each cleaned (negative or
    /// non-finite: 0 Hz), `phase` carried on; `visit(j, w, sines)` for
    /// each of the `hop` samples.
    fn oscillate_frame(
        &self,
        phase: &mut f64,
        sines: &mut [f64],
        a: f32,
        b: f32,
        mut visit: impl FnMut(usize, f64, &[f64]),
    ) {
        let clean = |v: f32| if v.is_finite() && v > 0.0 { v } else { 0.0 };
        let (a, b) = (clean(a), clean(b));
        let nyquist = f64::from(self.sample_rate) / 2.0;
        for j in 0..self.hop {
            #[allow(clippy::cast_precision_loss, reason = "hop sizes are small")]
            let w = j as f64 / self.hop as f64;
            // The per-sample fundamental: linear interpolation from frame
            // `t` at sample `t·hop` to frame `t+1`, the last frame held.
            let f = f64::from(a) * (1.0 - w) + f64::from(b) * w;
            *phase += 2.0 * std::f64::consts::PI * f / f64::from(self.sample_rate);
            *phase %= 2.0 * std::f64::consts::PI;
            // sin(kφ) by the Chebyshev recurrence.
            let (s1, c1) = phase.sin_cos();
            let (mut prev, mut cur) = (0.0f64, s1);
            for (h, v) in sines.iter_mut().enumerate() {
                #[allow(clippy::cast_precision_loss, reason = "harmonic numbers are small")]
                let audible = (h + 1) as f64 * f < nyquist && f > 0.0;
                *v = if audible { cur } else { 0.0 };
                let following = 2.0 * c1 * cur - prev;
                prev = cur;
                cur = following;
            }
            visit(j, w, sines);
        }
    }

    /// [`HarmonicSynth::render`] over frames that arrive a few at a time:
    /// each frame's samples once the next frame (which they interpolate
    /// towards) is in, the last at [`HarmonicStream::finish`], the phase
    /// carried, so the samples joined are `render`'s to the bit.
    pub fn render_stream(&self) -> HarmonicStream<'_> {
        HarmonicStream {
            synth: self,
            phase: 0.0,
            sines: vec![0.0; self.harmonics],
            held: None,
        }
    }

    /// The constant bases for fundamentals `f0` `(batch, frames)` in Hz
    /// (negative or non-finite values are treated as silence, 0 Hz).
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] unless `f0` is `(batch, frames)`; candle errors.
    pub fn bases(&self, f0: &Tensor) -> Result<HarmonicBases> {
        let [batch, frames] = checks::dims::<2>(LAYER, "(batch, frames)", f0)?;
        checks::config(LAYER, "frames", frames, frames > 0, "> 0")?;
        let rows = f0.to_dtype(DType::F32)?.to_vec2::<f32>()?;
        let (hop, k) = (self.hop, self.harmonics);
        let mut current = vec![0.0f32; batch * frames * hop * k];
        let mut next = vec![0.0f32; batch * frames * hop * k];
        for (b, row) in rows.iter().enumerate() {
            self.oscillate(row, |t, j, w, sines| {
                let at = ((b * frames + t) * hop + j) * k;
                for (h, &s) in sines.iter().enumerate() {
                    #[allow(clippy::cast_possible_truncation, reason = "audio samples in f32")]
                    {
                        current[at + h] = ((1.0 - w) * s) as f32;
                        next[at + h] = (w * s) as f32;
                    }
                }
            });
        }
        let dev = f0.device();
        Ok(HarmonicBases {
            current: Tensor::from_vec(current, (batch * frames, hop, k), dev)?,
            next: Tensor::from_vec(next, (batch * frames, hop, k), dev)?,
            batch,
            frames,
        })
    }

    /// [`HarmonicSynth::synthesize`] without autograd and without holding
    /// the bases, for inference on long inputs: one row of fundamentals
    /// (`frames` values) and frame-major amplitudes (`frames × K`), the
    /// same arithmetic sample by sample.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the amplitudes are not `frames × K`.
    pub fn render(&self, f0: &[f32], amplitudes: &[f32]) -> Result<Vec<f32>> {
        let (frames, k) = (f0.len(), self.harmonics);
        if amplitudes.len() != frames * k {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!("{frames} frames × {k} harmonic amplitudes"),
                got: vec![amplitudes.len()],
            });
        }
        let mut stream = self.render_stream();
        let mut out = stream.push(f0, amplitudes)?;
        out.extend(stream.finish());
        Ok(out)
    }

    /// The audio `(batch, frames·hop)` of harmonic amplitudes
    /// `(batch, frames, K)` on `bases`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the amplitudes do not match the bases;
    /// candle errors.
    pub fn synthesize(&self, bases: &HarmonicBases, amplitudes: &Tensor) -> Result<Tensor> {
        let (b, t, k) = (bases.batch, bases.frames, self.harmonics);
        if amplitudes.dims() != [b, t, k] {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!("amplitudes (batch, frames, harmonics) = ({b}, {t}, {k})"),
                got: amplitudes.dims().to_vec(),
            });
        }
        let following = if t > 1 {
            Tensor::cat(
                &[
                    &amplitudes.narrow(1, 1, t - 1)?,
                    &amplitudes.narrow(1, t - 1, 1)?,
                ],
                1,
            )?
        } else {
            amplitudes.clone()
        };
        let now = amplitudes.reshape((b * t, k, 1))?;
        let later = following.reshape((b * t, k, 1))?;
        let y = (bases.current.matmul(&now)? + bases.next.matmul(&later)?)?;
        Ok(y.reshape((b, t * self.hop))?)
    }
}

/// Frame-rate harmonic amplitudes from DDSP's controls: overall amplitude
/// `A` `(batch, frames, 1)` and harmonic distribution `c` `(batch, frames,
/// K)` (both non-negative): harmonics at or above Nyquist for the frame's
/// `f0` `(batch, frames)` are removed, `c` is renormalised to sum to one,
/// and `a_k = A·c_k`.
///
/// # Errors
///
/// Candle errors (shapes that do not broadcast).
pub fn harmonic_amplitudes(
    f0: &Tensor,
    amplitude: &Tensor,
    distribution: &Tensor,
    sample_rate: u32,
) -> Result<Tensor> {
    let (_, _, k) = distribution.dims3()?;
    #[allow(clippy::cast_precision_loss, reason = "harmonic numbers are small")]
    let numbers: Vec<f32> = (1..=k).map(|h| h as f32).collect();
    let numbers = Tensor::from_vec(numbers, (1, 1, k), &Device::Cpu)?.to_dtype(f0.dtype())?;
    let partials = f0
        .unsqueeze(2)?
        .broadcast_mul(&numbers.to_device(f0.device())?)?;
    let mask = partials
        .lt(f64::from(sample_rate) / 2.0)?
        .to_dtype(distribution.dtype())?;
    let kept = (distribution * mask)?;
    let total = (kept.sum_keepdim(2)? + 1e-7)?;
    Ok(kept.broadcast_div(&total)?.broadcast_mul(amplitude)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the formula evaluated sample by sample in f64, with a
    /// gliding f0 whose upper harmonics cross Nyquist.
    #[test]
    fn the_stream_renders_what_render_does() -> Result<()> {
        let (sr, hop, k, frames) = (8000u32, 16usize, 6usize, 23usize);
        let synth = HarmonicSynth::new(sr, hop, k)?;
        let f0: Vec<f32> = (0..frames).map(|t| 100.0 + 37.0 * (t % 5) as f32).collect();
        let amps: Vec<f32> = (0..frames * k).map(|i| (i % 11) as f32 / 11.0).collect();
        let whole = synth.render(&f0, &amps)?;
        for step in [1usize, 3, 7, frames] {
            let mut stream = synth.render_stream();
            let mut y = Vec::new();
            for start in (0..frames).step_by(step) {
                let end = (start + step).min(frames);
                y.extend(stream.push(&f0[start..end], &amps[start * k..end * k])?);
            }
            y.extend(stream.finish());
            assert_eq!(y, whole, "frames fed {step} at a time");
        }
        Ok(())
    }

    #[test]
    fn matches_direct_evaluation() -> Result<()> {
        let (sr, hop, k, frames) = (8000u32, 16usize, 6usize, 20usize);
        let synth = HarmonicSynth::new(sr, hop, k)?;
        let f0: Vec<f32> = (0..frames).map(|t| 300.0 + 40.0 * t as f32).collect();
        let amps: Vec<f32> = (0..frames * k)
            .map(|i| ((i * 37 % 11) as f32) / 10.0)
            .collect();
        let f0t = Tensor::from_vec(f0.clone(), (1, frames), &Device::Cpu)?;
        let at = Tensor::from_vec(amps.clone(), (1, frames, k), &Device::Cpu)?;
        let y = synth
            .synthesize(&synth.bases(&f0t)?, &at)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let mut phase = 0.0f64;
        #[allow(
            clippy::needless_range_loop,
            reason = "n is the sample time of the formula"
        )]
        for n in 0..frames * hop {
            let (t, j) = (n / hop, n % hop);
            let w = j as f64 / hop as f64;
            let t1 = (t + 1).min(frames - 1);
            let f = f64::from(f0[t]) * (1.0 - w) + f64::from(f0[t1]) * w;
            phase += 2.0 * std::f64::consts::PI * f / f64::from(sr);
            let mut want = 0.0;
            for h in 0..k {
                if (h + 1) as f64 * f < f64::from(sr) / 2.0 {
                    let a =
                        f64::from(amps[t * k + h]) * (1.0 - w) + f64::from(amps[t1 * k + h]) * w;
                    want += a * ((h + 1) as f64 * phase).sin();
                }
            }
            assert!(
                (f64::from(y[n]) - want).abs() < 1e-4,
                "sample {n}: {} vs {want}",
                y[n]
            );
        }
        let direct = synth.render(&f0, &amps)?;
        assert_eq!(direct.len(), y.len());
        assert!(direct.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-4));
        Ok(())
    }

    /// The distribution loses its harmonics above Nyquist and sums to one.
    #[test]
    fn amplitudes_drop_harmonics_above_nyquist() -> Result<()> {
        let f0 = Tensor::new(&[[1500f32]], &Device::Cpu)?;
        let amp = Tensor::new(&[[[2f32]]], &Device::Cpu)?;
        let dist = Tensor::new(&[[[1f32, 1.0, 1.0, 1.0]]], &Device::Cpu)?;
        let a = harmonic_amplitudes(&f0, &amp, &dist, 8000)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        // 1500 and 3000 Hz are below 4000; 4500 and 6000 are not.
        assert!((a[0] - 1.0).abs() < 1e-5 && (a[1] - 1.0).abs() < 1e-5);
        assert_eq!((a[2], a[3]), (0.0, 0.0));
        Ok(())
    }
}

/// [`HarmonicSynth::render_stream`]: the additive synthesiser over frames
/// fed a few at a time; memory of one frame.
#[derive(Debug, Clone)]
pub struct HarmonicStream<'a> {
    synth: &'a HarmonicSynth,
    phase: f64,
    sines: Vec<f64>,
    /// The last frame received (its fundamental and amplitudes), waiting
    /// for the next.
    held: Option<(f32, Vec<f32>)>,
}

impl HarmonicStream<'_> {
    /// Feeds frames (`f0` and frame-major `amplitudes`, `frames × K`) and
    /// returns the samples of every frame but the last one received.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the amplitudes are not `frames × K`.
    pub fn push(&mut self, f0: &[f32], amplitudes: &[f32]) -> Result<Vec<f32>> {
        let k = self.synth.harmonics;
        if amplitudes.len() != f0.len() * k {
            return Err(Error::ShapeMismatch {
                layer: LAYER,
                expected: format!("{} frames × {k} harmonic amplitudes", f0.len()),
                got: vec![amplitudes.len()],
            });
        }
        let mut out = Vec::with_capacity(f0.len() * self.synth.hop);
        for (&f, amps) in f0.iter().zip(amplitudes.chunks_exact(k)) {
            if let Some((a, now)) = self.held.take() {
                self.frame(a, &now, f, amps, &mut out);
            }
            self.held = Some((f, amps.to_vec()));
        }
        Ok(out)
    }

    /// The last frame's samples (its fundamental and amplitudes held); the
    /// stream then starts over.
    pub fn finish(&mut self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.synth.hop);
        if let Some((a, now)) = self.held.take() {
            self.frame(a, &now, a, &now, &mut out);
        }
        self.phase = 0.0;
        out
    }

    /// One frame's `hop` samples, interpolating towards the next frame's
    /// fundamental `b` and amplitudes `later`.
    fn frame(&mut self, a: f32, now: &[f32], b: f32, later: &[f32], out: &mut Vec<f32>) {
        let mut sines = std::mem::take(&mut self.sines);
        self.synth
            .oscillate_frame(&mut self.phase, &mut sines, a, b, |_, w, sines| {
                let y: f64 = sines
                    .iter()
                    .zip(now.iter().zip(later))
                    .map(|(&s, (&a, &b))| s * ((1.0 - w) * f64::from(a) + w * f64::from(b)))
                    .sum();
                #[allow(clippy::cast_possible_truncation, reason = "audio samples in f32")]
                out.push(y as f32);
            });
        self.sines = sines;
    }
}
