//! Subcommands for chroma, onsets, pitch and key (`audio-dsp`), named after
//! the librosa functions they mirror, with librosa's keyword arguments as
//! kebab-case flags.

use std::path::{Path, PathBuf};

use audio_dsp::{
    ChromaStft, ChromaStftConfig, Float, OnsetAggregate, OnsetDetect, OnsetDetectConfig,
    OnsetStrength, OnsetStrengthConfig, PNorm, PadMode, Pyin, PyinConfig, StftConfig, Transform,
    Yin, YinConfig,
};
use clap::{Args, Subcommand};
use ndarray::{Array1, Array2};

use audio_eval::report::to_json;
use audio_io::npy::{is_npy, read_floats, read_signal, Precision, WritableElement};
use audio_io::on_precision;

use crate::dsp_commands::InputOutput;
use crate::stream_input::{
    onset_envelope, row, stream_framed, stream_onset_envelope, stream_tuning,
};
use crate::write_npy;
use crate::{Error, Result};

/// Chroma, onset, pitch and key subcommands.
#[derive(Debug, Subcommand)]
pub enum PitchCommand {
    /// librosa.feature.chroma_stft: `(n_chroma, frames)` chromagram of a signal.
    ChromaStft {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        chroma: ChromaArgs,
    },
    /// librosa.onset.onset_strength: `(frames,)` spectral flux of the log-power mel spectrogram.
    OnsetStrength {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        onset: OnsetArgs,
    },
    /// librosa.onset.onset_detect: onset positions (int64 frames or samples, float64 seconds).
    OnsetDetect {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        onset: OnsetArgs,
        /// Move each onset back to the preceding minimum of the envelope.
        #[arg(long)]
        backtrack: bool,
        /// Units of the output: frames, samples or time.
        #[arg(long, default_value = "frames")]
        units: String,
    },
    /// librosa.yin: `(frames,)` f0 in Hz.
    Yin {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        pitch: PitchArgs,
        /// Absolute threshold on the normalised difference.
        #[arg(long, default_value_t = 0.1)]
        trough_threshold: f64,
    },
    /// librosa.pyin: `(frames,)` f0 in Hz (NaN where unvoiced) to `-o`, and
    /// optionally the voiced flags (uint8) and voiced probabilities.
    Pyin {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        pitch: PitchArgs,
        /// Where to write the voiced flags (`.npy`, uint8).
        #[arg(long)]
        voiced_flag: Option<PathBuf>,
        /// Where to write the voiced probabilities (`.npy`, float64).
        #[arg(long)]
        voiced_prob: Option<PathBuf>,
        /// Pitch resolution in semitones.
        #[arg(long, default_value_t = 0.1)]
        resolution: f64,
        /// Voiced/unvoiced switching probability.
        #[arg(long, default_value_t = 0.01)]
        switch_prob: f64,
    },
    /// Krumhansl-Kessler key of a recording (or of a `(12, frames)` chroma
    /// `.npy`): JSON with the key and the 24 correlation scores.
    EstimateKey {
        /// Audio file or 1-D `.npy` signal, or a `(12, frames)` chroma `.npy`.
        input: PathBuf,
        /// Output JSON file (stdout when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Sample rate to load audio at.
        #[arg(long, default_value_t = 22050)]
        sr: u32,
    },
}

/// STFT and chroma flags of `chroma-stft`.
#[derive(Debug, Args)]
pub struct ChromaArgs {
    /// FFT size.
    #[arg(long, default_value_t = 2048)]
    n_fft: usize,
    /// Hop length in samples.
    #[arg(long, default_value_t = 512)]
    hop_length: usize,
    /// Tuning in fractions of a bin; `none` estimates it (librosa's default).
    #[arg(long, default_value = "none", allow_negative_numbers = true)]
    tuning: crate::NoneOr,
    /// Number of chroma bins.
    #[arg(long, default_value_t = 12)]
    n_chroma: usize,
    /// Per-frame norm: `inf`, `none` or a number.
    #[arg(long, default_value = "inf")]
    norm: PNorm,
}

impl ChromaArgs {
    fn config(&self, sr: u32) -> Result<ChromaStftConfig> {
        Ok(ChromaStftConfig {
            sr: f64::from(sr),
            stft: StftConfig {
                n_fft: self.n_fft,
                hop_length: Some(self.hop_length),
                ..StftConfig::default()
            },
            tuning: self.tuning.0,
            n_chroma: self.n_chroma,
            norm: self.norm.into(),
            ..ChromaStftConfig::default()
        })
    }
}

/// Onset strength flags.
#[derive(Debug, Args)]
pub struct OnsetArgs {
    /// FFT size of the mel spectrogram.
    #[arg(long, default_value_t = 2048)]
    n_fft: usize,
    /// Hop length in samples.
    #[arg(long, default_value_t = 512)]
    hop_length: usize,
    /// Number of mel bands.
    #[arg(long, default_value_t = 128)]
    n_mels: usize,
    /// Time lag of the difference, in frames.
    #[arg(long, default_value_t = 1)]
    lag: usize,
    /// Size of the local max filter over frequency (1 = off).
    #[arg(long, default_value_t = 1)]
    max_size: usize,
    /// Remove the DC component of the envelope.
    #[arg(long)]
    detrend: bool,
    /// Do not shift the envelope for centred frames.
    #[arg(long)]
    no_center: bool,
    /// Band aggregation: mean or median.
    #[arg(long, default_value = "mean")]
    aggregate: String,
}

impl OnsetArgs {
    fn config(&self, sr: u32) -> Result<OnsetStrengthConfig> {
        let aggregate = match self.aggregate.as_str() {
            "mean" => OnsetAggregate::Mean,
            "median" => OnsetAggregate::Median,
            other => {
                return Err(Error::Dsp(audio_dsp::Error::InvalidParameter {
                    name: "aggregate",
                    value: other.to_string(),
                    expected: "mean or median",
                }))
            }
        };
        let mut cfg = OnsetStrengthConfig {
            lag: self.lag,
            max_size: self.max_size,
            detrend: self.detrend,
            center: !self.no_center,
            aggregate,
            ..OnsetStrengthConfig::default()
        };
        cfg.mel.stft.n_fft = self.n_fft;
        cfg.mel.stft.hop_length = Some(self.hop_length);
        cfg.mel.mel.sr = f64::from(sr);
        cfg.mel.mel.n_mels = self.n_mels;
        Ok(cfg)
    }
}

/// yin / pyin flags.
#[derive(Debug, Args)]
pub struct PitchArgs {
    /// Lowest frequency in Hz (librosa has no default; C2 here).
    #[arg(long, default_value_t = 65.40639132514966)]
    fmin: f64,
    /// Highest frequency in Hz (C7 here).
    #[arg(long, default_value_t = 2093.004522404789)]
    fmax: f64,
    /// Frame length in samples.
    #[arg(long, default_value_t = 2048)]
    frame_length: usize,
    /// Hop length in samples (frame_length / 4 when absent).
    #[arg(long)]
    hop_length: Option<usize>,
    /// Do not centre the frames.
    #[arg(long)]
    no_center: bool,
    /// Padding when centred: constant, reflect or edge.
    #[arg(long, default_value = "constant")]
    pad_mode: String,
}

/// `chroma-stft` of an audio file, streamed ([`chroma_stft_blocks`]) and
/// appended to the `.npy` as it comes.
fn stream_chroma_stft(io: &InputOutput, cfg: ChromaStftConfig) -> Result<()> {
    let mut writer = audio_io::npy::NpyColumnWriter::<f32>::create(&io.output, cfg.n_chroma)?;
    chroma_stft_blocks(io, cfg, |chroma| Ok(writer.write_columns(chroma.view())?))?;
    let info = writer.finish()?;
    println!("wrote {} ({info})", io.output.display());
    Ok(())
}

/// The chromagram of an audio file, block by block: when the tuning is
/// estimated (librosa's default), a first pass estimates it from the power
/// spectrogram's peaks ([`stream_tuning`]); then each block's power frames
/// are projected on the chroma filterbank and normalised, frame by frame
/// as the whole-signal path, and handed to `sink`.
fn chroma_stft_blocks(
    io: &InputOutput,
    cfg: ChromaStftConfig,
    mut sink: impl FnMut(Array2<f32>) -> Result<()>,
) -> Result<()> {
    let tuning = match cfg.tuning {
        Some(tuning) => tuning,
        None => stream_tuning(io, &cfg.stft, 2.0, cfg.n_chroma)?,
    };
    let chroma = ChromaStft::<f32>::new(ChromaStftConfig {
        tuning: Some(tuning),
        ..cfg.clone()
    })?;
    let mut stream = audio_dsp::StreamingStft::<f32>::new(cfg.stft.clone())?;
    let mut blocks = io.stream()?;
    let mut emit = |spec: ndarray::Array2<num_complex::Complex<f32>>| -> Result<()> {
        let power = audio_dsp::spectrogram_power(spec.view(), 2.0);
        if power.ncols() > 0 {
            sink(chroma.process_power(power.view())?)?;
        }
        Ok(())
    };
    while let Some(block) = blocks.next_block()? {
        emit(stream.push(&block.row(0).to_vec())?)?;
    }
    emit(stream.finish()?)
}

/// `estimate-key` of an audio file, streamed: the mean of its
/// `chroma_stft` ([`chroma_stft_blocks`], librosa's defaults at `sr`),
/// summed frame by frame as [`audio_dsp::estimate_key`] sums it, then
/// [`audio_dsp::key_from_profile`]. Equal to
/// [`audio_dsp::estimate_key_from_signal`] of the loaded signal.
fn stream_key(input: &Path, sr: u32) -> Result<audio_dsp::KeyEstimate> {
    let io = InputOutput {
        input: input.to_path_buf(),
        output: std::path::PathBuf::new(),
        sr,
    };
    let cfg = ChromaStftConfig {
        sr: f64::from(sr),
        ..ChromaStftConfig::default()
    };
    let mut sums = [-0.0f64; 12];
    let mut frames = 0usize;
    chroma_stft_blocks(&io, cfg, |chroma| {
        for (acc, row) in sums.iter_mut().zip(chroma.rows()) {
            for &v in row {
                *acc += f64::from(v);
            }
        }
        frames += chroma.ncols();
        Ok(())
    })?;
    if frames == 0 {
        // The whole-signal path's error for a chromagram without frames.
        return Ok(audio_dsp::estimate_key(
            Array2::<f32>::zeros((12, 0)).view(),
        )?);
    }
    let profile = sums.map(|s| s / frames as f64);
    Ok(audio_dsp::key_from_profile(&profile)?)
}

/// `onset-strength` of an audio file, streamed in two passes
/// ([`stream_onset_envelope`]) and appended to the 1-D `.npy` as it comes.
fn stream_onset_strength(io: &InputOutput, cfg: &OnsetStrengthConfig) -> Result<()> {
    let mut writer = audio_io::npy::NpyColumnWriter::<f32>::create_vector(&io.output)?;
    stream_onset_envelope(io, cfg, |values| {
        Ok(writer.write_columns(row(values)?.view())?)
    })?;
    let info = writer.finish()?;
    println!("wrote {} ({info})", io.output.display());
    Ok(())
}

/// `yin` of an audio file, streamed: frames come from the stream's
/// centring and framing, each span's frames go through the same per-frame
/// estimate uncentred, and the f0 values are appended as they come.
fn stream_yin(io: &InputOutput, config: YinConfig) -> Result<()> {
    let framing = (
        config.frame_length,
        config.hop_length.unwrap_or(config.frame_length / 4),
        config.center,
        config.pad_mode,
    );
    let yin = Yin::new(YinConfig {
        center: false,
        ..config
    })?;
    stream_framed(io, framing, None, |span| row(yin.process(span)?))
}

fn onset_strength_of<T: Float>(x: &[T], cfg: OnsetStrengthConfig) -> Result<Vec<T>> {
    Ok(OnsetStrength::<T>::new(cfg)?.process(x)?)
}

fn onset_detect_of<T: Float>(
    x: &[T],
    cfg: OnsetStrengthConfig,
    detect: &OnsetDetect,
) -> Result<Vec<usize>> {
    let env = OnsetStrength::<T>::new(cfg)?.process(x)?;
    Ok(detect.process_envelope(&env, None)?)
}

fn write_vec<T: WritableElement>(path: &Path, v: Vec<T>) -> Result<()> {
    write_npy(path, &Array1::from(v))
}

fn estimate_key_of(input: &Path, sr: u32) -> Result<audio_dsp::KeyEstimate> {
    if is_npy(input) {
        let chroma = match read_floats(input)? {
            Precision::F32(a) if a.ndim() == 2 => Some(a.mapv(f64::from)),
            Precision::F64(a) if a.ndim() == 2 => Some(a),
            _ => None,
        };
        if let Some(a) = chroma {
            let m = crate::matrix(input, a, "a (12, frames) chroma array")?;
            return Ok(audio_dsp::estimate_key(m.view())?);
        }
    }
    if !is_npy(input) {
        return stream_key(input, sr);
    }
    on_precision!(read_signal(input, sr)?, |x| Ok(
        audio_dsp::estimate_key_from_signal(&x, f64::from(sr))?
    ))
}

impl PitchArgs {
    fn yin(&self, sr: u32, trough_threshold: f64) -> Result<YinConfig> {
        Ok(YinConfig {
            sr: f64::from(sr),
            fmin: self.fmin,
            fmax: self.fmax,
            frame_length: self.frame_length,
            hop_length: self.hop_length,
            trough_threshold,
            center: !self.no_center,
            pad_mode: PadMode::parse(&self.pad_mode)?,
        })
    }

    fn pyin(&self, sr: u32, resolution: f64, switch_prob: f64) -> Result<PyinConfig> {
        Ok(PyinConfig {
            sr: f64::from(sr),
            fmin: self.fmin,
            fmax: self.fmax,
            frame_length: self.frame_length,
            hop_length: self.hop_length,
            resolution,
            switch_prob,
            center: !self.no_center,
            pad_mode: PadMode::parse(&self.pad_mode)?,
            ..PyinConfig::default()
        })
    }
}

/// Runs one subcommand.
pub fn run(cmd: PitchCommand) -> Result<()> {
    match cmd {
        PitchCommand::ChromaStft { io, chroma } => {
            let cfg = chroma.config(io.sr)?;
            if !is_npy(&io.input) {
                return stream_chroma_stft(&io, cfg);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let c = ChromaStft::new(cfg)?.process(&x)?;
                write_npy(&io.output, &c)
            })
        }
        PitchCommand::OnsetStrength { io, onset } => {
            let cfg = onset.config(io.sr)?;
            if !is_npy(&io.input) {
                return stream_onset_strength(&io, &cfg);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| write_vec(
                &io.output,
                onset_strength_of(&x, cfg)?
            ))
        }
        PitchCommand::OnsetDetect {
            io,
            onset,
            backtrack,
            units,
        } => {
            let cfg = onset.config(io.sr)?;
            let detect = OnsetDetect::new(OnsetDetectConfig {
                sr: f64::from(io.sr),
                hop_length: onset.hop_length,
                backtrack,
                ..OnsetDetectConfig::default()
            })?;
            let frames = if is_npy(&io.input) {
                on_precision!(read_signal(&io.input, io.sr)?, |x| onset_detect_of(
                    &x, cfg, &detect
                ))?
            } else {
                detect.process_envelope(&onset_envelope(&io, &cfg)?, None)?
            };
            match units.as_str() {
                "frames" => write_vec(&io.output, frames.iter().map(|&f| f as i64).collect()),
                "samples" => write_vec(
                    &io.output,
                    detect
                        .to_samples(&frames)
                        .iter()
                        .map(|&f| f as i64)
                        .collect(),
                ),
                "time" => write_vec(&io.output, detect.to_seconds(&frames)),
                other => Err(Error::Dsp(audio_dsp::Error::InvalidParameter {
                    name: "units",
                    value: other.to_string(),
                    expected: "frames, samples or time",
                })),
            }
        }
        PitchCommand::Yin {
            io,
            pitch,
            trough_threshold,
        } => {
            let config = pitch.yin(io.sr, trough_threshold)?;
            if !is_npy(&io.input) {
                return stream_yin(&io, config);
            }
            let yin = Yin::new(config)?;
            let f0 = on_precision!(read_signal(&io.input, io.sr)?, |x| yin.process(&x))?;
            write_vec(&io.output, f0)
        }
        PitchCommand::Pyin {
            io,
            pitch,
            voiced_flag,
            voiced_prob,
            resolution,
            switch_prob,
        } => {
            let pyin = Pyin::new(pitch.pyin(io.sr, resolution, switch_prob)?)?;
            let out = if is_npy(&io.input) {
                on_precision!(read_signal(&io.input, io.sr)?, |x| pyin.process(&x))?
            } else {
                // Streamed: the signal is never held, only each frame's
                // Viterbi back-pointers (2.4 KB a frame at the defaults).
                let mut stream = pyin.stream()?;
                let mut blocks = io.stream()?;
                while let Some(block) = blocks.next_block()? {
                    stream.push(&block.row(0).to_vec())?;
                }
                stream.finish()?
            };
            write_vec(&io.output, out.f0)?;
            if let Some(path) = voiced_flag {
                write_vec(
                    &path,
                    out.voiced_flag.iter().map(|&v| u8::from(v)).collect(),
                )?;
            }
            if let Some(path) = voiced_prob {
                write_vec(&path, out.voiced_prob)?;
            }
            Ok(())
        }
        PitchCommand::EstimateKey { input, output, sr } => {
            let est = estimate_key_of(&input, sr)?;
            crate::eval_commands::write_json(output.as_deref(), to_json(&est)?)
        }
    }
}
