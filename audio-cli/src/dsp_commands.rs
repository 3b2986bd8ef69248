//! Subcommands that call `audio-dsp`, named after the librosa functions they
//! mirror, with librosa's keyword arguments as kebab-case flags.

use std::path::{Path, PathBuf};

use audio_dsp::{
    DbReference, DctNorm, DctType, Float, GriffinLimConfig, GriffinLimInit, IstftConfig, MelConfig,
    MelNorm, MelSpectrogramConfig, MfccConfig, PadMode, ResampleMethod, StftConfig, Transform,
    WindowKind,
};
use clap::{Args, Subcommand};
use num_complex::Complex;

use audio_io::npy::{
    is_npy, read_complex, read_floats, read_npy, read_signal, NpyArray, NpyColumnWriter, Precision,
    WritableElement,
};
use audio_io::on_precision;

use crate::stream_input::{log_mel, log_mel_peak, stream_frames};
use crate::write_npy;
use crate::Result;

/// `audio-dsp` subcommands.
#[derive(Debug, Subcommand)]
pub enum DspCommand {
    /// librosa.resample: band-limited resampling to `--target-sr` (`ceil(n * target / orig)` samples).
    Resample {
        /// Input: a 1-D `.npy` signal (give `--orig-sr`), or an audio file (read at its own rate, channels averaged).
        input: PathBuf,
        /// Output `.npy` file (same dtype as the input; float32 for audio files).
        #[arg(short, long)]
        output: PathBuf,
        /// Rate of a `.npy` input in Hz (audio files use their own rate).
        #[arg(long)]
        orig_sr: Option<f64>,
        /// Target rate in Hz.
        #[arg(long)]
        target_sr: f64,
        /// Resampler: soxr_hq (the default, as librosa), soxr_vhq, soxr_mq, soxr_lq (soxr's recipes), fft (scipy.signal.resample), or our sinc presets high, medium, fast.
        #[arg(long, value_enum, default_value_t = ResType::SoxrHq)]
        res_type: ResType,
        /// Scale by `sqrt(orig_sr / target_sr)` to keep the energy (librosa's `scale=True`).
        #[arg(long)]
        scale: bool,
    },
    /// librosa.stft: complex spectrogram `(1 + n_fft/2, frames)`, complex64 for float32 input.
    Stft {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
    },
    /// librosa.istft: signal from a complex `.npy` spectrogram.
    Istft {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Output length in samples.
        #[arg(long)]
        length: Option<usize>,
    },
    /// librosa.feature.melspectrogram: `(n_mels, frames)`.
    Melspectrogram {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        #[command(flatten)]
        mel: MelArgs,
        /// Mel filter normalisation: slaney, none, inf or a p-norm order.
        #[arg(long, default_value = "slaney")]
        norm: MelNorm,
        /// Exponent of the magnitude (2 = power, 1 = energy).
        #[arg(long, default_value_t = 2.0)]
        power: f64,
    },
    /// librosa.power_to_db on a `.npy` array.
    PowerToDb {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        db: DbArgs,
        /// Floor on the input (librosa's default 1e-10).
        #[arg(long, default_value_t = 1e-10)]
        amin: f64,
    },
    /// librosa.amplitude_to_db on a `.npy` array.
    AmplitudeToDb {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        db: DbArgs,
        /// Floor on the input (librosa's default 1e-5).
        #[arg(long, default_value_t = 1e-5)]
        amin: f64,
    },
    /// librosa.feature.mfcc: `(n_mfcc, frames)`.
    Mfcc {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        #[command(flatten)]
        mel: MelArgs,
        /// Mel filter normalisation: slaney, none, inf or a p-norm order
        /// (librosa's `melspectrogram(norm=...)`).
        #[arg(long, default_value = "slaney")]
        mel_norm: MelNorm,
        /// Number of coefficients.
        #[arg(long, default_value_t = 20)]
        n_mfcc: usize,
        /// DCT type: 1, 2 or 3.
        #[arg(long, default_value_t = 2)]
        dct_type: u8,
        /// DCT normalisation, librosa's `mfcc(norm=...)`: ortho or none.
        #[arg(long, alias = "dct-norm", value_enum, default_value_t = DctNormArg::Ortho)]
        norm: DctNormArg,
        /// Cepstral liftering coefficient (0 disables).
        #[arg(long, default_value_t = 0.0)]
        lifter: f64,
    },
    /// librosa.griffinlim: a signal from a magnitude `.npy` spectrogram.
    Griffinlim {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Iterations.
        #[arg(long, default_value_t = 32)]
        n_iter: usize,
        /// Momentum of fast Griffin-Lim (0 = classic).
        #[arg(long, default_value_t = 0.99)]
        momentum: f64,
        /// Initial phase: random or none (zero phase).
        #[arg(long, default_value = "random")]
        init: String,
        /// Seed for `--init random`.
        #[arg(long, default_value_t = 0)]
        random_state: u64,
        /// Output length in samples.
        #[arg(long)]
        length: Option<usize>,
        /// Iterate in the input's precision (f32 for a float32 input, about
        /// twice as fast, as librosa computes) instead of f64.
        #[arg(long)]
        native_precision: bool,
    },
    /// librosa.mu_compress: int64 codes with --quantize (default), else floats.
    MuCompress {
        #[command(flatten)]
        io: InputOutput,
        /// Compression parameter.
        #[arg(long, default_value_t = 255.0)]
        mu: f64,
        /// Quantise to mu + 1 integer levels (librosa's default).
        #[arg(long, overrides_with = "no_quantize")]
        quantize: bool,
        /// Keep continuous values.
        #[arg(long)]
        no_quantize: bool,
    },
    /// librosa.mu_expand: integer codes of any dtype (or integer-valued floats) with --quantize (default), else floats in [-1, 1]; float64 out for integer codes, the input's precision for float codes.
    MuExpand {
        #[command(flatten)]
        io: InputOutput,
        /// Compression parameter.
        #[arg(long, default_value_t = 255.0)]
        mu: f64,
        /// The input holds quantised integer codes (librosa's default).
        #[arg(long, overrides_with = "no_quantize")]
        quantize: bool,
        /// The input holds continuous values.
        #[arg(long)]
        no_quantize: bool,
    },
}

/// `--norm` of `mfcc`: the DCT normalisation (scipy's `norm`).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DctNormArg {
    /// Orthonormal DCT (`norm="ortho"`, librosa's default).
    Ortho,
    /// scipy's unnormalised DCT (`norm=None`).
    #[value(alias = "None")]
    None,
}

impl From<DctNormArg> for DctNorm {
    fn from(n: DctNormArg) -> Self {
        match n {
            DctNormArg::Ortho => DctNorm::Ortho,
            DctNormArg::None => DctNorm::None,
        }
    }
}

/// librosa's `res_type` names, and our own sinc presets.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ResType {
    /// `ResampleMethod::SoxrHq` (librosa's default).
    #[value(name = "soxr_hq")]
    SoxrHq,
    /// `ResampleMethod::SoxrVhq`.
    #[value(name = "soxr_vhq")]
    SoxrVhq,
    /// `ResampleMethod::SoxrMq`.
    #[value(name = "soxr_mq")]
    SoxrMq,
    /// `ResampleMethod::SoxrLq`.
    #[value(name = "soxr_lq")]
    SoxrLq,
    /// `ResampleMethod::Fft` (`scipy.signal.resample`).
    #[value(name = "fft", alias = "scipy")]
    Fft,
    /// `ResampleMethod::High` (a rubato sinc preset).
    #[value(name = "high")]
    High,
    /// `ResampleMethod::Medium`.
    #[value(name = "medium")]
    Medium,
    /// `ResampleMethod::Fast`.
    #[value(name = "fast")]
    Fast,
}

impl From<ResType> for ResampleMethod {
    fn from(r: ResType) -> Self {
        match r {
            ResType::SoxrHq => ResampleMethod::SoxrHq,
            ResType::SoxrVhq => ResampleMethod::SoxrVhq,
            ResType::SoxrMq => ResampleMethod::SoxrMq,
            ResType::SoxrLq => ResampleMethod::SoxrLq,
            ResType::Fft => ResampleMethod::Fft,
            ResType::High => ResampleMethod::High,
            ResType::Medium => ResampleMethod::Medium,
            ResType::Fast => ResampleMethod::Fast,
        }
    }
}

fn resample_of<T: Float + WritableElement>(
    x: &[T],
    orig_sr: f64,
    target_sr: f64,
    method: ResampleMethod,
    scale: bool,
    output: &Path,
) -> Result<()> {
    let mut y = audio_dsp::Resampler::new(orig_sr, target_sr, method)?.process(x)?;
    if scale {
        let gain = T::from((orig_sr / target_sr).sqrt()).unwrap_or_else(T::one);
        y.iter_mut().for_each(|v| *v = *v * gain);
    }
    write_npy(output, &ndarray::Array1::from(y))
}

/// `mfcc` of an audio file in two streamed passes: librosa's log-mel
/// (`power_to_db(S, ref=1.0, amin=1e-10, top_db=80)`) clips at the whole
/// file's maximum minus 80 dB, so the first pass finds that maximum from
/// the streamed mel frames, and the second clips each block's log-mel at
/// it, applies the DCT and appends the coefficients to the `.npy`. The
/// element-wise steps are those of the whole-file path.
fn mfcc_streaming(io: &InputOutput, cfg: MfccConfig) -> Result<()> {
    const TOP_DB: f32 = 80.0;
    let mfcc = audio_dsp::Mfcc::<f32>::new(cfg.clone())?;
    let floor = log_mel_peak(io, &cfg.mel)? - TOP_DB;
    let mut stream = audio_dsp::StreamingMelSpectrogram::<f32>::new(cfg.mel.clone())?;
    stream_frames(io, Some(cfg.n_mfcc), |block| {
        let mel = match block {
            Some(block) => stream.push(block)?,
            None => stream.finish()?,
        };
        let mut m = log_mel(&mel)?;
        m.mapv_inplace(|v| v.max(floor));
        Ok(mfcc.process_log_mel(m.view())?)
    })
}

/// Whether `method` resamples block by block (soxr's recipes).
pub(crate) fn method_streams(method: ResampleMethod) -> bool {
    matches!(
        method,
        ResampleMethod::SoxrHq
            | ResampleMethod::SoxrVhq
            | ResampleMethod::SoxrMq
            | ResampleMethod::SoxrLq
    )
}

/// `resample` of an audio file with a soxr recipe: decoded and mixed at
/// its own rate block by block, resampled by a stream (the samples of the
/// whole-signal resampler, to the bit) and appended to the 1-D float32
/// `.npy` as they come, so memory does not grow with the file.
fn resample_file_streaming(
    input: &Path,
    output: &Path,
    target_sr: f64,
    method: ResampleMethod,
    scale: bool,
) -> Result<()> {
    let mut blocks = audio_io::LoadStream::<f32>::open(
        input,
        &audio_io::LoadOptions {
            sr: None,
            ..audio_io::LoadOptions::default()
        },
    )?;
    let orig_sr = f64::from(blocks.sample_rate());
    let mut stream = audio_dsp::Resampler::new(orig_sr, target_sr, method)?.stream()?;
    let gain = (orig_sr / target_sr).sqrt() as f32;
    let mut writer = NpyColumnWriter::<f32>::create_vector(output)?;
    let mut out = Vec::new();
    let mut write = |out: &mut Vec<f32>| -> Result<()> {
        if scale {
            out.iter_mut().for_each(|v| *v *= gain);
        }
        let row =
            ndarray::ArrayView2::from_shape((1, out.len()), out.as_slice()).map_err(|_| {
                crate::Error::Usage {
                    message: "a resampled block has an impossible shape",
                }
            })?;
        writer.write_columns(row)?;
        out.clear();
        Ok(())
    };
    while let Some(block) = blocks.next_block()? {
        stream.process(&block.row(0).to_vec(), &mut out)?;
        write(&mut out)?;
    }
    stream.finish(&mut out)?;
    write(&mut out)?;
    let info = writer.finish()?;
    println!("wrote {} ({info})", output.display());
    Ok(())
}

/// Input file, output file and sample rate (of the `audio-dsp` and the
/// pitch subcommands).
#[derive(Debug, Args)]
pub struct InputOutput {
    /// Input: a `.npy` array, or an audio file (WAV, FLAC, MP3, OGG) loaded as librosa.load(sr, mono=True).
    pub(crate) input: PathBuf,
    /// Output `.npy` file.
    #[arg(short, long)]
    pub(crate) output: PathBuf,
    /// Sample rate the audio is loaded at (and the transform is built for).
    #[arg(long, default_value_t = 22050)]
    pub(crate) sr: u32,
}

impl InputOutput {
    /// The audio input as `read_signal` loads it (`librosa.load(sr,
    /// mono=True)`, float32), block by block.
    pub(crate) fn stream(&self) -> Result<audio_io::LoadStream<f32>> {
        let options = audio_io::LoadOptions {
            sr: Some(self.sr),
            mono: true,
            ..audio_io::LoadOptions::default()
        };
        Ok(audio_io::LoadStream::open(&self.input, &options)?)
    }
}

/// STFT flags, librosa's keyword arguments.
#[derive(Debug, Args)]
pub struct StftArgs {
    /// FFT size.
    #[arg(long, default_value_t = 2048)]
    n_fft: usize,
    /// Hop length (default win_length / 4).
    #[arg(long)]
    hop_length: Option<usize>,
    /// Window length (default n_fft).
    #[arg(long)]
    win_length: Option<usize>,
    /// Window: hann, hamming, blackman, bartlett, boxcar, kaiser:BETA.
    #[arg(long, default_value = "hann")]
    window: String,
    /// Centre frames (the default).
    #[arg(long, overrides_with = "no_center")]
    center: bool,
    /// Do not centre frames.
    #[arg(long)]
    no_center: bool,
    /// Padding for centring: constant, reflect or edge.
    #[arg(long, default_value = "constant")]
    pad_mode: String,
}

impl StftArgs {
    pub(crate) fn config(&self) -> Result<StftConfig> {
        Ok(StftConfig {
            n_fft: self.n_fft,
            hop_length: self.hop_length,
            win_length: self.win_length,
            window: WindowKind::parse(&self.window)?,
            center: !self.no_center,
            pad_mode: PadMode::parse(&self.pad_mode)?,
        })
    }
}

/// Mel filterbank flags, librosa's keyword arguments.
#[derive(Debug, Args)]
pub struct MelArgs {
    /// Number of mel bands.
    #[arg(long, default_value_t = 128)]
    n_mels: usize,
    /// Lowest frequency (Hz).
    #[arg(long, default_value_t = 0.0)]
    fmin: f64,
    /// Highest frequency (Hz; default sr / 2).
    #[arg(long)]
    fmax: Option<f64>,
    /// Use the HTK mel formula.
    #[arg(long)]
    htk: bool,
}

impl MelArgs {
    /// The filterbank config with filter normalisation `norm` (slaney, none,
    /// inf or a p-norm order).
    fn config(&self, sr: u32, norm: MelNorm) -> Result<MelConfig> {
        Ok(MelConfig {
            sr: f64::from(sr),
            n_mels: self.n_mels,
            fmin: self.fmin,
            fmax: self.fmax,
            htk: self.htk,
            norm,
            ..MelConfig::default()
        })
    }
}

/// dB flags, librosa's keyword arguments.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// Reference: `max` or a value.
    #[arg(long = "ref", default_value = "1.0")]
    reference: DbReference,
    /// Clip below the peak minus this many dB; `none` disables.
    #[arg(long, default_value = "80")]
    top_db: crate::NoneOr,
}

fn mel_config(
    stft: &StftArgs,
    mel: &MelArgs,
    norm: MelNorm,
    sr: u32,
    power: f64,
) -> Result<MelSpectrogramConfig> {
    Ok(MelSpectrogramConfig {
        stft: stft.config()?,
        power,
        mel: mel.config(sr, norm)?,
    })
}

fn stft_of<T: Float + WritableElement>(x: &[T], cfg: StftConfig, out: &Path) -> Result<()>
where
    Complex<T>: WritableElement,
{
    let spec = audio_dsp::Stft::<T>::new(cfg)?.process(x)?;
    write_npy(out, &spec)
}

fn istft_of<T: Float + WritableElement>(
    input: &Path,
    spec: ndarray::ArrayD<Complex<T>>,
    cfg: IstftConfig,
    length: Option<usize>,
    out: &Path,
) -> Result<()> {
    let spec = crate::matrix(input, spec, "a 2-D complex array (bins, frames)")?;
    let y = audio_dsp::Istft::<T>::new(cfg)?.process(spec.view(), length)?;
    write_npy(out, &ndarray::Array1::from(y))
}

/// `power_to_db` (`power = true`) or `amplitude_to_db` of a `.npy` array, in its precision.
fn db_of(io: &InputOutput, db: &DbArgs, amin: f64, power: bool) -> Result<()> {
    let (reference, top_db) = (db.reference, db.top_db.0);
    on_precision!(read_floats(&io.input)?, |s| {
        let d = if power {
            audio_dsp::power_to_db(s.view(), reference, amin, top_db)?
        } else {
            audio_dsp::amplitude_to_db(s.view(), reference, amin, top_db)?
        };
        write_npy(&io.output, &d)
    })
}

/// Runs one `audio-dsp` subcommand.
pub fn run(cmd: DspCommand) -> Result<()> {
    match cmd {
        DspCommand::Resample {
            input,
            output,
            orig_sr,
            target_sr,
            res_type,
            scale,
        } => {
            let method = ResampleMethod::from(res_type);
            let (signal, orig) = match orig_sr {
                Some(sr) if is_npy(&input) => (read_signal(&input, 0)?, sr),
                _ if is_npy(&input) => {
                    return Err(audio_dsp::Error::InvalidParameter {
                        name: "orig_sr",
                        value: "none".to_string(),
                        expected: "the rate of the .npy signal (--orig-sr)",
                    }
                    .into())
                }
                _ if method_streams(method) => {
                    return resample_file_streaming(&input, &output, target_sr, method, scale);
                }
                _ => {
                    let audio = audio_io::load::<f32>(
                        &input,
                        &audio_io::LoadOptions {
                            sr: None,
                            ..Default::default()
                        },
                    )?;
                    let rate = f64::from(audio.sample_rate);
                    (Precision::F32(audio.samples.into_iter().collect()), rate)
                }
            };
            on_precision!(signal, |x| resample_of(
                &x, orig, target_sr, method, scale, &output
            ))
        }
        DspCommand::Stft { io, stft } => {
            let cfg = stft.config()?;
            if !is_npy(&io.input) {
                let mut stream = audio_dsp::StreamingStft::<f32>::new(cfg.clone())?;
                let bins = 1 + cfg.n_fft / 2;
                return stream_frames(&io, Some(bins), |block| match block {
                    Some(block) => Ok(stream.push(block)?),
                    None => Ok(stream.finish()?),
                });
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| stft_of(
                &x, cfg, &io.output
            ))
        }
        DspCommand::Istft { io, stft, length } => {
            let cfg = IstftConfig::from(&stft.config()?);
            on_precision!(read_complex(&io.input)?, |spec| istft_of(
                &io.input, spec, cfg, length, &io.output
            ))
        }
        DspCommand::Melspectrogram {
            io,
            stft,
            mel,
            norm,
            power,
        } => {
            let cfg = mel_config(&stft, &mel, norm, io.sr, power)?;
            if !is_npy(&io.input) {
                let n_mels = cfg.mel.n_mels;
                let mut stream = audio_dsp::StreamingMelSpectrogram::<f32>::new(cfg)?;
                return stream_frames(&io, Some(n_mels), |block| match block {
                    Some(block) => Ok(stream.push(block)?),
                    None => Ok(stream.finish()?),
                });
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let m = audio_dsp::MelSpectrogram::new(cfg)?.process(&x)?;
                write_npy(&io.output, &m)
            })
        }
        DspCommand::PowerToDb { io, db, amin } => db_of(&io, &db, amin, true),
        DspCommand::AmplitudeToDb { io, db, amin } => db_of(&io, &db, amin, false),
        DspCommand::Mfcc {
            io,
            stft,
            mel,
            mel_norm,
            n_mfcc,
            dct_type,
            norm,
            lifter,
        } => {
            let cfg = MfccConfig {
                mel: mel_config(&stft, &mel, mel_norm, io.sr, 2.0)?,
                n_mfcc,
                dct_type: DctType::from_number(dct_type)?,
                norm: norm.into(),
                lifter,
            };
            if !is_npy(&io.input) {
                return mfcc_streaming(&io, cfg);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let m = audio_dsp::Mfcc::new(cfg)?.process(&x)?;
                write_npy(&io.output, &m)
            })
        }
        DspCommand::Griffinlim {
            io,
            stft,
            n_iter,
            momentum,
            init,
            random_state,
            length,
            native_precision,
        } => {
            let stft = stft.config()?;
            let zero_phase = init == "none";
            on_precision!(read_floats(&io.input)?, |s| {
                let s = crate::matrix(&io.input, s, "a 2-D magnitude array (bins, frames)")?;
                let cfg = GriffinLimConfig {
                    stft,
                    n_iter,
                    momentum,
                    init: if zero_phase {
                        GriffinLimInit::Zero
                    } else {
                        GriffinLimInit::Random { seed: random_state }
                    },
                    length,
                    precision: if native_precision {
                        audio_dsp::GriffinLimPrecision::Native
                    } else {
                        audio_dsp::GriffinLimPrecision::Double
                    },
                };
                let y = audio_dsp::griffin_lim(s.view(), &cfg)?;
                write_npy(&io.output, &ndarray::Array1::from(y))
            })
        }
        DspCommand::MuCompress {
            io,
            mu,
            no_quantize,
            ..
        } => {
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                if no_quantize {
                    write_npy(
                        &io.output,
                        &ndarray::Array1::from(audio_dsp::mu_compress(&x, mu)?),
                    )
                } else {
                    let q = audio_dsp::mu_compress_quantized(&x, mu)?;
                    write_npy(&io.output, &ndarray::Array1::from(q))
                }
            })
        }
        DspCommand::MuExpand {
            io,
            mu,
            no_quantize,
            ..
        } => {
            if no_quantize {
                on_precision!(read_signal(&io.input, io.sr)?, |x| {
                    write_npy(
                        &io.output,
                        &ndarray::Array1::from(audio_dsp::mu_expand(&x, mu)?),
                    )
                })
            } else {
                // librosa scales the codes by `2.0 / (1 + mu)`: integer codes
                // come out float64, float32 codes float32.
                let codes = read_npy(&io.input)?;
                let single = matches!(codes, NpyArray::F32(_));
                let codes: Vec<i64> = codes.into_integers()?.into_iter().collect();
                if single {
                    let y: Vec<f32> = audio_dsp::mu_expand_quantized(&codes, mu)?;
                    write_npy(&io.output, &ndarray::Array1::from(y))
                } else {
                    let y: Vec<f64> = audio_dsp::mu_expand_quantized(&codes, mu)?;
                    write_npy(&io.output, &ndarray::Array1::from(y))
                }
            }
        }
    }
}
