//! The frame-window transcriber's configuration: the log-mel front end,
//! the window of frames, the layer sizes and how notes are read from the
//! output.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The architecture of the frame-window MLP transcriber (seed 004, after
/// Kong's MAPS transcriber and Sleep's window of frames).
///
/// Each spectrogram frame `t` is classified from the `context` frames
/// centred on it: the log-mel frames `t - context/2 ..= t + context/2`,
/// standardised per mel band, flattened (frame-major) into
/// `context × n_mels` inputs, through `hidden.len()` fully connected ReLU
/// layers (dropout `dropout` in training) and a final layer of `pitches`
/// sigmoid outputs: the probability that MIDI pitch `lowest_pitch + k` sounds
/// at frame `t`.
///
/// The defaults are the seed's: 22.05 kHz, hop 512 (43.07 frames a second),
/// a 7-frame window (0.16 s), four layers of 500, 88 piano keys from A0.
/// [`FrameMlpConfig::kong`] is Kong's 3-frame variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrameMlpConfig {
    /// Sample rate of the input, in Hz.
    pub sample_rate: u32,
    /// FFT size of the mel spectrogram (`librosa.feature.melspectrogram`'s
    /// `n_fft`; hann window, centred frames).
    pub n_fft: usize,
    /// Hop between frames, in samples.
    pub hop_length: usize,
    /// Mel bands (Slaney scale and normalisation, librosa's defaults).
    pub n_mels: usize,
    /// Lowest mel frequency, in Hz.
    pub fmin: f64,
    /// Highest mel frequency, in Hz (`None`: half the sample rate).
    pub fmax: Option<f64>,
    /// Frames in the window around each frame (odd).
    pub context: usize,
    /// Widths of the hidden fully connected layers.
    pub hidden: Vec<usize>,
    /// Dropout after each hidden layer, in training.
    pub dropout: f64,
    /// MIDI pitch of the first output (21 = A0).
    pub lowest_pitch: u8,
    /// Outputs, one per pitch (88 piano keys).
    pub pitches: usize,
}

impl Default for FrameMlpConfig {
    fn default() -> Self {
        Self {
            sample_rate: 22_050,
            n_fft: 2048,
            hop_length: 512,
            n_mels: 229,
            fmin: 30.0,
            fmax: None,
            context: 7,
            hidden: vec![500; 4],
            dropout: 0.2,
            lowest_pitch: 21,
            pitches: 88,
        }
    }
}

impl FrameMlpConfig {
    /// Kong's variant: a 3-frame window, otherwise the defaults.
    pub fn kong() -> Self {
        Self {
            context: 3,
            ..Self::default()
        }
    }

    /// Inputs of the first layer: `context × n_mels`.
    pub fn input_size(&self) -> usize {
        self.context * self.n_mels
    }

    /// Frames per second: `sample_rate / hop_length`.
    pub fn frame_rate(&self) -> f64 {
        f64::from(self.sample_rate) / self.hop_length as f64
    }

    /// Checks the sizes and ranges.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero rate, size or width, an even
    /// `context`, a hop longer than the FFT, `fmin`/`fmax` outside
    /// `[0, sample_rate / 2]` or out of order, a dropout outside `[0, 1)`,
    /// or pitches beyond MIDI 127.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        for (name, v) in [
            ("sample_rate", self.sample_rate as usize),
            ("n_fft", self.n_fft),
            ("hop_length", self.hop_length),
            ("n_mels", self.n_mels),
            ("pitches", self.pitches),
        ] {
            if v == 0 {
                return bad(name, "0".into(), "> 0");
            }
        }
        if self.context.is_multiple_of(2) {
            return bad(
                "context",
                self.context.to_string(),
                "an odd number of frames",
            );
        }
        if self.hop_length > self.n_fft {
            return bad("hop_length", self.hop_length.to_string(), "at most n_fft");
        }
        if self.hidden.contains(&0) {
            return bad("hidden", format!("{:?}", self.hidden), "widths > 0");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("dropout", self.dropout.to_string(), "in [0, 1)");
        }
        let nyquist = f64::from(self.sample_rate) / 2.0;
        let fmax = self.fmax.unwrap_or(nyquist);
        if !(self.fmin >= 0.0 && self.fmin < fmax && fmax <= nyquist) {
            return bad(
                "fmin",
                format!("fmin {} fmax {fmax}", self.fmin),
                "0 <= fmin < fmax <= sample_rate / 2",
            );
        }
        if usize::from(self.lowest_pitch) + self.pitches > 128 {
            return bad(
                "pitches",
                format!("{} from {}", self.pitches, self.lowest_pitch),
                "pitches within MIDI 0..=127",
            );
        }
        Ok(())
    }
}

/// How notes are read from the frame probabilities (Kong's
/// `prob_to_midi_roll`, then runs of active frames): a pitch is on at frame
/// `t` when its probability is at least `threshold`; each run of at least
/// `min_note_frames` on-frames is a note from `start / frame_rate` to
/// `end / frame_rate` (the frame after the run), velocity
/// `round(127 × peak probability)`. Runs separated by fewer than
/// `merge_gap_frames` off-frames are joined first.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoteDecoding {
    /// Probability at which a pitch counts as sounding.
    pub threshold: f32,
    /// Shortest note kept, in frames.
    pub min_note_frames: usize,
    /// Gaps shorter than this many frames inside a note are bridged (0 or
    /// 1: none).
    pub merge_gap_frames: usize,
}

impl Default for NoteDecoding {
    /// Threshold 0.5, notes of at least 2 frames (46 ms at hop 512), gaps
    /// of one frame bridged.
    fn default() -> Self {
        Self {
            threshold: 0.5,
            min_note_frames: 2,
            merge_gap_frames: 2,
        }
    }
}

impl NoteDecoding {
    /// Checks the threshold.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a threshold outside `(0, 1)`.
    pub fn validate(&self) -> Result<()> {
        if self.threshold > 0.0 && self.threshold < 1.0 {
            Ok(())
        } else {
            Err(Error::InvalidParameter {
                name: "threshold",
                value: self.threshold.to_string(),
                expected: "a probability in (0, 1)",
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_seeds() {
        let c = FrameMlpConfig::default();
        assert_eq!((c.sample_rate, c.hop_length, c.context), (22_050, 512, 7));
        assert_eq!(c.hidden, vec![500; 4]);
        assert_eq!(c.input_size(), 7 * 229);
        assert!(c.validate().is_ok());
        assert_eq!(FrameMlpConfig::kong().context, 3);
    }

    #[test]
    fn bad_configurations_are_refused() {
        let even = FrameMlpConfig {
            context: 4,
            ..FrameMlpConfig::default()
        };
        assert!(matches!(
            even.validate(),
            Err(Error::InvalidParameter {
                name: "context",
                ..
            })
        ));
        let high = FrameMlpConfig {
            lowest_pitch: 60,
            ..FrameMlpConfig::default()
        };
        assert!(high.validate().is_err());
        let fmax = FrameMlpConfig {
            fmax: Some(20_000.0),
            ..FrameMlpConfig::default()
        };
        assert!(fmax.validate().is_err());
        assert!(NoteDecoding {
            threshold: 1.0,
            ..NoteDecoding::default()
        }
        .validate()
        .is_err());
    }
}
