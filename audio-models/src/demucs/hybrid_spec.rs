//! The spectrogram side of Hybrid Demucs: `HDemucs._spec` / `_ispec`
//! (and HTDemucs's), with `demucs.spec.spectro` / `ispectro` (a
//! normalised, centred, reflect-padded Hann STFT, `torch.stft(...,
//! normalized=True)`), and the complex-as-channels layout (`_magnitude`,
//! `_mask` with `cac=True`).

use audio_dsp::{Istft, IstftConfig, PadMode, Stft, StftConfig, Transform, WindowKind};
use candle_core::{Device, Tensor};
use ndarray::Array2;
use num_complex::Complex;

use crate::error::{Error, Result};

/// The analysis and synthesis of one hybrid model, planned once.
#[derive(Clone)]
pub(crate) struct HybridSpec {
    nfft: usize,
    hop: usize,
    /// `hybrid`: pad so that the frames line up with the time branch.
    hybrid: bool,
    /// `hybrid_old`: the MDX models' zero padding and left-aligned crop.
    hybrid_old: bool,
    stft: Stft<f32>,
    istft: Istft<f32>,
}

impl std::fmt::Debug for HybridSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HybridSpec")
            .field("nfft", &self.nfft)
            .field("hop", &self.hop)
            .field("hybrid", &self.hybrid)
            .field("hybrid_old", &self.hybrid_old)
            .finish()
    }
}

/// `demucs.hdemucs.pad1d`: `F.pad` in `reflect` mode that first zero-pads
/// an input too short to reflect.
fn pad1d(x: &[f32], left: usize, right: usize, reflect: bool) -> Vec<f32> {
    let mut x: Vec<f32> = x.to_vec();
    let (mut left, mut right) = (left, right);
    if reflect {
        let max_pad = left.max(right);
        if x.len() <= max_pad {
            let extra = max_pad - x.len() + 1;
            let extra_right = right.min(extra);
            let extra_left = extra - extra_right;
            left -= extra_left;
            right -= extra_right;
            let mut padded = vec![0.0; extra_left];
            padded.extend_from_slice(&x);
            padded.resize(padded.len() + extra_right, 0.0);
            x = padded;
        }
    }
    let n = x.len();
    let mut out = Vec::with_capacity(n + left + right);
    for i in 0..left {
        out.push(if reflect { x[left - i] } else { 0.0 });
    }
    out.extend_from_slice(&x);
    for j in 0..right {
        out.push(if reflect { x[n - 2 - j] } else { 0.0 });
    }
    out
}

impl HybridSpec {
    pub(crate) fn new(nfft: usize, hybrid: bool, hybrid_old: bool) -> Result<Self> {
        let hop = nfft / 4;
        let stft = Stft::new(StftConfig {
            n_fft: nfft,
            hop_length: Some(hop),
            win_length: None,
            window: WindowKind::Hann,
            center: true,
            pad_mode: PadMode::Reflect,
        })?;
        let istft = Istft::new(IstftConfig {
            n_fft: nfft,
            hop_length: Some(hop),
            win_length: None,
            window: WindowKind::Hann,
            center: true,
        })?;
        Ok(Self {
            nfft,
            hop,
            hybrid,
            hybrid_old,
            stft,
            istft,
        })
    }

    /// The number of frames `_spec` gives for `length` samples.
    pub(crate) fn frames(&self, length: usize) -> usize {
        if self.hybrid {
            length.div_ceil(self.hop)
        } else {
            length / self.hop + 1
        }
    }

    /// `_magnitude(_spec(mix))` with `cac=True`: `(batch, channels,
    /// length)` → `(batch, 2·channels, nfft/2, frames)`, real and imaginary
    /// parts of each channel side by side.
    pub(crate) fn forward(&self, mix: &Tensor) -> Result<Tensor> {
        let (b, c, length) = mix.dims3()?;
        let rows = mix.reshape((b * c, length))?.to_vec2::<f32>()?;
        let bins = self.nfft / 2;
        let frames = self.frames(length);
        let scale = 1.0 / (self.nfft as f32).sqrt();
        let mut out = vec![0.0f32; b * c * 2 * bins * frames];
        let plane = bins * frames;
        for (row_index, row) in rows.iter().enumerate() {
            let (signal, first) = if self.hybrid {
                let pad = self.hop / 2 * 3;
                let right = pad + frames * self.hop - length;
                (pad1d(row, pad, right, !self.hybrid_old), 2)
            } else {
                (row.clone(), 0)
            };
            let z = self.stft.process(&signal)?;
            if z.ncols() < first + frames {
                return Err(Error::ShapeMismatch {
                    what: "Hybrid Demucs spectrogram",
                    expected: format!("at least {} frames", first + frames),
                    got: z.shape().to_vec(),
                });
            }
            let re_at = row_index * 2 * plane;
            let im_at = re_at + plane;
            for f in 0..bins {
                for t in 0..frames {
                    let v = z[[f, first + t]] * scale;
                    out[re_at + f * frames + t] = v.re;
                    out[im_at + f * frames + t] = v.im;
                }
            }
        }
        Ok(Tensor::from_vec(
            out,
            (b, 2 * c, bins, frames),
            mix.device(),
        )?)
    }

    /// `_ispec(_mask(z, x), length)` with `cac=True`: `(batch, sources,
    /// 2·channels, nfft/2, frames)` → `(batch, sources, channels, length)`.
    pub(crate) fn inverse(&self, x: &Tensor, length: usize, device: &Device) -> Result<Tensor> {
        let (b, s, c2, bins, frames) = x.dims5()?;
        let c = c2 / 2;
        let data = x.flatten_all()?.to_vec1::<f32>()?;
        let plane = bins * frames;
        let norm = (self.nfft as f32).sqrt();
        let hop = self.hop;
        let pad = hop / 2 * 3;
        let (lead, total, start) = if self.hybrid && !self.hybrid_old {
            (2, hop * length.div_ceil(hop) + 2 * pad, pad)
        } else if self.hybrid {
            (2, hop * length.div_ceil(hop), 0)
        } else {
            (0, length, 0)
        };
        let mut spec = Array2::<Complex<f32>>::zeros((bins + 1, frames + 2 * lead));
        let mut out = Vec::with_capacity(b * s * c * length);
        let mut signal = vec![0.0f32; total];
        for bsc in 0..b * s * c {
            let re_at = bsc * 2 * plane;
            let im_at = re_at + plane;
            for f in 0..bins {
                for t in 0..frames {
                    spec[[f, lead + t]] = Complex::new(
                        data[re_at + f * frames + t] * norm,
                        data[im_at + f * frames + t] * norm,
                    );
                }
            }
            self.istft.process_into(spec.view(), &mut signal)?;
            out.extend_from_slice(&signal[start..start + length]);
        }
        Ok(Tensor::from_vec(out, (b, s, c, length), device)?)
    }
}

#[cfg(test)]
mod tests {
    use super::pad1d;

    #[test]
    fn pad1d_reflects_and_zero_pads_short_inputs() {
        assert_eq!(
            pad1d(&[1.0, 2.0, 3.0], 2, 1, true),
            vec![3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
        );
        assert_eq!(pad1d(&[1.0, 2.0], 1, 1, false), vec![0.0, 1.0, 2.0, 0.0]);
        // Too short to reflect by 3: one zero on the right first, as the package.
        let y = pad1d(&[1.0, 2.0, 3.0], 3, 3, true);
        assert_eq!(y.len(), 9);
        assert_eq!(&y[3..6], &[1.0, 2.0, 3.0]);
    }
}
