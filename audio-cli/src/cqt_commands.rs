//! Constant-Q subcommands (`audio-dsp`): `cqt`, `vqt`, `icqt`, `hybrid-cqt`, `hcqt`,
//! `chroma-cqt` and `chroma-cens`, named after the librosa functions they
//! mirror, with librosa's keyword arguments as kebab-case flags.

use std::path::PathBuf;

use audio_dsp::{
    ChromaCens, ChromaCensConfig, ChromaCqt, ChromaCqtConfig, Cqt, CqtConfig, CqtMode, Float, Hcqt,
    HcqtConfig, HybridCqt, Icqt, PNorm, PadMode, ResampleMethod, StftConfig, StreamingCqt,
    StreamingHcqt, StreamingHybridCqt, Transform, WindowKind,
};
use clap::{Args, Subcommand};
use num_complex::Complex;

use crate::dsp_commands::{InputOutput, ResType};
use crate::stream_input::{no_frames, stream_frames, stream_tuning};
use audio_io::npy::{read_complex, read_signal, NpyColumnWriter, WritableElement};
use audio_io::on_precision;

use crate::write_npy;
use crate::Result;

/// Constant-Q subcommands.
#[derive(Debug, Subcommand)]
pub enum CqtCommand {
    /// librosa.cqt: complex `(n_bins, frames)` (complex64 for float32 input;
    /// `--magnitude` writes `|C|`).
    Cqt {
        #[command(flatten)]
        io: CqtInputOutput,
        #[command(flatten)]
        cqt: CqtArgs,
    },
    /// librosa.vqt: complex `(n_bins, frames)`; `--gamma` absent means
    /// librosa's ERB-derived default.
    Vqt {
        #[command(flatten)]
        io: CqtInputOutput,
        #[command(flatten)]
        cqt: CqtArgs,
        /// Bandwidth offset in Hz (default: 24.7 alpha / 0.108 per bin).
        #[arg(long)]
        gamma: Option<f64>,
    },
    /// librosa.icqt: a signal from a complex `(n_bins, frames)` `.npy` CQT
    /// (give the forward transform's flags).
    Icqt {
        #[command(flatten)]
        io: CqtInputOutput,
        #[command(flatten)]
        cqt: CqtArgs,
        /// Output length in samples.
        #[arg(long)]
        length: Option<usize>,
    },
    /// librosa.hybrid_cqt: `(n_bins, frames)` magnitudes.
    HybridCqt {
        #[command(flatten)]
        io: CqtInputOutput,
        #[command(flatten)]
        cqt: CqtArgs,
    },
    /// Harmonic CQT: `(harmonics, n_bins, frames)`, the CQT at `h * fmin`
    /// for each harmonic `h`, trimmed to common frames.
    Hcqt {
        #[command(flatten)]
        io: CqtInputOutput,
        #[command(flatten)]
        cqt: CqtArgs,
        /// Comma-separated harmonics.
        #[arg(long, default_value = "0.5,1,2,3,4,5")]
        harmonics: String,
    },
    /// librosa.feature.chroma_cqt: `(n_chroma, frames)`.
    ChromaCqt {
        #[command(flatten)]
        io: CqtInputOutput,
        #[command(flatten)]
        chroma: ChromaArgs,
        /// Per-frame normalisation: inf (default), none or a p-norm order.
        #[arg(long, default_value = "inf")]
        norm: PNorm,
        /// Chroma values below this become 0.
        #[arg(long, default_value_t = 0.0)]
        threshold: f64,
    },
    /// librosa.feature.chroma_cens: `(n_chroma, frames)`.
    ChromaCens {
        #[command(flatten)]
        io: CqtInputOutput,
        #[command(flatten)]
        chroma: ChromaArgs,
        /// Final per-frame normalisation: 2 (default), inf, none or a p-norm order.
        #[arg(long, default_value = "2")]
        norm: PNorm,
        /// Smoothing window length in frames (0 disables).
        #[arg(long, default_value_t = 41)]
        win_len_smooth: usize,
    },
}

/// Input file, output file and sample rate.
#[derive(Debug, Args)]
pub struct CqtInputOutput {
    /// Input: a 1-D `.npy` signal, or an audio file (WAV, FLAC, MP3, OGG) loaded as librosa.load(sr, mono=True).
    input: PathBuf,
    /// Output `.npy` file.
    #[arg(short, long)]
    output: PathBuf,
    /// Sample rate the audio is loaded at.
    #[arg(long, default_value_t = 22050)]
    sr: u32,
    /// Resampler inside the transform: soxr_hq (default, as librosa), fft
    /// (as librosa's res_type="fft"), soxr_vhq, soxr_mq, soxr_lq.
    #[arg(long, value_enum, default_value_t = ResType::SoxrHq)]
    res_type: ResType,
}

/// CQT flags, librosa's keyword arguments.
#[derive(Debug, Args)]
pub struct CqtArgs {
    /// Hop length in samples.
    #[arg(long, default_value_t = 512)]
    hop_length: usize,
    /// Lowest bin frequency in Hz (default C1 = 32.70 Hz).
    #[arg(long)]
    fmin: Option<f64>,
    /// Number of bins (default 84, librosa's; 72 for `hcqt`, whose fifth
    /// harmonic of 84 bins from C1 would pass the Nyquist frequency at 22050 Hz).
    #[arg(long)]
    n_bins: Option<usize>,
    /// Bins per octave.
    #[arg(long, default_value_t = 12)]
    bins_per_octave: usize,
    /// Tuning offset in fractions of a bin.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    tuning: f64,
    /// Filter length scale.
    #[arg(long, default_value_t = 1.0)]
    filter_scale: f64,
    /// Filter normalisation: 1 (default), 2, inf, none or a p-norm order.
    #[arg(long, default_value = "1")]
    norm: PNorm,
    /// Fraction of each filter's magnitude dropped from its FFT basis.
    #[arg(long, default_value_t = 0.01)]
    sparsity: f64,
    /// Filter window: hann, hamming, blackman, bartlett, boxcar, kaiser:BETA.
    #[arg(long, default_value = "hann")]
    window: String,
    /// Do not divide bins by sqrt(filter length) (librosa's scale=False).
    #[arg(long)]
    no_scale: bool,
    /// STFT padding: constant, reflect or edge.
    #[arg(long, default_value = "constant")]
    pad_mode: String,
    /// Write magnitudes `|C|` (float) instead of complex values.
    #[arg(long)]
    magnitude: bool,
}

/// Chroma flags, librosa's keyword arguments.
#[derive(Debug, Args)]
pub struct ChromaArgs {
    /// Hop length in samples.
    #[arg(long, default_value_t = 512)]
    hop_length: usize,
    /// Lowest CQT frequency in Hz (default C1).
    #[arg(long)]
    fmin: Option<f64>,
    /// Tuning offset in fractions of a CQT bin (default: estimated from the
    /// signal, as librosa's tuning=None).
    #[arg(long, allow_negative_numbers = true)]
    tuning: Option<f64>,
    /// Chroma bins.
    #[arg(long, default_value_t = 12)]
    n_chroma: usize,
    /// CQT octaves.
    #[arg(long, default_value_t = 7)]
    n_octaves: usize,
    /// CQT bins per octave (a multiple of n_chroma).
    #[arg(long, default_value_t = 36)]
    bins_per_octave: usize,
    /// CQT: full or hybrid.
    #[arg(long, default_value = "full")]
    cqt_mode: String,
}

impl CqtArgs {
    fn config(&self, io: &CqtInputOutput) -> Result<CqtConfig> {
        Ok(CqtConfig {
            sr: f64::from(io.sr),
            hop_length: self.hop_length,
            fmin: self.fmin,
            n_bins: self.n_bins.unwrap_or(84),
            bins_per_octave: self.bins_per_octave,
            gamma: Some(0.0),
            tuning: self.tuning,
            filter_scale: self.filter_scale,
            norm: self.norm.into(),
            sparsity: self.sparsity,
            window: WindowKind::parse(&self.window)?,
            scale: !self.no_scale,
            pad_mode: PadMode::parse(&self.pad_mode)?,
            res_type: ResampleMethod::from(io.res_type),
        })
    }
}

impl CqtInputOutput {
    /// Whether the input streams: an audio file, with a resampler that
    /// streams inside the transform (soxr's recipes).
    fn streams(&self) -> bool {
        !audio_io::npy::is_npy(&self.input)
            && crate::dsp_commands::method_streams(ResampleMethod::from(self.res_type))
    }

    /// The input and output as the streamed path reads them.
    fn io(&self) -> InputOutput {
        InputOutput {
            input: self.input.clone(),
            output: self.output.clone(),
            sr: self.sr,
        }
    }
}

/// `cqt` / `vqt` of an audio file, streamed ([`StreamingCqt`]: each
/// octave frames its own signal, halved by a resampling stream), the
/// frames (or their magnitudes) appended as every octave completes them.
fn stream_cqt(io: &InputOutput, config: CqtConfig, magnitude: bool) -> Result<()> {
    let rows = config.n_bins;
    let mut stream = StreamingCqt::<f32>::new(config)?;
    let mut frames = |block: Option<&[f32]>| match block {
        Some(block) => stream.push(block),
        None => stream.finish(),
    };
    if magnitude {
        stream_frames(
            io,
            Some(rows),
            |block| Ok(frames(block)?.mapv(|c| c.norm())),
        )
    } else {
        stream_frames(io, Some(rows), |block| Ok(frames(block)?))
    }
}

/// `chroma-cqt` of an audio file, streamed: the tuning (when estimated,
/// librosa's default) from a first pass over the 2048-point magnitude
/// STFT's peaks, then the CQT magnitudes of each block folded into chroma
/// and normalised frame by frame; `frames` turns each block's chroma into
/// the output's `rows` (the chroma itself, tonnetz's six dimensions, or
/// CENS frames), told when the block is the last.
pub(crate) fn stream_chroma_cqt<E: WritableElement + Clone>(
    io: &InputOutput,
    config: ChromaCqtConfig,
    rows: usize,
    mut frames: impl FnMut(ndarray::Array2<f32>, bool) -> Result<ndarray::Array2<E>>,
) -> Result<()> {
    let tuning = match config.tuning {
        Some(tuning) => tuning,
        None => stream_tuning(io, &StftConfig::default(), 1.0, config.bins_per_octave)?,
    };
    let chroma = ChromaCqt::<f32>::new(ChromaCqtConfig {
        tuning: Some(tuning),
        ..config.clone()
    })?;
    let mut stream = CqtMagnitudes::new(config.cqt_mode, config.cqt_config(tuning))?;
    stream_frames(io, Some(rows), |block| {
        let last = block.is_none();
        let c = stream.next(block)?;
        if c.ncols() == 0 {
            // The last call still reaches `frames` (CENS emits its tail).
            return if last {
                frames(ndarray::Array2::zeros((config.n_chroma, 0)), true)
            } else {
                no_frames(rows)
            };
        }
        frames(chroma.process_cqt(c.view())?, last)
    })
}

/// `chroma-cens` of an audio file, streamed: the chroma CQT (norm None,
/// threshold 0, as [`ChromaCens`] computes it) block by block, then the
/// CENS steps ([`ChromaCens::stream`]), the smoothing window's half length
/// behind.
fn stream_chroma_cens(io: &InputOutput, config: ChromaCensConfig) -> Result<()> {
    let cens = ChromaCens::<f32>::new(config.clone())?;
    let chroma = config.chroma_cqt_config();
    let mut stream = cens.stream();
    stream_chroma_cqt(io, chroma, config.n_chroma, |c, last| {
        let out = stream.push(c.view())?;
        if !last {
            return Ok(out);
        }
        let tail = stream.finish();
        ndarray::concatenate(ndarray::Axis(1), &[out.view(), tail.view()]).map_err(|_| {
            crate::Error::Usage {
                message: "CENS frames of two heights",
            }
        })
    })
}

/// Whether `config`'s resampler streams (soxr's recipes), so that an
/// audio file's chroma CQT can stream.
pub(crate) fn chroma_cqt_streams(config: &ChromaCqtConfig) -> bool {
    matches!(config.cqt_mode, CqtMode::Full | CqtMode::Hybrid)
        && crate::dsp_commands::method_streams(config.res_type)
}

/// Streamed CQT magnitudes, full or hybrid, as a chroma CQT's `cqt_mode`
/// asks.
enum CqtMagnitudes {
    Full(Box<StreamingCqt<f32>>),
    Hybrid(Box<StreamingHybridCqt<f32>>),
}

impl CqtMagnitudes {
    fn new(mode: CqtMode, config: CqtConfig) -> Result<Self> {
        Ok(match mode {
            CqtMode::Hybrid => Self::Hybrid(Box::new(StreamingHybridCqt::new(config)?)),
            // `Full`: [`chroma_cqt_streams`] lets no other mode through.
            _ => Self::Full(Box::new(StreamingCqt::new(config)?)),
        })
    }

    /// The magnitudes `block` completes; the last ones for `None`.
    fn next(&mut self, block: Option<&[f32]>) -> Result<ndarray::Array2<f32>> {
        Ok(match (self, block) {
            (Self::Full(s), Some(b)) => s.push(b)?.mapv(|c| c.norm()),
            (Self::Full(s), None) => s.finish()?.mapv(|c| c.norm()),
            (Self::Hybrid(s), Some(b)) => s.push(b)?,
            (Self::Hybrid(s), None) => s.finish()?,
        })
    }
}

/// `hcqt` of an audio file, streamed ([`StreamingHcqt`]: one streaming
/// CQT per harmonic), each frame `(harmonics, n_bins)` appended to the
/// 3-D `.npy` (Fortran order, [`NpyColumnWriter::create_nd`]) once every
/// harmonic has it.
fn stream_hcqt(io: &InputOutput, config: HcqtConfig, magnitude: bool) -> Result<()> {
    let shape = [config.harmonics.len(), config.cqt.n_bins];
    let mut stream = StreamingHcqt::<f32>::new(config)?;
    let mut blocks = io.stream()?;
    if magnitude {
        let mut writer = NpyColumnWriter::<f32>::create_nd(&io.output, &shape)?;
        let mut put = |h: ndarray::Array3<Complex<f32>>| {
            writer.write_columns(fortran_columns(&h.mapv(|c| c.norm())).view())
        };
        while let Some(block) = blocks.next_block()? {
            put(stream.push(&block.row(0).to_vec())?)?;
        }
        put(stream.finish()?)?;
        let info = writer.finish()?;
        println!("wrote {} ({info})", io.output.display());
    } else {
        let mut writer = NpyColumnWriter::<Complex<f32>>::create_nd(&io.output, &shape)?;
        let mut put =
            |h: ndarray::Array3<Complex<f32>>| writer.write_columns(fortran_columns(&h).view());
        while let Some(block) = blocks.next_block()? {
            put(stream.push(&block.row(0).to_vec())?)?;
        }
        put(stream.finish()?)?;
        let info = writer.finish()?;
        println!("wrote {} ({info})", io.output.display());
    }
    Ok(())
}

/// `(h, k, n)` as the columns `(h · k, n)` of a Fortran-order array: row
/// `i + h · j` holds element `(i, j)` of each frame.
fn fortran_columns<E: Clone>(a: &ndarray::Array3<E>) -> ndarray::Array2<E> {
    let (h, k, n) = a.dim();
    ndarray::Array2::from_shape_fn((h * k, n), |(r, t)| a[[r % h, r / h, t]].clone())
}

fn cqt_of<T: Float + WritableElement>(
    x: &[T],
    config: CqtConfig,
    magnitude: bool,
    out: &std::path::Path,
) -> Result<()>
where
    Complex<T>: WritableElement,
{
    let cqt = Cqt::<T>::new(config)?;
    if magnitude {
        write_npy(out, &cqt.magnitude(x)?)
    } else {
        write_npy(out, &cqt.process(x)?)
    }
}

fn hcqt_of<T: Float + WritableElement>(
    x: &[T],
    config: HcqtConfig,
    magnitude: bool,
    out: &std::path::Path,
) -> Result<()>
where
    Complex<T>: WritableElement,
{
    let hcqt = Hcqt::<T>::new(config)?;
    if magnitude {
        write_npy(out, &hcqt.magnitude(x)?)
    } else {
        write_npy(out, &hcqt.process(x)?)
    }
}

/// Runs one constant-Q subcommand.
pub fn run(cmd: CqtCommand) -> Result<()> {
    match cmd {
        CqtCommand::Cqt { io, cqt } => {
            let config = cqt.config(&io)?;
            if io.streams() {
                return stream_cqt(&io.io(), config, cqt.magnitude);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| cqt_of(
                &x,
                config,
                cqt.magnitude,
                &io.output
            ))
        }
        CqtCommand::Vqt { io, cqt, gamma } => {
            let config = CqtConfig {
                gamma,
                ..cqt.config(&io)?
            };
            if io.streams() {
                return stream_cqt(&io.io(), config, cqt.magnitude);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| cqt_of(
                &x,
                config,
                cqt.magnitude,
                &io.output
            ))
        }
        CqtCommand::Icqt { io, cqt, length } => {
            let config = cqt.config(&io)?;
            on_precision!(read_complex(&io.input)?, |spec| {
                let spec = crate::matrix(&io.input, spec, "a 2-D complex array (n_bins, frames)")?;
                let config = CqtConfig {
                    n_bins: spec.nrows(),
                    ..config
                };
                let y = Icqt::new(config)?.process(spec.view(), length)?;
                write_npy(&io.output, &ndarray::Array1::from(y))
            })
        }
        CqtCommand::HybridCqt { io, cqt } => {
            let config = cqt.config(&io)?;
            if io.streams() {
                let mut stream = StreamingHybridCqt::<f32>::new(config)?;
                let rows = stream.plan().config().n_bins;
                return stream_frames(&io.io(), Some(rows), |block| match block {
                    Some(block) => Ok(stream.push(block)?),
                    None => Ok(stream.finish()?),
                });
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let c = HybridCqt::new(config)?.process(&x)?;
                write_npy(&io.output, &c)
            })
        }
        CqtCommand::Hcqt {
            io,
            mut cqt,
            harmonics,
        } => {
            // Six octaves from C1: the fifth harmonic's top bin (9.8 kHz)
            // stays below 11025 Hz.
            cqt.n_bins.get_or_insert(72);
            let harmonics = harmonics
                .split(',')
                .map(|h| {
                    h.trim()
                        .parse::<f64>()
                        .map_err(|_| audio_dsp::Error::InvalidParameter {
                            name: "harmonics",
                            value: h.to_string(),
                            expected: "comma-separated numbers",
                        })
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let config = HcqtConfig {
                cqt: cqt.config(&io)?,
                harmonics,
            };
            if io.streams() {
                return stream_hcqt(&io.io(), config, cqt.magnitude);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| hcqt_of(
                &x,
                config,
                cqt.magnitude,
                &io.output
            ))
        }
        CqtCommand::ChromaCqt {
            io,
            chroma,
            norm,
            threshold,
        } => {
            let config = ChromaCqtConfig {
                sr: f64::from(io.sr),
                hop_length: chroma.hop_length,
                fmin: chroma.fmin,
                norm: norm.into(),
                threshold,
                tuning: chroma.tuning,
                n_chroma: chroma.n_chroma,
                n_octaves: chroma.n_octaves,
                bins_per_octave: chroma.bins_per_octave,
                cqt_mode: CqtMode::parse(&chroma.cqt_mode)?,
                res_type: ResampleMethod::from(io.res_type),
            };
            if io.streams() && config.cqt_mode == CqtMode::Full {
                let rows = config.n_chroma;
                return stream_chroma_cqt(&io.io(), config, rows, |c, _| Ok(c));
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let c = ChromaCqt::new(config)?.process(&x)?;
                write_npy(&io.output, &c)
            })
        }
        CqtCommand::ChromaCens {
            io,
            chroma,
            norm,
            win_len_smooth,
        } => {
            let config = ChromaCensConfig {
                sr: f64::from(io.sr),
                hop_length: chroma.hop_length,
                fmin: chroma.fmin,
                tuning: chroma.tuning,
                n_chroma: chroma.n_chroma,
                n_octaves: chroma.n_octaves,
                bins_per_octave: chroma.bins_per_octave,
                cqt_mode: CqtMode::parse(&chroma.cqt_mode)?,
                norm: norm.into(),
                win_len_smooth: (win_len_smooth > 0).then_some(win_len_smooth),
                res_type: ResampleMethod::from(io.res_type),
                ..ChromaCensConfig::default()
            };
            if io.streams() && config.cqt_mode == CqtMode::Full {
                return stream_chroma_cens(&io.io(), config);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let c = ChromaCens::new(config)?.process(&x)?;
                write_npy(&io.output, &c)
            })
        }
    }
}
