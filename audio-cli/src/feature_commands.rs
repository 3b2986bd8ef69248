//! Subcommands for librosa's frame-level features (`spectral-centroid`,
//! `spectral-bandwidth`, `spectral-rolloff`, `spectral-flatness`,
//! `spectral-contrast`, `poly-features`, `tonnetz`, `rms`, `hpss`, `trim`, `split`,
//! `preemphasis`, `deemphasis`,
//! `zero-crossing-rate`, `delta`, `stack-memory`), with librosa's keyword
//! arguments as kebab-case flags and librosa's output shapes and dtypes.

use std::path::PathBuf;

use audio_dsp::feature::delta::{DeltaConfig, DeltaMode};
use audio_dsp::feature::rms::RmsConfig;
use audio_dsp::feature::spectral::{SpectralBandwidthConfig, SpectralFlatnessConfig};
use audio_dsp::feature::zero_crossing_rate::ZeroCrossingRateConfig;
use audio_dsp::{PadMode, Stft, Transform};
use audio_io::npy::{is_npy, read_floats, read_signal, Precision};
use audio_io::on_precision;
use clap::{Args, Subcommand};
use ndarray::Array2;

use crate::dsp_commands::{InputOutput, StftArgs};
use crate::stream_input::{stream_framed, stream_magnitude};
use crate::{write_npy, Result};

/// Frame-level feature subcommands.
#[derive(Debug, Subcommand)]
pub enum FeatureCommand {
    /// librosa.feature.spectral_centroid: `(1, frames)`, float64.
    SpectralCentroid {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
    },
    /// librosa.feature.spectral_bandwidth: `(1, frames)`, float64.
    SpectralBandwidth {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Order of the deviation.
        #[arg(long, default_value_t = 2.0)]
        p: f64,
        /// Do not normalise each frame to sum 1 (librosa's `norm=False`).
        #[arg(long)]
        no_norm: bool,
    },
    /// librosa.feature.spectral_rolloff: `(1, frames)`, float64.
    SpectralRolloff {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Fraction of the frame's magnitude below the roll-off.
        #[arg(long, default_value_t = 0.85)]
        roll_percent: f64,
    },
    /// librosa.feature.spectral_flatness: `(1, frames)`, the input's dtype.
    SpectralFlatness {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Floor on `S**power`.
        #[arg(long, default_value_t = 1e-10)]
        amin: f64,
        /// Exponent of the magnitudes.
        #[arg(long, default_value_t = 2.0)]
        power: f64,
    },
    /// librosa.feature.spectral_contrast: `(n_bands + 1, frames)`, float64.
    SpectralContrast {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Upper edge of the first band in Hz.
        #[arg(long, default_value_t = 200.0)]
        fmin: f64,
        /// Octave bands above `--fmin`.
        #[arg(long, default_value_t = 6)]
        n_bands: usize,
        /// Fraction of each band's bins in its peak and valley.
        #[arg(long, default_value_t = 0.02)]
        quantile: f64,
        /// Peak minus valley in magnitude, not in dB.
        #[arg(long)]
        linear: bool,
    },
    /// librosa.feature.poly_features: `(order + 1, frames)`, float64,
    /// highest power first.
    PolyFeatures {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Degree of the fitted polynomial.
        #[arg(long, default_value_t = 1)]
        order: usize,
    },
    /// librosa.feature.tonnetz: `(6, frames)`, float64. A 2-D `.npy` input
    /// is the chromagram (`chroma=`); a signal or audio file gets librosa's
    /// default `chroma_cqt` first (`y=`).
    Tonnetz {
        #[command(flatten)]
        io: InputOutput,
    },
    /// librosa.feature.rms (from the signal): `(1, frames)`, float32.
    Rms {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        frames: FrameArgs,
        /// How `--center` pads: constant, reflect or edge.
        #[arg(long, default_value = "constant")]
        pad_mode: String,
    },
    /// librosa.feature.zero_crossing_rate: `(1, frames)`, float64.
    ZeroCrossingRate {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        frames: FrameArgs,
        /// Samples with `|y| <= threshold` count as zero.
        #[arg(long, default_value_t = 1e-10)]
        threshold: f64,
        /// Use `numpy.sign` (zero is its own class) instead of `signbit`.
        #[arg(long)]
        no_zero_pos: bool,
    },
    /// librosa.effects.trim: an `.npz` with `y_trimmed` (the input's dtype)
    /// and `index` (int64 `[start, end]`).
    Trim {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        silence: SilenceArgs,
    },
    /// librosa.effects.split: the non-silent intervals, int64 `(m, 2)`.
    Split {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        silence: SilenceArgs,
    },
    /// librosa.effects.hpss: an `.npz` with the `harmonic` and `percussive`
    /// signals (the input's length and dtype).
    Hpss {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        stft: StftArgs,
        /// Median filter length (harmonic across time, percussive across
        /// frequency).
        #[arg(long, default_value_t = 31)]
        kernel_size: usize,
        /// Soft-mask exponent.
        #[arg(long, default_value_t = 2.0)]
        power: f64,
        /// Separation margin (>= 1).
        #[arg(long, default_value_t = 1.0)]
        margin: f64,
    },
    /// librosa.effects.preemphasis: the same shape and dtype.
    Preemphasis {
        #[command(flatten)]
        io: InputOutput,
        /// Filter coefficient.
        #[arg(long, default_value_t = 0.97, allow_negative_numbers = true)]
        coef: f64,
    },
    /// librosa.effects.deemphasis: the same shape and dtype.
    Deemphasis {
        #[command(flatten)]
        io: InputOutput,
        /// Filter coefficient.
        #[arg(long, default_value_t = 0.97, allow_negative_numbers = true)]
        coef: f64,
    },
    /// librosa.feature.delta on a 2-D `.npy` (features, frames): the same
    /// shape and dtype.
    Delta {
        #[command(flatten)]
        io: ArrayInputOutput,
        /// Frames in the fitting window (odd, >= 3).
        #[arg(long, default_value_t = 9)]
        width: usize,
        /// Derivative order.
        #[arg(long, default_value_t = 1)]
        order: usize,
        /// Edges: interp, mirror, nearest, constant or wrap.
        #[arg(long, default_value = "interp")]
        mode: String,
    },
    /// librosa.feature.stack_memory on a 2-D `.npy` (d, t): `(d * n_steps,
    /// t)`, the same dtype.
    StackMemory {
        #[command(flatten)]
        io: ArrayInputOutput,
        /// Copies stacked.
        #[arg(long, default_value_t = 2)]
        n_steps: usize,
        /// Frames between copies (negative: look ahead).
        #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
        delay: isize,
        /// Padding outside the data: constant, edge or reflect.
        #[arg(long, default_value = "constant")]
        mode: String,
    },
}

/// Framing flags of `rms` and `zero-crossing-rate`.
#[derive(Debug, Args)]
pub struct FrameArgs {
    /// Samples per frame.
    #[arg(long, default_value_t = 2048)]
    frame_length: usize,
    /// Samples between frames.
    #[arg(long, default_value_t = 512)]
    hop_length: usize,
    /// Pad half a frame at both ends (the default).
    #[arg(long, overrides_with = "no_center")]
    center: bool,
    /// Do not pad.
    #[arg(long)]
    no_center: bool,
}

/// Silence flags of `trim` and `split`.
#[derive(Debug, Args)]
pub struct SilenceArgs {
    /// Frames this far below the reference (dB) are silent.
    #[arg(long, default_value_t = 60.0)]
    top_db: f64,
    /// The reference: max (the loudest frame) or an amplitude.
    #[arg(long = "ref", default_value = "max")]
    reference: audio_dsp::DbReference,
    /// Samples per frame.
    #[arg(long, default_value_t = 2048)]
    frame_length: usize,
    /// Samples between frames.
    #[arg(long, default_value_t = 512)]
    hop_length: usize,
}

impl SilenceArgs {
    fn config(&self) -> audio_dsp::effects::SilenceConfig {
        audio_dsp::effects::SilenceConfig {
            top_db: self.top_db,
            reference: self.reference,
            frame_length: self.frame_length,
            hop_length: self.hop_length,
        }
    }
}

/// A `.npy` array in, a `.npy` array out.
#[derive(Debug, Args)]
pub struct ArrayInputOutput {
    /// Input: a 2-D `.npy` array.
    input: PathBuf,
    /// Output `.npy` file.
    #[arg(short, long)]
    output: PathBuf,
}

/// The magnitude spectrogram as librosa computes it: the signal's STFT in
/// f64 (librosa's float64 window times the frames), magnitudes rounded to
/// the input's precision (`float32` for float32 input) and widened back.
fn magnitude(io: &InputOutput, stft: &StftArgs) -> Result<(Array2<f64>, bool)> {
    let signal = read_signal(&io.input, io.sr)?;
    let single = matches!(signal, Precision::F32(_));
    let y: Vec<f64> = match signal {
        Precision::F32(x) => x.iter().map(|&v| f64::from(v)).collect(),
        Precision::F64(x) => x,
    };
    let plan = Stft::<f64>::new(stft.config()?)?;
    let mut s = audio_dsp::spectral::spectrogram::spectrogram(&plan, &y, 1.0)?;
    if single {
        s.mapv_inplace(|v| f64::from(v as f32));
    }
    Ok((s, single))
}

/// Writes `a` as float32 when `single`, else float64.
fn write_as(path: &std::path::Path, a: &Array2<f64>, single: bool) -> Result<()> {
    if single {
        write_npy(path, &a.mapv(|v| v as f32))
    } else {
        write_npy(path, a)
    }
}

/// Runs a feature subcommand.
pub fn run(cmd: FeatureCommand) -> Result<()> {
    let sr = |io: &InputOutput| f64::from(io.sr);
    match cmd {
        FeatureCommand::SpectralCentroid { io, stft } => {
            if !is_npy(&io.input) {
                let rate = sr(&io);
                return stream_magnitude(&io, stft.config()?, 1, |s| {
                    Ok(audio_dsp::feature::spectral::spectral_centroid(s, rate)?)
                });
            }
            let (s, _) = magnitude(&io, &stft)?;
            let c = audio_dsp::feature::spectral::spectral_centroid(s.view(), sr(&io))?;
            write_npy(&io.output, &c)
        }
        FeatureCommand::SpectralBandwidth {
            io,
            stft,
            p,
            no_norm,
        } => {
            let config = SpectralBandwidthConfig { p, norm: !no_norm };
            if !is_npy(&io.input) {
                let rate = sr(&io);
                return stream_magnitude(&io, stft.config()?, 1, |s| {
                    Ok(audio_dsp::feature::spectral::spectral_bandwidth(
                        s, rate, &config,
                    )?)
                });
            }
            let (s, _) = magnitude(&io, &stft)?;
            let b = audio_dsp::feature::spectral::spectral_bandwidth(s.view(), sr(&io), &config)?;
            write_npy(&io.output, &b)
        }
        FeatureCommand::SpectralRolloff {
            io,
            stft,
            roll_percent,
        } => {
            if !is_npy(&io.input) {
                // An audio file is float32: the cumulative sum in float32.
                let rate = sr(&io);
                return stream_magnitude(&io, stft.config()?, 1, |s| {
                    let s32 = s.mapv(|v| v as f32);
                    Ok(audio_dsp::feature::spectral::spectral_rolloff(
                        s32.view(),
                        rate,
                        roll_percent,
                    )?
                    .mapv(f64::from))
                });
            }
            let (s, single) = magnitude(&io, &stft)?;
            // The cumulative sum in the spectrogram's own precision, as numpy.
            let r = if single {
                let s32 = s.mapv(|v| v as f32);
                audio_dsp::feature::spectral::spectral_rolloff(s32.view(), sr(&io), roll_percent)?
                    .mapv(f64::from)
            } else {
                audio_dsp::feature::spectral::spectral_rolloff(s.view(), sr(&io), roll_percent)?
            };
            write_npy(&io.output, &r)
        }
        FeatureCommand::SpectralFlatness {
            io,
            stft,
            amin,
            power,
        } => {
            let config = SpectralFlatnessConfig { amin, power };
            if !is_npy(&io.input) {
                // An audio file is float32: so is the flatness.
                return stream_magnitude(&io, stft.config()?, 1, |s| {
                    Ok(audio_dsp::feature::spectral::spectral_flatness(s, &config)?
                        .mapv(|v| v as f32))
                });
            }
            let (s, single) = magnitude(&io, &stft)?;
            let f = audio_dsp::feature::spectral::spectral_flatness(s.view(), &config)?;
            write_as(&io.output, &f, single)
        }
        FeatureCommand::SpectralContrast {
            io,
            stft,
            fmin,
            n_bands,
            quantile,
            linear,
        } => {
            let config = audio_dsp::feature::spectral::SpectralContrastConfig {
                fmin,
                n_bands,
                quantile,
                linear,
            };
            if !is_npy(&io.input) {
                let rate = sr(&io);
                return stream_magnitude(&io, stft.config()?, n_bands + 1, |s| {
                    Ok(audio_dsp::feature::spectral::spectral_contrast(
                        s, rate, &config,
                    )?)
                });
            }
            let (s, _) = magnitude(&io, &stft)?;
            let c = audio_dsp::feature::spectral::spectral_contrast(s.view(), sr(&io), &config)?;
            write_npy(&io.output, &c)
        }
        FeatureCommand::PolyFeatures { io, stft, order } => {
            if !is_npy(&io.input) {
                let rate = sr(&io);
                return stream_magnitude(&io, stft.config()?, order + 1, |s| {
                    Ok(audio_dsp::feature::spectral::poly_features(s, rate, order)?)
                });
            }
            let (s, _) = magnitude(&io, &stft)?;
            let p = audio_dsp::feature::spectral::poly_features(s.view(), sr(&io), order)?;
            write_npy(&io.output, &p)
        }
        FeatureCommand::Tonnetz { io } => {
            let config = audio_dsp::ChromaCqtConfig {
                sr: f64::from(io.sr),
                ..audio_dsp::ChromaCqtConfig::default()
            };
            if !is_npy(&io.input) && crate::cqt_commands::chroma_cqt_streams(&config) {
                // Tonnetz is frame by frame: each block's chroma in turn.
                return crate::cqt_commands::stream_chroma_cqt(&io, config, 6, |chroma, _| {
                    if chroma.ncols() == 0 {
                        return crate::stream_input::no_frames(6);
                    }
                    Ok(audio_dsp::feature::tonnetz::tonnetz(
                        chroma.mapv(f64::from).view(),
                    )?)
                });
            }
            let chroma_of = |signal: audio_io::npy::Signal| -> Result<Array2<f64>> {
                Ok(on_precision!(signal, |x| {
                    audio_dsp::ChromaCqt::new(config.clone())?
                        .process(&x)?
                        .mapv(f64::from)
                }))
            };
            // A `.npy` is read once: 1-D is a signal (`y=`), else a
            // chromagram (`chroma=`).
            let chroma = if audio_io::npy::is_npy(&io.input) {
                match read_floats(&io.input)? {
                    Precision::F32(a) if a.ndim() == 1 => {
                        chroma_of(Precision::F32(a.into_iter().collect()))?
                    }
                    Precision::F64(a) if a.ndim() == 1 => {
                        chroma_of(Precision::F64(a.into_iter().collect()))?
                    }
                    array => on_precision!(array, |a| {
                        crate::matrix(&io.input, a, "a 2-D chromagram (n_chroma, frames)")?
                            .mapv(f64::from)
                    }),
                }
            } else {
                chroma_of(read_signal(&io.input, io.sr)?)?
            };
            let t = audio_dsp::feature::tonnetz::tonnetz(chroma.view())?;
            write_npy(&io.output, &t)
        }
        FeatureCommand::Rms {
            io,
            frames,
            pad_mode,
        } => {
            let config = RmsConfig {
                frame_length: frames.frame_length,
                hop_length: frames.hop_length,
                center: !frames.no_center,
                pad_mode: PadMode::parse(&pad_mode)?,
            };
            if !is_npy(&io.input) {
                // The padded frames come from the stream: rms frames them as they are.
                let framing = (
                    config.frame_length,
                    config.hop_length,
                    config.center,
                    config.pad_mode,
                );
                let uncentred = RmsConfig {
                    center: false,
                    ..config
                };
                return stream_framed(&io, framing, Some(1), |span| {
                    Ok(audio_dsp::feature::rms::rms(span, &uncentred)?)
                });
            }
            let r: Array2<f64> = on_precision!(read_signal(&io.input, io.sr)?, |x| {
                audio_dsp::feature::rms::rms(&x, &config)?.mapv(f64::from)
            });
            // librosa's rms is float32 (its `dtype` default).
            write_as(&io.output, &r, true)
        }
        FeatureCommand::ZeroCrossingRate {
            io,
            frames,
            threshold,
            no_zero_pos,
        } => {
            let config = ZeroCrossingRateConfig {
                frame_length: frames.frame_length,
                hop_length: frames.hop_length,
                center: !frames.no_center,
                threshold,
                zero_pos: !no_zero_pos,
            };
            if !is_npy(&io.input) {
                // librosa pads the zero-crossing frames with the edge samples.
                let framing = (
                    config.frame_length,
                    config.hop_length,
                    config.center,
                    PadMode::Edge,
                );
                let uncentred = ZeroCrossingRateConfig {
                    center: false,
                    ..config
                };
                return stream_framed(&io, framing, Some(1), |span| {
                    Ok(audio_dsp::feature::zero_crossing_rate::zero_crossing_rate(
                        span, &uncentred,
                    )?
                    .mapv(f64::from))
                });
            }
            let z: Array2<f64> = on_precision!(read_signal(&io.input, io.sr)?, |x| {
                audio_dsp::feature::zero_crossing_rate::zero_crossing_rate(&x, &config)?
                    .mapv(f64::from)
            });
            write_npy(&io.output, &z)
        }
        FeatureCommand::Trim { io, silence } => {
            if !is_npy(&io.input) {
                return stream_trim(&io, &silence.config());
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let (start, end) = audio_dsp::effects::trim(&x, &silence.config())?;
                let trimmed = ndarray::Array1::from(x[start..end].to_vec());
                let index = ndarray::arr1(&[start as i64, end as i64]);
                let mut npz = audio_io::npy::NpzWriter::create(&io.output, false)?;
                npz.add_array("y_trimmed", &trimmed)?;
                npz.add_array("index", &index)?;
                npz.finish()?;
                println!(
                    "wrote {} (y_trimmed, index [{start}, {end}])",
                    io.output.display()
                );
                Ok(())
            })
        }
        FeatureCommand::Split { io, silence } => {
            let intervals = if is_npy(&io.input) {
                on_precision!(read_signal(&io.input, io.sr)?, |x| {
                    audio_dsp::effects::split(&x, &silence.config())?
                })
            } else {
                let config = silence.config();
                let (values, len) = stream_rms_values(&io, &config)?;
                let frames = audio_dsp::effects::nonsilent_from_rms(&values, &config)?;
                audio_dsp::effects::split_frames(&frames, config.hop_length, len)
            };
            let flat: Vec<i64> = intervals
                .iter()
                .flat_map(|&(a, b)| [a as i64, b as i64])
                .collect();
            let array = Array2::from_shape_vec((intervals.len(), 2), flat).map_err(|_| {
                audio_dsp::Error::BufferLength {
                    what: "split intervals",
                    expected: 2 * intervals.len(),
                    got: 0,
                }
            })?;
            write_npy(&io.output, &array)
        }
        FeatureCommand::Hpss {
            io,
            stft,
            kernel_size,
            power,
            margin,
        } => {
            let config = audio_dsp::decompose::HpssConfig {
                kernel_size: (kernel_size, kernel_size),
                power,
                mask: false,
                margin: (margin, margin),
            };
            let stft = stft.config()?;
            if !is_npy(&io.input) {
                return stream_hpss(&io, stft, config);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let (h, p) = audio_dsp::effects::hpss(&x, &stft, &config)?;
                let mut npz = audio_io::npy::NpzWriter::create(&io.output, false)?;
                npz.add_array("harmonic", &ndarray::Array1::from(h))?;
                npz.add_array("percussive", &ndarray::Array1::from(p))?;
                npz.finish()?;
                println!("wrote {} (harmonic, percussive)", io.output.display());
                Ok(())
            })
        }
        FeatureCommand::Preemphasis { io, coef } => {
            if !is_npy(&io.input) {
                return stream_emphasis(
                    &io,
                    audio_dsp::effects::EmphasisStream::preemphasis(coef)?,
                );
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let y = audio_dsp::effects::preemphasis(&x, coef)?;
                write_npy(&io.output, &ndarray::Array1::from(y))
            })
        }
        FeatureCommand::Deemphasis { io, coef } => {
            if !is_npy(&io.input) {
                return stream_emphasis(&io, audio_dsp::effects::EmphasisStream::deemphasis(coef)?);
            }
            on_precision!(read_signal(&io.input, io.sr)?, |x| {
                let y = audio_dsp::effects::deemphasis(&x, coef)?;
                write_npy(&io.output, &ndarray::Array1::from(y))
            })
        }
        FeatureCommand::Delta {
            io,
            width,
            order,
            mode,
        } => {
            let config = DeltaConfig {
                width,
                order,
                mode: DeltaMode::parse(&mode)?,
            };
            on_precision!(read_floats(&io.input)?, |a| {
                let a = crate::matrix(&io.input, a, "a 2-D array (features, frames)")?;
                write_npy(
                    &io.output,
                    &audio_dsp::feature::delta::delta(a.view(), &config)?,
                )
            })
        }
        FeatureCommand::StackMemory {
            io,
            n_steps,
            delay,
            mode,
        } => {
            let mode = PadMode::parse(&mode)?;
            on_precision!(read_floats(&io.input)?, |a| {
                let a = crate::matrix(&io.input, a, "a 2-D array (d, t)")?;
                let s =
                    audio_dsp::feature::stack_memory::stack_memory(a.view(), n_steps, delay, mode)?;
                write_npy(&io.output, &s)
            })
        }
    }
}

/// Pre- or de-emphasis of an audio file, block by block, appended to the
/// 1-D `.npy` as it comes (float32, as the whole-file path).
fn stream_emphasis(
    io: &InputOutput,
    stream: audio_dsp::effects::EmphasisStream<f32>,
) -> Result<()> {
    let mut stream = Some(stream);
    crate::stream_input::stream_frames(io, None, |block| {
        let values = match (block, stream.as_mut()) {
            (Some(block), Some(s)) => s.push(block)?,
            (None, Some(_)) => stream.take().map_or(Ok(Vec::new()), |s| s.finish())?,
            (_, None) => Vec::new(),
        };
        crate::stream_input::row(values)
    })
}

/// The frame RMS of an audio file as `trim` and `split` take it (librosa's
/// centred, zero-padded frames, as f64), block by block, and the signal's
/// length: 8 bytes a frame are kept, not the signal.
fn stream_rms_values(
    io: &InputOutput,
    config: &audio_dsp::effects::SilenceConfig,
) -> Result<(Vec<f64>, usize)> {
    // The whole-signal path checks the threshold before framing.
    audio_dsp::effects::nonsilent_from_rms(&[], config)?;
    let rms = RmsConfig {
        frame_length: config.frame_length,
        hop_length: config.hop_length,
        ..RmsConfig::default()
    };
    let mut frames = audio_dsp::util::frame_stream::FrameStream::<f32>::new(
        rms.frame_length,
        rms.hop_length,
        rms.center,
        rms.pad_mode,
    )?;
    let uncentred = RmsConfig {
        center: false,
        ..rms
    };
    let mut values = Vec::new();
    let mut len = 0;
    let mut take = |span: audio_dsp::util::frame_stream::FrameSpan<'_, f32>| -> Result<()> {
        if span.frames > 0 {
            let energy = audio_dsp::feature::rms::rms(span.samples, &uncentred)?;
            values.extend(energy.iter().map(|&v| f64::from(v)));
        }
        Ok(())
    };
    let mut blocks = io.stream()?;
    while let Some(block) = blocks.next_block()? {
        let samples = block.row(0).to_vec();
        len += samples.len();
        take(frames.push(&samples))?;
    }
    take(frames.finish()?)?;
    Ok((values, len))
}

/// `trim` of an audio file in two passes: the frame RMS
/// ([`stream_rms_values`]) gives `[start, end)`; the second pass writes
/// those samples to a `.npy` beside the output block by block, which goes
/// into the `.npz` in pieces ([`audio_io::npy::NpzWriter::add_npy_file`]).
fn stream_trim(io: &InputOutput, config: &audio_dsp::effects::SilenceConfig) -> Result<()> {
    let (values, len) = stream_rms_values(io, config)?;
    let frames = audio_dsp::effects::nonsilent_from_rms(&values, config)?;
    let (start, end) = audio_dsp::effects::trim_frames(&frames, config.hop_length, len);
    let name = io
        .output
        .file_name()
        .map_or_else(|| "trim".into(), |n| n.to_string_lossy().into_owned());
    let part = io.output.with_file_name(format!(".{name}.y_trimmed.npy"));
    let mut writer = audio_io::npy::NpyColumnWriter::<f32>::create_vector(&part)?;
    let mut blocks = io.stream()?;
    let mut pos = 0usize;
    while let Some(block) = blocks.next_block()? {
        let n = block.ncols();
        let (from, to) = (start.max(pos), end.min(pos + n));
        if from < to {
            let kept = block.slice(ndarray::s![.., from - pos..to - pos]);
            writer.write_columns(kept.view())?;
        }
        pos += n;
        if pos >= end {
            break;
        }
    }
    writer.finish()?;
    let written = (|| -> Result<()> {
        let mut npz = audio_io::npy::NpzWriter::create(&io.output, false)?;
        npz.add_npy_file("y_trimmed", &part)?;
        npz.add_array("index", &ndarray::arr1(&[start as i64, end as i64]))?;
        Ok(npz.finish()?)
    })();
    std::fs::remove_file(&part).ok();
    written?;
    println!(
        "wrote {} (y_trimmed, index [{start}, {end}])",
        io.output.display()
    );
    Ok(())
}

/// `hpss` of an audio file, streamed ([`audio_dsp::effects::HpssStream`]):
/// both parts are written block by block to part files beside the output,
/// which go into the `.npz` in pieces.
fn stream_hpss(
    io: &InputOutput,
    stft: audio_dsp::StftConfig,
    config: audio_dsp::decompose::HpssConfig,
) -> Result<()> {
    let mut stream = audio_dsp::effects::HpssStream::<f32>::new(stft, config)?;
    let name = io
        .output
        .file_name()
        .map_or_else(|| "hpss".into(), |n| n.to_string_lossy().into_owned());
    let parts = ["harmonic", "percussive"]
        .map(|part| io.output.with_file_name(format!(".{name}.{part}.npy")));
    let written = (|| -> Result<()> {
        let mut writers = [
            audio_io::npy::NpyColumnWriter::<f32>::create_vector(&parts[0])?,
            audio_io::npy::NpyColumnWriter::<f32>::create_vector(&parts[1])?,
        ];
        let mut write = |(h, p): (Vec<f32>, Vec<f32>)| -> Result<()> {
            for (w, v) in writers.iter_mut().zip([h, p]) {
                w.write_columns(crate::stream_input::row(v)?.view())?;
            }
            Ok(())
        };
        let mut blocks = io.stream()?;
        while let Some(block) = blocks.next_block()? {
            write(stream.push(&block.row(0).to_vec())?)?;
        }
        write(stream.finish()?)?;
        for w in writers {
            w.finish()?;
        }
        let mut npz = audio_io::npy::NpzWriter::create(&io.output, false)?;
        npz.add_npy_file("harmonic", &parts[0])?;
        npz.add_npy_file("percussive", &parts[1])?;
        Ok(npz.finish()?)
    })();
    for part in &parts {
        std::fs::remove_file(part).ok();
    }
    written?;
    println!("wrote {} (harmonic, percussive)", io.output.display());
    Ok(())
}
