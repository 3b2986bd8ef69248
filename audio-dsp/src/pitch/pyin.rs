//! Probabilistic YIN, as `librosa.pyin`.

use crate::error::invalid;
use crate::pitch::yin::{
    is_trough, parabolic_shifts, DifferenceFunction, DifferenceScratch, C2_HZ, C7_HZ,
};
use crate::util::frame_stream::FrameStream;
use crate::{Error, Float, PadMode, Result};

/// Parameters of [`Pyin`], with librosa's names and defaults (`fmin`/`fmax`
/// default to `C2`/`C7` as librosa's documentation recommends).
#[derive(Debug, Clone, PartialEq)]
pub struct PyinConfig {
    /// Sample rate in Hz. Default 22050.
    pub sr: f64,
    /// Lowest frequency in Hz (> 0). Default 65.406 (C2).
    pub fmin: f64,
    /// Highest frequency in Hz (`fmin < fmax <= sr / 2`). Default 2093.005 (C7).
    pub fmax: f64,
    /// Frame length in samples; `sr / fmin < frame_length - 1`. Default 2048.
    pub frame_length: usize,
    /// Hop in samples; `None` means `frame_length / 4`.
    pub hop_length: Option<usize>,
    /// Number of thresholds of the beta prior. Default 100.
    pub n_thresholds: usize,
    /// Shape parameters `(a, b)` of the beta distribution over thresholds. Default `(2, 18)`.
    pub beta_parameters: (f64, f64),
    /// Shape of the Boltzmann prior over trough positions. Default 2.
    pub boltzmann_parameter: f64,
    /// Pitch resolution in semitones (bins per semitone `ceil(1 / resolution)`). Default 0.1.
    pub resolution: f64,
    /// Largest pitch change in octaves per second. Default 35.92.
    pub max_transition_rate: f64,
    /// Probability of switching between voiced and unvoiced. Default 0.01.
    pub switch_prob: f64,
    /// Probability mass given to the global minimum when no trough is below a threshold. Default 0.01.
    pub no_trough_prob: f64,
    /// Value written as the f0 of unvoiced frames; `None` writes the best
    /// pitch of the unvoiced state instead. Default `Some(NaN)`.
    pub fill_na: Option<f64>,
    /// Centre the frames (pad `frame_length / 2` on both sides). Default true.
    pub center: bool,
    /// How `center` pads. Default constant zeros.
    pub pad_mode: PadMode,
}

impl Default for PyinConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            fmin: C2_HZ,
            fmax: C7_HZ,
            frame_length: 2048,
            hop_length: None,
            n_thresholds: 100,
            beta_parameters: (2.0, 18.0),
            boltzmann_parameter: 2.0,
            resolution: 0.1,
            max_transition_rate: 35.92,
            switch_prob: 0.01,
            no_trough_prob: 0.01,
            fill_na: Some(f64::NAN),
            center: true,
            pad_mode: PadMode::Constant,
        }
    }
}

/// The output of [`Pyin::process`]: one value per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PyinOutput {
    /// Fundamental frequency in Hz (`fill_na` where unvoiced).
    pub f0: Vec<f64>,
    /// Whether the decoded state is voiced.
    pub voiced_flag: Vec<bool>,
    /// Probability that the frame is voiced (sum of the voiced observation probabilities).
    pub voiced_prob: Vec<f64>,
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms; ~1e-15 relative).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, &g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..1000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The beta distribution's CDF, `I_x(a, b)` (`scipy.stats.beta.cdf`).
fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// The pitch-bin transition band of `librosa.sequence.transition_local(n,
/// width, window="triangle", wrap=False)`, stored per target column.
#[derive(Debug, Clone)]
struct LocalTransition {
    /// Offsets `i - p` of the predecessors, `-half ..= half`.
    half: usize,
    /// `log_stay[o][p] = ln(p_stay T[p + o - half, p] + tiny)`, `-inf` outside the matrix.
    log_stay: Vec<Vec<f64>>,
    /// The same with the switching probability.
    log_switch: Vec<Vec<f64>>,
}

impl LocalTransition {
    fn new(n: usize, width: usize, p_stay: f64, p_switch: f64) -> Result<Self> {
        if width == 0 || width > n {
            return Err(invalid(
                "max_transition_rate",
                width,
                "a transition width (in pitch bins) between 1 and the number of pitch bins",
            ));
        }
        // scipy.signal.windows.triang(width, sym=True)
        let m = width;
        let mut window = vec![0.0; m];
        let half_len = m.div_ceil(2);
        for k in 0..half_len {
            let v = if m % 2 == 1 {
                2.0 * (k + 1) as f64 / (m + 1) as f64
            } else {
                (2.0 * (k + 1) as f64 - 1.0) / m as f64
            };
            window[k] = v;
            window[m - 1 - k] = v;
        }
        let lpad = (n - m) / 2;
        let mut dense = vec![0.0; n * n];
        for i in 0..n {
            let row = &mut dense[i * n..(i + 1) * n];
            let shift = n / 2 + i + 1;
            for (k, &w) in window.iter().enumerate() {
                row[(lpad + k + shift) % n] = w;
            }
            let hi = n.min(i + m / 2 + 1);
            row[hi..].iter_mut().for_each(|v| *v = 0.0);
            let lo = i.saturating_sub(m / 2);
            row[..lo].iter_mut().for_each(|v| *v = 0.0);
            let sum: f64 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= sum);
        }
        // Every non-zero entry lies within |i - p| <= width / 2.
        let half = m / 2;
        let tiny = f64::MIN_POSITIVE;
        let mut log_stay = vec![vec![f64::NEG_INFINITY; n]; 2 * half + 1];
        let mut log_switch = vec![vec![f64::NEG_INFINITY; n]; 2 * half + 1];
        for o in 0..=2 * half {
            for p in 0..n {
                let Some(i) = (p + o).checked_sub(half).filter(|&i| i < n) else {
                    continue;
                };
                let t = dense[i * n + p];
                log_stay[o][p] = (p_stay * t + tiny).ln();
                log_switch[o][p] = (p_switch * t + tiny).ln();
            }
        }
        Ok(Self {
            half,
            log_stay,
            log_switch,
        })
    }
}

/// A planned pYIN pitch tracker (`librosa.pyin`).
///
/// Per frame, the YIN normalised difference's troughs get probabilities from a
/// beta prior over `n_thresholds` thresholds and a Boltzmann prior over trough
/// order (`P(trough i) = sum_j [h_i < s_j] pmf_Boltzmann(rank_ij; lambda, n_j) beta_j`,
/// plus `no_trough_prob` on the global minimum); they are binned on a
/// `resolution`-semitone grid from `fmin`, and the voiced/unvoiced pitch HMM
/// (local triangular pitch transitions of width `round(max_transition_rate * 12 * hop / sr)`
/// semitones, switching probability `switch_prob`) is decoded by Viterbi.
///
/// Reference: Mauch & Dixon, "pYIN: a fundamental frequency estimator using
/// probabilistic threshold distributions", ICASSP 2014.
///
/// Unlike librosa, which builds the dense `(2 n_bins)^2` transition matrix, the
/// decoder keeps only its band (`O(frames * bins * width)`) and treats every
/// out-of-band transition through the best previous state, which gives the
/// same path (including librosa's first-index tie breaking). All arithmetic
/// is in `f64`; the per-frame buffers are allocated once per call.
///
/// # Example
///
/// ```
/// use audio_dsp::{Pyin, PyinConfig};
/// let pyin = Pyin::new(PyinConfig::default())?;
/// let y: Vec<f32> = (0..22050).map(|n| (2.0 * std::f32::consts::PI * 220.0 * n as f32 / 22050.0).sin()).collect();
/// let out = pyin.process(&y)?;
/// assert!(out.voiced_flag[20]);
/// assert!((out.f0[20] - 220.0).abs() < 2.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pyin {
    config: PyinConfig,
    diff: DifferenceFunction,
    thresholds: Vec<f64>,
    beta_probs: Vec<f64>,
    n_pitch_bins: usize,
    n_bins_per_semitone: usize,
    transition: LocalTransition,
}

impl Pyin {
    /// Validates the parameters, plans the FFTs and builds the priors and the
    /// transition band.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for librosa's yin checks (`fmin <= 0`,
    /// `fmax > sr / 2`, `fmin >= fmax`, `sr / fmin >= frame_length - 1`),
    /// `hop_length = 0`, `n_thresholds = 0`, non-positive beta parameters,
    /// `resolution` outside `(0, 1]`, probabilities outside `[0, 1]`, or a
    /// transition width wider than the pitch grid.
    pub fn new(config: PyinConfig) -> Result<Self> {
        let diff = DifferenceFunction::new(
            config.sr,
            config.fmin,
            config.fmax,
            config.frame_length,
            config.hop_length,
            config.center,
            config.pad_mode,
        )?;
        if config.n_thresholds == 0 {
            return Err(invalid(
                "n_thresholds",
                0,
                "a positive number of thresholds",
            ));
        }
        let (a, b) = config.beta_parameters;
        if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
            return Err(invalid(
                "beta_parameters",
                format!("({a}, {b})"),
                "two positive shape parameters",
            ));
        }
        if !(config.boltzmann_parameter > 0.0 && config.boltzmann_parameter.is_finite()) {
            return Err(invalid(
                "boltzmann_parameter",
                config.boltzmann_parameter,
                "a positive parameter",
            ));
        }
        if !(config.resolution > 0.0 && config.resolution <= 1.0) {
            return Err(invalid(
                "resolution",
                config.resolution,
                "0 < resolution <= 1",
            ));
        }
        if !(config.max_transition_rate >= 0.0 && config.max_transition_rate.is_finite()) {
            return Err(invalid(
                "max_transition_rate",
                config.max_transition_rate,
                "a non-negative rate",
            ));
        }
        for (name, p) in [
            ("switch_prob", config.switch_prob),
            ("no_trough_prob", config.no_trough_prob),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid(name, p, "a probability in [0, 1]"));
            }
        }
        let n_thr = config.n_thresholds;
        // np.linspace(0, 1, n_thresholds + 1)
        let step = 1.0 / n_thr as f64;
        let mut thresholds: Vec<f64> = (0..=n_thr).map(|i| i as f64 * step).collect();
        thresholds[n_thr] = 1.0;
        let cdf: Vec<f64> = thresholds.iter().map(|&x| beta_cdf(x, a, b)).collect();
        let beta_probs: Vec<f64> = cdf.windows(2).map(|w| w[1] - w[0]).collect();
        let n_bins_per_semitone = (1.0 / config.resolution).ceil() as usize;
        let n_pitch_bins = (12.0 * n_bins_per_semitone as f64 * (config.fmax / config.fmin).log2())
            .floor() as usize
            + 1;
        let hop = diff.hop_length as f64;
        let max_semitones =
            (config.max_transition_rate * 12.0 * hop / config.sr).round_ties_even() as usize;
        let width = max_semitones * n_bins_per_semitone + 1;
        let p_stay = 1.0 - config.switch_prob;
        let p_switch = 1.0 - p_stay;
        let transition = LocalTransition::new(n_pitch_bins, width, p_stay, p_switch)?;
        Ok(Self {
            config,
            diff,
            thresholds,
            beta_probs,
            n_pitch_bins,
            n_bins_per_semitone,
            transition,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PyinConfig {
        &self.config
    }

    /// The hop length in samples.
    pub fn hop_length(&self) -> usize {
        self.diff.hop_length
    }

    /// Number of pitch bins of the HMM: `floor(12 ceil(1/resolution) log2(fmax / fmin)) + 1`.
    pub fn n_pitch_bins(&self) -> usize {
        self.n_pitch_bins
    }

    /// The pitch grid in Hz: `fmin * 2^(k / (12 ceil(1/resolution)))`.
    pub fn pitch_frequencies(&self) -> Vec<f64> {
        let d = (12 * self.n_bins_per_semitone) as f64;
        (0..self.n_pitch_bins)
            .map(|k| self.config.fmin * 2f64.powf(k as f64 / d))
            .collect()
    }

    /// Trough probabilities of one frame's normalised difference, written as
    /// sparse `(pitch bin, probability)` observations (librosa's `__pyin_helper`).
    fn observe(&self, x: &[f64], shifts: &[f64], w: &mut FrameWork, obs: &mut Vec<(usize, f64)>) {
        obs.clear();
        w.troughs.clear();
        for i in 0..x.len() {
            if is_trough(x, i) {
                w.troughs.push(i);
            }
        }
        if w.troughs.is_empty() {
            return;
        }
        let n_thr = self.config.n_thresholds;
        let thr = &self.thresholds[1..];
        // first[i]: first threshold index j with h_i < thr[j] (n_thr if none).
        w.first.clear();
        w.count.clear();
        w.count.resize(n_thr + 1, 0);
        for &i in &w.troughs {
            let h = x[i];
            let j = thr.partition_point(|&s| s <= h);
            w.first.push(j);
            w.count[j] += 1;
        }
        // n_below[j]: troughs below threshold j.
        let mut running = 0;
        w.n_below.clear();
        for j in 0..n_thr {
            running += w.count[j];
            w.n_below.push(running);
        }
        let lambda = self.config.boltzmann_parameter;
        let norm_num = 1.0 - (-lambda).exp();
        while w.decay.len() < w.troughs.len() {
            w.decay.push((-lambda * w.decay.len() as f64).exp());
        }
        w.probs.clear();
        w.probs.resize(w.troughs.len(), 0.0);
        for j in 0..n_thr {
            let n_j = w.n_below[j];
            if n_j == 0 {
                continue;
            }
            let fact = norm_num / (1.0 - (-lambda * n_j as f64).exp());
            let mut rank = 0usize;
            for (ti, &fj) in w.first.iter().enumerate() {
                if fj <= j {
                    let prior = fact * w.decay[rank];
                    w.probs[ti] += prior * self.beta_probs[j];
                    rank += 1;
                }
            }
        }
        let global_min = w
            .troughs
            .iter()
            .enumerate()
            .fold((0, f64::INFINITY), |(bi, bv), (ti, &i)| {
                if x[i] < bv {
                    (ti, x[i])
                } else {
                    (bi, bv)
                }
            })
            .0;
        let n_below_min = w.first[global_min];
        let mass: f64 = self.beta_probs[..n_below_min].iter().sum();
        w.probs[global_min] += self.config.no_trough_prob * mass;
        let d = (12 * self.n_bins_per_semitone) as f64;
        for (ti, &i) in w.troughs.iter().enumerate() {
            let p = w.probs[ti];
            if p == 0.0 {
                continue;
            }
            let period = self.diff.min_period as f64 + i as f64 + shifts[i];
            let f0 = self.diff.sr / period;
            let bin = (d * (f0 / self.config.fmin).log2()).round_ties_even();
            let bin = bin.clamp(0.0, self.n_pitch_bins as f64) as usize;
            match obs.iter_mut().find(|o| o.0 == bin) {
                Some(o) => o.1 = p,
                None => obs.push((bin, p)),
            }
        }
        obs.retain(|o| o.0 < self.n_pitch_bins);
        obs.sort_by_key(|o| o.0);
    }

    /// f0, voicing and voicing probability of a signal.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] when no frame fits; [`Error::NonFinite`] for NaN
    /// or infinite samples.
    ///
    /// # Shapes
    ///
    /// `(samples,)` → three `(frames,)` vectors.
    pub fn process<T: Float>(&self, signal: &[T]) -> Result<PyinOutput> {
        let mut stream = self.stream()?;
        stream.push(signal)?;
        stream.finish()
    }

    /// A stream over a signal fed in blocks: [`Pyin::process`] of the
    /// whole signal, to the bit.
    ///
    /// # Errors
    ///
    /// As [`crate::util::frame_stream::FrameStream::new`].
    pub fn stream(&self) -> Result<PyinStream<'_>> {
        let n_states = 2 * self.n_pitch_bins;
        let d = &self.diff;
        Ok(PyinStream {
            pyin: self,
            framer: FrameStream::new(d.frame_length, d.hop_length, d.center, d.pad_mode)?,
            scratch: d.scratch(),
            shifts: vec![0.0; d.n_lags()],
            work: FrameWork::default(),
            obs: Vec::new(),
            value: vec![0.0; n_states],
            next: vec![0.0; n_states],
            log_obs: vec![0.0; n_states],
            arg: vec![0u32; n_states],
            pointers: Pointers::new(n_states),
            voiced_prob: Vec::new(),
            wide: Vec::new(),
            received: 0,
        })
    }

    /// One frame of the forward pass: its observation probabilities, then
    /// (after the first frame) a Viterbi step whose best predecessors go
    /// to `arg`. Returns the frame's voiced probability.
    fn forward_frame(&self, frame: &[f64], t: usize, st: &mut ForwardState<'_>) -> Result<f64> {
        let n = self.n_pitch_bins;
        let n_states = 2 * n;
        let tiny = f64::MIN_POSITIVE;
        let ln_tiny = tiny.ln();
        self.diff.frame(frame, st.scratch)?;
        parabolic_shifts(&st.scratch.cmnd, st.shifts);
        self.observe(&st.scratch.cmnd, st.shifts, st.work, st.obs);
        let vp = st.obs.iter().fold(0.0, |acc, o| acc + o.1).clamp(0.0, 1.0);
        let unvoiced = ((1.0 - vp) / n as f64 + tiny).ln();
        st.log_obs[..n].iter_mut().for_each(|v| *v = ln_tiny);
        for &(bin, p) in st.obs.iter() {
            st.log_obs[bin] = (p + tiny).ln();
        }
        st.log_obs[n..].iter_mut().for_each(|v| *v = unvoiced);
        if t == 0 {
            let log_init = (1.0 / n_states as f64 + tiny).ln();
            for (v, &lo) in st.value.iter_mut().zip(st.log_obs.iter()) {
                *v = lo + log_init;
            }
        } else {
            self.viterbi_step(st.value, st.log_obs, st.next, st.arg);
            std::mem::swap(st.value, st.next);
        }
        Ok(vp)
    }

    fn viterbi_step(&self, value: &[f64], log_obs: &[f64], next: &mut [f64], arg: &mut [u32]) {
        let n = self.n_pitch_bins;
        let ln_tiny = f64::MIN_POSITIVE.ln();
        let half = self.transition.half;
        let g = argmax(value);
        let gmax = value[g];
        for b in 0..2 {
            let best = &mut next[b * n..(b + 1) * n];
            let best_arg = &mut arg[b * n..(b + 1) * n];
            best.iter_mut().for_each(|v| *v = f64::NEG_INFINITY);
            best_arg.iter_mut().for_each(|v| *v = 0);
            for a in 0..2 {
                let table = if a == b {
                    &self.transition.log_stay
                } else {
                    &self.transition.log_switch
                };
                let src = &value[a * n..(a + 1) * n];
                for (o, lt) in table.iter().enumerate() {
                    // Predecessor i = p + o - half, for the targets p where it exists.
                    let p_lo = half.saturating_sub(o);
                    let p_hi = (n + half).saturating_sub(o).min(n);
                    if p_lo >= p_hi {
                        continue;
                    }
                    let i_lo = p_lo + o - half;
                    let base = (a * n + i_lo) as u32;
                    let src = &src[i_lo..i_lo + (p_hi - p_lo)];
                    let lt = &lt[p_lo..p_hi];
                    let bst = &mut best[p_lo..p_hi];
                    let barg = &mut best_arg[p_lo..p_hi];
                    for k in 0..src.len() {
                        let cand = src[k] + lt[k];
                        if cand > bst[k] {
                            bst[k] = cand;
                            barg[k] = base + k as u32;
                        }
                    }
                }
            }
            // Out-of-band predecessors all have ln(0 + tiny); the best of them
            // matters only when the global best state is out of band.
            let g_local = g % n;
            for p in 0..n {
                let in_band = g_local + half >= p && g_local <= p + half;
                if !in_band {
                    let cand = gmax + ln_tiny;
                    if cand > best[p] || (cand == best[p] && (g as u32) < best_arg[p]) {
                        best[p] = cand;
                        best_arg[p] = g as u32;
                    }
                }
            }
            for (v, &lo) in best.iter_mut().zip(&log_obs[b * n..(b + 1) * n]) {
                *v += lo;
            }
        }
    }
}

/// Scratch space of [`Pyin::observe`].
/// The buffers of one forward step.
struct ForwardState<'a> {
    scratch: &'a mut DifferenceScratch,
    shifts: &'a mut [f64],
    work: &'a mut FrameWork,
    obs: &'a mut Vec<(usize, f64)>,
    value: &'a mut Vec<f64>,
    next: &'a mut Vec<f64>,
    log_obs: &'a mut [f64],
    arg: &'a mut [u32],
}

/// The Viterbi back-pointers of every frame: 2 bytes a state while the
/// states fit (1202 states, 2.4 KB a frame, at the default 0.1-semitone
/// grid from C2 to C7), else 4.
#[derive(Debug)]
enum Pointers {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Pointers {
    fn new(n_states: usize) -> Self {
        if n_states <= usize::from(u16::MAX) + 1 {
            Self::Narrow(Vec::new())
        } else {
            Self::Wide(Vec::new())
        }
    }

    fn push(&mut self, arg: &[u32]) {
        match self {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "Narrow only when every state index fits in u16"
            )]
            Self::Narrow(v) => v.extend(arg.iter().map(|&a| a as u16)),
            Self::Wide(v) => v.extend_from_slice(arg),
        }
    }

    /// The pointer of `state` at the `step`-th stored frame.
    fn get(&self, step: usize, n_states: usize, state: usize) -> usize {
        match self {
            Self::Narrow(v) => usize::from(v[step * n_states + state]),
            Self::Wide(v) => v[step * n_states + state] as usize,
        }
    }
}

/// [`Pyin::process`] over a signal fed in blocks of any size: the frames
/// come from a [`FrameStream`] (librosa's centring and framing), each
/// frame's observation probabilities and Viterbi step are taken as it
/// completes, and the path is traced back at [`PyinStream::finish`].
///
/// The decoding is global (the best path through the whole signal), so
/// the stream keeps each frame's back-pointers (2 bytes a state: 2.4 KB
/// a frame at the default grid, 0.37 GB an hour at hop 512 and 22050 Hz)
/// and its voiced probability; the signal itself is not kept.
///
/// # Example
///
/// ```
/// use audio_dsp::{Pyin, PyinConfig};
/// let pyin = Pyin::new(PyinConfig { fmin: 100.0, fmax: 800.0, ..PyinConfig::default() })?;
/// let y: Vec<f32> = (0..22050).map(|n| (2.0 * std::f32::consts::PI * 220.0 * n as f32 / 22050.0).sin()).collect();
/// let mut stream = pyin.stream()?;
/// for block in y.chunks(5000) {
///     stream.push(block)?;
/// }
/// assert_eq!(stream.finish()?.f0, pyin.process(&y)?.f0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct PyinStream<'a> {
    pyin: &'a Pyin,
    framer: FrameStream<f64>,
    scratch: DifferenceScratch,
    shifts: Vec<f64>,
    work: FrameWork,
    obs: Vec<(usize, f64)>,
    value: Vec<f64>,
    next: Vec<f64>,
    log_obs: Vec<f64>,
    arg: Vec<u32>,
    /// Back-pointers of frames 1.. (frame 0 has none).
    pointers: Pointers,
    voiced_prob: Vec<f64>,
    /// The block widened to f64.
    wide: Vec<f64>,
    /// Samples fed so far.
    received: usize,
}

impl std::fmt::Debug for PyinStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyinStream")
            .field("frames", &self.voiced_prob.len())
            .finish_non_exhaustive()
    }
}

impl PyinStream<'_> {
    /// Feeds a block of samples.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for NaN or infinities (the index counted from
    /// the signal's start).
    pub fn push<T: Float>(&mut self, block: &[T]) -> Result<()> {
        if let Some(i) = block.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "pitch input",
                index: self.received + i,
            });
        }
        self.received += block.len();
        let mut wide = std::mem::take(&mut self.wide);
        wide.clear();
        wide.extend(block.iter().map(|v| v.to_f64().unwrap_or(0.0)));
        let span = self.framer.push(&wide);
        let (samples, frames) = (span.samples.to_vec(), span.frames);
        self.wide = wide;
        self.forward(&samples, frames)
    }

    /// Ends the signal and decodes the path.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] when the signal never held one frame.
    pub fn finish(&mut self) -> Result<PyinOutput> {
        let fl = self.pyin.diff.frame_length;
        let received = self.received;
        let span = match self.framer.finish() {
            Ok(span) => span,
            Err(_) => {
                self.received = 0;
                self.voiced_prob.clear();
                self.pointers = Pointers::new(2 * self.pyin.n_pitch_bins);
                return Err(Error::InputTooShort {
                    what: "yin/pyin framing",
                    expected: fl,
                    got: received,
                });
            }
        };
        let (samples, frames) = (span.samples.to_vec(), span.frames);
        self.forward(&samples, frames)?;
        let out = self.backtrack();
        self.received = 0;
        self.voiced_prob.clear();
        self.pointers = Pointers::new(2 * self.pyin.n_pitch_bins);
        Ok(out)
    }

    /// The forward pass over a span's frames.
    fn forward(&mut self, samples: &[f64], frames: usize) -> Result<()> {
        let (fl, hop) = (self.pyin.diff.frame_length, self.pyin.diff.hop_length);
        for k in 0..frames {
            let t = self.voiced_prob.len();
            let mut st = ForwardState {
                scratch: &mut self.scratch,
                shifts: &mut self.shifts,
                work: &mut self.work,
                obs: &mut self.obs,
                value: &mut self.value,
                next: &mut self.next,
                log_obs: &mut self.log_obs,
                arg: &mut self.arg,
            };
            let vp = self
                .pyin
                .forward_frame(&samples[k * hop..k * hop + fl], t, &mut st)?;
            if t > 0 {
                self.pointers.push(&self.arg);
            }
            self.voiced_prob.push(vp);
        }
        Ok(())
    }

    /// Traces the best path back from the first best final state.
    fn backtrack(&mut self) -> PyinOutput {
        let n = self.pyin.n_pitch_bins;
        let n_states = 2 * n;
        let frames = self.voiced_prob.len();
        let mut state = argmax(&self.value);
        let mut states = vec![0usize; frames];
        for t in (0..frames).rev() {
            states[t] = state;
            if t > 0 {
                state = self.pointers.get(t - 1, n_states, state);
            }
        }
        let freqs = self.pyin.pitch_frequencies();
        let mut f0 = Vec::with_capacity(frames);
        let mut voiced_flag = Vec::with_capacity(frames);
        for &st in &states {
            let voiced = st < n;
            voiced_flag.push(voiced);
            f0.push(match (voiced, self.pyin.config.fill_na) {
                (false, Some(fill)) => fill,
                _ => freqs[st % n],
            });
        }
        PyinOutput {
            f0,
            voiced_flag,
            voiced_prob: std::mem::take(&mut self.voiced_prob),
        }
    }
}

#[derive(Debug, Default)]
struct FrameWork {
    troughs: Vec<usize>,
    first: Vec<usize>,
    count: Vec<usize>,
    n_below: Vec<usize>,
    probs: Vec<f64>,
    /// `exp(-lambda k)` for the Boltzmann prior, grown on demand.
    decay: Vec<f64>,
}

/// First index of the maximum (`np.argmax`).
fn argmax(x: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in x.iter().enumerate() {
        if v > x[best] {
            best = i;
        }
    }
    best
}

/// One-shot [`Pyin`]: `librosa.pyin(signal, **config)`.
///
/// # Errors
///
/// As [`Pyin::new`] and [`Pyin::process`].
///
/// # Shapes
///
/// `(samples,)` → [`PyinOutput`] of `(frames,)` vectors.
///
/// # Example
///
/// ```
/// let y: Vec<f64> = (0..16384).map(|n| (2.0 * std::f64::consts::PI * 440.0 * n as f64 / 22050.0).sin()).collect();
/// let out = audio_dsp::pyin(&y, audio_dsp::PyinConfig::default())?;
/// assert_eq!(out.f0.len(), 1 + 16384 / 512);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn pyin<T: Float>(signal: &[T], config: PyinConfig) -> Result<PyinOutput> {
    Pyin::new(config)?.process(signal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_cdf_matches_closed_form() {
        // I_x(2, 18) = 1 - (1 - x)^18 (1 + 18 x) ... for integer a = 2:
        // I_x(2, b) = 1 - (1 - x)^b (1 + b x).
        for &x in &[0.01, 0.05, 0.1, 0.3, 0.7, 0.99] {
            let want: f64 = 1.0 - (1.0f64 - x).powi(18) * (1.0 + 18.0 * x);
            assert!((beta_cdf(x, 2.0, 18.0) - want).abs() < 1e-13, "x = {x}");
        }
    }
}
