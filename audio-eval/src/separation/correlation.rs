//! Cross-correlations at short lags by blocked FFTs.
//!
//! BSS Eval needs `Σ_t x[t] y[t + k]` only for `|k| < 512`, but mir_eval and
//! museval compute it with one FFT of the whole (zero-padded) signal per pair
//! (`scipy.fftpack.fft(..., n=2**ceil(log2(nsampl + flen - 1)))`). Here the
//! signals are cut into blocks of `B` samples; each block of `x` is
//! correlated with the matching block of `y` extended by `max_lag` samples on
//! both sides, and the cross-spectra are summed over blocks before a single
//! inverse FFT per pair. The result is the same linear correlation (exact up
//! to rounding), with memory bounded by the block size instead of the track
//! length.

use std::sync::Arc;

use rayon::prelude::*;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::kernels::{select_cross, CrossKernel};

/// Bins per tile of the cross-spectrum sums: the tile of every block's
/// spectra (24 of 2 KB for 4 stereo sources) stays in the core's cache while
/// the pairs are summed.
const TILE: usize = 128;

/// The smallest even FFT length at least `n` whose only prime factors are
/// 2, 3 and 5 (fast sizes for `rustfft`; even so that the last real-FFT bin
/// is the Nyquist bin).
pub(crate) fn fast_fft_len(n: usize) -> usize {
    let mut best = n.max(2).next_power_of_two();
    let mut p5 = 1usize;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            let mut m = 2 * p35;
            while m < n {
                m *= 2;
            }
            if m < best {
                best = m;
            }
            p35 *= 3;
        }
        p5 *= 5;
    }
    best
}

/// The FFT length of the blocks of a correlation at lags `|k| <= max_lag`:
/// a fixed size, independent of the signals' length, so that a signal fed in
/// any pieces gives the same blocks.
fn block_fft_len(max_lag: usize) -> usize {
    fast_fft_len((16 * max_lag).max(4096).max(2 * max_lag + 1))
}

/// One signal's spectra in one block: as `x` (its block alone) and as `y`
/// (with `max_lag` samples either side); left as they are where the signal
/// is not used that way.
type BlockSpectra = (Vec<Complex<f64>>, Vec<Complex<f64>>);

/// Cross-correlations `c[k + max_lag] = Σ_t x[t] · y[t + k]` for
/// `k ∈ [-max_lag, max_lag]` of pairs of signals fed piece by piece.
///
/// All signals advance together and have the same length; samples outside
/// `[0, len)` are zero. The signals are cut into blocks of `B` samples; each
/// block of `x` is correlated with the matching block of `y` extended by
/// `max_lag` samples on both sides, and the cross-spectra are summed over
/// blocks, in block order, before a single inverse FFT per pair. The result
/// depends neither on how the signals were cut into pieces nor on the number
/// of threads. Memory: `B + 2·max_lag` samples per signal plus a few blocks'
/// spectra, whatever the length.
pub(crate) struct LagCorrelator {
    pairs: Vec<(usize, usize)>,
    max_lag: usize,
    block: usize,
    fft_len: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    x_used: Vec<bool>,
    y_used: Vec<bool>,
    /// Per signal, samples from `consumed` on are those from `next block
    /// start − max_lag` on (the consumed prefix is dropped once it is the
    /// larger part, so each sample moves at most once or twice).
    buffered: Vec<Vec<f64>>,
    consumed: usize,
    /// Samples fed so far.
    fed: usize,
    /// Blocks accumulated so far.
    blocks_done: usize,
    /// Cross-spectra summed over blocks, tile by tile of [`TILE`] bins:
    /// `[tile][pair][bin in tile]`.
    acc: Vec<Complex<f64>>,
    /// `acc += conj(x) · y`, the copy chosen for this CPU.
    cross: CrossKernel,
    /// Per block of a batch and signal, its spectra (reused).
    spectra: Vec<BlockSpectra>,
}

impl LagCorrelator {
    /// Plans the correlation of `signals` signals at lags `|k| <= max_lag`
    /// for each `(x index, y index)` pair.
    pub(crate) fn new(signals: usize, pairs: Vec<(usize, usize)>, max_lag: usize) -> Self {
        let fft_len = block_fft_len(max_lag);
        let bins = fft_len / 2 + 1;
        let mut planner = RealFftPlanner::<f64>::new();
        let mut x_used = vec![false; signals];
        let mut y_used = vec![false; signals];
        for &(xi, yi) in &pairs {
            x_used[xi] = true;
            y_used[yi] = true;
        }
        let acc = vec![Complex::new(0.0, 0.0); pairs.len() * bins];
        Self {
            forward: planner.plan_fft_forward(fft_len),
            inverse: planner.plan_fft_inverse(fft_len),
            block: fft_len - 2 * max_lag,
            fft_len,
            pairs,
            max_lag,
            x_used,
            y_used,
            buffered: vec![vec![0.0; max_lag]; signals],
            consumed: 0,
            fed: 0,
            blocks_done: 0,
            acc,
            cross: select_cross(),
            spectra: Vec::new(),
        }
    }

    /// Appends the next samples of every signal (`pieces[i]` for signal `i`,
    /// all of one length) and accumulates the blocks they complete.
    pub(crate) fn push(&mut self, pieces: &[&[f64]]) {
        let n = pieces.first().map_or(0, |p| p.len());
        for (buf, piece) in self.buffered.iter_mut().zip(pieces) {
            buf.extend_from_slice(piece);
        }
        self.fed += n;
        let batch = 2 * rayon::current_num_threads().max(1);
        loop {
            let have = self.buffered.first().map_or(0, Vec::len) - self.consumed;
            let ready = have.saturating_sub(2 * self.max_lag) / self.block;
            if ready < batch {
                break;
            }
            self.accumulate(batch);
        }
    }

    /// Accumulates the first `count` buffered blocks (the buffers must hold
    /// `count · B + 2·max_lag` samples) and drops the samples no later block
    /// needs.
    fn accumulate(&mut self, count: usize) {
        let (block, fft_len, max_lag) = (self.block, self.fft_len, self.max_lag);
        let bins = fft_len / 2 + 1;
        let signals = self.buffered.len();
        let forward = &self.forward;
        let buffered = &self.buffered;
        let consumed = self.consumed;
        let (x_used, y_used) = (&self.x_used, &self.y_used);
        // Spectra of block b: x (its B samples) and y (with max_lag either side).
        if self.spectra.len() < count * signals {
            self.spectra.resize_with(count * signals, || {
                (
                    vec![Complex::new(0.0, 0.0); bins],
                    vec![Complex::new(0.0, 0.0); bins],
                )
            });
        }
        let spectra = &mut self.spectra[..count * signals];
        spectra.par_iter_mut().enumerate().for_each_init(
            || (forward.make_input_vec(), forward.make_scratch_vec()),
            |(time, scratch), (k, (x, y))| {
                let (b, i) = (k / signals, k % signals);
                let seg = &buffered[i][consumed + b * block..consumed + b * block + fft_len];
                if x_used[i] {
                    time.fill(0.0);
                    time[..block].copy_from_slice(&seg[max_lag..max_lag + block]);
                    // The lengths come from the plan, so this cannot fail.
                    let _ = forward.process_with_scratch(time, x, scratch);
                }
                if y_used[i] {
                    time.copy_from_slice(seg);
                    let _ = forward.process_with_scratch(time, y, scratch);
                }
            },
        );
        // Tile by tile of bins (so that the blocks' spectra and the tile's
        // sums stay in cache while every pair is summed), in block order.
        let spectra = &self.spectra;
        let pairs = &self.pairs;
        let cross = self.cross;
        self.acc
            .par_chunks_mut(TILE * pairs.len())
            .enumerate()
            .for_each(|(t, tile)| {
                let lo = t * TILE;
                let width = TILE.min(bins - lo);
                for (acc, &(xi, yi)) in tile.chunks_exact_mut(width).zip(pairs) {
                    for b in 0..count {
                        let x = &spectra[b * signals + xi].0[lo..lo + width];
                        let y = &spectra[b * signals + yi].1[lo..lo + width];
                        cross(acc, x, y);
                    }
                }
            });
        self.consumed += count * block;
        let len = self.buffered.first().map_or(0, Vec::len);
        if 2 * self.consumed >= len {
            for buf in &mut self.buffered {
                buf.drain(..self.consumed);
            }
            self.consumed = 0;
        }
        self.blocks_done += count;
    }

    /// The correlations of every pair (in the order given to
    /// [`LagCorrelator::new`]), each `2·max_lag + 1` long.
    pub(crate) fn finish(mut self) -> Vec<Vec<f64>> {
        let total = self.fed.div_ceil(self.block).max(1);
        let remaining = total - self.blocks_done;
        let need = self.consumed + remaining * self.block + 2 * self.max_lag;
        for buf in &mut self.buffered {
            buf.truncate(need);
            buf.resize(need, 0.0);
        }
        if remaining > 0 {
            self.accumulate(remaining);
        }
        let bins = self.fft_len / 2 + 1;
        let scale = 1.0 / self.fft_len as f64;
        let mut out_time = self.inverse.make_output_vec();
        let mut scratch = self.inverse.make_scratch_vec();
        let npairs = self.pairs.len();
        let mut result = Vec::with_capacity(npairs);
        let mut spec = vec![Complex::new(0.0, 0.0); bins];
        for pair in 0..npairs {
            // Gather the pair's sums from the tiles.
            for (t, tile) in self.acc.chunks(TILE * npairs).enumerate() {
                let lo = t * TILE;
                let width = TILE.min(bins - lo);
                spec[lo..lo + width].copy_from_slice(&tile[pair * width..(pair + 1) * width]);
            }
            spec[0].im = 0.0;
            spec[bins - 1].im = 0.0;
            let _ = self
                .inverse
                .process_with_scratch(&mut spec, &mut out_time, &mut scratch);
            result.push(
                out_time[..=2 * self.max_lag]
                    .iter()
                    .map(|v| v * scale)
                    .collect::<Vec<f64>>(),
            );
        }
        result
    }
}

/// [`LagCorrelator`] over whole signals: `xs` and `ys` index one list of
/// signals `signals`.
#[cfg(test)]
pub(crate) fn lag_correlations(
    signals: &[&[f64]],
    pairs: &[(usize, usize)],
    max_lag: usize,
) -> Vec<Vec<f64>> {
    let mut c = LagCorrelator::new(signals.len(), pairs.to_vec(), max_lag);
    c.push(signals);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(x: &[f64], y: &[f64], max_lag: usize) -> Vec<f64> {
        let n = x.len() as isize;
        (-(max_lag as isize)..=max_lag as isize)
            .map(|k| {
                (0..n)
                    .filter(|t| t + k >= 0 && t + k < n)
                    .map(|t| x[t as usize] * y[(t + k) as usize])
                    .sum()
            })
            .collect()
    }

    #[test]
    fn matches_direct_sum() {
        for &len in &[5usize, 100, 3000, 20_000] {
            let x: Vec<f64> = (0..len).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
            let y: Vec<f64> = (0..len)
                .map(|i| ((i * 104_729) % 17) as f64 - 8.0)
                .collect();
            let got = lag_correlations(&[&x, &y], &[(0, 1), (0, 0)], 40);
            for (g, d) in got.iter().zip([direct(&x, &y, 40), direct(&x, &x, 40)]) {
                for (a, b) in g.iter().zip(&d) {
                    assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{len}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn any_split_gives_the_same_bits() {
        let len = 50_000;
        let x: Vec<f64> = (0..len).map(|i| (0.01 * i as f64).sin()).collect();
        let y: Vec<f64> = (0..len).map(|i| ((i * 31 % 97) as f64) / 97.0).collect();
        let pairs = vec![(0, 1), (1, 0), (0, 0)];
        let whole = lag_correlations(&[&x, &y], &pairs, 511);
        for piece in [1usize, 777, 7170, 20_000] {
            let mut c = LagCorrelator::new(2, pairs.clone(), 511);
            let mut start = 0;
            while start < len {
                let end = (start + piece).min(len);
                c.push(&[&x[start..end], &y[start..end]]);
                start = end;
            }
            assert_eq!(c.finish(), whole, "pieces of {piece}");
        }
        // Empty signals: zero correlations.
        let empty = LagCorrelator::new(1, vec![(0, 0)], 3).finish();
        assert_eq!(empty, vec![vec![0.0; 7]]);
    }

    #[test]
    fn fast_lengths() {
        assert_eq!(fast_fft_len(44_611), 45_000);
        assert_eq!(fast_fft_len(1), 2);
        assert_eq!(fast_fft_len(2022), 2048);
        assert_eq!(fast_fft_len(1025), 1080);
    }
}
