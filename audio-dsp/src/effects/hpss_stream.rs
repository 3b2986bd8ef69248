//! [`HpssStream`]: `librosa.effects.hpss` of a signal fed block by block.

use std::collections::VecDeque;

use ndarray::Array2;
use num_complex::Complex;

use crate::decompose::hpss::{check_config, masks, median_line, slide};
use crate::decompose::HpssConfig;
use crate::{Float, IstftConfig, Result, StftConfig, StreamingIstft, StreamingStft};

/// [`super::hpss`] of a signal fed block by block: the streaming STFT, the
/// harmonic median over `kernel_size.0` frames (librosa's reflecting edges)
/// once the frames after each one are in, the percussive median over each
/// frame's bins, the soft masks, and two streaming inverse STFTs. The
/// parts joined equal [`super::hpss`]'s to the bit; memory holds about one
/// harmonic kernel of frames, whatever the length.
///
/// # Example
///
/// ```
/// use audio_dsp::decompose::HpssConfig;
/// use audio_dsp::effects::{hpss, HpssStream};
/// use audio_dsp::StftConfig;
///
/// let y: Vec<f64> = (0..30_000).map(|n| (n as f64 * 0.05).sin() + if n % 4000 == 0 { 1.0 } else { 0.0 }).collect();
/// let mut stream = HpssStream::new(StftConfig::default(), HpssConfig::default())?;
/// let (mut h, mut p) = (Vec::new(), Vec::new());
/// for block in y.chunks(5000) {
///     let (a, b) = stream.push(block)?;
///     h.extend(a);
///     p.extend(b);
/// }
/// let (a, b) = stream.finish()?;
/// h.extend(a);
/// p.extend(b);
/// assert_eq!((h, p), hpss(&y, &StftConfig::default(), &HpssConfig::default())?);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct HpssStream<T: Float> {
    stft: StreamingStft<T>,
    istft: [StreamingIstft<T>; 2],
    config: HpssConfig,
    /// Magnitude and phase frames from `held_from` on.
    magnitude: VecDeque<Vec<T>>,
    phase: VecDeque<Vec<Complex<T>>>,
    held_from: usize,
    /// Per bin, the harmonic median's sorted window.
    sorted: Vec<Vec<T>>,
    /// Frames in, and the next frame to separate.
    frames: usize,
    next: usize,
    /// Samples in, and samples of each part handed out.
    samples: usize,
    emitted: usize,
    /// Inverse-STFT samples not yet handed out (at most the input's length
    /// so far is handed out before the end).
    pending: [Vec<T>; 2],
}

impl<T: Float> std::fmt::Debug for HpssStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HpssStream")
            .field("config", &self.config)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl<T: Float> HpssStream<T> {
    /// Plans the STFTs and checks `config` (`mask` is ignored, as in
    /// [`super::hpss`]).
    ///
    /// # Errors
    ///
    /// As [`crate::Stft::new`] and [`crate::decompose::hpss()`]'s
    /// configuration checks.
    pub fn new(stft: StftConfig, config: HpssConfig) -> Result<Self> {
        check_config(&config)?;
        let istft = IstftConfig::from(&stft);
        Ok(Self {
            stft: StreamingStft::new(stft)?,
            istft: [
                StreamingIstft::new(istft.clone())?,
                StreamingIstft::new(istft)?,
            ],
            config: HpssConfig {
                mask: false,
                ..config
            },
            magnitude: VecDeque::new(),
            phase: VecDeque::new(),
            held_from: 0,
            sorted: Vec::new(),
            frames: 0,
            next: 0,
            samples: 0,
            emitted: 0,
            pending: [Vec::new(), Vec::new()],
        })
    }

    /// Feeds the next samples; returns the harmonic and percussive samples
    /// that are final.
    ///
    /// # Errors
    ///
    /// As [`super::hpss`] (a non-finite sample).
    pub fn push(&mut self, block: &[T]) -> Result<(Vec<T>, Vec<T>)> {
        let spectrum = self.stft.push(block)?;
        self.samples += block.len();
        self.take(spectrum);
        self.separate(false)?;
        Ok(self.release(false))
    }

    /// Ends the signal: the remaining samples of both parts, to the
    /// signal's length.
    ///
    /// # Errors
    ///
    /// As [`super::hpss`] (a signal too short for the STFT).
    pub fn finish(&mut self) -> Result<(Vec<T>, Vec<T>)> {
        let spectrum = self.stft.finish()?;
        self.take(spectrum);
        self.separate(true)?;
        for (k, istft) in self.istft.iter_mut().enumerate() {
            let tail = istft.finish_keeping_padding();
            self.pending[k].extend(tail);
        }
        Ok(self.release(true))
    }

    /// Keeps the magnitudes and phases of new frames (librosa's magphase:
    /// `|D|`, and `D / |D|` with phase 1 where `|D| = 0`).
    fn take(&mut self, spectrum: Array2<Complex<T>>) {
        for column in spectrum.columns() {
            let magnitude: Vec<T> = column.iter().map(|d| d.norm()).collect();
            let phase = column
                .iter()
                .zip(&magnitude)
                .map(|(&d, &m)| {
                    if m == T::zero() {
                        Complex::new(T::one(), T::zero())
                    } else {
                        Complex::new(d.re / m, d.im / m)
                    }
                })
                .collect();
            self.magnitude.push_back(magnitude);
            self.phase.push_back(phase);
            self.frames += 1;
        }
    }

    /// Separates the frames whose harmonic window is complete (all of them
    /// at the end) and feeds both parts to the inverse STFTs.
    fn separate(&mut self, last: bool) -> Result<()> {
        let (kh, kp) = self.config.kernel_size;
        let before = kh / 2;
        let after = kh - 1 - before;
        let n = self.frames;
        // Frames before the first `kh` wait (librosa's reflection may wrap
        // around a short spectrogram); then frame t waits for t + after.
        let ready_to = if last {
            n
        } else if n < kh {
            self.next
        } else {
            n - after
        };
        if ready_to <= self.next {
            return Ok(());
        }
        let bins = self.magnitude.front().map_or(0, Vec::len);
        let count = ready_to - self.next;
        let mut harm = Array2::<T>::zeros((bins, count));
        if last && n < kh {
            // A short spectrogram: each bin's whole line, as the whole path.
            let (mut padded, mut window, mut out) = (Vec::new(), Vec::new(), vec![T::zero(); n]);
            for b in 0..bins {
                let line: Vec<T> = self.magnitude.iter().map(|m| m[b]).collect();
                median_line(&line, kh, &mut padded, &mut window, &mut out);
                for (o, t) in (self.next..ready_to).enumerate() {
                    harm[[b, o]] = out[t - self.held_from];
                }
            }
        } else {
            // Half-sample symmetric reflection at both ends (n >= kh here).
            let reflect = |i: isize| -> usize {
                let period = 2 * n as isize;
                let r = i.rem_euclid(period);
                (if r < n as isize { r } else { period - 1 - r }) as usize
            };
            // Each bin's sorted window slides one frame at a time, as
            // `median_line` slides it over the padded line.
            let value = |i: isize, b: usize, held: &VecDeque<Vec<T>>| -> T {
                held[reflect(i) - self.held_from][b]
            };
            if self.sorted.len() != bins {
                self.sorted = vec![Vec::with_capacity(kh); bins];
            }
            for (o, t) in (self.next..ready_to).enumerate() {
                let first = t as isize - before as isize;
                for (b, window) in self.sorted.iter_mut().enumerate() {
                    if t == 0 {
                        window.clear();
                        window
                            .extend((0..kh).map(|k| value(first + k as isize, b, &self.magnitude)));
                        window.sort_unstable_by(|a, b| {
                            a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal)
                        });
                    } else {
                        let leaving = value(first - 1, b, &self.magnitude);
                        let entering = value(first - 1 + kh as isize, b, &self.magnitude);
                        slide(window, leaving, entering);
                    }
                    harm[[b, o]] = window[kh / 2];
                }
            }
        }
        let mut perc = Array2::<T>::zeros((bins, count));
        let mut magnitude = Array2::<T>::zeros((bins, count));
        let (mut padded, mut window, mut out) = (Vec::new(), Vec::new(), vec![T::zero(); bins]);
        for (o, t) in (self.next..ready_to).enumerate() {
            let column = &self.magnitude[t - self.held_from];
            median_line(column, kp, &mut padded, &mut window, &mut out);
            for b in 0..bins {
                perc[[b, o]] = out[b];
                magnitude[[b, o]] = column[b];
            }
        }
        let (mask_harm, mask_perc) = masks(&harm, &perc, &self.config)?;
        for (k, mask) in [mask_harm, mask_perc].iter().enumerate() {
            let part = &magnitude * mask;
            let mut complex = Array2::<Complex<T>>::zeros((bins, count));
            for (o, t) in (self.next..ready_to).enumerate() {
                let phase = &self.phase[t - self.held_from];
                for b in 0..bins {
                    let (a, p) = (part[[b, o]], phase[b]);
                    complex[[b, o]] = Complex::new(a * p.re, a * p.im);
                }
            }
            let samples = self.istft[k].push(complex.view())?;
            self.pending[k].extend(samples);
        }
        self.next = ready_to;
        // Keep what later windows read: the frame leaving the next window,
        // `before + 1` back (no window from here on reflects the start,
        // since next > before once any frame is dropped).
        let keep = self.next.saturating_sub(before + 1);
        while self.held_from < keep {
            self.magnitude.pop_front();
            self.phase.pop_front();
            self.held_from += 1;
        }
        Ok(())
    }

    /// Hands out the pending samples: up to the input's length so far, or
    /// all of them cut or zero-padded to the signal's length at the end.
    fn release(&mut self, last: bool) -> (Vec<T>, Vec<T>) {
        let limit = self.samples - self.emitted;
        let [h, p] = &mut self.pending;
        let n = if last {
            limit
        } else {
            limit.min(h.len()).min(p.len())
        };
        let mut out = [Vec::new(), Vec::new()];
        for (o, part) in out.iter_mut().zip([h, p]) {
            if last {
                part.resize(n, T::zero());
            }
            *o = part.drain(..n).collect();
        }
        self.emitted += n;
        let [a, b] = out;
        (a, b)
    }
}
