//! The passes of the streaming BSS Eval functions over [`StemBlocks`]:
//! validation with the Gram statistics, the redundancy check of the basis,
//! and the windows, each holding a bounded number of samples.

use rayon::prelude::*;

use super::basis::BasisCheck;
use super::decomposition::Decomposition;
use super::gram::GramAccumulator;
use super::signals::{Signals, MAX_SOURCES};
use super::stems::StemBlocks;
use crate::Error;

/// Samples per signal read from the stems at a time.
const READ_BLOCK: usize = 1 << 16;

/// Checks the stems' shapes before a pass: equal `(sources, channels)`, at
/// least one of each, at most [`MAX_SOURCES`] sources.
pub(crate) fn check_shapes<S: StemBlocks>(stems: &S) -> Result<(usize, usize), Error> {
    let (sources, channels) = stems.reference_shape();
    let est = stems.estimate_shape();
    if est != (sources, channels) {
        return Err(Error::ShapeMismatch {
            what: "estimated_sources",
            expected: vec![sources, channels],
            got: vec![est.0, est.1],
        });
    }
    if sources == 0 || channels == 0 {
        return Err(Error::Empty {
            what: "reference_sources",
        });
    }
    if sources > MAX_SOURCES {
        return Err(Error::TooManySources {
            max: MAX_SOURCES,
            got: sources,
        });
    }
    Ok((sources, channels))
}

/// References and estimates read in aligned blocks: estimates zero-padded
/// or truncated to the references' length (`padding`), or counted so that a
/// different length is reported.
struct Aligned<'s, S: StemBlocks> {
    stems: &'s mut S,
    padding: bool,
    refs: Vec<Vec<f64>>,
    ests: Vec<Vec<f64>>,
    /// One read of the estimates.
    piece: Vec<Vec<f64>>,
    estimates_ended: bool,
    reference_len: usize,
    estimate_len: usize,
}

impl<'s, S: StemBlocks> Aligned<'s, S> {
    /// Rewinds `stems` and reads from the start.
    fn start(stems: &'s mut S, signals: usize, padding: bool) -> Result<Self, S::Error> {
        stems.rewind()?;
        Ok(Self {
            stems,
            padding,
            refs: vec![Vec::new(); signals],
            ests: vec![Vec::new(); signals],
            piece: vec![Vec::new(); signals],
            estimates_ended: false,
            reference_len: 0,
            estimate_len: 0,
        })
    }

    /// Reads the next block into `refs` and `ests`; returns its length (0 at
    /// the end of the references).
    fn next(&mut self) -> Result<usize, S::Error> {
        let n = self.stems.read_references(&mut self.refs, READ_BLOCK)?;
        check_read(&self.refs, n, READ_BLOCK, "reference_sources")?;
        if n == 0 {
            if !self.padding {
                while !self.estimates_ended {
                    let k = self.stems.read_estimates(&mut self.piece, READ_BLOCK)?;
                    check_read(&self.piece, k, READ_BLOCK, "estimated_sources")?;
                    self.estimate_len += k;
                    self.estimates_ended = k == 0;
                }
            }
            return Ok(0);
        }
        self.reference_len += n;
        // Usually one read gives all `n` samples, straight into `ests`.
        let mut got = 0;
        if self.estimates_ended {
            for e in &mut self.ests {
                e.clear();
            }
        } else {
            let k = self.stems.read_estimates(&mut self.ests, n)?;
            check_read(&self.ests, k, n, "estimated_sources")?;
            got = k;
            self.estimates_ended = k == 0;
        }
        while got < n && !self.estimates_ended {
            let k = self.stems.read_estimates(&mut self.piece, n - got)?;
            check_read(&self.piece, k, n - got, "estimated_sources")?;
            for (dst, src) in self.ests.iter_mut().zip(&self.piece) {
                dst.extend_from_slice(src);
            }
            got += k;
            self.estimates_ended = k == 0;
        }
        self.estimate_len += got;
        for e in &mut self.ests {
            e.resize(n, 0.0);
        }
        Ok(n)
    }
}

/// Checks a [`StemBlocks`] read: `n ≤ max` samples in every signal.
fn check_read(signals: &[Vec<f64>], n: usize, max: usize, what: &'static str) -> Result<(), Error> {
    match signals.iter().find(|s| s.len() != n) {
        Some(s) => Err(Error::ShapeMismatch {
            what,
            expected: vec![n],
            got: vec![s.len()],
        }),
        None if n > max => Err(Error::ShapeMismatch {
            what,
            expected: vec![max],
            got: vec![n],
        }),
        None => Ok(()),
    }
}

/// Borrows each signal of `v`.
fn slices(v: &[Vec<f64>]) -> Vec<&[f64]> {
    v.iter().map(Vec::as_slice).collect()
}

/// The first non-finite sample of a set of signals.
#[derive(Debug, Clone, Copy)]
struct NonFinite {
    signal: usize,
    sample: usize,
    value: f64,
}

/// museval's and mir_eval's `validate`, over blocks.
struct Validation {
    sources: usize,
    channels: usize,
    /// `[references, estimates]`: per signal, its first non-finite sample.
    non_finite: [Vec<Option<NonFinite>>; 2],
    /// `[references, estimates]`: per source, whether a sample's channel
    /// sum is non-zero.
    audible: [Vec<bool>; 2],
    len: usize,
}

impl Validation {
    fn new(sources: usize, channels: usize) -> Self {
        let m = sources * channels;
        Self {
            sources,
            channels,
            non_finite: [vec![None; m], vec![None; m]],
            audible: [vec![false; sources], vec![false; sources]],
            len: 0,
        }
    }

    fn push(&mut self, refs: &[Vec<f64>], ests: &[Vec<f64>]) {
        let n = refs.first().map_or(0, Vec::len);
        for (k, data) in [refs, ests].into_iter().enumerate() {
            for (i, sig) in data.iter().enumerate() {
                if self.non_finite[k][i].is_none() {
                    if let Some(t) = sig.iter().position(|v| !v.is_finite()) {
                        self.non_finite[k][i] = Some(NonFinite {
                            signal: i,
                            sample: self.len + t,
                            value: sig[t],
                        });
                    }
                }
            }
            for s in 0..self.sources {
                if self.audible[k][s] {
                    continue;
                }
                let ch = &data[s * self.channels..(s + 1) * self.channels];
                self.audible[k][s] = (0..n).any(|t| {
                    let mut sum = 0.0;
                    for c in ch {
                        sum += c[t];
                    }
                    sum != 0.0
                });
            }
        }
        self.len += n;
    }

    /// The first failed check, in `validate`'s order.
    fn finish(&self) -> Result<(), Error> {
        if self.len == 0 {
            return Err(Error::Empty {
                what: "reference_sources",
            });
        }
        let whats = ["reference_sources", "estimated_sources"];
        for (k, what) in whats.into_iter().enumerate() {
            // The first in `(sources, samples, channels)` order.
            let flat = |f: &NonFinite| {
                let (s, c) = (f.signal / self.channels, f.signal % self.channels);
                (s * self.len + f.sample) * self.channels + c
            };
            if let Some(f) = self.non_finite[k].iter().flatten().min_by_key(|f| flat(f)) {
                return Err(Error::NonFinite {
                    what,
                    index: flat(f),
                    value: f.value,
                });
            }
        }
        for (k, what) in ["reference", "estimate"].into_iter().enumerate() {
            if let Some(s) = self.audible[k].iter().position(|a| !a) {
                return Err(Error::SilentSource {
                    what,
                    source_index: s,
                });
            }
        }
        Ok(())
    }
}

/// The first pass: validates the stems and returns their length, feeding
/// `gram` (when given, planned for the stems' shape) every block.
pub(crate) fn first_pass<S: StemBlocks>(
    stems: &mut S,
    padding: bool,
    mut gram: Option<&mut GramAccumulator>,
) -> Result<usize, S::Error> {
    let (sources, channels) = check_shapes(stems)?;
    let mut validation = Validation::new(sources, channels);
    let mut reader = Aligned::start(stems, sources * channels, padding)?;
    while reader.next()? > 0 {
        validation.push(&reader.refs, &reader.ests);
        if let Some(g) = gram.as_deref_mut() {
            g.push(&slices(&reader.refs), &slices(&reader.ests));
        }
    }
    if reader.reference_len != reader.estimate_len && !padding {
        return Err(Error::ShapeMismatch {
            what: "estimated_sources",
            expected: vec![sources, reader.reference_len, channels],
            got: vec![sources, reader.estimate_len, channels],
        }
        .into());
    }
    validation.finish()?;
    Ok(validation.len)
}

/// The whole-track decomposition: the first pass with the Gram statistics,
/// then the redundancy check of the basis (a second pass over the references
/// while a pair of reference channels may be proportional).
pub(crate) fn decompose<S: StemBlocks>(
    stems: &mut S,
    padding: bool,
    flen: usize,
    eps: f64,
) -> Result<(usize, Decomposition), S::Error> {
    let (sources, channels) = check_shapes(stems)?;
    let mut gram = GramAccumulator::new(sources, channels, flen);
    let len = first_pass(stems, padding, Some(&mut gram))?;
    let stats = gram.finish();
    let mut check = BasisCheck::new(&stats.peaks, stats.sources, stats.channels);
    if check.needs_samples() {
        stems.rewind()?;
        let mut refs = vec![Vec::new(); stats.m];
        while check.needs_samples() {
            let n = stems.read_references(&mut refs, READ_BLOCK)?;
            check_read(&refs, n, READ_BLOCK, "reference_sources")?;
            if n == 0 {
                break;
            }
            check.push(&slices(&refs));
        }
    }
    let (basis_all, basis_source) = check.finish();
    let dec =
        Decomposition::from_statistics(stats, basis_all, basis_source, eps).map_err(|_| {
            Error::Undefined {
                metric: "bss_eval",
                reason: "the Gram matrix of the references is singular",
            }
        })?;
    Ok((len, dec))
}

/// Runs `score` on every window `(start, length)` of `frames` (ascending
/// starts, all within the stems) with the windows' references and
/// estimates, a few windows at a time in parallel; holds the samples of at
/// most those windows and one read block.
pub(crate) fn window_pass<S, T, F>(
    stems: &mut S,
    padding: bool,
    frames: &[(usize, usize)],
    score: F,
) -> Result<Vec<T>, S::Error>
where
    S: StemBlocks,
    T: Send,
    F: Fn(&Signals<'_>, &Signals<'_>) -> Result<T, Error> + Sync,
{
    let (sources, channels) = check_shapes(stems)?;
    let m = sources * channels;
    let batch = rayon::current_num_threads().max(1);
    let mut reader = Aligned::start(stems, m, padding)?;
    let mut refs: Vec<Vec<f64>> = vec![Vec::new(); m];
    let mut ests: Vec<Vec<f64>> = vec![Vec::new(); m];
    // Global index of refs[i][0].
    let mut held_from = 0usize;
    let mut next = 0usize;
    let mut out = Vec::with_capacity(frames.len());
    while next < frames.len() {
        let n = reader.next()?;
        for (dst, src) in refs.iter_mut().zip(&reader.refs) {
            dst.extend_from_slice(src);
        }
        for (dst, src) in ests.iter_mut().zip(&reader.ests) {
            dst.extend_from_slice(src);
        }
        let end = held_from + refs.first().map_or(0, Vec::len);
        let ready = frames[next..]
            .iter()
            .take_while(|(start, len)| start + len <= end)
            .count();
        if ready >= batch || (ready > 0 && n == 0) {
            let r = Signals::new(sources, channels, slices(&refs));
            let e = Signals::new(sources, channels, slices(&ests));
            let scored = frames[next..next + ready]
                .par_iter()
                .map(|&(start, len)| {
                    score(
                        &r.window(start - held_from, len),
                        &e.window(start - held_from, len),
                    )
                })
                .collect::<Result<Vec<T>, Error>>()?;
            out.extend(scored);
            next += ready;
        }
        // Drop what no window needs once it is the larger part of the buffer
        // (each sample moves at most once or twice).
        let keep_from = frames.get(next).map_or(end, |f| f.0).min(end);
        if 2 * (keep_from - held_from) >= end - held_from && keep_from > held_from {
            for v in refs.iter_mut().chain(ests.iter_mut()) {
                v.drain(..keep_from - held_from);
            }
            held_from = keep_from;
        }
        if n == 0 && next < frames.len() {
            return Err(Error::Undefined {
                metric: "bss_eval",
                reason: "the stems ended before their last window",
            }
            .into());
        }
    }
    Ok(out)
}
