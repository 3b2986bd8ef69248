//! Subcommands for rhythm and remixing (`tempogram`, `fourier-tempogram`,
//! `tempo`, `beat-track`, `plp`, `remix`), with librosa's keyword arguments as
//! kebab-case flags and librosa's output shapes and dtypes.
//!
//! The input is a signal (an audio file loaded as `librosa.load(sr,
//! mono=True)`, or a 1-D `.npy`), whose onset strength envelope is computed
//! as librosa does inside each function (mean over mel bands for the
//! tempograms and `tempo`, median for `beat-track` and `plp`); with
//! `--onset-envelope` the 1-D `.npy` input is that envelope (librosa's
//! `onset_envelope=`).

use audio_dsp::beat::{BeatTrackConfig, Bpm, PlpConfig};
use audio_dsp::effects::RemixAligner;
use audio_dsp::feature::rhythm::{
    FourierTempogramConfig, TempoAggregate, TempoConfig, TempogramConfig,
};
use audio_dsp::{OnsetAggregate, OnsetStrength, OnsetStrengthConfig, WindowKind};
use audio_io::npy::{
    is_npy, read_floats, read_signal, NpyColumnWriter, Precision, Signal, WritableElement,
};
use audio_io::on_precision;
use clap::{Args, Subcommand};

use crate::dsp_commands::InputOutput;
use crate::stream_input::onset_envelope;
use crate::{write_npy, NoneOr, Result};

/// Rhythm and remix subcommands.
#[derive(Debug, Subcommand)]
pub enum RhythmCommand {
    /// librosa.feature.tempogram: `(win_length, frames)`, float64.
    Tempogram {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        onset: EnvelopeArgs,
        #[command(flatten)]
        window: TempogramArgs,
        /// Column normalisation: inf (max), none or an order p.
        #[arg(long, default_value = "inf")]
        norm: audio_dsp::util::norm::PNorm,
    },
    /// librosa.feature.fourier_tempogram: `(1 + win_length // 2, frames)`,
    /// complex64 (complex128 for a float64 input).
    FourierTempogram {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        onset: EnvelopeArgs,
        #[command(flatten)]
        window: TempogramArgs,
    },
    /// librosa.feature.tempo: `(1,)` float64 BPM, or `(frames,)` with
    /// `--aggregate none`.
    Tempo {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        onset: EnvelopeArgs,
        /// Centre of the tempo prior (BPM).
        #[arg(long, default_value_t = 120.0)]
        start_bpm: f64,
        /// Width of the prior in octaves.
        #[arg(long, default_value_t = 1.0)]
        std_bpm: f64,
        /// Autocorrelation window in seconds.
        #[arg(long, default_value_t = 8.0)]
        ac_size: f64,
        /// Highest tempo considered (BPM), or none.
        #[arg(long, default_value = "320")]
        max_tempo: NoneOr,
        /// Summary over time: mean, median, max or none (one tempo per frame).
        #[arg(long, default_value = "mean")]
        aggregate: TempoAggregate,
    },
    /// librosa.beat.beat_track: an `.npz` with `tempo` (float64 `(1,)`, or
    /// one per frame with a per-frame `--bpm`) and `beats` (int64 frames or
    /// samples, float64 seconds).
    BeatTrack {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        onset: EnvelopeArgs,
        /// Initial tempo guess (BPM).
        #[arg(long, default_value_t = 120.0)]
        start_bpm: f64,
        /// How strictly beats keep to the tempo.
        #[arg(long, default_value_t = 100.0)]
        tightness: f64,
        /// Keep weak leading and trailing beats.
        #[arg(long)]
        no_trim: bool,
        /// The tempo to follow, in BPM, or a 1-D `.npy` of one tempo per
        /// onset frame (estimated when absent).
        #[arg(long)]
        bpm: Option<String>,
        /// Units of `beats`: frames, samples or time.
        #[arg(long, default_value = "frames")]
        units: String,
    },
    /// librosa.beat.plp: `(frames,)` predominant local pulse, the input's dtype.
    Plp {
        #[command(flatten)]
        io: InputOutput,
        #[command(flatten)]
        onset: EnvelopeArgs,
        /// Fourier tempogram window (onset frames).
        #[arg(long, default_value_t = 384)]
        win_length: usize,
        /// Lowest tempo kept (BPM), or none.
        #[arg(long, default_value = "30")]
        tempo_min: NoneOr,
        /// Highest tempo kept (BPM), or none.
        #[arg(long, default_value = "300")]
        tempo_max: NoneOr,
    },
    /// librosa.effects.remix: the signal's slices `start:end`, in the order
    /// given, concatenated; the input's shape (1-D, or a 2-D `.npy` of
    /// channels) and dtype.
    Remix {
        /// Input: a `.npy` signal (1-D, or 2-D channels × samples), or an
        /// audio file loaded mono at `--sr`.
        input: std::path::PathBuf,
        /// Output `.npy` file.
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// Sample rate an audio file is loaded at.
        #[arg(long, default_value_t = 22050)]
        sr: u32,
        /// Intervals in samples, `start:end` separated by commas (`44100:88200,0:22050`).
        #[arg(long)]
        intervals: String,
        /// Use the boundaries as given instead of moving them to zero crossings.
        #[arg(long)]
        no_align_zeros: bool,
    },
}

/// Onset envelope flags shared by the rhythm subcommands.
#[derive(Debug, Args)]
pub struct EnvelopeArgs {
    /// The input is a 1-D `.npy` onset strength envelope (librosa's
    /// `onset_envelope=`), not a signal.
    #[arg(long)]
    onset_envelope: bool,
    /// Samples between onset frames.
    #[arg(long, default_value_t = 512)]
    hop_length: usize,
}

/// Tempogram window flags.
#[derive(Debug, Args)]
pub struct TempogramArgs {
    /// Window length in onset frames.
    #[arg(long, default_value_t = 384)]
    win_length: usize,
    /// Do not centre the windows.
    #[arg(long)]
    no_center: bool,
    /// Window shape (hann, hamming, blackman, ...).
    #[arg(long, default_value = "hann")]
    window: String,
}

/// The onset envelope librosa's rhythm functions compute from `y` (mel
/// flux with the given band aggregation), or the input itself with
/// `--onset-envelope`.
fn envelope(io: &InputOutput, args: &EnvelopeArgs, aggregate: OnsetAggregate) -> Result<Signal> {
    if args.onset_envelope {
        return Ok(read_signal(&io.input, io.sr)?);
    }
    let mut cfg = OnsetStrengthConfig {
        aggregate,
        ..OnsetStrengthConfig::default()
    };
    cfg.mel.stft.hop_length = Some(args.hop_length);
    cfg.mel.mel.sr = f64::from(io.sr);
    if !is_npy(&io.input) {
        // An audio file streams (two passes); the envelope is 4 bytes a frame.
        return Ok(Precision::F32(onset_envelope(io, &cfg)?));
    }
    Ok(match read_signal(&io.input, io.sr)? {
        Precision::F32(x) => Precision::F32(OnsetStrength::<f32>::new(cfg)?.process(&x)?),
        Precision::F64(x) => Precision::F64(OnsetStrength::<f64>::new(cfg)?.process(&x)?),
    })
}

fn tempogram_window(args: &TempogramArgs) -> Result<(usize, bool, WindowKind)> {
    Ok((
        args.win_length,
        !args.no_center,
        WindowKind::parse(&args.window)?,
    ))
}

/// `start:end,start:end` as sample intervals.
fn parse_intervals(text: &str) -> Result<Vec<(usize, usize)>> {
    let bad = || audio_dsp::Error::InvalidParameter {
        name: "intervals",
        value: text.chars().take(64).collect(),
        expected: "start:end sample pairs separated by commas",
    };
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|pair| {
            let (a, b) = pair.split_once(':').ok_or_else(bad)?;
            let a = a.trim().parse::<usize>().map_err(|_| bad())?;
            let b = b.trim().parse::<usize>().map_err(|_| bad())?;
            Ok((a, b))
        })
        .collect::<std::result::Result<Vec<_>, audio_dsp::Error>>()
        .map_err(Into::into)
}

/// The beat frames in librosa's `units`.
fn beats_in_units(beats: &[usize], units: &str, sr: f64, hop: usize) -> Result<BeatsOut> {
    let frames: Vec<i64> = beats.iter().map(|&b| b as i64).collect();
    match units {
        "frames" => Ok(BeatsOut::Int(frames)),
        "samples" => Ok(BeatsOut::Int(
            frames
                .iter()
                .map(|&f| audio_dsp::frames_to_samples(f, hop, None))
                .collect::<audio_dsp::Result<_>>()?,
        )),
        "time" => Ok(BeatsOut::Float(
            frames
                .iter()
                .map(|&f| audio_dsp::frames_to_time(f, sr, hop, None))
                .collect::<audio_dsp::Result<_>>()?,
        )),
        other => Err(audio_dsp::Error::InvalidParameter {
            name: "units",
            value: other.chars().take(32).collect(),
            expected: "frames, samples or time",
        }
        .into()),
    }
}

/// Beat positions as int64 (frames, samples) or float64 (seconds).
enum BeatsOut {
    Int(Vec<i64>),
    Float(Vec<f64>),
}

/// Tempogram frames computed and written at a time.
const BLOCK_FRAMES: usize = 1024;

/// Ends a `.npy` written block by block and says so.
fn finish<E: WritableElement + Clone>(
    writer: NpyColumnWriter<E>,
    path: &std::path::Path,
) -> Result<()> {
    let info = writer.finish()?;
    println!("wrote {} ({info})", path.display());
    Ok(())
}

/// The Fourier tempogram of `e` written block by block (complex64 for a
/// float32 envelope, complex128 for float64).
fn fourier_blocks<T: audio_dsp::Float>(
    e: &[T],
    config: &FourierTempogramConfig,
    rows: usize,
    output: &std::path::Path,
) -> Result<()>
where
    num_complex::Complex<T>: WritableElement,
{
    let mut writer = NpyColumnWriter::<num_complex::Complex<T>>::create(output, rows)?;
    audio_dsp::feature::rhythm::fourier_tempogram_blocks(e, config, BLOCK_FRAMES, |block| {
        Ok::<(), crate::Error>(writer.write_columns(block.view())?)
    })?;
    finish(writer, output)
}

/// Runs a rhythm subcommand.
pub fn run(cmd: RhythmCommand) -> Result<()> {
    match cmd {
        RhythmCommand::Tempogram {
            io,
            onset,
            window,
            norm,
        } => {
            let (win_length, center, window) = tempogram_window(&window)?;
            let config = TempogramConfig {
                win_length,
                center,
                window,
                norm: norm.0,
            };
            // Written block by block: the tempogram is `win_length` float64
            // a frame, the envelope 4 bytes.
            let plan = audio_dsp::feature::rhythm::Tempogram::new(config)?;
            let mut writer = NpyColumnWriter::<f64>::create(&io.output, win_length)?;
            on_precision!(envelope(&io, &onset, OnsetAggregate::Mean)?, |e| {
                plan.process_blocks(&e, BLOCK_FRAMES, |tg| {
                    Ok::<(), crate::Error>(writer.write_columns(tg.view())?)
                })
            })?;
            finish(writer, &io.output)
        }
        RhythmCommand::FourierTempogram { io, onset, window } => {
            let (win_length, center, window) = tempogram_window(&window)?;
            let config = FourierTempogramConfig {
                win_length,
                center,
                window,
            };
            let rows = 1 + win_length / 2;
            match envelope(&io, &onset, OnsetAggregate::Mean)? {
                Precision::F32(e) => fourier_blocks(&e, &config, rows, &io.output),
                Precision::F64(e) => fourier_blocks(&e, &config, rows, &io.output),
            }
        }
        RhythmCommand::Tempo {
            io,
            onset,
            start_bpm,
            std_bpm,
            ac_size,
            max_tempo,
            aggregate,
        } => {
            let config = TempoConfig {
                sr: f64::from(io.sr),
                hop_length: onset.hop_length,
                start_bpm,
                std_bpm,
                ac_size,
                max_tempo: max_tempo.0,
                aggregate,
            };
            let t = on_precision!(envelope(&io, &onset, OnsetAggregate::Mean)?, |e| {
                audio_dsp::feature::rhythm::tempo(&e, &config)?
            });
            write_npy(&io.output, &ndarray::Array1::from(t))
        }
        RhythmCommand::BeatTrack {
            io,
            onset,
            start_bpm,
            tightness,
            no_trim,
            bpm,
            units,
        } => {
            let bpm = match bpm {
                None => Bpm::Estimate,
                Some(text) => match text.trim().parse::<f64>() {
                    Ok(b) => Bpm::Fixed(b),
                    Err(_) => {
                        let path = std::path::PathBuf::from(&text);
                        let per_frame: Vec<f64> = match read_floats(&path)? {
                            Precision::F32(a) => a.iter().map(|&v| f64::from(v)).collect(),
                            Precision::F64(a) => a.iter().copied().collect(),
                        };
                        Bpm::Varying(per_frame)
                    }
                },
            };
            let config = BeatTrackConfig {
                sr: f64::from(io.sr),
                hop_length: onset.hop_length,
                start_bpm,
                tightness,
                trim: !no_trim,
                bpm,
            };
            let found = on_precision!(envelope(&io, &onset, OnsetAggregate::Median)?, |e| {
                audio_dsp::beat::beat_track(&e, &config)?
            });
            let beats = beats_in_units(&found.beats, &units, config.sr, config.hop_length)?;
            let mut npz = audio_io::npy::NpzWriter::create(&io.output, false)?;
            npz.add_array("tempo", &ndarray::Array1::from(found.tempo.clone()))?;
            match beats {
                BeatsOut::Int(b) => npz.add_array("beats", &ndarray::Array1::from(b))?,
                BeatsOut::Float(b) => npz.add_array("beats", &ndarray::Array1::from(b))?,
            };
            npz.finish()?;
            println!(
                "wrote {} (tempo {:.2} BPM, {} beats)",
                io.output.display(),
                found.tempo.first().copied().unwrap_or(0.0),
                found.beats.len()
            );
            Ok(())
        }
        RhythmCommand::Plp {
            io,
            onset,
            win_length,
            tempo_min,
            tempo_max,
        } => {
            let config = PlpConfig {
                sr: f64::from(io.sr),
                hop_length: onset.hop_length,
                win_length,
                tempo_min: tempo_min.0,
                tempo_max: tempo_max.0,
            };
            on_precision!(envelope(&io, &onset, OnsetAggregate::Median)?, |e| {
                write_npy(
                    &io.output,
                    &ndarray::Array1::from(audio_dsp::beat::plp(&e, &config)?),
                )
            })
        }
        RhythmCommand::Remix {
            input,
            output,
            sr,
            intervals,
            no_align_zeros,
        } => {
            let intervals = parse_intervals(&intervals)?;
            let align = !no_align_zeros;
            if audio_io::npy::is_npy(&input) {
                on_precision!(read_floats(&input)?, |a| {
                    let one_d = a.ndim() == 1;
                    let a = if one_d {
                        let v: Vec<_> = a.into_iter().collect();
                        ndarray::Array2::from_shape_vec((1, v.len()), v).map_err(|_| {
                            audio_dsp::Error::InputTooShort {
                                what: "remix input",
                                expected: 1,
                                got: 0,
                            }
                        })?
                    } else {
                        crate::matrix(&input, a, "a 1-D signal or a 2-D (channels, samples) array")?
                    };
                    let out = audio_dsp::effects::remix(a.view(), &intervals, align)?;
                    if one_d {
                        write_npy(&output, &out.row(0))
                    } else {
                        write_npy(&output, &out)
                    }
                })
            } else {
                stream_remix(&InputOutput { input, output, sr }, &intervals, align)
            }
        }
    }
}

/// `remix` of an audio file in two passes over it, block by block: the
/// first moves the boundaries to zero crossings ([`RemixAligner`]), the
/// second copies each block's part of every interval to the interval's
/// place in the output `.npy` ([`NpyColumnWriter::write_columns_at`]), so
/// intervals in any order (and overlapping ones) never need the signal in
/// memory.
fn stream_remix(io: &InputOutput, intervals: &[(usize, usize)], align: bool) -> Result<()> {
    let mut aligner = RemixAligner::new(intervals, align);
    let mut blocks = io.stream()?;
    while let Some(block) = blocks.next_block()? {
        aligner.push(block.view())?;
    }
    let pieces = aligner.finish()?;
    let mut offsets = Vec::with_capacity(pieces.len());
    let mut total = 0;
    for &(start, end) in &pieces {
        offsets.push(total);
        total += end - start;
    }
    let mut writer = NpyColumnWriter::<f32>::create_vector(&io.output)?;
    let mut blocks = io.stream()?;
    let mut at = 0;
    while let Some(block) = blocks.next_block()? {
        let m = block.ncols();
        for (&(start, end), &offset) in pieces.iter().zip(&offsets) {
            let (a, b) = (start.max(at), end.min(at + m));
            if a < b {
                writer.write_columns_at(
                    offset + a - start,
                    block.slice(ndarray::s![0..1, a - at..b - at]),
                )?;
            }
        }
        at += m;
    }
    if writer.columns() != total {
        return Err(crate::Error::Usage {
            message: "the audio file gave fewer samples on its second reading",
        });
    }
    let info = writer.finish()?;
    println!("wrote {} ({info})", io.output.display());
    Ok(())
}
