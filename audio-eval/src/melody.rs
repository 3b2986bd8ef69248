//! Melody extraction scores, as `mir_eval.melody` (0.8.2), after Salamon et
//! al., "Melody Extraction from Polyphonic Music Signals" (IEEE SPM 2014),
//! including continuous voicing (Bittner & Bosch, ISMIR 2019).
//!
//! A melody is a time series of f0 values in Hz; `0` (or a negative value,
//! whose magnitude is the pitch) means unvoiced. [`to_cent_voicing`] converts
//! both series to cents above 10 Hz and voicing, resampling the estimate onto
//! the reference time base (or both onto a constant hop) exactly as
//! `mir_eval.melody.resample_melody_series` does with scipy's `interp1d`
//! (linear for pitch, held across unvoiced frames and masked by a
//! zero-order hold of the raw series; zero-order hold for binary voicing).

use crate::transcription::check_lengths;
use crate::validate::{check_finite, check_positive, np_allclose, np_interp, np_round};
use crate::{Error, Result};

/// How [`resample_melody_series`] interpolates pitch (scipy `interp1d` kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interpolation {
    /// `kind='linear'` (mir_eval's default).
    #[default]
    Linear,
    /// `kind='zero'`: hold the previous value.
    Zero,
    /// `kind='nearest'`: the nearest sample, ties to the earlier one.
    Nearest,
}

/// Options of [`evaluate`] / [`to_cent_voicing`] with mir_eval's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MelodyConfig {
    /// Reference frequency of the cent scale, in Hz (default `10.0`).
    pub base_frequency: f64,
    /// Resample both series to this constant hop (seconds) instead of
    /// resampling the estimate onto the reference times (default `None`).
    pub hop: Option<f64>,
    /// Pitch interpolation (default linear).
    pub kind: Interpolation,
    /// Pitch tolerance of the accuracy scores, in cents (default `50.0`).
    pub cent_tolerance: f64,
}

impl Default for MelodyConfig {
    fn default() -> Self {
        Self {
            base_frequency: 10.0,
            hop: None,
            kind: Interpolation::Linear,
            cent_tolerance: 50.0,
        }
    }
}

/// `mir_eval.melody.hz2cents`: `1200·log2(|f| / base)`, 0 where `f = 0`.
///
/// # Example
///
/// ```
/// let c = audio_eval::melody::hz2cents(&[0.0, 10.0, 5.0, 320.0], 10.0);
/// assert_eq!(c, vec![0.0, 0.0, -1200.0, 6000.0]);
/// ```
pub fn hz2cents(freq_hz: &[f64], base_frequency: f64) -> Vec<f64> {
    freq_hz
        .iter()
        .map(|&f| {
            if f == 0.0 {
                0.0
            } else {
                1200.0 * (f.abs() / base_frequency).log2()
            }
        })
        .collect()
}

/// `mir_eval.melody.freq_to_voicing`: `(|f|, voicing)` where voicing is
/// `f > 0` (as 0/1), or the given voicing zeroed where `f = 0`.
///
/// # Example
///
/// ```
/// let (f, v) = audio_eval::melody::freq_to_voicing(&[0.0, 100.0, -132.0], None);
/// assert_eq!((f, v), (vec![0.0, 100.0, 132.0], vec![0.0, 1.0, 0.0]));
/// ```
pub fn freq_to_voicing(frequencies: &[f64], voicing: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
    let v = match voicing {
        Some(v) => v
            .iter()
            .zip(frequencies)
            .map(|(&v, &f)| if f == 0.0 { 0.0 } else { v })
            .collect(),
        None => frequencies
            .iter()
            .map(|&f| if f > 0.0 { 1.0 } else { 0.0 })
            .collect(),
    };
    (frequencies.iter().map(|f| f.abs()).collect(), v)
}

/// The most frames [`constant_hop_timebase`] builds (a guard against a hop
/// so small that the time base would not fit in memory).
pub const MAX_HOP_FRAMES: usize = 100_000_000;

/// `mir_eval.melody.constant_hop_timebase`: `0, hop, …, hop·⌊end/hop⌋`
/// (`np.linspace`, end rounded to 10 decimals, times too).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `hop` is not finite and positive or the
/// time base would hold more than [`MAX_HOP_FRAMES`] frames.
///
/// # Example
///
/// ```
/// let t = audio_eval::melody::constant_hop_timebase(0.1, 0.35)?;
/// assert_eq!(t, vec![0.0, 0.1, 0.2, 0.3]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn constant_hop_timebase(hop: f64, end_time: f64) -> Result<Vec<f64>> {
    check_positive("hop", hop)?;
    let end_time = np_round(end_time, 10);
    let n = (end_time / hop).floor();
    if !(n.is_finite() && n <= MAX_HOP_FRAMES as f64) {
        return Err(Error::InvalidParameter {
            name: "hop",
            value: hop,
            expected: "a hop that keeps the constant-hop time base within MAX_HOP_FRAMES frames",
        });
    }
    if n <= 0.0 {
        return Ok(vec![0.0]);
    }
    let n = n as usize;
    let stop = hop * n as f64;
    let step = stop / n as f64;
    Ok((0..=n)
        .map(|i| {
            let t = if i == n { stop } else { i as f64 * step };
            np_round(t, 10)
        })
        .collect())
}

/// Largest `j` in `0..n` with `x[j] <= t`, clamped to `0` below `x[0]`: the
/// interval a zero-order B-spline (`make_interp_spline(k=0)`) evaluates.
fn zero_hold(t: f64, x: &[f64], y: &[f64]) -> f64 {
    let j = x.partition_point(|&v| v <= t);
    y[j.saturating_sub(1).min(y.len() - 1)]
}

/// Evaluates `interp1d(x, y, kind)(t)` for every `t`, raising scipy's
/// errors as ours: out of bounds, or repeated `x` for spline kinds.
fn interp1d(x: &[f64], y: &[f64], kind: Interpolation, t: &[f64]) -> Result<Vec<f64>> {
    if let Some(&bad) = t.iter().find(|&&v| v < x[0] || v > x[x.len() - 1]) {
        return Err(Error::OutOfRange {
            what: "resampling time",
            index: 0,
            value: bad,
            min: x[0],
            max: x[x.len() - 1],
        });
    }
    Ok(match kind {
        Interpolation::Linear => t.iter().map(|&v| np_interp(v, x, y)).collect(),
        Interpolation::Zero => {
            if let Some(i) = x.windows(2).position(|w| w[1] <= w[0]) {
                return Err(Error::Unsorted {
                    what: "melody times (after rounding to 10 decimals)",
                    index: i + 1,
                    value: x[i + 1],
                });
            }
            t.iter().map(|&v| zero_hold(v, x, y)).collect()
        }
        Interpolation::Nearest => {
            let bounds: Vec<f64> = x.windows(2).map(|w| w[1] / 2.0 + w[0] / 2.0).collect();
            t.iter()
                .map(|&v| y[bounds.partition_point(|&b| b < v).min(y.len() - 1)])
                .collect()
        }
    })
}

/// `mir_eval.melody.resample_melody_series`: resamples a cent series and
/// its voicing from `times` to `times_new`. Returns the inputs unchanged
/// when the time bases already agree (`np.allclose`).
///
/// # Errors
///
/// [`Error::OutOfRange`] when `times_new` starts before `times` (scipy's
/// bounds error); [`Error::Unsorted`] when `times` repeat after rounding to
/// 10 decimals (scipy's spline cannot be built); [`Error::Empty`].
///
/// # Example
///
/// ```
/// use audio_eval::melody::{resample_melody_series, Interpolation};
/// let (c, v) = resample_melody_series(&[0.0, 0.1], &[1200.0, 2400.0], &[1.0, 1.0],
///     &[0.0, 0.05, 0.1], Interpolation::Linear)?;
/// assert_eq!(c, vec![1200.0, 1800.0, 2400.0]);
/// assert_eq!(v, vec![1.0, 1.0, 1.0]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn resample_melody_series(
    times: &[f64],
    frequencies: &[f64],
    voicing: &[f64],
    times_new: &[f64],
    kind: Interpolation,
) -> Result<(Vec<f64>, Vec<f64>)> {
    if times.is_empty() || times_new.is_empty() {
        return Err(Error::Empty {
            what: "melody time series",
        });
    }
    check_lengths("melody frequencies", times.len(), frequencies.len())?;
    check_lengths("melody voicing", times.len(), voicing.len())?;
    if times.len() == times_new.len() && np_allclose(times, times_new) {
        return Ok((frequencies.to_vec(), voicing.to_vec()));
    }
    let mut times: Vec<f64> = times.iter().map(|&t| np_round(t, 10)).collect();
    let times_new: Vec<f64> = times_new.iter().map(|&t| np_round(t, 10)).collect();
    let mut frequencies = frequencies.to_vec();
    let mut voicing = voicing.to_vec();
    let max_new = times_new.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let max_old = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max_new > max_old {
        times.push(max_new);
        frequencies.push(0.0);
        voicing.push(0.0);
    }
    let resampled = if kind == Interpolation::Linear {
        let mut held = frequencies.clone();
        for n in 1..held.len() {
            if frequencies[n] == 0.0 {
                held[n] = held[n - 1];
            }
        }
        let mut r = interp1d(&times, &held, Interpolation::Linear, &times_new)?;
        let mask = interp1d(&times, &frequencies, Interpolation::Zero, &times_new)?;
        for (v, m) in r.iter_mut().zip(mask) {
            if m == 0.0 {
                *v *= 0.0;
            }
        }
        r
    } else {
        interp1d(&times, &frequencies, kind, &times_new)?
    };
    let binary = voicing.iter().all(|&v| v == 0.0 || v == 1.0);
    let voicing_kind =
        if kind == Interpolation::Nearest || (kind == Interpolation::Linear && !binary) {
            kind
        } else {
            Interpolation::Zero
        };
    let voicing_resampled = interp1d(&times, &voicing, voicing_kind, &times_new)?;
    Ok((resampled, voicing_resampled))
}

/// The series [`to_cent_voicing`] returns, all of the reference's length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CentVoicing {
    /// Reference voicing in `[0, 1]`.
    pub ref_voicing: Vec<f64>,
    /// Reference pitch in cents (0 where unvoiced).
    pub ref_cent: Vec<f64>,
    /// Estimated voicing in `[0, 1]`.
    pub est_voicing: Vec<f64>,
    /// Estimated pitch in cents.
    pub est_cent: Vec<f64>,
}

fn check_melody_times(what: &'static str, times: &[f64]) -> Result<()> {
    if times.is_empty() {
        return Err(Error::Empty { what });
    }
    check_finite(what, times)?;
    if let Some(index) = times.windows(2).position(|w| w[1] < w[0]) {
        return Err(Error::Unsorted {
            what,
            index,
            value: times[index],
        });
    }
    Ok(())
}

fn check_voicing(what: &'static str, v: &[f64]) -> Result<()> {
    check_finite(what, v)?;
    match v.iter().position(|&x| !(0.0..=1.0).contains(&x)) {
        Some(index) => Err(Error::OutOfRange {
            what,
            index,
            value: v[index],
            min: 0.0,
            max: 1.0,
        }),
        None => Ok(()),
    }
}

/// `mir_eval.melody.to_cent_voicing`: prepends a frame at time 0 when a
/// series starts later, converts to cents and voicing, resamples the
/// estimate onto the reference times (or both onto `config.hop`), then pads
/// or truncates the estimate to the reference's length.
///
/// `est_voicing` (continuous estimated voicing) and `ref_reward` (continuous
/// reference voicing) are optional, as in mir_eval.
///
/// # Errors
///
/// [`Error::Empty`], [`Error::NonFinite`], [`Error::Unsorted`] for the
/// times; [`Error::ShapeMismatch`] for series of unequal lengths;
/// [`Error::OutOfRange`] for voicing outside `[0, 1]`; the errors of
/// [`resample_melody_series`].
///
/// # Example
///
/// ```
/// use audio_eval::melody::{to_cent_voicing, MelodyConfig};
/// let t = [0.0, 0.01];
/// let cv = to_cent_voicing(&t, &[0.0, 20.0], &t, &[0.0, 40.0], None, None,
///     &MelodyConfig::default())?;
/// assert_eq!(cv.ref_cent, vec![0.0, 1200.0]);
/// assert_eq!(cv.est_voicing, vec![0.0, 1.0]);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn to_cent_voicing(
    ref_time: &[f64],
    ref_freq: &[f64],
    est_time: &[f64],
    est_freq: &[f64],
    est_voicing: Option<&[f64]>,
    ref_reward: Option<&[f64]>,
    config: &MelodyConfig,
) -> Result<CentVoicing> {
    check_positive("base_frequency", config.base_frequency)?;
    if let Some(h) = config.hop {
        check_positive("hop", h)?;
    }
    check_melody_times("reference times", ref_time)?;
    check_melody_times("estimated times", est_time)?;
    check_lengths("reference frequencies", ref_time.len(), ref_freq.len())?;
    check_lengths("estimated frequencies", est_time.len(), est_freq.len())?;
    check_finite("reference frequencies", ref_freq)?;
    check_finite("estimated frequencies", est_freq)?;
    if let Some(v) = est_voicing {
        check_lengths("estimated voicing", est_time.len(), v.len())?;
        check_voicing("estimated voicing", v)?;
    }
    if let Some(v) = ref_reward {
        check_lengths("reference reward", ref_time.len(), v.len())?;
        check_voicing("reference reward", v)?;
    }
    let prepend = |t: &[f64], x: &[f64]| -> Vec<f64> {
        if t[0] > 0.0 {
            std::iter::once(x[0]).chain(x.iter().copied()).collect()
        } else {
            x.to_vec()
        }
    };
    let ref_t: Vec<f64> = if ref_time[0] > 0.0 {
        std::iter::once(0.0)
            .chain(ref_time.iter().copied())
            .collect()
    } else {
        ref_time.to_vec()
    };
    let est_t: Vec<f64> = if est_time[0] > 0.0 {
        std::iter::once(0.0)
            .chain(est_time.iter().copied())
            .collect()
    } else {
        est_time.to_vec()
    };
    let ref_f = prepend(ref_time, ref_freq);
    let est_f = prepend(est_time, est_freq);
    let ref_r = ref_reward.map(|r| prepend(ref_time, r));
    let est_v = est_voicing.map(|v| prepend(est_time, v));
    let (ref_f, ref_voicing) = freq_to_voicing(&ref_f, ref_r.as_deref());
    let (est_f, est_voicing) = freq_to_voicing(&est_f, est_v.as_deref());
    let ref_cent = hz2cents(&ref_f, config.base_frequency);
    let est_cent = hz2cents(&est_f, config.base_frequency);
    let max = |t: &[f64]| t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (ref_cent, ref_voicing, mut est_cent, mut est_voicing) = match config.hop {
        Some(hop) => {
            let (rc, rv) = resample_melody_series(
                &ref_t,
                &ref_cent,
                &ref_voicing,
                &constant_hop_timebase(hop, max(&ref_t))?,
                config.kind,
            )?;
            let (ec, ev) = resample_melody_series(
                &est_t,
                &est_cent,
                &est_voicing,
                &constant_hop_timebase(hop, max(&est_t))?,
                config.kind,
            )?;
            (rc, rv, ec, ev)
        }
        None => {
            let (ec, ev) =
                resample_melody_series(&est_t, &est_cent, &est_voicing, &ref_t, config.kind)?;
            (ref_cent, ref_voicing, ec, ev)
        }
    };
    est_cent.resize(ref_cent.len(), 0.0);
    est_voicing.resize(ref_voicing.len(), 0.0);
    Ok(CentVoicing {
        ref_voicing,
        ref_cent,
        est_voicing,
        est_cent,
    })
}

fn validate_series(cv: &CentVoicing) -> Result<()> {
    let n = cv.ref_voicing.len();
    check_lengths("estimated voicing", n, cv.est_voicing.len())?;
    check_lengths("reference cents", n, cv.ref_cent.len())?;
    check_lengths("estimated cents", n, cv.est_cent.len())?;
    check_voicing("reference voicing", &cv.ref_voicing)?;
    check_voicing("estimated voicing", &cv.est_voicing)
}

/// `mir_eval.melody.voicing_recall`: `Σ est_v·[ref_v > 0] / Σ [ref_v > 0]`
/// (1 when the reference is never voiced, 0 for empty input).
///
/// # Example
///
/// ```
/// assert_eq!(audio_eval::melody::voicing_recall(&[1.0, 1.0, 0.0], &[1.0, 0.0, 1.0]), 0.5);
/// ```
pub fn voicing_recall(ref_voicing: &[f64], est_voicing: &[f64]) -> f64 {
    if ref_voicing.is_empty() || est_voicing.is_empty() {
        return 0.0;
    }
    let ind: f64 = ref_voicing.iter().filter(|&&v| v > 0.0).count() as f64;
    if ind == 0.0 {
        return 1.0;
    }
    let hits: f64 = ref_voicing
        .iter()
        .zip(est_voicing)
        .map(|(&r, &e)| if r > 0.0 { e } else { 0.0 })
        .sum();
    hits / ind
}

/// `mir_eval.melody.voicing_false_alarm`: `Σ est_v·[ref_v = 0] / Σ [ref_v =
/// 0]` (0 when the reference is always voiced or the input is empty).
///
/// # Example
///
/// ```
/// assert_eq!(audio_eval::melody::voicing_false_alarm(&[0.0, 0.0, 1.0], &[1.0, 0.0, 1.0]), 0.5);
/// ```
pub fn voicing_false_alarm(ref_voicing: &[f64], est_voicing: &[f64]) -> f64 {
    if ref_voicing.is_empty() || est_voicing.is_empty() {
        return 0.0;
    }
    let ind: f64 = ref_voicing.iter().filter(|&&v| v == 0.0).count() as f64;
    if ind == 0.0 {
        return 0.0;
    }
    let hits: f64 = ref_voicing
        .iter()
        .zip(est_voicing)
        .map(|(&r, &e)| if r == 0.0 { e } else { 0.0 })
        .sum();
    hits / ind
}

/// Pitch accuracy over frames where both pitches are non-zero, with
/// `correct(diff)` deciding a hit; `Σ ref_v·correct / Σ ref_v`.
fn pitch_accuracy(cv: &CentVoicing, correct: impl Fn(f64) -> bool) -> f64 {
    let total: f64 = cv.ref_voicing.iter().sum();
    if cv.ref_voicing.is_empty() || total == 0.0 || cv.est_cent.is_empty() {
        return 0.0;
    }
    let mut any = false;
    let mut hits = 0.0;
    for i in 0..cv.ref_cent.len() {
        if cv.est_cent[i] != 0.0 && cv.ref_cent[i] != 0.0 {
            any = true;
            if correct((cv.ref_cent[i] - cv.est_cent[i]).abs()) {
                hits += cv.ref_voicing[i];
            }
        }
    }
    if !any {
        return 0.0;
    }
    hits / total
}

/// `mir_eval.melody.raw_pitch_accuracy`: the voicing-weighted share of
/// reference frames whose estimated pitch is within `cent_tolerance` cents.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] for series of unequal lengths,
/// [`Error::OutOfRange`] for voicing outside `[0, 1]`.
///
/// # Example
///
/// ```
/// use audio_eval::melody::{raw_pitch_accuracy, CentVoicing};
/// let cv = CentVoicing { ref_voicing: vec![1.0, 1.0], ref_cent: vec![6000.0, 6000.0],
///     est_voicing: vec![1.0, 1.0], est_cent: vec![6030.0, 6100.0] };
/// assert_eq!(raw_pitch_accuracy(&cv, 50.0)?, 0.5);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn raw_pitch_accuracy(cv: &CentVoicing, cent_tolerance: f64) -> Result<f64> {
    validate_series(cv)?;
    Ok(pitch_accuracy(cv, |d| d < cent_tolerance))
}

/// `mir_eval.melody.raw_chroma_accuracy`: as [`raw_pitch_accuracy`] with
/// octave errors forgiven (`|d − 1200·⌊d/1200 + 0.5⌋| < tolerance`).
///
/// # Errors
///
/// As [`raw_pitch_accuracy`].
///
/// # Example
///
/// ```
/// use audio_eval::melody::{raw_chroma_accuracy, CentVoicing};
/// let cv = CentVoicing { ref_voicing: vec![1.0], ref_cent: vec![6000.0],
///     est_voicing: vec![1.0], est_cent: vec![7210.0] };
/// assert_eq!(raw_chroma_accuracy(&cv, 50.0)?, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn raw_chroma_accuracy(cv: &CentVoicing, cent_tolerance: f64) -> Result<f64> {
    validate_series(cv)?;
    Ok(pitch_accuracy(cv, |d| {
        let octave = 1200.0 * (d / 1200.0 + 0.5).floor();
        (d - octave).abs() < cent_tolerance
    }))
}

/// `mir_eval.melody.overall_accuracy`: `(ratio·Σ ref_v·est_v·correct +
/// Σ (1 − [ref_v > 0])·(1 − est_v)) / n_frames`, with
/// `ratio = Σ [ref_v > 0] / Σ ref_v`.
///
/// # Errors
///
/// As [`raw_pitch_accuracy`].
///
/// # Example
///
/// ```
/// use audio_eval::melody::{overall_accuracy, CentVoicing};
/// let cv = CentVoicing { ref_voicing: vec![1.0, 0.0], ref_cent: vec![6000.0, 0.0],
///     est_voicing: vec![1.0, 0.0], est_cent: vec![6010.0, 0.0] };
/// assert_eq!(overall_accuracy(&cv, 50.0)?, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn overall_accuracy(cv: &CentVoicing, cent_tolerance: f64) -> Result<f64> {
    validate_series(cv)?;
    let n = cv.ref_voicing.len();
    if n == 0 || cv.est_cent.is_empty() {
        return Ok(0.0);
    }
    let total: f64 = cv.ref_voicing.iter().sum();
    let binary: f64 = cv.ref_voicing.iter().filter(|&&v| v > 0.0).count() as f64;
    let ratio = if total == 0.0 { 0.0 } else { binary / total };
    let mut voiced = 0.0;
    let mut unvoiced = 0.0;
    for i in 0..n {
        if cv.est_cent[i] != 0.0
            && cv.ref_cent[i] != 0.0
            && (cv.ref_cent[i] - cv.est_cent[i]).abs() < cent_tolerance
        {
            voiced += cv.ref_voicing[i] * cv.est_voicing[i];
        }
        let rb = if cv.ref_voicing[i] > 0.0 { 1.0 } else { 0.0 };
        unvoiced += (1.0 - rb) * (1.0 - cv.est_voicing[i]);
    }
    Ok((ratio * voiced + unvoiced) / n as f64)
}

/// Every score of `mir_eval.melody.evaluate`; serialises as
/// [`MelodyScores::entries`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MelodyScores {
    /// Voicing recall.
    pub voicing_recall: f64,
    /// Voicing false alarm.
    pub voicing_false_alarm: f64,
    /// Raw pitch accuracy.
    pub raw_pitch_accuracy: f64,
    /// Raw chroma accuracy.
    pub raw_chroma_accuracy: f64,
    /// Overall accuracy.
    pub overall_accuracy: f64,
}

crate::report::serialize_via_entries!(MelodyScores);

impl MelodyScores {
    /// `(key, value)` pairs named and ordered as mir_eval's `evaluate()`.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("Voicing Recall", self.voicing_recall),
            ("Voicing False Alarm", self.voicing_false_alarm),
            ("Raw Pitch Accuracy", self.raw_pitch_accuracy),
            ("Raw Chroma Accuracy", self.raw_chroma_accuracy),
            ("Overall Accuracy", self.overall_accuracy),
        ]
    }
}

/// `mir_eval.melody.evaluate`: [`to_cent_voicing`] then every score.
///
/// # Errors
///
/// As [`to_cent_voicing`]; [`Error::InvalidParameter`] for a bad tolerance.
///
/// # Example
///
/// ```
/// use audio_eval::melody::{evaluate, MelodyConfig};
/// let t = [0.0, 0.01, 0.02];
/// let f = [0.0, 220.0, 220.0];
/// let s = evaluate(&t, &f, &t, &f, None, None, &MelodyConfig::default())?;
/// assert_eq!(s.overall_accuracy, 1.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(
    ref_time: &[f64],
    ref_freq: &[f64],
    est_time: &[f64],
    est_freq: &[f64],
    est_voicing: Option<&[f64]>,
    ref_reward: Option<&[f64]>,
    config: &MelodyConfig,
) -> Result<MelodyScores> {
    check_positive("cent_tolerance", config.cent_tolerance)?;
    let cv = to_cent_voicing(
        ref_time,
        ref_freq,
        est_time,
        est_freq,
        est_voicing,
        ref_reward,
        config,
    )?;
    Ok(MelodyScores {
        voicing_recall: voicing_recall(&cv.ref_voicing, &cv.est_voicing),
        voicing_false_alarm: voicing_false_alarm(&cv.ref_voicing, &cv.est_voicing),
        raw_pitch_accuracy: raw_pitch_accuracy(&cv, config.cent_tolerance)?,
        raw_chroma_accuracy: raw_chroma_accuracy(&cv, config.cent_tolerance)?,
        overall_accuracy: overall_accuracy(&cv, config.cent_tolerance)?,
    })
}
