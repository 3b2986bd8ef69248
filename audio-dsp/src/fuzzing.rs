//! The entry point of the `dsp_configs` fuzz target in the repository's
//! `fuzz/` folder: structure-aware fuzzing of the configurations. The bytes
//! choose a function (30 entry points), fill its `XxxConfig` field by field (sizes up to a few
//! thousand, rates and frequencies among realistic values and the hostile
//! ones: zero, negative, NaN, infinite) and give it a short signal. Every
//! call must return `Ok` or a typed `Err`: a panic is a bug.
//!
//! It lives here, not in the fuzz crate, so that every input the fuzzer
//! found (`fuzz/regressions/dsp_configs/`) is replayed by a plain
//! `cargo test` through exactly this code. Not a stable API.

use ndarray::Array2;

use crate::feature::delta::DeltaMode;
use crate::feature::rhythm::tempo::TempoAggregate;
use crate::onset::onset_strength::OnsetAggregate;
use num_complex::Complex;

use crate::{
    ChromaCensConfig, ChromaCqtConfig, ChromaStftConfig, CqtConfig, CqtMode, DbReference, DctNorm,
    DctType, GriffinLimConfig, HcqtConfig, IstftConfig, MelConfig, MelNorm, MelSpectrogramConfig,
    MfccConfig, OnsetDetectConfig, OnsetStrengthConfig, PadMode, PeakPickConfig, PyinConfig,
    ResampleMethod, StftConfig, Transform, WindowKind, YinConfig,
};

/// Fuzz bytes read as typed values; past the end every read gives zero.
/// Also used by the structure-aware targets of the other crates.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// Reads from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    /// The next `n` bytes (fewer at the end).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    /// The next byte.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// One bit.
    pub fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// `0..=max`.
    pub fn size(&mut self, max: usize) -> usize {
        usize::from(self.u16()) % (max + 1)
    }

    /// Any `f64`, the hostile values often.
    fn real(&mut self) -> f64 {
        const SPECIAL: [f64; 10] = [
            0.0,
            -0.0,
            -1.0,
            1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            1e300,
            -1e300,
        ];
        match self.byte() % 4 {
            0 => SPECIAL[usize::from(self.byte()) % SPECIAL.len()],
            1 => {
                let bits: [u8; 8] = std::array::from_fn(|_| self.byte());
                f64::from_le_bytes(bits)
            }
            _ => f64::from(self.u16()) / 256.0 - 16.0,
        }
    }

    /// A value in `[lo, hi]`, or a hostile one.
    fn within(&mut self, lo: f64, hi: f64) -> f64 {
        if self.byte().is_multiple_of(8) {
            self.real()
        } else {
            lo + (hi - lo) * f64::from(self.u16()) / f64::from(u16::MAX)
        }
    }

    /// A sample rate: common ones, any up to 200 kHz, or a hostile one.
    fn rate(&mut self) -> f64 {
        const COMMON: [f64; 5] = [8000.0, 16000.0, 22050.0, 44100.0, 48000.0];
        match self.byte() % 4 {
            0 | 1 => COMMON[usize::from(self.byte()) % COMMON.len()],
            2 => self.within(1.0, 200_000.0),
            _ => self.real(),
        }
    }

    /// One of `choices` (an enum's unit variants), by one byte modulo their
    /// number. Orders are those of the `match`es this replaced, so the kept
    /// regression inputs still take the paths they were found on.
    pub fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[usize::from(self.byte()) % choices.len()]
    }

    fn option<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.bool() {
            Some(f(self))
        } else {
            None
        }
    }

    fn window(&mut self) -> WindowKind {
        match self.byte() % 6 {
            0 => WindowKind::Hann,
            1 => WindowKind::Hamming,
            2 => WindowKind::Blackman,
            3 => WindowKind::Bartlett,
            4 => WindowKind::Rectangular,
            _ => WindowKind::Kaiser { beta: self.real() },
        }
    }

    fn pad(&mut self) -> PadMode {
        self.pick(&[PadMode::Constant, PadMode::Reflect, PadMode::Edge])
    }

    fn method(&mut self) -> ResampleMethod {
        use ResampleMethod::{Fast, Fft, High, Medium, SoxrHq, SoxrLq, SoxrMq, SoxrVhq};
        self.pick(&[Fft, Fast, Medium, High, SoxrVhq, SoxrMq, SoxrLq, SoxrHq])
    }

    fn stft(&mut self) -> StftConfig {
        StftConfig {
            n_fft: self.size(4096),
            hop_length: self.option(|b| b.size(4096)),
            win_length: self.option(|b| b.size(4096)),
            window: self.window(),
            center: self.bool(),
            pad_mode: self.pad(),
        }
    }

    fn mel(&mut self, sr: f64, n_fft: usize) -> MelConfig {
        MelConfig {
            sr,
            n_fft,
            n_mels: self.size(256),
            fmin: self.within(0.0, 2000.0),
            fmax: self.option(|b| b.within(0.0, 30_000.0)),
            htk: self.bool(),
            norm: match self.byte() % 3 {
                0 => MelNorm::Slaney,
                1 => MelNorm::None,
                _ => MelNorm::P(self.real()),
            },
        }
    }

    fn mel_spectrogram(&mut self) -> MelSpectrogramConfig {
        let stft = self.stft();
        let sr = self.rate();
        let mel = self.mel(sr, stft.n_fft);
        MelSpectrogramConfig {
            stft,
            power: self.within(0.5, 2.0),
            mel,
        }
    }

    fn cqt(&mut self) -> CqtConfig {
        CqtConfig {
            sr: self.rate(),
            hop_length: self.size(2048),
            fmin: self.option(|b| b.within(10.0, 2000.0)),
            n_bins: self.size(120),
            bins_per_octave: self.size(48),
            gamma: self.option(|b| b.within(0.0, 50.0)),
            tuning: self.within(-0.5, 0.5),
            filter_scale: self.within(0.25, 4.0),
            norm: self.option(|b| b.within(0.0, 4.0)),
            sparsity: self.within(0.0, 1.0),
            window: self.window(),
            scale: self.bool(),
            pad_mode: self.pad(),
            res_type: self.method(),
        }
    }

    /// The rest of the bytes as a signal of at most `max` samples (16-bit
    /// values, with a non-finite sample now and then).
    fn signal(&mut self, max: usize) -> Vec<f32> {
        let n = self.size(max);
        (0..n)
            .map(|_| match self.byte() {
                255 => f32::NAN,
                254 => f32::INFINITY,
                _ => f32::from(self.u16() as i16) / 32768.0,
            })
            .collect()
    }

    /// A non-negative `(rows, columns)` matrix from the rest of the bytes.
    fn matrix(&mut self, max_rows: usize, max_cols: usize) -> Array2<f32> {
        let (rows, cols) = (self.size(max_rows), self.size(max_cols));
        Array2::from_shape_fn((rows, cols), |_| f32::from(self.u16()) / 256.0)
    }
}

/// Signals stay short so that each input runs in milliseconds.
const MAX_SIGNAL: usize = 8192;

/// The longest constant-Q filter tried, in samples (`Q · sr / fmin`): valid
/// parameters (200 kHz, 10 Hz, 48 bins per octave, `filter_scale` 4) ask
/// for filters of millions of samples, one FFT of that size per bin, which
/// is slow, not wrong. Invalid values (NaN, zero, negative) are always
/// tried: the constructors must reject them.
const MAX_FILTER: f64 = 65_536.0;

/// Whether a constant-Q configuration asks for filters longer than
/// [`MAX_FILTER`] (`fmin` defaults to C1 as in librosa).
fn long_filters(sr: f64, fmin: Option<f64>, bins_per_octave: usize, filter_scale: f64) -> bool {
    let fmin = fmin.unwrap_or(32.703_195_662_574_83);
    let q = filter_scale / (2f64.powf(1.0 / bins_per_octave.max(1) as f64) - 1.0);
    let length = q * sr / fmin;
    length.is_finite() && length > MAX_FILTER
}

/// The longest resampled output tried (a valid but large ratio is slow, not
/// a bug). Invalid rates (zero, negative, NaN, infinite) are always tried:
/// the resampler must reject them itself.
const MAX_OUTPUT: f64 = 262_144.0;

/// `dsp_configs`: must return whatever the bytes are.
pub fn dsp_configs(data: &[u8]) {
    let mut b = Bytes { data };
    let long = |c: &CqtConfig| long_filters(c.sr, c.fmin, c.bins_per_octave, c.filter_scale);
    let choice = b.byte();
    if choice >= 240 {
        // Entry points added after inputs were kept: reached by first bytes
        // 240 to 255 only, so every kept input takes its original path.
        more_configs(choice - 240, &mut b);
        return;
    }
    match choice % 24 {
        0 => {
            let config = b.stft();
            if let Ok(stft) = crate::Stft::<f32>::new(config.clone()) {
                let y = b.signal(MAX_SIGNAL);
                if let Ok(spec) = stft.process(&y) {
                    let istft = IstftConfig {
                        n_fft: config.n_fft,
                        hop_length: config.hop_length,
                        win_length: config.win_length,
                        window: config.window,
                        center: config.center,
                    };
                    if let Ok(inverse) = crate::Istft::<f32>::new(istft) {
                        let _ = inverse.process(spec.view(), b.option(|b| b.size(MAX_SIGNAL)));
                    }
                }
            }
        }
        1 => {
            if let Ok(mel) = crate::MelSpectrogram::<f32>::new(b.mel_spectrogram()) {
                let _ = mel.process(&b.signal(MAX_SIGNAL));
            }
        }
        2 => {
            let config = MfccConfig {
                mel: b.mel_spectrogram(),
                n_mfcc: b.size(128),
                dct_type: b.pick(&[DctType::One, DctType::Two, DctType::Three]),
                norm: b.pick(&[DctNorm::None, DctNorm::Ortho]),
                lifter: b.real(),
            };
            if let Ok(mfcc) = crate::Mfcc::<f32>::new(config) {
                let _ = mfcc.process(&b.signal(MAX_SIGNAL));
            }
        }
        3 => {
            let config = b.cqt();
            let y = b.signal(MAX_SIGNAL);
            if !long(&config) {
                let _ = crate::cqt(&y, &config);
            }
        }
        4 => {
            let config = b.cqt();
            let y = b.signal(MAX_SIGNAL);
            if !long(&config) {
                let _ = crate::hybrid_cqt(&y, &config);
            }
        }
        5 => {
            let config = b.cqt();
            if long(&config) {
                return;
            }
            if let Ok(icqt) = crate::Icqt::<f32>::new(config.clone()) {
                let (rows, cols) = (config.n_bins, b.size(64));
                let c = Array2::from_shape_fn((rows, cols), |_| {
                    Complex::new(f32::from(b.byte()) / 64.0, f32::from(b.byte()) / 64.0)
                });
                let _ = icqt.process(c.view(), b.option(|b| b.size(MAX_SIGNAL)));
            }
        }
        6 => {
            let cqt = b.cqt();
            if long(&cqt) {
                return;
            }
            let harmonics = (0..b.size(4)).map(|_| b.within(0.25, 8.0)).collect();
            if let Ok(h) = crate::Hcqt::<f32>::new(HcqtConfig { cqt, harmonics }) {
                let _ = h.magnitude(&b.signal(MAX_SIGNAL));
            }
        }
        7 => {
            let config = ChromaStftConfig {
                sr: b.rate(),
                stft: b.stft(),
                tuning: b.option(Bytes::real),
                n_chroma: b.size(48),
                ctroct: b.real(),
                octwidth: b.option(Bytes::real),
                base_c: b.bool(),
                norm: b.option(Bytes::real),
            };
            let _ = crate::chroma_stft(&b.signal(MAX_SIGNAL), config);
        }
        8 => {
            let config = ChromaCqtConfig {
                sr: b.rate(),
                hop_length: b.size(2048),
                fmin: b.option(|b| b.within(10.0, 2000.0)),
                norm: b.option(Bytes::real),
                threshold: b.real(),
                tuning: b.option(|b| b.within(-0.5, 0.5)),
                n_chroma: b.size(48),
                n_octaves: b.size(10),
                bins_per_octave: b.size(48),
                cqt_mode: b.pick(&[CqtMode::Hybrid, CqtMode::Full]),
                res_type: b.method(),
            };
            if !long_filters(config.sr, config.fmin, config.bins_per_octave, 1.0) {
                let _ = crate::chroma_cqt(&b.signal(MAX_SIGNAL), &config);
            }
        }
        9 => {
            let config = ChromaCensConfig {
                sr: b.rate(),
                hop_length: b.size(2048),
                fmin: b.option(|b| b.within(10.0, 2000.0)),
                tuning: b.option(|b| b.within(-0.5, 0.5)),
                n_chroma: b.size(48),
                n_octaves: b.size(10),
                bins_per_octave: b.size(48),
                cqt_mode: b.pick(&[CqtMode::Hybrid, CqtMode::Full]),
                norm: b.option(Bytes::real),
                win_len_smooth: b.option(|b| b.size(100)),
                smoothing_window: b.window(),
                res_type: b.method(),
            };
            if !long_filters(config.sr, config.fmin, config.bins_per_octave, 1.0) {
                let _ = crate::chroma_cens(&b.signal(MAX_SIGNAL), &config);
            }
        }
        10 => {
            let config = OnsetStrengthConfig {
                mel: b.mel_spectrogram(),
                lag: b.size(16),
                max_size: b.size(16),
                detrend: b.bool(),
                center: b.bool(),
                aggregate: b.pick(&[OnsetAggregate::Median, OnsetAggregate::Mean]),
            };
            let _ = crate::onset::onset_strength::onset_strength(&b.signal(MAX_SIGNAL), config);
        }
        11 => {
            let config = OnsetDetectConfig {
                sr: b.rate(),
                hop_length: b.size(2048),
                backtrack: b.bool(),
                normalize: b.bool(),
                peak_pick: b.option(|b| PeakPickConfig {
                    pre_max: b.size(64),
                    post_max: b.size(64),
                    pre_avg: b.size(64),
                    post_avg: b.size(64),
                    delta: b.real(),
                    wait: b.size(64),
                }),
            };
            let envelope = b.signal(2048);
            if let Ok(detect) = crate::OnsetDetect::new(config) {
                let _ = detect.process_envelope(&envelope, None);
            }
        }
        12 => {
            let config = crate::beat::beat_track::BeatTrackConfig {
                sr: b.rate(),
                hop_length: b.size(2048),
                start_bpm: b.within(30.0, 300.0),
                tightness: b.real(),
                trim: b.bool(),
                bpm: match b.option(Bytes::real) {
                    Some(v) => crate::beat::beat_track::Bpm::Fixed(v),
                    None => crate::beat::beat_track::Bpm::Estimate,
                },
            };
            let _ = crate::beat::beat_track::beat_track(&b.signal(2048), &config);
        }
        13 => {
            let config = crate::feature::rhythm::tempo::TempoConfig {
                sr: b.rate(),
                hop_length: b.size(2048),
                start_bpm: b.within(30.0, 300.0),
                std_bpm: b.real(),
                ac_size: b.within(0.0, 16.0),
                max_tempo: b.option(Bytes::real),
                aggregate: b.pick(&[
                    TempoAggregate::Mean,
                    TempoAggregate::Median,
                    TempoAggregate::Max,
                ]),
            };
            let _ = crate::feature::rhythm::tempo::tempo(&b.signal(2048), &config);
        }
        14 => {
            let config = crate::feature::rhythm::tempogram::TempogramConfig {
                win_length: b.size(1024),
                center: b.bool(),
                window: b.window(),
                norm: b.option(Bytes::real),
            };
            let _ = crate::feature::rhythm::tempogram::tempogram(&b.signal(2048), &config);
        }
        15 => {
            let config = crate::beat::plp::PlpConfig {
                sr: b.rate(),
                hop_length: b.size(2048),
                win_length: b.size(1024),
                tempo_min: b.option(Bytes::real),
                tempo_max: b.option(Bytes::real),
            };
            let _ = crate::beat::plp::plp(&b.signal(2048), &config);
        }
        16 => {
            let config = YinConfig {
                sr: b.rate(),
                fmin: b.within(20.0, 500.0),
                fmax: b.within(100.0, 4000.0),
                frame_length: b.size(4096),
                hop_length: b.option(|b| b.size(2048)),
                trough_threshold: b.real(),
                center: b.bool(),
                pad_mode: b.pad(),
            };
            let _ = crate::yin(&b.signal(MAX_SIGNAL), config);
        }
        17 => {
            let config = PyinConfig {
                sr: b.rate(),
                fmin: b.within(20.0, 500.0),
                fmax: b.within(100.0, 4000.0),
                frame_length: b.size(4096),
                hop_length: b.option(|b| b.size(2048)),
                n_thresholds: b.size(200),
                beta_parameters: (b.real(), b.real()),
                boltzmann_parameter: b.real(),
                resolution: b.within(0.01, 1.0),
                max_transition_rate: b.real(),
                switch_prob: b.real(),
                no_trough_prob: b.real(),
                fill_na: b.option(Bytes::real),
                center: b.bool(),
                pad_mode: b.pad(),
            };
            if let Ok(p) = crate::Pyin::new(config) {
                let _ = p.process(&b.signal(MAX_SIGNAL));
            }
        }
        18 => {
            let stft = b.stft();
            let config = crate::decompose::hpss::HpssConfig {
                kernel_size: (b.size(64), b.size(64)),
                power: b.real(),
                mask: b.bool(),
                margin: (b.real(), b.real()),
            };
            let _ =
                crate::effects::harmonic_percussive::hpss(&b.signal(MAX_SIGNAL), &stft, &config);
        }
        19 => {
            let rms = crate::feature::rms::RmsConfig {
                frame_length: b.size(4096),
                hop_length: b.size(2048),
                center: b.bool(),
                pad_mode: b.pad(),
            };
            let zcr = crate::feature::zero_crossing_rate::ZeroCrossingRateConfig {
                frame_length: b.size(4096),
                hop_length: b.size(2048),
                center: b.bool(),
                threshold: b.real(),
                zero_pos: b.bool(),
            };
            let silence = crate::effects::silence::SilenceConfig {
                top_db: b.real(),
                reference: if b.bool() {
                    DbReference::Max
                } else {
                    DbReference::Value(b.real())
                },
                frame_length: b.size(4096),
                hop_length: b.size(2048),
            };
            let y = b.signal(MAX_SIGNAL);
            let _ = crate::feature::rms::rms(&y, &rms);
            let _ = crate::feature::zero_crossing_rate::zero_crossing_rate(&y, &zcr);
            let _ = crate::effects::silence::split(&y, &silence);
            let _ = crate::effects::silence::trim(&y, &silence);
        }
        20 => {
            let sr = b.rate();
            let s = b.matrix(1025, 64);
            let view = s.view();
            let _ = crate::feature::spectral::centroid::spectral_centroid(view, sr);
            let _ = crate::feature::spectral::poly_features::poly_features(view, sr, b.size(8));
            let bandwidth = crate::feature::spectral::bandwidth::SpectralBandwidthConfig {
                p: b.real(),
                norm: b.bool(),
            };
            let _ = crate::feature::spectral::bandwidth::spectral_bandwidth(view, sr, &bandwidth);
            let flatness = crate::feature::spectral::flatness::SpectralFlatnessConfig {
                amin: b.real(),
                power: b.real(),
            };
            let _ = crate::feature::spectral::flatness::spectral_flatness(view, &flatness);
            let contrast = crate::feature::spectral::contrast::SpectralContrastConfig {
                fmin: b.real(),
                n_bands: b.size(12),
                quantile: b.real(),
                linear: b.bool(),
            };
            let _ = crate::feature::spectral::contrast::spectral_contrast(view, sr, &contrast);
            let _ = crate::feature::spectral::rolloff::spectral_rolloff(view, sr, b.real());
        }
        21 => {
            let config = crate::feature::delta::DeltaConfig {
                width: b.size(20),
                order: b.size(4),
                mode: b.pick(&[DeltaMode::Interp, DeltaMode::Mirror, DeltaMode::Nearest]),
            };
            let m = b.matrix(64, 64);
            let _ = crate::feature::delta::delta(m.view(), &config);
            let _ = crate::feature::tonnetz::tonnetz(m.view());
            let _ = crate::feature::stack_memory::stack_memory(
                m.view(),
                b.size(8),
                b.size(16) as isize - 8,
                b.pad(),
            );
        }
        22 => {
            let (orig, target, method) = (b.rate(), b.rate(), b.method());
            let y = b.signal(MAX_SIGNAL);
            // Keep each input quick: ratios up to MAX_RATIO are valid, and
            // 8192 samples × 65536 is legitimately slow.
            let positive = |r: f64| r.is_finite() && r > 0.0;
            if !(positive(orig) && positive(target)) || y.len() as f64 * target / orig <= MAX_OUTPUT
            {
                let _ = crate::resample(&y, orig, target, method);
            }
            let _ = crate::effects::time_stretch::time_stretch(&y, b.within(0.25, 4.0));
            let _ = crate::effects::pitch_shift::pitch_shift(&y, orig, b.within(-24.0, 24.0));
        }
        _ => {
            let config = GriffinLimConfig::<f32> {
                stft: b.stft(),
                n_iter: b.size(4),
                momentum: b.real(),
                length: b.option(|b| b.size(MAX_SIGNAL)),
                ..Default::default()
            };
            let m = b.matrix(1025, 32);
            let _ = crate::griffin_lim(m.view(), &config);
        }
    }
}

/// The entry points `dsp_configs` reaches with a first byte of 240 or more:
/// mel and MFCC inversion, the Fourier tempogram, `piptrack` and tuning
/// estimation, and the streaming STFT fed in blocks.
fn more_configs(choice: u8, b: &mut Bytes<'_>) {
    use crate::feature::inverse::{
        mel_to_audio, mel_to_stft, mfcc_to_audio, mfcc_to_mel, MelToAudioConfig, MelToStftConfig,
        MfccToAudioConfig, MfccToMelConfig,
    };
    use crate::feature::rhythm::{fourier_tempogram, FourierTempogramConfig};
    let mel_config = |b: &mut Bytes<'_>| MelToStftConfig {
        sr: b.rate(),
        n_fft: b.size(4096),
        power: b.within(0.5, 2.0),
        fmin: b.within(0.0, 2000.0),
        fmax: b.option(|b| b.within(0.0, 30_000.0)),
        htk: b.bool(),
        norm: b.pick(&[MelNorm::Slaney, MelNorm::None]),
    };
    let audio_config = |b: &mut Bytes<'_>| {
        let stft = b.stft();
        MelToAudioConfig::<f32> {
            mel: MelToStftConfig {
                n_fft: stft.n_fft,
                ..mel_config(b)
            },
            hop_length: stft.hop_length,
            win_length: stft.win_length,
            window: stft.window,
            center: stft.center,
            pad_mode: stft.pad_mode,
            n_iter: b.size(4),
            length: b.option(|b| b.size(MAX_SIGNAL)),
            momentum: b.real(),
            ..MelToAudioConfig::default()
        }
    };
    let mfcc_config = |b: &mut Bytes<'_>| MfccToMelConfig {
        n_mels: b.size(256),
        dct_type: b.pick(&[DctType::One, DctType::Two, DctType::Three]),
        norm: b.pick(&[DctNorm::None, DctNorm::Ortho]),
        reference: b.real(),
        lifter: b.real(),
    };
    match choice % 6 {
        0 => {
            let config = mel_config(b);
            let m = b.matrix(256, 32);
            let _ = mel_to_stft(m.view(), &config);
        }
        1 => {
            let config = audio_config(b);
            let m = b.matrix(256, 16);
            let _ = mel_to_audio(m.view(), &config);
        }
        2 => {
            let mfcc = mfcc_config(b);
            let m = b.matrix(64, 32);
            let _ = mfcc_to_mel(m.view(), &mfcc);
            let config = MfccToAudioConfig {
                mfcc,
                audio: audio_config(b),
            };
            let _ = mfcc_to_audio(m.view(), &config);
        }
        3 => {
            let config = FourierTempogramConfig {
                win_length: b.size(1024),
                center: b.bool(),
                window: b.window(),
            };
            let _ = fourier_tempogram(&b.signal(MAX_SIGNAL), &config);
        }
        4 => {
            let config = crate::TuningConfig {
                fmin: b.within(0.0, 1000.0),
                fmax: b.within(0.0, 20_000.0),
                threshold: b.within(0.0, 1.0),
                resolution: b.within(0.001, 0.5),
                bins_per_octave: b.size(96),
            };
            let (sr, n_fft) = (b.rate(), b.size(4096));
            let spec = b.matrix(1025, 16);
            let _ = crate::piptrack(spec.view(), sr, n_fft, &config);
            let _ = crate::estimate_tuning(spec.view(), sr, n_fft, &config);
        }
        _ => {
            if let Ok(mut stream) = crate::StreamingStft::<f32>::new(b.stft()) {
                let y = b.signal(MAX_SIGNAL);
                let mut at = 0;
                while at < y.len() {
                    let n = (b.size(2048) + 1).min(y.len() - at);
                    if stream.push(&y[at..at + n]).is_err() {
                        break;
                    }
                    at += n;
                }
                stream.reset();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entry points behind first bytes 240..=255 on a few thousand
    /// deterministic inputs (xorshift bytes): each must return.
    #[test]
    fn the_added_entry_points_return_on_pseudo_random_inputs() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..600u32 {
            let mut data: Vec<u8> = (0..256)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            data[0] = 240 + (i % 16) as u8;
            dsp_configs(&data);
        }
    }
}
