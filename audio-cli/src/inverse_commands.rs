//! Subcommands for the feature inverses (`mel-to-stft`, `mel-to-audio`,
//! `mfcc-to-mel`, `mfcc-to-audio`), `librosa.feature.inverse`'s functions
//! with their keyword arguments as kebab-case flags and librosa's output
//! shapes and dtypes.
//!
//! The input is a 2-D `.npy` array (a mel spectrogram `(n_mels, frames)` or
//! MFCCs `(n_mfcc, frames)`, float32 or float64) and the output a `.npy`:
//! spectrograms in the input's dtype, signals in `--dtype` (float32 by
//! default, as librosa's `dtype=np.float32`).

use std::path::PathBuf;

use audio_dsp::feature::inverse::{
    mel_to_audio, mel_to_stft, mfcc_to_audio, mfcc_to_mel, MelToAudioConfig, MelToStftConfig,
    MfccToAudioConfig, MfccToMelConfig,
};
use audio_dsp::{DctType, Float, GriffinLimInit, MelNorm, PadMode, WindowKind};
use audio_io::npy::read_floats;
use audio_io::on_precision;
use clap::{Args, Subcommand};
use ndarray::Array1;

use crate::dsp_commands::DctNormArg;
use crate::{write_npy, Result};

/// Feature inversion subcommands.
#[derive(Debug, Subcommand)]
pub enum InverseCommand {
    /// librosa.feature.inverse.mel_to_stft: a mel spectrogram `(n_mels,
    /// frames)` to a magnitude spectrogram `(1 + n_fft // 2, frames)` by
    /// non-negative least squares, the input's dtype.
    MelToStft {
        #[command(flatten)]
        io: ArrayIo,
        #[command(flatten)]
        mel: InverseMelArgs,
        /// Filterbank normalisation: slaney, none, inf or a p-norm order.
        #[arg(long, default_value = "slaney")]
        norm: MelNorm,
    },
    /// librosa.feature.inverse.mel_to_audio: a mel spectrogram `(n_mels,
    /// frames)` to a signal `(length,)` through Griffin-Lim, in `--dtype`.
    MelToAudio {
        #[command(flatten)]
        io: ArrayIo,
        #[command(flatten)]
        mel: InverseMelArgs,
        /// Filterbank normalisation: slaney, none, inf or a p-norm order.
        #[arg(long, default_value = "slaney")]
        norm: MelNorm,
        #[command(flatten)]
        griffin_lim: GriffinLimArgs,
    },
    /// librosa.feature.inverse.mfcc_to_mel: MFCCs `(n_mfcc, frames)` to a mel
    /// power spectrogram `(n_mels, frames)`, the input's dtype.
    MfccToMel {
        #[command(flatten)]
        io: ArrayIo,
        #[command(flatten)]
        mfcc: MfccArgs,
    },
    /// librosa.feature.inverse.mfcc_to_audio: MFCCs `(n_mfcc, frames)` to a
    /// signal `(length,)` (mfcc_to_mel, then mel_to_audio), in `--dtype`.
    MfccToAudio {
        #[command(flatten)]
        io: ArrayIo,
        #[command(flatten)]
        mfcc: MfccArgs,
        #[command(flatten)]
        mel: InverseMelArgs,
        /// Filterbank normalisation (librosa's mfcc_to_audio keeps the
        /// default, its `norm` being the DCT's): slaney, none, inf or a p-norm order.
        #[arg(long, default_value = "slaney")]
        mel_norm: MelNorm,
        #[command(flatten)]
        griffin_lim: GriffinLimArgs,
    },
}

/// A 2-D `.npy` in, a `.npy` out.
#[derive(Debug, Args)]
pub struct ArrayIo {
    /// Input: a 2-D `.npy` array (float32 or float64).
    input: PathBuf,
    /// Output `.npy` file.
    #[arg(short, long)]
    output: PathBuf,
}

/// The mel inversion's flags (the filterbank's `n_mels` is the input's rows).
#[derive(Debug, Args)]
pub struct InverseMelArgs {
    /// Sample rate of the underlying signal.
    #[arg(long, default_value_t = 22050.0)]
    sr: f64,
    /// FFT size of the spectrogram.
    #[arg(long, default_value_t = 2048)]
    n_fft: usize,
    /// Exponent of the mel spectrogram (2 power, 1 magnitude).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    power: f64,
    /// Lowest filterbank frequency (Hz).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    fmin: f64,
    /// Highest filterbank frequency (Hz; default sr / 2).
    #[arg(long, allow_negative_numbers = true)]
    fmax: Option<f64>,
    /// Use the HTK mel formula.
    #[arg(long)]
    htk: bool,
}

impl InverseMelArgs {
    fn config(&self, norm: MelNorm) -> MelToStftConfig {
        MelToStftConfig {
            sr: self.sr,
            n_fft: self.n_fft,
            power: self.power,
            fmin: self.fmin,
            fmax: self.fmax,
            htk: self.htk,
            norm,
        }
    }
}

/// The MFCC inversion's flags.
#[derive(Debug, Args)]
pub struct MfccArgs {
    /// Mel bands of the recovered spectrogram.
    #[arg(long, default_value_t = 128)]
    n_mels: usize,
    /// DCT type: 1, 2 or 3.
    #[arg(long, default_value_t = 2)]
    dct_type: u8,
    /// DCT normalisation: ortho or none.
    #[arg(long, value_enum, default_value_t = DctNormArg::Ortho)]
    norm: DctNormArg,
    /// Reference power of the decibels.
    #[arg(long = "ref", default_value_t = 1.0, allow_negative_numbers = true)]
    reference: f64,
    /// Cepstral liftering to undo (0: none).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    lifter: f64,
}

impl MfccArgs {
    fn config(&self) -> Result<MfccToMelConfig> {
        Ok(MfccToMelConfig {
            n_mels: self.n_mels,
            dct_type: DctType::from_number(self.dct_type)?,
            norm: self.norm.into(),
            reference: self.reference,
            lifter: self.lifter,
        })
    }
}

/// Output dtype of the signal (librosa's `dtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignalDtype {
    /// `np.float32` (librosa's default).
    Float32,
    /// `np.float64`.
    Float64,
}

/// Griffin-Lim's flags, librosa's `mel_to_audio` keyword arguments.
#[derive(Debug, Args)]
pub struct GriffinLimArgs {
    /// Hop length (default win_length / 4).
    #[arg(long)]
    hop_length: Option<usize>,
    /// Window length (default n_fft).
    #[arg(long)]
    win_length: Option<usize>,
    /// Window: hann, hamming, blackman, bartlett, boxcar, kaiser:BETA.
    #[arg(long, default_value = "hann")]
    window: String,
    /// The frames were centred (the default).
    #[arg(long, overrides_with = "no_center")]
    center: bool,
    /// The frames were not centred.
    #[arg(long)]
    no_center: bool,
    /// Padding for centring: constant, reflect or edge.
    #[arg(long, default_value = "constant")]
    pad_mode: String,
    /// Griffin-Lim iterations.
    #[arg(long, default_value_t = 32)]
    n_iter: usize,
    /// Output length in samples.
    #[arg(long)]
    length: Option<usize>,
    /// Output dtype: float32 (librosa's default) or float64.
    #[arg(long, value_enum, default_value_t = SignalDtype::Float32)]
    dtype: SignalDtype,
    /// Momentum of fast Griffin-Lim (librosa.griffinlim's default).
    #[arg(long, default_value_t = 0.99, allow_negative_numbers = true)]
    momentum: f64,
    /// Initial phase: none (zero phase, deterministic) or random (librosa's
    /// mel_to_audio uses random phases, with numpy's generator).
    #[arg(long, default_value = "none")]
    init: String,
    /// Seed for `--init random`.
    #[arg(long, default_value_t = 0)]
    random_state: u64,
}

impl GriffinLimArgs {
    fn config<T: Float>(&self, mel: MelToStftConfig) -> Result<MelToAudioConfig<T>> {
        let init = match self.init.trim().to_ascii_lowercase().as_str() {
            "none" => GriffinLimInit::Zero,
            "random" => GriffinLimInit::Random {
                seed: self.random_state,
            },
            _ => {
                return Err(audio_dsp::Error::InvalidParameter {
                    name: "init",
                    value: self.init.chars().take(32).collect(),
                    expected: "none or random",
                }
                .into())
            }
        };
        Ok(MelToAudioConfig {
            mel,
            hop_length: self.hop_length,
            win_length: self.win_length,
            window: WindowKind::parse(&self.window)?,
            center: !self.no_center,
            pad_mode: PadMode::parse(&self.pad_mode)?,
            n_iter: self.n_iter,
            length: self.length,
            momentum: self.momentum,
            init,
        })
    }
}

/// Writes a signal in the requested dtype.
fn write_signal<T: Float>(path: &std::path::Path, y: Vec<T>, dtype: SignalDtype) -> Result<()> {
    match dtype {
        SignalDtype::Float32 => write_npy(
            path,
            &y.iter()
                .map(|v| v.to_f32().unwrap_or(f32::NAN))
                .collect::<Array1<f32>>(),
        ),
        SignalDtype::Float64 => write_npy(
            path,
            &y.iter()
                .map(|v| v.to_f64().unwrap_or(f64::NAN))
                .collect::<Array1<f64>>(),
        ),
    }
}

/// Runs one inverse subcommand.
pub fn run(cmd: InverseCommand) -> Result<()> {
    match cmd {
        InverseCommand::MelToStft { io, mel, norm } => {
            let cfg = mel.config(norm);
            on_precision!(read_floats(&io.input)?, |m| {
                let m = crate::matrix(&io.input, m, "a 2-D mel spectrogram (n_mels, frames)")?;
                write_npy(&io.output, &mel_to_stft(m.view(), &cfg)?)
            })
        }
        InverseCommand::MelToAudio {
            io,
            mel,
            norm,
            griffin_lim,
        } => on_precision!(read_floats(&io.input)?, |m| {
            let m = crate::matrix(&io.input, m, "a 2-D mel spectrogram (n_mels, frames)")?;
            let cfg = griffin_lim.config(mel.config(norm))?;
            write_signal(&io.output, mel_to_audio(m.view(), &cfg)?, griffin_lim.dtype)
        }),
        InverseCommand::MfccToMel { io, mfcc } => {
            let cfg = mfcc.config()?;
            on_precision!(read_floats(&io.input)?, |c| {
                let c = crate::matrix(&io.input, c, "a 2-D MFCC array (n_mfcc, frames)")?;
                write_npy(&io.output, &mfcc_to_mel(c.view(), &cfg)?)
            })
        }
        InverseCommand::MfccToAudio {
            io,
            mfcc,
            mel,
            mel_norm,
            griffin_lim,
        } => {
            let mfcc = mfcc.config()?;
            on_precision!(read_floats(&io.input)?, |c| {
                let c = crate::matrix(&io.input, c, "a 2-D MFCC array (n_mfcc, frames)")?;
                let cfg = MfccToAudioConfig {
                    mfcc: mfcc.clone(),
                    audio: griffin_lim.config(mel.config(mel_norm))?,
                };
                write_signal(
                    &io.output,
                    mfcc_to_audio(c.view(), &cfg)?,
                    griffin_lim.dtype,
                )
            })
        }
    }
}
