//! `librosa.effects.trim` and `librosa.effects.split`: silence by frame RMS.

use crate::feature::rms::{rms, RmsConfig};
use crate::{DbReference, Error, Float, Result};

/// Parameters of [`trim`] and [`split`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceConfig {
    /// Frames quieter than `top_db` below the reference are silent
    /// (default 60).
    pub top_db: f64,
    /// The reference of 0 dB: the loudest frame's RMS (`ref=np.max`, the
    /// default) or a fixed amplitude.
    pub reference: DbReference,
    /// Samples per RMS frame (default 2048).
    pub frame_length: usize,
    /// Samples between frames (default 512).
    pub hop_length: usize,
}

impl Default for SilenceConfig {
    fn default() -> Self {
        Self {
            top_db: 60.0,
            reference: DbReference::Max,
            frame_length: 2048,
            hop_length: 512,
        }
    }
}

/// Which frames are not silent: the centred RMS of each frame, in dB
/// (`amplitude_to_db(rms, ref=reference, amin=1e-5, top_db=None)`), above
/// `-top_db` (librosa's `_signal_to_frame_nonsilent` on a mono signal).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite or negative `top_db`, a bad
/// reference or a zero length; as [`rms`].
pub fn nonsilent_frames<T: Float>(y: &[T], config: &SilenceConfig) -> Result<Vec<bool>> {
    check_top_db(config.top_db)?;
    let energy = rms(
        y,
        &RmsConfig {
            frame_length: config.frame_length,
            hop_length: config.hop_length,
            ..RmsConfig::default()
        },
    )?;
    let values: Vec<f64> = energy.iter().map(|v| v.to_f64().unwrap_or(0.0)).collect();
    nonsilent_from_rms(&values, config)
}

fn check_top_db(top_db: f64) -> Result<()> {
    if !(top_db.is_finite() && top_db >= 0.0) {
        return Err(Error::InvalidParameter {
            name: "top_db",
            value: top_db.to_string(),
            expected: "a finite threshold >= 0 dB",
        });
    }
    Ok(())
}

/// [`nonsilent_frames`] from the frames' RMS (`rms` with `config`'s frame
/// and hop lengths, centred, as f64): the same decision, for a caller that
/// computed the RMS block by block (a signal streamed from a file keeps
/// only these values, 8 bytes a frame).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite or negative `top_db` or a
/// bad reference.
///
/// # Example
/// ```
/// use audio_dsp::effects::{nonsilent_from_rms, SilenceConfig};
/// let loud = nonsilent_from_rms(&[0.5, 1e-6, 0.2], &SilenceConfig::default())?;
/// assert_eq!(loud, [true, false, true]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn nonsilent_from_rms(values: &[f64], config: &SilenceConfig) -> Result<Vec<bool>> {
    check_top_db(config.top_db)?;
    let reference = match config.reference {
        DbReference::Max => values.iter().fold(0.0_f64, |m, &v| m.max(v.abs())),
        DbReference::Value(r) if r.is_finite() && r > 0.0 => r,
        DbReference::Value(r) => {
            return Err(Error::InvalidParameter {
                name: "ref",
                value: r.to_string(),
                expected: "a finite reference amplitude > 0, or max",
            })
        }
    };
    // amplitude_to_db with amin 1e-5: power_to_db(|x|², ref², amin²).
    let amin = 1e-10;
    let floor = 10.0 * (reference * reference).max(amin).log10();
    Ok(values
        .iter()
        .map(|&v| 10.0 * (v * v).max(amin).log10() - floor > -config.top_db)
        .collect())
}

/// The first sample of frame `frame` (`frames_to_samples`), capped at `len`.
fn frame_start(frame: usize, hop: usize, len: usize) -> usize {
    frame.saturating_mul(hop).min(len)
}

/// Trims leading and trailing silence: returns `(start, end)` such that
/// `y[start..end]` is the signal from the first to the end of the last
/// non-silent frame (`(0, 0)` when every frame is silent).
///
/// `librosa.effects.trim(y, top_db=..., ref=..., frame_length=...,
/// hop_length=...)`, which returns `(y[start:end], [start, end])`.
///
/// # Errors
///
/// As [`nonsilent_frames`].
///
/// # Shapes
///
/// `(n,)` → `(start, end)` with `0 ≤ start ≤ end ≤ n`.
///
/// # Example
/// ```
/// use audio_dsp::effects::{trim, SilenceConfig};
///
/// let mut y = vec![0.0_f32; 22_050];
/// y[8_000..12_000].iter_mut().enumerate().for_each(|(i, v)| *v = (i as f32 * 0.1).sin());
/// let (start, end) = trim(&y, &SilenceConfig::default())?;
/// assert!(start <= 8_000 && end >= 12_000 && end - start < 10_000);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn trim<T: Float>(y: &[T], config: &SilenceConfig) -> Result<(usize, usize)> {
    let frames = nonsilent_frames(y, config)?;
    Ok(trim_frames(&frames, config.hop_length, y.len()))
}

/// [`trim`]'s `(start, end)` from the non-silent frames of a signal of
/// `len` samples ([`nonsilent_from_rms`]).
///
/// # Example
/// ```
/// assert_eq!(audio_dsp::effects::trim_frames(&[false, true, true, false], 512, 2000), (512, 1536));
/// ```
pub fn trim_frames(frames: &[bool], hop: usize, len: usize) -> (usize, usize) {
    match (
        frames.iter().position(|&b| b),
        frames.iter().rposition(|&b| b),
    ) {
        (Some(first), Some(last)) => (
            frame_start(first, hop, len),
            frame_start(last + 1, hop, len),
        ),
        _ => (0, 0),
    }
}

/// The non-silent intervals `[start, end)` of a signal, in samples, in
/// order: runs of non-silent frames, converted by `frames_to_samples` and
/// capped at the length.
///
/// `librosa.effects.split(y, top_db=..., ref=..., frame_length=...,
/// hop_length=...)`.
///
/// # Errors
///
/// As [`nonsilent_frames`].
///
/// # Shapes
///
/// `(n,)` → `m` intervals (librosa's `(m, 2)` array).
///
/// # Example
/// ```
/// use audio_dsp::effects::{split, SilenceConfig};
///
/// let mut y = vec![0.0_f32; 44_100];
/// for range in [5_000..9_000, 30_000..34_000] {
///     y[range].iter_mut().enumerate().for_each(|(i, v)| *v = (i as f32 * 0.1).sin());
/// }
/// assert_eq!(split(&y, &SilenceConfig::default())?.len(), 2);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn split<T: Float>(y: &[T], config: &SilenceConfig) -> Result<Vec<(usize, usize)>> {
    let frames = nonsilent_frames(y, config)?;
    Ok(split_frames(&frames, config.hop_length, y.len()))
}

/// [`split`]'s intervals from the non-silent frames of a signal of `len`
/// samples ([`nonsilent_from_rms`]).
///
/// # Example
/// ```
/// let runs = audio_dsp::effects::split_frames(&[true, false, true, true], 512, 1800);
/// assert_eq!(runs, [(0, 512), (1024, 1800)]);
/// ```
pub fn split_frames(frames: &[bool], hop: usize, len: usize) -> Vec<(usize, usize)> {
    let mut intervals = Vec::new();
    let mut start = None;
    for (t, &loud) in frames.iter().enumerate() {
        match (loud, start) {
            (true, None) => start = Some(t),
            (false, Some(s)) => {
                intervals.push((frame_start(s, hop, len), frame_start(t, hop, len)));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        intervals.push((
            frame_start(s, hop, len),
            frame_start(frames.len(), hop, len),
        ));
    }
    intervals
}
