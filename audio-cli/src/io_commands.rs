//! Subcommands that call `audio-io`: file information, conversion to WAV or FLAC,
//! spectrogram and waveform pictures, MIDI ↔ notes.

use std::path::{Path, PathBuf};

use audio_dsp::Transform;
use audio_io::convert::{convert_to, convert_to_wav, ConvertOptions};
use audio_io::flac::{FlacBitDepth, FlacWriteOptions};
use audio_io::midi::{MidiFile, MidiType, TempoMap};
use audio_io::notes::NotesFormat;
use audio_io::picture::{
    Colormap, FrequencyAxis, SpecshowColumns, SpecshowOptions, WaveformOptions,
};
use audio_io::wav::{Dither, WavWriteFormat, WavWriteOptions};
use audio_io::{AudioReader, LoadOptions, OutputFormat};
use clap::{Subcommand, ValueEnum};

use crate::{Error, Result};

/// `audio-io` subcommands.
#[derive(Debug, Subcommand)]
pub enum IoCommand {
    /// Format, codec, sample rate, channels, frames and duration of an audio file.
    Info {
        /// Audio file (WAV, FLAC, MP3, OGG/Vorbis).
        input: PathBuf,
    },
    /// Decode any supported file to WAV or FLAC, block by block (memory independent of length).
    Convert {
        /// Audio file to read.
        input: PathBuf,
        /// File to write: FLAC when its extension is `.flac`, else WAV.
        #[arg(short, long)]
        output: PathBuf,
        /// Sample encoding of the output (FLAC: pcm16 or pcm24).
        #[arg(long, value_enum, default_value_t = WavFormatArg::Pcm16)]
        format: WavFormatArg,
        /// Average the channels.
        #[arg(long)]
        mono: bool,
        /// Resample to this rate (soxr_hq, as librosa.load; streamed, the same samples).
        #[arg(long)]
        sr: Option<u32>,
        /// Add TPDF dither (±1 LSB) before quantising to 16/24 bits.
        #[arg(long)]
        dither: bool,
        /// Start this many seconds in.
        #[arg(long, default_value_t = 0.0)]
        offset: f64,
        /// Convert at most this many seconds.
        #[arg(long)]
        duration: Option<f64>,
    },
    /// librosa.display.specshow of a dB-scaled (mel) spectrogram, as PNG.
    Specshow {
        /// Audio file (mixed to mono).
        input: PathBuf,
        /// PNG file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Frequency axis: a linear STFT or a mel spectrogram.
        #[arg(long, value_enum, default_value_t = YAxisArg::Mel)]
        y_axis: YAxisArg,
        /// FFT size.
        #[arg(long, default_value_t = 2048)]
        n_fft: usize,
        /// Hop length.
        #[arg(long, default_value_t = 512)]
        hop_length: usize,
        /// Mel bands (with `--y-axis mel`).
        #[arg(long, default_value_t = 128)]
        n_mels: usize,
        /// Dynamic range below the peak, in dB.
        #[arg(long, default_value_t = 80.0)]
        top_db: f64,
        /// Colormap.
        #[arg(long, value_enum, default_value_t = CmapArg::Magma)]
        cmap: CmapArg,
        /// Plot width in pixels.
        #[arg(long, default_value_t = 800)]
        width: usize,
        /// Plot height in pixels.
        #[arg(long, default_value_t = 400)]
        height: usize,
        /// Leave out axes, ticks and the colour bar.
        #[arg(long)]
        no_axes: bool,
    },
    /// librosa.display.waveshow-style waveform picture, as PNG.
    Waveshow {
        /// Audio file.
        input: PathBuf,
        /// PNG file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Plot width in pixels.
        #[arg(long, default_value_t = 800)]
        width: usize,
        /// Height of each channel's lane in pixels.
        #[arg(long, default_value_t = 200)]
        height: usize,
    },
    /// MIDI file → notes as CSV (`onset,offset,pitch,velocity,program,instrument`)
    /// or JSON (note objects), or the melody encoding of the
    /// melody-generation seed with `--melody`.
    MidiToNotes {
        /// MIDI file.
        input: PathBuf,
        /// Output file (stdout when absent). Its extension (`.csv`, `.json`)
        /// chooses the format unless `--format` is given; another extension
        /// is an error.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Notes format: `csv` or `json` (default: the output's extension,
        /// CSV on standard output).
        #[arg(long, value_parser = parse_notes_format)]
        format: Option<NotesFormat>,
        /// Write the 16th-note melody encoding (`60 _ 62 _ r _`) instead of CSV.
        #[arg(long)]
        melody: bool,
        /// With `--melody`: transpose to C major / A minor first.
        #[arg(long)]
        transpose: bool,
    },
    /// Notes (`.csv`: `onset,offset,pitch,velocity[,program]` or basic-pitch's
    /// columns; `.json`: note objects) or a melody encoding (`.txt`:
    /// `60 _ 62 _ r _`) → MIDI file.
    NotesToMidi {
        /// `.csv` or `.json` notes, or `.txt` melody symbols.
        input: PathBuf,
        /// MIDI file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Tempo in beats per minute.
        #[arg(long, default_value_t = 120.0)]
        bpm: f64,
        /// Ticks per quarter note.
        #[arg(long, default_value_t = 480)]
        ticks_per_beat: u16,
        /// Standard MIDI file type: 0 or 1.
        #[arg(long, default_value_t = 1)]
        midi_type: u8,
    },
}

/// WAV sample encodings.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WavFormatArg {
    /// 16-bit PCM.
    Pcm16,
    /// 24-bit PCM.
    Pcm24,
    /// 32-bit float.
    Float32,
}

/// Frequency axes of `specshow`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum YAxisArg {
    /// Linear-frequency STFT magnitude in dB.
    Linear,
    /// Mel power spectrogram in dB.
    Mel,
}

/// Colormaps.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CmapArg {
    /// matplotlib magma.
    Magma,
    /// matplotlib viridis.
    Viridis,
    /// Grey levels.
    Gray,
}

/// Runs one `audio-io` subcommand.
pub fn run(cmd: IoCommand) -> Result<()> {
    match cmd {
        IoCommand::Info { input } => info(&input),
        IoCommand::Convert {
            input,
            output,
            format,
            mono,
            sr,
            dither,
            offset,
            duration,
        } => convert(&input, &output, format, mono, sr, dither, offset, duration),
        IoCommand::Specshow {
            input,
            output,
            y_axis,
            n_fft,
            hop_length,
            n_mels,
            top_db,
            cmap,
            width,
            height,
            no_axes,
        } => {
            let stft = audio_dsp::StftConfig {
                n_fft,
                hop_length: Some(hop_length),
                ..Default::default()
            };
            let colormap = match cmap {
                CmapArg::Magma => Colormap::Magma,
                CmapArg::Viridis => Colormap::Viridis,
                CmapArg::Gray => Colormap::Gray,
            };
            let picture = SpecshowPicture {
                y_axis,
                n_mels,
                top_db,
                width,
                height,
                colormap,
                axes: !no_axes,
            };
            let img = stream_specshow(&input, stft, &picture)?;
            img.save_png(&output)?;
            Ok(())
        }
        IoCommand::Waveshow {
            input,
            output,
            width,
            height,
        } => {
            // Two passes: the frames really present, then each pixel
            // column's min and max as the blocks arrive.
            let n = audio_io::AudioReader::open(&input)?.count_remaining_frames()?;
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let mut blocks = audio_io::LoadStream::<f32>::open(
                &input,
                &LoadOptions {
                    sr: None,
                    mono: false,
                    ..Default::default()
                },
            )?;
            let sr = blocks.info().sample_rate;
            let mut envelope =
                audio_io::picture::WaveformEnvelope::new(blocks.channels(), n, width)?;
            while let Some(block) = blocks.next_block()? {
                envelope.push(block.view())?;
            }
            let img = envelope.render(
                sr,
                &WaveformOptions {
                    width,
                    height,
                    ..Default::default()
                },
            )?;
            img.save_png(&output)?;
            Ok(())
        }
        IoCommand::MidiToNotes {
            input,
            output,
            format,
            melody,
            transpose,
        } => {
            // The format first: a bad output name fails before any work.
            let format = match (format, &output) {
                (Some(f), _) => f,
                (None, Some(path)) if !melody => NotesFormat::from_path(path)?,
                _ => NotesFormat::Csv,
            };
            let midi = MidiFile::read(&input)?;
            let text = if melody {
                let symbols = audio_io::melody::midi_to_melody(&midi, transpose)?;
                audio_io::melody::melody_to_string(&symbols) + "\n"
            } else {
                audio_io::notes::midi_to_notes_string(&midi, format)?
            };
            match output {
                Some(path) => write_text(&path, &text),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        IoCommand::NotesToMidi {
            input,
            output,
            bpm,
            ticks_per_beat,
            midi_type,
        } => {
            let notes = audio_io::melody::read_notes_or_melody(&input, bpm)?;
            let song = MidiFile::from_notes(notes, TempoMap::constant(ticks_per_beat, bpm));
            let kind = if midi_type == 0 {
                MidiType::Type0
            } else {
                MidiType::Type1
            };
            song.write(&output, kind)?;
            Ok(())
        }
    }
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    Ok(audio_io::write_file(path, text)?)
}

fn parse_notes_format(s: &str) -> std::result::Result<NotesFormat, String> {
    s.parse().map_err(|e: audio_io::Error| e.to_string())
}

fn info(input: &Path) -> Result<()> {
    let mut reader = AudioReader::open(input)?;
    let info = reader.info().clone();
    // The frames really present (a header may lie; MP3 may not say).
    let frames = reader.count_remaining_frames()?;
    println!("file:        {}", input.display());
    println!("container:   {}", info.container);
    println!("codec:       {}", info.codec);
    if let Some(b) = info.bits_per_sample {
        println!("bits:        {b}");
    }
    println!("sample rate: {} Hz", info.sample_rate);
    println!("channels:    {}", info.channels);
    println!("frames:      {frames}");
    println!(
        "duration:    {:.6} s",
        frames as f64 / f64::from(info.sample_rate)
    );
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one argument per command-line flag"
)]
fn convert(
    input: &Path,
    output: &Path,
    format: WavFormatArg,
    mono: bool,
    sr: Option<u32>,
    dither: bool,
    offset: f64,
    duration: Option<f64>,
) -> Result<()> {
    let dither = if dither {
        Dither::Tpdf { seed: 0x5eed }
    } else {
        Dither::None
    };
    let options = ConvertOptions {
        wav: WavWriteOptions {
            format: match format {
                WavFormatArg::Pcm16 => WavWriteFormat::Pcm16,
                WavFormatArg::Pcm24 => WavWriteFormat::Pcm24,
                WavFormatArg::Float32 => WavWriteFormat::Float32,
            },
            dither,
        },
        mono,
        sr,
        offset,
        duration,
    };
    let is_flac = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("flac"));
    if !is_flac {
        return Ok(convert_to_wav(input, output, &options)?);
    }
    let bits = match format {
        WavFormatArg::Pcm16 => FlacBitDepth::Pcm16,
        WavFormatArg::Pcm24 => FlacBitDepth::Pcm24,
        WavFormatArg::Float32 => {
            return Err(Error::Usage {
                message: "FLAC stores integer samples: --format pcm16 or pcm24 for a .flac output",
            })
        }
    };
    let flac = FlacWriteOptions {
        bits,
        dither,
        ..FlacWriteOptions::default()
    };
    Ok(convert_to(
        input,
        output,
        &options,
        &OutputFormat::Flac(flac),
    )?)
}

/// What `specshow` draws.
struct SpecshowPicture {
    y_axis: YAxisArg,
    n_mels: usize,
    top_db: f64,
    width: usize,
    height: usize,
    colormap: Colormap,
    axes: bool,
}

/// `specshow` of an audio file, block by block: the STFT (or mel power)
/// frames stream, only the frames the picture's pixel columns show are
/// kept ([`audio_io::picture::SpecshowColumns`]) with the range of all
/// values, and the dB scale (reference the maximum, floor `top_db` below
/// the peak) is applied at the end to the kept values and the range, as
/// `amplitude_to_db` / `power_to_db` of the whole spectrogram give them.
fn stream_specshow(
    input: &std::path::Path,
    stft: audio_dsp::StftConfig,
    picture: &SpecshowPicture,
) -> Result<audio_io::picture::Image> {
    let n = audio_io::AudioReader::open(input)?.count_remaining_frames()?;
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let mut blocks = audio_io::LoadStream::<f32>::open(
        input,
        &LoadOptions {
            sr: None,
            mono: true,
            ..Default::default()
        },
    )?;
    let sr = blocks.info().sample_rate;
    let frames = audio_dsp::Stft::<f32>::new(stft.clone())?.n_frames(n)?;
    let hop_length = stft.hop_length.unwrap_or(stft.n_fft / 4);
    let (columns, axis) = match picture.y_axis {
        YAxisArg::Linear => {
            let mut stream = audio_dsp::StreamingStft::<f32>::new(stft.clone())?;
            let mut columns = SpecshowColumns::new(1 + stft.n_fft / 2, frames, picture.width)?;
            while let Some(block) = blocks.next_block()? {
                columns.push(
                    stream
                        .push(&block.row(0).to_vec())?
                        .mapv(|c| c.norm())
                        .view(),
                )?;
            }
            columns.push(stream.finish()?.mapv(|c| c.norm()).view())?;
            scale_to_db(&mut columns, picture.top_db, |v, reference| {
                Ok(audio_dsp::amplitude_to_db(v, reference, 1e-5, None)?)
            })?;
            (columns, FrequencyAxis::Linear)
        }
        YAxisArg::Mel => {
            let config = audio_dsp::MelSpectrogramConfig {
                stft: stft.clone(),
                power: 2.0,
                mel: audio_dsp::MelConfig {
                    sr: f64::from(sr),
                    n_fft: stft.n_fft,
                    n_mels: picture.n_mels,
                    ..Default::default()
                },
            };
            let mut stream = audio_dsp::StreamingMelSpectrogram::<f32>::new(config)?;
            let mut columns = SpecshowColumns::new(picture.n_mels, frames, picture.width)?;
            while let Some(block) = blocks.next_block()? {
                columns.push(stream.push(&block.row(0).to_vec())?.view())?;
            }
            columns.push(stream.finish()?.view())?;
            scale_to_db(&mut columns, picture.top_db, |v, reference| {
                Ok(audio_dsp::power_to_db(v, reference, 1e-10, None)?)
            })?;
            let axis = FrequencyAxis::Mel {
                fmin: 0.0,
                fmax: f64::from(sr) / 2.0,
                htk: false,
            };
            (columns, axis)
        }
    };
    Ok(columns.render(&SpecshowOptions {
        colormap: picture.colormap,
        y_axis: axis,
        sr,
        hop_length,
        axes: picture.axes,
        width: picture.width,
        height: picture.height,
        colorbar: picture.axes.then(|| "dB".to_string()),
        ..Default::default()
    })?)
}

/// The dB scale of `amplitude_to_db` / `power_to_db` with `ref=np.max` and
/// `top_db` applied to the kept columns: `to_db` (one of the two, without
/// `top_db`) of each value with the maximum of all frames as reference,
/// floored `top_db` below the peak's level, as the whole spectrogram's
/// conversion gives them (the scale does not decrease, so the range maps
/// with it).
fn scale_to_db(
    columns: &mut SpecshowColumns,
    top_db: f64,
    to_db: impl Fn(ndarray::ArrayView1<'_, f32>, audio_dsp::DbReference) -> Result<ndarray::Array1<f32>>,
) -> Result<()> {
    let peak = columns.range().map_or(0.0, |(_, hi)| hi);
    let reference = audio_dsp::DbReference::Value(f64::from(peak));
    let db = |v: f32| -> Result<f32> { Ok(to_db(ndarray::arr1(&[v]).view(), reference)?[0]) };
    #[allow(
        clippy::cast_possible_truncation,
        reason = "as librosa's float32 top_db"
    )]
    let floor = db(peak)? - top_db as f32;
    columns.map_monotone(|v| db(v).map_or(floor, |d| d.max(floor)));
    Ok(())
}
