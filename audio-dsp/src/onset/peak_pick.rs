//! Heuristic peak picking, as `librosa.util.peak_pick`.

use crate::{Error, Float, Result};

/// Parameters of [`peak_pick`] (in frames), with librosa's names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeakPickConfig {
    /// Frames before `n` searched for the maximum.
    pub pre_max: usize,
    /// Frames after `n` searched for the maximum (the window is `[n - pre_max, n + post_max)`); ≥ 1.
    pub post_max: usize,
    /// Frames before `n` in the moving average.
    pub pre_avg: usize,
    /// Frames after `n` in the moving average (the window is `[n - pre_avg, n + post_avg)`); ≥ 1.
    pub post_avg: usize,
    /// Threshold above the moving average.
    pub delta: f64,
    /// Frames to skip after a peak.
    pub wait: usize,
}

impl PeakPickConfig {
    /// The settings `librosa.onset.onset_detect` uses for a frame rate of
    /// `sr / hop_length`: `pre_max = 0.03 sr // hop`, `post_max = 0.00 sr // hop + 1`,
    /// `pre_avg = 0.10 sr // hop`, `post_avg = 0.10 sr // hop + 1`,
    /// `wait = 0.03 sr // hop`, `delta = 0.07`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `sr <= 0` or `hop_length = 0`.
    ///
    /// # Example
    ///
    /// ```
    /// let p = audio_dsp::PeakPickConfig::onset_defaults(22050.0, 512)?;
    /// assert_eq!((p.pre_max, p.post_max, p.pre_avg, p.post_avg, p.wait), (1, 1, 4, 5, 1));
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn onset_defaults(sr: f64, hop_length: usize) -> Result<Self> {
        if !(sr > 0.0 && sr.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "sr",
                value: sr.to_string(),
                expected: "a positive sample rate",
            });
        }
        if hop_length == 0 {
            return Err(Error::InvalidParameter {
                name: "hop_length",
                value: "0".into(),
                expected: "a positive hop length",
            });
        }
        let h = hop_length as f64;
        let frames = |seconds: f64| ((seconds * sr) / h).floor() as usize;
        Ok(Self {
            pre_max: frames(0.03),
            post_max: frames(0.0).saturating_add(1),
            pre_avg: frames(0.10),
            post_avg: frames(0.10).saturating_add(1),
            delta: 0.07,
            wait: frames(0.03),
        })
    }
}

/// Picks peaks greedily (`librosa.util.peak_pick`, sparse output): `x[n]` is a
/// peak when
///
/// 1. `x[n] == max(x[n - pre_max .. n + post_max])`,
/// 2. `x[n] >= mean(x[n - pre_avg .. n + post_avg]) + delta`,
/// 3. `n` is more than `wait` frames after the previous peak,
///
/// with windows clipped to the signal (frame 0 only looks forward). As in
/// librosa, `delta` is rounded to `f32` before the comparison (its compiled
/// kernel takes a `float32`).
///
/// Reference: Böck, Krebs & Schedl, "Evaluating the online capabilities of onset
/// detection methods", ISMIR 2012.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `post_max = 0`, `post_avg = 0` or a negative
/// or non-finite `delta`.
///
/// # Shapes
///
/// `(n,)` → the peak indices, ascending.
///
/// # Example
///
/// ```
/// use audio_dsp::{peak_pick, PeakPickConfig};
/// let x = [0.0, 1.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.9, 0.0];
/// let cfg = PeakPickConfig { pre_max: 1, post_max: 2, pre_avg: 1, post_avg: 2, delta: 0.1, wait: 1 };
/// assert_eq!(peak_pick(&x, &cfg)?, vec![1, 4, 7]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn peak_pick<T: Float>(x: &[T], config: &PeakPickConfig) -> Result<Vec<usize>> {
    if config.post_max == 0 {
        return Err(Error::InvalidParameter {
            name: "post_max",
            value: "0".into(),
            expected: "post_max >= 1",
        });
    }
    if config.post_avg == 0 {
        return Err(Error::InvalidParameter {
            name: "post_avg",
            value: "0".into(),
            expected: "post_avg >= 1",
        });
    }
    if !(config.delta >= 0.0 && config.delta.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "delta",
            value: config.delta.to_string(),
            expected: "a non-negative finite delta",
        });
    }
    let n_x = x.len();
    let mut peaks = Vec::new();
    if n_x == 0 {
        return Ok(peaks);
    }
    let delta: T = T::from(config.delta as f32).unwrap_or_else(T::zero);
    let window_max =
        |lo: usize, hi: usize| x[lo..hi].iter().fold(T::neg_infinity(), |m, &v| m.max(v));
    let window_mean = |lo: usize, hi: usize| {
        x[lo..hi].iter().fold(T::zero(), |s, &v| s + v) / T::from(hi - lo).unwrap_or_else(T::one)
    };
    let first = x[0] >= window_max(0, config.post_max.min(n_x))
        && x[0] >= window_mean(0, config.post_avg.min(n_x)) + delta;
    let mut n = if first {
        peaks.push(0);
        config.wait.saturating_add(1)
    } else {
        1
    };
    while n < n_x {
        let maxn = window_max(
            n.saturating_sub(config.pre_max),
            n.saturating_add(config.post_max).min(n_x),
        );
        if x[n] != maxn {
            n += 1;
            continue;
        }
        let avgn = window_mean(
            n.saturating_sub(config.pre_avg),
            n.saturating_add(config.post_avg).min(n_x),
        );
        if x[n] < avgn + delta {
            n += 1;
            continue;
        }
        peaks.push(n);
        n = n.saturating_add(config.wait).saturating_add(1);
    }
    Ok(peaks)
}
