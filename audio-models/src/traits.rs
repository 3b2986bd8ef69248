//! The stable traits every model of a family implements, so that swapping one
//! model for another changes no caller code.
//!
//! Audio crosses these traits as `ndarray` arrays of `f32` in the layout of
//! `audio-dsp`: `(channels, samples)`, with the sample rate the model expects
//! reported by [`Separator::sample_rate`] and its siblings. Resample with
//! `audio_dsp` (or load with `audio_io::load`) before calling.

use audio_dsp::Note;
use ndarray::{Array1, Array2, ArrayView2};

use crate::mixture_source::MixtureSource;
use crate::Result;

/// A source separator: a mixture in, one estimate per target out.
///
/// Implemented by Open-Unmix, Demucs, Wave-U-Net, the Wavenet separator and
/// the LSTM T-F mask separator.
///
/// # Shapes
/// - input `mixture`: `(channels, samples)` at [`Separator::sample_rate`];
/// - output: one `(channels, samples)` array per target, same length as the
///   input, in the order of [`Separator::targets`].
pub trait Separator {
    /// The sample rate, in Hz, that the model expects.
    fn sample_rate(&self) -> u32;
    /// The names of the targets this separator estimates, in output order.
    fn targets(&self) -> Vec<String>;
    /// Separates `mixture` into one estimate per target.
    ///
    /// # Errors
    /// Returns `Err` on a mixture with the wrong channel count or too few
    /// samples for the model, and on numerical failure in the backend.
    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>>;

    /// Separates a mixture read block by block ([`MixtureSource`]: a file
    /// decoded as it goes, [`crate::mixture_source::FileMixture`], or
    /// samples in memory), handing the estimates to `sink` in order, a
    /// stretch at a time: one `(channels, n)` array per target, the same
    /// `n` for all. Concatenated, the stretches equal
    /// [`Separator::separate`] of the whole mixture.
    ///
    /// Models whose estimates need only a bounded context hold a few
    /// windows: Demucs, Wave-U-Net, the Wavenet separator and the
    /// unidirectional T-F mask model. Open-Unmix's exact path holds its
    /// BiLSTM's per-frame state. The default, for any other model (and the
    /// bidirectional T-F mask model), reads the whole mixture and calls
    /// [`Separator::separate`].
    ///
    /// # Errors
    ///
    /// As [`Separator::separate`]; the source's and `sink`'s errors;
    /// [`crate::Error::ShapeMismatch`] when the source gives fewer samples
    /// than its `len`.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_models::mixture_source::InMemoryMixture;
    /// use audio_models::wavenet_separator::{WavenetSeparator, WavenetSeparatorConfig};
    /// use audio_models::Separator;
    /// let config = WavenetSeparatorConfig {
    ///     num_stacks: 1, dilations: vec![1, 2], res_channels: 4, skip_channels: 4,
    ///     final_channels: [8, 4], target_field_length: 65, ..Default::default()
    /// };
    /// let vb = audio_nn::init::SeededVarMap::new(0)
    ///     .var_builder(candle_core::DType::F32, &candle_core::Device::Cpu);
    /// let sep: Box<dyn Separator> = Box::new(WavenetSeparator::new(config, vb)?);
    /// let mix = ndarray::Array2::from_shape_fn((2, 1000), |(c, t)| ((t + c) as f32 * 0.1).sin());
    /// let mut samples = 0;
    /// sep.separate_source(&mut InMemoryMixture::new(mix.view()), &mut |stems| {
    ///     samples += stems[0].ncols();
    ///     Ok(())
    /// })?;
    /// assert_eq!(samples, 1000);
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    fn separate_source(
        &self,
        mixture: &mut dyn MixtureSource,
        sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        let whole = crate::mixture_source::read_whole(mixture)?;
        sink(&self.separate(whole.view())?)
    }
}

/// A music transcriber: audio in, notes out.
///
/// Implemented by Basic Pitch; the piano transcriber follows the same shape.
///
/// # Shapes
/// - input `audio`: `(channels, samples)` at [`Transcriber::sample_rate`]
///   (models that want mono average the channels);
/// - output: the family's notes (`audio_dsp::Note`: onset and offset in
///   seconds, MIDI pitch, velocity, program), sorted by onset, then pitch,
///   so they write straight to MIDI or a notes file.
pub trait Transcriber {
    /// The sample rate, in Hz, that the model expects.
    fn sample_rate(&self) -> u32;
    /// Transcribes `audio` to notes.
    ///
    /// # Errors
    /// Returns `Err` on empty input or numerical failure in the backend.
    fn transcribe(&self, audio: ArrayView2<'_, f32>) -> Result<Vec<Note>>;
}

/// A clip classifier or tagger: audio in, one score per label out.
///
/// # Shapes
/// - input `audio`: `(channels, samples)` at [`Classifier::sample_rate`];
/// - output: `(labels,)` scores in the order of [`Classifier::labels`]
///   (probabilities for single-label models, per-tag sigmoids for taggers).
pub trait Classifier {
    /// The sample rate, in Hz, that the model expects.
    fn sample_rate(&self) -> u32;
    /// The label names, in output order.
    fn labels(&self) -> Vec<String>;
    /// Scores `audio` against every label.
    ///
    /// # Errors
    /// Returns `Err` on input shorter than the model's receptive field.
    fn classify(&self, audio: ArrayView2<'_, f32>) -> Result<Array1<f32>>;
}

/// A generator: produces `samples` samples of audio (WaveNet) or a sequence
/// of `steps` symbols (the melody generator), seeded for determinism.
///
/// # Shapes
/// - output: `(channels, samples)` for audio generators, `(1, steps)` holding
///   symbol indices as `f32` for symbolic generators.
pub trait Generator {
    /// The sample rate, in Hz, of generated audio (the step rate for symbolic
    /// generators).
    fn sample_rate(&self) -> u32;
    /// Generates `length` samples or steps with the random `seed`.
    ///
    /// # Errors
    /// Returns `Err` on numerical failure in the backend.
    fn generate(&self, length: usize, seed: u64) -> Result<Array2<f32>>;
}
