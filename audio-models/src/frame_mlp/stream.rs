//! The frame MLP's posteriorgram of a signal that arrives in blocks.

use audio_dsp::StreamingMelSpectrogram;
use ndarray::{Array2, ArrayView2};

use super::features::LogMel;
use super::transcriber::{FrameMlp, CHUNK_FRAMES};
use crate::{Error, Result};

/// [`FrameMlp::posteriorgram`] of a mono signal fed in blocks: the
/// log-mel frames come from a streaming mel spectrogram, and the network
/// runs on the same 2048-frame chunks as the whole-signal path, each as
/// soon as the frames its windows reach have arrived. The rows returned,
/// joined, are the whole signal's posteriorgram to the bit; the stream
/// holds one chunk of standardised frames and its context.
///
/// # Example
///
/// ```
/// use audio_models::frame_mlp::FrameMlp;
/// let model = FrameMlp::embedded()?;
/// let audio: Vec<f32> = (0..44_100).map(|n| (n as f32 * 0.05).sin() * 0.3).collect();
/// let mut stream = model.stream()?;
/// let mut rows = 0;
/// for block in audio.chunks(10_000) {
///     rows += stream.push(block)?.nrows();
/// }
/// rows += stream.finish()?.nrows();
/// assert_eq!(rows, model.posteriorgram(&audio)?.nrows());
/// # Ok::<(), audio_models::Error>(())
/// ```
pub struct FrameMlpStream<'a> {
    model: &'a FrameMlp,
    mel: StreamingMelSpectrogram<f32>,
    /// Standardised frames `base..base + rows`, row-major.
    features: Vec<f32>,
    base: usize,
    /// Frames received so far.
    total: usize,
    /// First frame of the next chunk.
    next: usize,
    pad: Vec<f32>,
    samples: usize,
}

impl std::fmt::Debug for FrameMlpStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameMlpStream")
            .field("frames", &self.total)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl FrameMlp {
    /// A stream computing this model's posteriorgram block by block.
    ///
    /// # Errors
    ///
    /// As the mel spectrogram's plan.
    pub fn stream(&self) -> Result<FrameMlpStream<'_>> {
        Ok(FrameMlpStream {
            model: self,
            mel: self.log_mel().stream()?,
            features: Vec::new(),
            base: 0,
            total: 0,
            next: 0,
            pad: self.scaler().silence(),
            samples: 0,
        })
    }
}

impl FrameMlpStream<'_> {
    /// Feeds samples (mono, at the model's rate) and returns the
    /// posteriorgram rows they complete.
    ///
    /// # Errors
    ///
    /// A non-finite sample; candle errors.
    ///
    /// # Shapes
    ///
    /// `(block,)` → `(new_frames, pitches)`.
    pub fn push(&mut self, audio: &[f32]) -> Result<Array2<f32>> {
        self.samples += audio.len();
        let mel = self.mel.push(audio)?;
        self.take(&mel);
        self.run(false)
    }

    /// Ends the signal and returns the remaining rows.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] when no sample came; as [`FrameMlpStream::push`].
    pub fn finish(&mut self) -> Result<Array2<f32>> {
        if self.samples == 0 {
            return Err(Error::Empty { what: "audio" });
        }
        let mel = self.mel.finish()?;
        self.take(&mel);
        self.run(true)
    }

    /// Appends mel frames `(n_mels, frames)` as standardised log-mel rows.
    fn take(&mut self, mel: &Array2<f32>) {
        let mut rows = LogMel::log_frames(mel);
        self.model.scaler().apply(&mut rows);
        self.total += rows.nrows();
        self.features.extend(rows.iter());
    }

    /// Runs every chunk whose windows' frames have all arrived (all that
    /// remain when `last`).
    fn run(&mut self, last: bool) -> Result<Array2<f32>> {
        let config = self.model.config();
        let (n_mels, half) = (config.n_mels, config.context / 2);
        let mut out: Vec<f32> = Vec::new();
        while self.next < self.total {
            let end = (self.next + CHUNK_FRAMES).min(self.total);
            let complete = self.next + CHUNK_FRAMES + half <= self.total;
            if !(complete || last) {
                break;
            }
            let rows = self.features.len() / n_mels;
            let frames = ArrayView2::from_shape((rows, n_mels), &self.features).map_err(|_| {
                Error::ShapeMismatch {
                    what: "streamed log-mel frames",
                    expected: format!("{rows} x {n_mels} values"),
                    got: vec![self.features.len()],
                }
            })?;
            let x = FrameMlp::windows(
                config,
                frames,
                (self.next - self.base)..(end - self.base),
                &self.pad,
            )?;
            out.extend(self.model.probabilities(&x)?);
            self.next = end;
            // Keep the context the next chunk's first windows reach back to.
            let keep_from = self.next.saturating_sub(half).max(self.base);
            let drop = (keep_from - self.base) * n_mels;
            self.features.drain(..drop);
            self.base = keep_from;
        }
        let pitches = config.pitches;
        let n = out.len() / pitches;
        Array2::from_shape_vec((n, pitches), out).map_err(|_| Error::ShapeMismatch {
            what: "streamed posteriorgram",
            expected: format!("{n} x {pitches} values"),
            got: vec![n * pitches],
        })
    }
}
