//! The note: the one type every crate of the family uses for a note event
//! (MIDI files, transcription output, key estimation, quantisation, notes
//! files, transcription metrics).

use crate::convert::{midi_to_hz, pitch_name, PitchNameOptions};

/// One note: times in seconds, MIDI pitch and velocity, the program
/// (General MIDI instrument, 0-based) that plays it and, when a transcriber
/// estimated them, its pitch bends.
///
/// `pitch_bends` are Basic Pitch's: one value a model frame, evenly spaced
/// from `onset` to `offset`, in thirds of a semitone (the resolution of its
/// pitch contour, 3 bins a semitone), `None` when not estimated. Whole
/// numbers keep the values exactly as Basic Pitch writes them. MIDI files
/// hold bends per instrument, not per note
/// (`audio_io::midi::Instrument::pitch_bends`), so notes read from MIDI have
/// `None`.
///
/// With the `serde` feature, a note serialises as an object with the field
/// names (`onset`, `offset`, `pitch`, `velocity`, `program`, `pitch_bends`);
/// reading also accepts basic-pitch's `start_time_s`, `end_time_s` and
/// `pitch_midi`, and a missing `program` (0) or `pitch_bends` (`None`).
///
/// # Example
///
/// ```
/// use audio_dsp::Note;
/// let a = Note::new(0.5, 1.25, 69, 100);
/// assert_eq!(a.duration(), 0.75);
/// assert_eq!(a.hz(), 440.0);
/// assert_eq!(a.name(), "A4");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Note {
    /// Start time in seconds.
    #[cfg_attr(feature = "serde", serde(alias = "start_time_s"))]
    pub onset: f64,
    /// End time in seconds.
    #[cfg_attr(feature = "serde", serde(alias = "end_time_s"))]
    pub offset: f64,
    /// MIDI pitch (60 = middle C).
    #[cfg_attr(feature = "serde", serde(alias = "pitch_midi"))]
    pub pitch: u8,
    /// Velocity 1..=127.
    pub velocity: u8,
    /// Program 0..=127.
    #[cfg_attr(feature = "serde", serde(default))]
    pub program: u8,
    /// Pitch bend a model frame in thirds of a semitone, evenly spaced over
    /// the note; `None` when not estimated.
    #[cfg_attr(feature = "serde", serde(default))]
    pub pitch_bends: Option<Vec<i32>>,
}

impl Note {
    /// A note of program 0 without pitch bends.
    pub fn new(onset: f64, offset: f64, pitch: u8, velocity: u8) -> Self {
        Self {
            onset,
            offset,
            pitch,
            velocity,
            program: 0,
            pitch_bends: None,
        }
    }

    /// `offset − onset`, in seconds.
    pub fn duration(&self) -> f64 {
        self.offset - self.onset
    }

    /// The pitch in Hz, [`midi_to_hz`] (`440 · 2^((pitch − 69) / 12)`).
    pub fn hz(&self) -> f64 {
        midi_to_hz(f64::from(self.pitch))
    }

    /// The pitch class, `pitch % 12` (0 = C).
    pub fn pitch_class(&self) -> u8 {
        self.pitch % 12
    }

    /// The pitch's name with its octave and ASCII sharps, as
    /// [`crate::midi_to_note`]: `C4` for 60, `F#3` for 54.
    pub fn name(&self) -> String {
        pitch_name(i64::from(self.pitch), &PitchNameOptions::default())
    }

    /// Sorts `notes` in time order: by onset ([`f64::total_cmp`]), then by
    /// pitch; the sort is stable, so notes equal in both keep their order.
    /// The order of MIDI files' note lists and of printed transcriptions.
    /// Takes anything that holds a [`Note`] through `AsRef<Note>`.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::Note;
    /// let mut notes = vec![Note::new(1.0, 2.0, 60, 90), Note::new(0.0, 1.0, 64, 90), Note::new(0.0, 1.0, 62, 90)];
    /// Note::sort(&mut notes);
    /// let order: Vec<u8> = notes.iter().map(|n| n.pitch).collect();
    /// assert_eq!(order, vec![62, 64, 60]);
    /// ```
    pub fn sort<N: AsRef<Note>>(notes: &mut [N]) {
        notes.sort_by(|a, b| {
            let (a, b) = (a.as_ref(), b.as_ref());
            a.onset.total_cmp(&b.onset).then(a.pitch.cmp(&b.pitch))
        });
    }
}

impl AsRef<Note> for Note {
    fn as_ref(&self) -> &Note {
        self
    }
}

impl AsMut<Note> for Note {
    fn as_mut(&mut self) -> &mut Note {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let n = Note {
            program: 4,
            ..Note::new(1.0, 1.5, 61, 90)
        };
        assert_eq!(n.duration(), 0.5);
        assert_eq!(n.name(), "C#4");
        assert_eq!(n.pitch_class(), 1);
        assert_eq!(Note::new(0.0, 1.0, 0, 1).name(), "C-1");
        assert_eq!(Note::new(0.0, 1.0, 127, 1).name(), "G9");
        assert!((Note::new(0.0, 1.0, 60, 1).hz() - 261.625_565_300_598_6).abs() < 1e-12);
    }

    #[test]
    fn sort_is_by_onset_then_pitch_and_stable() {
        let mut notes = vec![
            Note::new(0.5, 1.0, 60, 1),
            Note::new(0.0, 1.0, 70, 2),
            Note::new(0.0, 1.0, 65, 3),
            Note::new(0.0, 2.0, 65, 4),
            Note::new(f64::NAN, 1.0, 10, 5),
        ];
        Note::sort(&mut notes);
        let v: Vec<u8> = notes.iter().map(|n| n.velocity).collect();
        assert_eq!(v, vec![3, 4, 2, 1, 5]);
    }
}
