//! BSS Eval v3 as `mir_eval.separation` 0.8.2: `bss_eval_sources`,
//! `bss_eval_sources_framewise`, `bss_eval_images`,
//! `bss_eval_images_framewise`.

use ndarray::{Array2, ArrayView2, ArrayView3, Axis};

use super::decomposition::{Criteria, Decomposition, PairMetrics, FILTER_LENGTH};
use super::signals::{best_permutation, validate, Signals};
use super::stem_passes::{check_shapes, decompose, first_pass, window_pass};
use super::stems::{ArrayStems, StemBlocks};
use crate::{Error, Result};

/// `bss_eval_sources` scores, one entry per reference source `j`
/// (serialised with these field names; [`super::BssEvalReport`] gives
/// mir_eval's keys).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourcesScores {
    /// Source to Distortion Ratio (dB).
    pub sdr: Vec<f64>,
    /// Source to Interference Ratio (dB).
    pub sir: Vec<f64>,
    /// Source to Artifact Ratio (dB).
    pub sar: Vec<f64>,
    /// `permutation[j]`: the estimate matched with reference `j`.
    pub permutation: Vec<usize>,
}

/// `bss_eval_images` scores, one entry per reference source `j`
/// (serialised with these field names; [`super::BssEvalReport`] gives
/// mir_eval's keys).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImagesScores {
    /// Source to Distortion Ratio (dB).
    pub sdr: Vec<f64>,
    /// source Image to Spatial distortion Ratio (dB).
    pub isr: Vec<f64>,
    /// Source to Interference Ratio (dB).
    pub sir: Vec<f64>,
    /// Source to Artifact Ratio (dB).
    pub sar: Vec<f64>,
    /// `permutation[j]`: the estimate matched with reference `j`.
    pub permutation: Vec<usize>,
}

/// Framewise scores, `(sources, windows)` arrays; NaN where a window holds a
/// silent reference or estimate. Serialised with these field names, arrays
/// as lists of rows; [`super::BssEvalReport`] gives mir_eval's keys.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FramewiseScores {
    /// Source to Distortion Ratio (dB), `(sources, windows)`.
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub sdr: Array2<f64>,
    /// source Image to Spatial distortion Ratio (dB), `(sources, windows)`;
    /// all NaN for [`bss_eval_sources_framewise`].
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub isr: Array2<f64>,
    /// Source to Interference Ratio (dB), `(sources, windows)`.
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub sir: Array2<f64>,
    /// Source to Artifact Ratio (dB), `(sources, windows)`.
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub sar: Array2<f64>,
    /// The permutation of each window (`None` for a silent window).
    pub permutation: Vec<Option<Vec<usize>>>,
}

/// The v3 metrics of every reference on one span: per reference `j`, the
/// metrics of its matched estimate, and the permutation.
pub(crate) fn v3_span(
    refs: &Signals<'_>,
    ests: &Signals<'_>,
    criteria: Criteria,
    compute_permutation: bool,
    eps: f64,
) -> Result<(Vec<PairMetrics>, Vec<usize>)> {
    let dec = Decomposition::new(refs, ests, FILTER_LENGTH, eps).map_err(|_| Error::Undefined {
        metric: "bss_eval",
        reason: "the Gram matrix of the references is singular",
    })?;
    v3_metrics(&dec, refs.sources, criteria, compute_permutation)
}

/// The v3 metrics of `n` sources from their decomposition.
fn v3_metrics(
    dec: &Decomposition,
    n: usize,
    criteria: Criteria,
    compute_permutation: bool,
) -> Result<(Vec<PairMetrics>, Vec<usize>)> {
    if compute_permutation {
        let wanted: Vec<Vec<usize>> = (0..n).map(|_| (0..n).collect()).collect();
        let all = dec.pair_metrics(&wanted, criteria);
        // all[jest][jtrue]
        let sir: Vec<Vec<f64>> = all
            .iter()
            .map(|row| row.iter().map(|(_, m)| m.sir).collect())
            .collect();
        let perm = best_permutation(&sir, n)?;
        let metrics = (0..n).map(|j| all[perm[j]][j].1).collect();
        Ok((metrics, perm))
    } else {
        let wanted: Vec<Vec<usize>> = (0..n).map(|j| vec![j]).collect();
        let all = dec.pair_metrics(&wanted, criteria);
        Ok((all.iter().map(|row| row[0].1).collect(), (0..n).collect()))
    }
}

fn as_images(v: ArrayView2<'_, f64>) -> ArrayView3<'_, f64> {
    v.insert_axis(Axis(2))
}

/// `bss_eval_sources` of mir_eval 0.8.2: for each estimate `ŝ` and reference
/// `j`, the decomposition `ŝ = s_target + e_interf + e_artif` by least-squares
/// projection on the references delayed by 0–511 samples (Vincent et al.
/// 2006, §III.B), with
/// `SDR = 10 log10(‖s_target‖² / ‖e_interf + e_artif‖²)`,
/// `SIR = 10 log10(‖s_target‖² / ‖e_interf‖²)`,
/// `SAR = 10 log10(‖s_target + e_interf‖² / ‖e_artif‖²)`.
/// With `compute_permutation`, the estimate-reference matching maximises the
/// mean SIR over all permutations (the first maximum in
/// `itertools.permutations` order); otherwise estimate `j` is matched with
/// reference `j`.
///
/// # Shapes
///
/// `reference` and `estimated` are `(sources, samples)`.
///
/// # Errors
///
/// As `mir_eval.separation.validate`: [`Error::ShapeMismatch`],
/// [`Error::SilentSource`], [`Error::TooManySources`]; also [`Error::Empty`]
/// (mir_eval warns and returns empty arrays), [`Error::NonFinite`] and
/// [`Error::PermutationTooLarge`] (more than 9 sources with
/// `compute_permutation`).
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use audio_eval::separation::bss_eval_sources;
///
/// let n = 4000;
/// let a: Vec<f64> = (0..n).map(|t| (0.031 * t as f64).sin()).collect();
/// let b: Vec<f64> = (0..n).map(|t| ((t * 7919 % 101) as f64 / 50.0) - 1.0).collect();
/// let reference = Array2::from_shape_fn((2, n), |(s, t)| if s == 0 { a[t] } else { b[t] });
/// // Estimates: swapped order, each with 10% of the other source leaking in.
/// let estimated = Array2::from_shape_fn((2, n), |(s, t)| {
///     if s == 0 { b[t] + 0.1 * a[t] } else { a[t] + 0.1 * b[t] }
/// });
/// let scores = bss_eval_sources(reference.view(), estimated.view(), true)?;
/// assert_eq!(scores.permutation, vec![1, 0]);
/// assert!(scores.sir[0] > 15.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_sources(
    reference: ArrayView2<'_, f64>,
    estimated: ArrayView2<'_, f64>,
    compute_permutation: bool,
) -> Result<SourcesScores> {
    let s = bss_eval_v3(
        as_images(reference),
        as_images(estimated),
        Criteria::Sources,
        compute_permutation,
    )?;
    Ok(SourcesScores {
        sdr: s.sdr,
        sir: s.sir,
        sar: s.sar,
        permutation: s.permutation,
    })
}

/// `bss_eval_images` of mir_eval 0.8.2: the multichannel decomposition
/// `ŝ = s_true + e_spat + e_interf + e_artif` with multichannel 512-tap
/// filters, and
/// `SDR = 10 log10(‖s_true‖² / ‖e_spat + e_interf + e_artif‖²)`,
/// `ISR = 10 log10(‖s_true‖² / ‖e_spat‖²)`,
/// `SIR = 10 log10(‖s_true + e_spat‖² / ‖e_interf‖²)`,
/// `SAR = 10 log10(‖s_true + e_spat + e_interf‖² / ‖e_artif‖²)`,
/// summed over channels. Permutation as [`bss_eval_sources`].
///
/// # Shapes
///
/// `reference` and `estimated` are `(sources, samples, channels)`.
///
/// # Errors
///
/// As [`bss_eval_sources`].
///
/// # Example
///
/// ```
/// use ndarray::Array3;
/// use audio_eval::separation::bss_eval_images;
///
/// let n = 3000;
/// let reference = Array3::from_shape_fn((2, n, 2), |(s, t, c)| {
///     ((0.01 + 0.013 * s as f64) * t as f64 + c as f64).sin()
/// });
/// let mut estimated = reference.clone();
/// estimated.mapv_inplace(|v| v * 0.9);
/// estimated[[0, 10, 0]] += 0.5;
/// let scores = bss_eval_images(reference.view(), estimated.view(), false)?;
/// assert_eq!(scores.permutation, vec![0, 1]);
/// assert!(scores.sdr[1] > 15.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_images(
    reference: ArrayView3<'_, f64>,
    estimated: ArrayView3<'_, f64>,
    compute_permutation: bool,
) -> Result<ImagesScores> {
    bss_eval_v3(reference, estimated, Criteria::Images, compute_permutation)
}

fn bss_eval_v3(
    reference: ArrayView3<'_, f64>,
    estimated: ArrayView3<'_, f64>,
    criteria: Criteria,
    compute_permutation: bool,
) -> Result<ImagesScores> {
    validate(reference, estimated)?;
    v3_blocks(
        &mut ArrayStems::new(reference, estimated),
        criteria,
        compute_permutation,
    )
}

/// The whole-signal v3 metrics of stems read block by block.
fn v3_blocks<S: StemBlocks>(
    stems: &mut S,
    criteria: Criteria,
    compute_permutation: bool,
) -> std::result::Result<ImagesScores, S::Error> {
    let (n, _) = check_shapes(stems)?;
    let (_, dec) = decompose(stems, false, FILTER_LENGTH, 0.0)?;
    let (m, perm) = v3_metrics(&dec, n, criteria, compute_permutation)?;
    Ok(ImagesScores {
        sdr: m.iter().map(|x| x.sdr).collect(),
        isr: m.iter().map(|x| x.isr).collect(),
        sir: m.iter().map(|x| x.sir).collect(),
        sar: m.iter().map(|x| x.sar).collect(),
        permutation: perm,
    })
}

/// Checks that stems given to a `bss_eval_sources*_blocks` function have one
/// channel.
fn check_mono<S: StemBlocks>(stems: &S) -> Result<()> {
    let (sources, channels) = stems.reference_shape();
    if channels != 1 {
        return Err(Error::ShapeMismatch {
            what: "reference_sources",
            expected: vec![sources, 1],
            got: vec![sources, channels],
        });
    }
    Ok(())
}

/// [`bss_eval_sources`] of stems read block by block (one channel each;
/// mir_eval's `load_wav` averages a file's channels): the same scores (to
/// the bit) holding one read block at a time. The stems are read twice, or
/// three times when two references may be proportional (the redundancy
/// check of the basis).
///
/// # Shapes
///
/// `stems` gives `(sources, 1)` references and estimates of one length.
///
/// # Errors
///
/// As [`bss_eval_sources`]; stems of more than one channel, or a different
/// number of sources, are an [`Error::ShapeMismatch`]; and the reader's own.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use audio_eval::separation::{bss_eval_sources, bss_eval_sources_blocks, ArrayStems};
///
/// let n = 4000;
/// let reference = Array2::from_shape_fn((2, n), |(s, t)| ((0.02 + 0.05 * s as f64) * t as f64).sin());
/// let estimated = reference.mapv(|v| 0.9 * v + 0.01);
/// let (r3, e3) = (reference.view().insert_axis(ndarray::Axis(2)), estimated.view().insert_axis(ndarray::Axis(2)));
/// let streamed = bss_eval_sources_blocks(&mut ArrayStems::new(r3, e3), true)?;
/// assert_eq!(streamed, bss_eval_sources(reference.view(), estimated.view(), true)?);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_sources_blocks<S: StemBlocks>(
    stems: &mut S,
    compute_permutation: bool,
) -> std::result::Result<SourcesScores, S::Error> {
    check_mono(stems)?;
    let s = v3_blocks(stems, Criteria::Sources, compute_permutation)?;
    Ok(SourcesScores {
        sdr: s.sdr,
        sir: s.sir,
        sar: s.sar,
        permutation: s.permutation,
    })
}

/// [`bss_eval_images`] of stems read block by block: the same scores (to
/// the bit) holding one read block at a time; the stems are read two or
/// three times as for [`bss_eval_sources_blocks`].
///
/// # Shapes
///
/// `stems` gives `(sources, channels)` references and estimates of one
/// length.
///
/// # Errors
///
/// As [`bss_eval_images`], and the reader's own.
///
/// # Example
///
/// ```
/// use ndarray::Array3;
/// use audio_eval::separation::{bss_eval_images, bss_eval_images_blocks, ArrayStems};
///
/// let reference = Array3::from_shape_fn((2, 3000, 2), |(s, t, c)| ((0.02 + 0.01 * s as f64) * t as f64 + c as f64).cos());
/// let estimated = reference.mapv(|v| 0.5 * v + 0.001);
/// let streamed = bss_eval_images_blocks(&mut ArrayStems::new(reference.view(), estimated.view()), false)?;
/// assert_eq!(streamed, bss_eval_images(reference.view(), estimated.view(), false)?);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_images_blocks<S: StemBlocks>(
    stems: &mut S,
    compute_permutation: bool,
) -> std::result::Result<ImagesScores, S::Error> {
    v3_blocks(stems, Criteria::Images, compute_permutation)
}

/// `bss_eval_sources_framewise` of mir_eval 0.8.2: [`bss_eval_sources`] on
/// windows `[k·hop, k·hop + window)` for
/// `k < floor((samples − window + hop) / hop)`. When that count is below 2
/// the whole-signal [`bss_eval_sources`] result is returned as one window
/// (as mir_eval). A window in which any reference or estimate is silent gets
/// NaN for every metric and no permutation (as mir_eval). mir_eval's default
/// window and hop are `30·44100` and `15·44100` samples.
///
/// # Shapes
///
/// `reference` and `estimated` are `(sources, samples)`; each result array
/// is `(sources, windows)`.
///
/// # Errors
///
/// As [`bss_eval_sources`] (validation of the whole signal), and
/// [`Error::InvalidParameter`] for a zero `window` or `hop`.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use audio_eval::separation::bss_eval_sources_framewise;
///
/// let n = 6000;
/// let reference = Array2::from_shape_fn((2, n), |(s, t)| ((0.02 + 0.03 * s as f64) * t as f64).sin());
/// let estimated = reference.mapv(|v| 0.8 * v) + 0.01;
/// let scores = bss_eval_sources_framewise(reference.view(), estimated.view(), 2000, 2000, false)?;
/// assert_eq!(scores.sdr.dim(), (2, 3));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_sources_framewise(
    reference: ArrayView2<'_, f64>,
    estimated: ArrayView2<'_, f64>,
    window: usize,
    hop: usize,
    compute_permutation: bool,
) -> Result<FramewiseScores> {
    framewise(
        as_images(reference),
        as_images(estimated),
        window,
        hop,
        Criteria::Sources,
        compute_permutation,
    )
}

/// `bss_eval_images_framewise` of mir_eval 0.8.2: [`bss_eval_images`] per
/// window, with the windowing and silent-window rules of
/// [`bss_eval_sources_framewise`]. (mir_eval leaves the ISR of a silent
/// window uninitialised; here it is NaN like the other metrics.)
///
/// # Shapes
///
/// `reference` and `estimated` are `(sources, samples, channels)`; each
/// result array is `(sources, windows)`.
///
/// # Errors
///
/// As [`bss_eval_sources_framewise`].
///
/// # Example
///
/// ```
/// use ndarray::Array3;
/// use audio_eval::separation::bss_eval_images_framewise;
///
/// let n = 5000;
/// let reference = Array3::from_shape_fn((2, n, 2), |(s, t, c)| ((0.02 + 0.01 * s as f64) * t as f64 + c as f64).cos());
/// let estimated = reference.mapv(|v| 0.5 * v + 0.001);
/// let scores = bss_eval_images_framewise(reference.view(), estimated.view(), 2000, 1500, false)?;
/// assert_eq!(scores.isr.dim(), (2, 3));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_images_framewise(
    reference: ArrayView3<'_, f64>,
    estimated: ArrayView3<'_, f64>,
    window: usize,
    hop: usize,
    compute_permutation: bool,
) -> Result<FramewiseScores> {
    framewise(
        reference,
        estimated,
        window,
        hop,
        Criteria::Images,
        compute_permutation,
    )
}

/// Checks a window/hop pair.
pub(crate) fn check_window(window: usize, hop: usize) -> Result<()> {
    if window == 0 {
        return Err(Error::InvalidParameter {
            name: "window",
            value: 0.0,
            expected: "a positive value",
        });
    }
    if hop == 0 {
        return Err(Error::InvalidParameter {
            name: "hop",
            value: 0.0,
            expected: "a positive value",
        });
    }
    Ok(())
}

fn framewise(
    reference: ArrayView3<'_, f64>,
    estimated: ArrayView3<'_, f64>,
    window: usize,
    hop: usize,
    criteria: Criteria,
    compute_permutation: bool,
) -> Result<FramewiseScores> {
    validate(reference, estimated)?;
    check_window(window, hop)?;
    framewise_blocks(
        &mut ArrayStems::new(reference, estimated),
        window,
        hop,
        criteria,
        compute_permutation,
    )
}

/// The framewise v3 metrics of stems read block by block.
fn framewise_blocks<S: StemBlocks>(
    stems: &mut S,
    window: usize,
    hop: usize,
    criteria: Criteria,
    compute_permutation: bool,
) -> std::result::Result<FramewiseScores, S::Error> {
    check_window(window, hop)?;
    let (nsrc, _) = check_shapes(stems)?;
    let len = first_pass(stems, false, None)?;
    // int(np.floor((nsampl - window + hop) / hop))
    let nwin = (len as i128 - window as i128 + hop as i128).div_euclid(hop as i128);
    if nwin < 2 {
        let whole = v3_blocks(stems, criteria, compute_permutation)?;
        let m = (0..nsrc)
            .map(|j| PairMetrics {
                sdr: whole.sdr[j],
                isr: whole.isr[j],
                sir: whole.sir[j],
                sar: whole.sar[j],
            })
            .collect();
        return Ok(collect_windows(nsrc, vec![Some((m, whole.permutation))]));
    }
    let frames: Vec<(usize, usize)> = (0..nwin as usize).map(|k| (k * hop, window)).collect();
    let per_window = window_pass(stems, false, &frames, |r, e| {
        if r.any_silent() || e.any_silent() {
            return Ok(None);
        }
        v3_span(r, e, criteria, compute_permutation, 0.0).map(Some)
    })?;
    Ok(collect_windows(nsrc, per_window))
}

/// [`bss_eval_sources_framewise`] of stems read block by block (one channel
/// each): the same scores (to the bit), holding a few windows at a time.
///
/// # Shapes
///
/// `stems` gives `(sources, 1)` references and estimates of one length;
/// each result array is `(sources, windows)`.
///
/// # Errors
///
/// As [`bss_eval_sources_framewise`] and [`bss_eval_sources_blocks`].
///
/// # Example
///
/// ```
/// use ndarray::{Array2, Axis};
/// use audio_eval::separation::{bss_eval_sources_framewise, bss_eval_sources_framewise_blocks, ArrayStems};
///
/// let reference = Array2::from_shape_fn((2, 6000), |(s, t)| ((0.02 + 0.03 * s as f64) * t as f64).sin());
/// let estimated = reference.mapv(|v| 0.8 * v) + 0.01;
/// let mut stems = ArrayStems::new(reference.view().insert_axis(Axis(2)), estimated.view().insert_axis(Axis(2)));
/// let streamed = bss_eval_sources_framewise_blocks(&mut stems, 2000, 1000, false)?;
/// let whole = bss_eval_sources_framewise(reference.view(), estimated.view(), 2000, 1000, false)?;
/// // (ISR is NaN for sources, and NaN != NaN.)
/// assert_eq!((&streamed.sdr, &streamed.sir, &streamed.sar), (&whole.sdr, &whole.sir, &whole.sar));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_sources_framewise_blocks<S: StemBlocks>(
    stems: &mut S,
    window: usize,
    hop: usize,
    compute_permutation: bool,
) -> std::result::Result<FramewiseScores, S::Error> {
    check_mono(stems)?;
    framewise_blocks(stems, window, hop, Criteria::Sources, compute_permutation)
}

/// [`bss_eval_images_framewise`] of stems read block by block: the same
/// scores (to the bit), holding a few windows at a time.
///
/// # Shapes
///
/// `stems` gives `(sources, channels)` references and estimates of one
/// length; each result array is `(sources, windows)`.
///
/// # Errors
///
/// As [`bss_eval_images_framewise`], and the reader's own.
///
/// # Example
///
/// ```
/// use ndarray::Array3;
/// use audio_eval::separation::{bss_eval_images_framewise_blocks, ArrayStems};
///
/// let reference = Array3::from_shape_fn((2, 5000, 2), |(s, t, c)| ((0.02 + 0.01 * s as f64) * t as f64 + c as f64).cos());
/// let estimated = reference.mapv(|v| 0.5 * v + 0.001);
/// let mut stems = ArrayStems::new(reference.view(), estimated.view());
/// let scores = bss_eval_images_framewise_blocks(&mut stems, 2000, 1500, false)?;
/// assert_eq!(scores.isr.dim(), (2, 3));
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn bss_eval_images_framewise_blocks<S: StemBlocks>(
    stems: &mut S,
    window: usize,
    hop: usize,
    compute_permutation: bool,
) -> std::result::Result<FramewiseScores, S::Error> {
    framewise_blocks(stems, window, hop, Criteria::Images, compute_permutation)
}

fn collect_windows(
    nsrc: usize,
    per_window: Vec<Option<(Vec<PairMetrics>, Vec<usize>)>>,
) -> FramewiseScores {
    let nwin = per_window.len();
    let mut out = FramewiseScores {
        sdr: Array2::from_elem((nsrc, nwin), f64::NAN),
        isr: Array2::from_elem((nsrc, nwin), f64::NAN),
        sir: Array2::from_elem((nsrc, nwin), f64::NAN),
        sar: Array2::from_elem((nsrc, nwin), f64::NAN),
        permutation: Vec::with_capacity(nwin),
    };
    for (k, w) in per_window.into_iter().enumerate() {
        match w {
            Some((m, perm)) => {
                for (j, x) in m.iter().enumerate() {
                    out.sdr[[j, k]] = x.sdr;
                    out.isr[[j, k]] = x.isr;
                    out.sir[[j, k]] = x.sir;
                    out.sar[[j, k]] = x.sar;
                }
                out.permutation.push(Some(perm));
            }
            None => out.permutation.push(None),
        }
    }
    out
}
