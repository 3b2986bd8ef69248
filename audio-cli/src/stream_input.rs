//! The streamed analysis path of the commands that read an audio file:
//! decode → mono → soxr resampling block by block ([`audio_io::LoadStream`]),
//! analysis block by block, and the frames appended to the `.npy` as they
//! come ([`NpyColumnWriter`]). Memory does not grow with the file, and each
//! result equals the whole-file one (each command's test says how closely).

use audio_dsp::util::frame_stream::FrameStream;
use audio_dsp::{
    DbReference, MelSpectrogramConfig, OnsetStrengthConfig, PadMode, StftConfig,
    StreamingMelSpectrogram, StreamingOnsetStrength, StreamingStft, TuningConfig, TuningEstimator,
};
use audio_io::npy::{NpyColumnWriter, WritableElement};
use ndarray::{Array2, ArrayView2};

use crate::dsp_commands::InputOutput;
use crate::Result;

/// Streams the audio input of `io` and appends the frames `frames` returns
/// for each block (`frames(Some(block))`, then `frames(None)` at the end)
/// to the `.npy` output: `Some(rows)` values a frame, or a 1-D output for
/// `None` (each block's values then come as one row).
pub(crate) fn stream_frames<E: WritableElement + Clone>(
    io: &InputOutput,
    rows: Option<usize>,
    mut frames: impl FnMut(Option<&[f32]>) -> Result<Array2<E>>,
) -> Result<()> {
    let mut blocks = io.stream()?;
    let mut writer = match rows {
        Some(rows) => NpyColumnWriter::<E>::create(&io.output, rows)?,
        None => NpyColumnWriter::<E>::create_vector(&io.output)?,
    };
    while let Some(block) = blocks.next_block()? {
        let samples = block.row(0).to_vec();
        writer.write_columns(frames(Some(&samples))?.view())?;
    }
    writer.write_columns(frames(None)?.view())?;
    let info = writer.finish()?;
    println!("wrote {} ({info})", io.output.display());
    Ok(())
}

/// One row of values, for a 1-D [`stream_frames`] output.
pub(crate) fn row<E>(values: Vec<E>) -> Result<Array2<E>> {
    let n = values.len();
    Array2::from_shape_vec((1, n), values).map_err(|_| crate::Error::Usage {
        message: "a block of values has an impossible shape",
    })
}

/// No frames, `rows` tall.
pub(crate) fn no_frames<E>(rows: usize) -> Result<Array2<E>> {
    Array2::from_shape_vec((rows, 0), Vec::new()).map_err(|_| crate::Error::Usage {
        message: "an empty block has an impossible shape",
    })
}

/// Streams librosa's magnitude spectrogram of the audio input (the STFT
/// in float64 of the float32 samples, magnitudes rounded to float32, as
/// the whole-file path) and appends what `features` makes of each block's
/// frames. `features` must work frame by frame (librosa's spectral
/// descriptors do), so that the blocks' results joined are the whole
/// file's.
pub(crate) fn stream_magnitude<E: WritableElement + Clone>(
    io: &InputOutput,
    stft: StftConfig,
    rows: usize,
    mut features: impl FnMut(ArrayView2<f64>) -> Result<Array2<E>>,
) -> Result<()> {
    let mut stream = StreamingStft::<f64>::new(stft)?;
    stream_frames(io, Some(rows), |block| {
        let spec = match block {
            Some(block) => {
                let wide: Vec<f64> = block.iter().map(|&v| f64::from(v)).collect();
                stream.push(&wide)?
            }
            None => stream.finish()?,
        };
        if spec.ncols() == 0 {
            return no_frames(rows);
        }
        let mut s = audio_dsp::spectrogram_power(spec.view(), 1.0);
        s.mapv_inplace(|v| f64::from(v as f32));
        features(s.view())
    })
}

/// Streams the audio input through librosa's framing (`frame_length`
/// samples every `hop_length`, centred with `pad_mode`) and appends what
/// `frames` makes of each span of whole frames (the span's samples are the
/// padded signal's, so `frames` frames them without centring); `rows` as
/// [`stream_frames`].
pub(crate) fn stream_framed<E: WritableElement + Clone>(
    io: &InputOutput,
    framing: (usize, usize, bool, PadMode),
    rows: Option<usize>,
    mut frames: impl FnMut(&[f32]) -> Result<Array2<E>>,
) -> Result<()> {
    let (frame_length, hop_length, center, pad_mode) = framing;
    let mut stream = FrameStream::<f32>::new(frame_length, hop_length, center, pad_mode)?;
    stream_frames(io, rows, |block| {
        let span = match block {
            Some(block) => {
                check_finite(block)?;
                stream.push(block)
            }
            None => stream.finish()?,
        };
        if span.frames == 0 {
            return no_frames(rows.unwrap_or(1));
        }
        frames(span.samples)
    })
}

fn check_finite(block: &[f32]) -> Result<()> {
    match block.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(audio_dsp::Error::NonFinite {
            what: "audio input",
            index,
        }
        .into()),
        None => Ok(()),
    }
}

/// librosa's log-mel (`power_to_db(S, ref=1.0, amin=1e-10)`) of mel frames.
pub(crate) fn log_mel(mel: &Array2<f32>) -> Result<Array2<f32>> {
    Ok(audio_dsp::power_to_db(
        mel.view(),
        DbReference::Value(1.0),
        1e-10,
        None,
    )?)
}

/// The first of two passes: the maximum of the whole input's log-mel
/// spectrogram, which librosa's `top_db = 80` clips against (MFCC, onset
/// strength).
pub(crate) fn log_mel_peak(io: &InputOutput, mel: &MelSpectrogramConfig) -> Result<f32> {
    let mut peak = f32::NEG_INFINITY;
    let mut stream = StreamingMelSpectrogram::<f32>::new(mel.clone())?;
    let mut blocks = io.stream()?;
    while let Some(block) = blocks.next_block()? {
        let m = log_mel(&stream.push(&block.row(0).to_vec())?)?;
        peak = m.iter().fold(peak, |p, &v| p.max(v));
    }
    let m = log_mel(&stream.finish()?)?;
    Ok(m.iter().fold(peak, |p, &v| p.max(v)))
}

/// librosa's onset strength envelope of the audio input in two streamed
/// passes ([`log_mel_peak`], then each block's log-mel clipped 80 dB below
/// it into a [`StreamingOnsetStrength`]); `sink` gets each block's values.
/// Equal to `OnsetStrength::process` of the loaded file to the bit.
pub(crate) fn stream_onset_envelope(
    io: &InputOutput,
    config: &OnsetStrengthConfig,
    mut sink: impl FnMut(Vec<f32>) -> Result<()>,
) -> Result<()> {
    const TOP_DB: f32 = 80.0;
    let floor = log_mel_peak(io, &config.mel)? - TOP_DB;
    let mut mel = StreamingMelSpectrogram::<f32>::new(config.mel.clone())?;
    let mut onsets = StreamingOnsetStrength::<f32>::new(config.clone())?;
    let mut push = |m: Array2<f32>| -> Result<()> {
        let mut db = log_mel(&m)?;
        db.mapv_inplace(|v| v.max(floor));
        sink(onsets.push_db(db.view())?)
    };
    let mut blocks = io.stream()?;
    while let Some(block) = blocks.next_block()? {
        push(mel.push(&block.row(0).to_vec())?)?;
    }
    push(mel.finish()?)
}

/// [`stream_onset_envelope`] kept whole (4 bytes a frame: 0.6 MB for an
/// hour at the default hop), for the commands that need the envelope at
/// once (onset detection, beats, tempo).
pub(crate) fn onset_envelope(io: &InputOutput, config: &OnsetStrengthConfig) -> Result<Vec<f32>> {
    let mut envelope = Vec::new();
    stream_onset_envelope(io, config, |v| {
        envelope.extend(v);
        Ok(())
    })?;
    Ok(envelope)
}

/// librosa's `estimate_tuning` of the audio input, streamed: the peaks of
/// `|STFT|^power` frame by frame into a [`TuningEstimator`], in as many
/// passes over the file as it asks for (three as a rule: count, settle the
/// median magnitude, histogram), in fractions of a bin at
/// `bins_per_octave`. Equal to the estimate from the whole spectrogram, in
/// memory that does not grow with the file.
pub(crate) fn stream_tuning(
    io: &InputOutput,
    stft: &StftConfig,
    power: f32,
    bins_per_octave: usize,
) -> Result<f64> {
    let mut stream = StreamingStft::<f32>::new(stft.clone())?;
    let config = TuningConfig {
        bins_per_octave,
        ..TuningConfig::default()
    };
    let mut estimator = TuningEstimator::new(f64::from(io.sr), stft.n_fft, config)?;
    loop {
        let mut take = |spec: Array2<num_complex::Complex<f32>>| -> Result<()> {
            if spec.ncols() > 0 {
                estimator.push(audio_dsp::spectrogram_power(spec.view(), power).view())?;
            }
            Ok(())
        };
        let mut blocks = io.stream()?;
        while let Some(block) = blocks.next_block()? {
            take(stream.push(&block.row(0).to_vec())?)?;
        }
        take(stream.finish()?)?;
        if let Some(tuning) = estimator.finish_pass()? {
            return Ok(tuning);
        }
    }
}
