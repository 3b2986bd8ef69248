//! Standard MIDI files (type 0 and 1) ↔ notes, through `midly`.
//!
//! Reading follows `pretty_midi.PrettyMIDI` so that note times agree with it:
//! the tempo map is taken from the first track (where type 0 and type 1
//! files keep it; 120 bpm before the first tempo event); notes are grouped
//! into an [`Instrument`] per `(track, channel, program)`; a note-off (or
//! note-on with velocity 0) closes every open note of the same channel and
//! pitch that started at an earlier tick; the program of a note is the
//! channel's program at its note-off; channel 10 (index 9) is drums.
//! Pitch bends and control changes are kept per instrument.
//!
//! Writing produces a type 1 file (tempo map in track 0, one track per
//! instrument) or a type 0 file (everything merged), with times rounded to
//! the nearest tick, so a write → read round trip of notes that lie on ticks
//! is lossless.

use std::path::Path;

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

use crate::{Error, Result};

/// The family's note, `audio_dsp::Note`: onset and offset in seconds, MIDI
/// pitch and velocity, program, optional per-note pitch bends (notes read
/// from a MIDI file have none: bends are kept per [`Instrument`]).
pub use audio_dsp::Note;

/// A pitch-bend event: `value` in `-8192..=8191` (0 = no bend).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PitchBend {
    /// Time in seconds.
    pub time: f64,
    /// Bend, `-8192..=8191`.
    pub value: i16,
}

/// A control-change event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlChange {
    /// Time in seconds.
    pub time: f64,
    /// Controller number 0..=127 (64 = sustain pedal).
    pub controller: u8,
    /// Value 0..=127.
    pub value: u8,
}

/// The notes and controls of one `(track, channel, program)`, as a
/// `pretty_midi.Instrument`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Instrument {
    /// Track index in the file it was read from.
    pub track: usize,
    /// MIDI channel 0..=15 (9 is drums).
    pub channel: u8,
    /// Program 0..=127.
    pub program: u8,
    /// Whether this is a drum part (channel 9).
    pub is_drum: bool,
    /// Track name, when the track has one.
    pub name: String,
    /// Notes in the order their note-offs occur.
    pub notes: Vec<Note>,
    /// Pitch bends in time order.
    pub pitch_bends: Vec<PitchBend>,
    /// Control changes in time order.
    pub control_changes: Vec<ControlChange>,
}

/// A tempo change: from `tick` on, a beat lasts `microseconds_per_beat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoChange {
    /// Tick where the tempo starts.
    pub tick: u64,
    /// Time in seconds of that tick.
    pub time: f64,
    /// Microseconds per quarter note (500000 = 120 bpm).
    pub microseconds_per_beat: u32,
}

impl TempoChange {
    /// Beats per minute: `60e6 / microseconds_per_beat`.
    pub fn bpm(&self) -> f64 {
        60e6 / f64::from(self.microseconds_per_beat.max(1))
    }
}

/// The mapping between ticks and seconds.
///
/// Metrical files: `seconds(tick) = time_k + (tick - tick_k) * us_k / (1e6 * ticks_per_beat)`
/// for the last change `k` at or before `tick`. Timecode (SMPTE) files:
/// `seconds = tick / (fps * ticks_per_frame)`.
///
/// # Example
///
/// ```
/// let map = audio_io::midi::TempoMap::constant(480, 120.0);
/// assert_eq!(map.tick_to_seconds(960), 1.0);
/// assert_eq!(map.seconds_to_tick(0.5), 480);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TempoMap {
    /// Ticks per quarter note (metrical timing).
    pub ticks_per_beat: u16,
    /// Ticks per second for SMPTE timecode files (`None` for metrical files).
    pub ticks_per_second: Option<f64>,
    /// Tempo changes sorted by tick; the first is at tick 0.
    pub changes: Vec<TempoChange>,
}

impl TempoMap {
    /// One tempo for the whole file.
    pub fn constant(ticks_per_beat: u16, bpm: f64) -> Self {
        let us = (60e6 / bpm).round().clamp(1.0, f64::from(0x00FF_FFFF)) as u32;
        Self::from_changes(ticks_per_beat, &[(0, us)])
    }

    /// Builds a map from `(tick, microseconds_per_beat)` changes (sorted or
    /// not; a 120 bpm change is added at tick 0 when none is there; later
    /// changes at the same tick win).
    pub fn from_changes(ticks_per_beat: u16, changes: &[(u64, u32)]) -> Self {
        let mut raw: Vec<(u64, u32)> = changes.to_vec();
        raw.sort_by_key(|&(t, _)| t);
        let mut dedup: Vec<(u64, u32)> = Vec::with_capacity(raw.len() + 1);
        for (t, us) in raw {
            if let Some(last) = dedup.last_mut() {
                if last.0 == t {
                    last.1 = us;
                    continue;
                }
            }
            dedup.push((t, us.max(1)));
        }
        if dedup.first().is_none_or(|&(t, _)| t != 0) {
            dedup.insert(0, (0, 500_000));
        }
        let tpb = f64::from(ticks_per_beat.max(1));
        let mut out = Vec::with_capacity(dedup.len());
        let mut time = 0.0;
        let mut prev: Option<(u64, u32)> = None;
        for (t, us) in dedup {
            if let Some((pt, pus)) = prev {
                time += (t - pt) as f64 * f64::from(pus) / (1e6 * tpb);
            }
            out.push(TempoChange {
                tick: t,
                time,
                microseconds_per_beat: us,
            });
            prev = Some((t, us));
        }
        Self {
            ticks_per_beat: ticks_per_beat.max(1),
            ticks_per_second: None,
            changes: out,
        }
    }

    fn change_at_tick(&self, tick: u64) -> &TempoChange {
        let i = self.changes.partition_point(|c| c.tick <= tick);
        &self.changes[i.saturating_sub(1).min(self.changes.len() - 1)]
    }

    /// Seconds at `tick`.
    pub fn tick_to_seconds(&self, tick: u64) -> f64 {
        if let Some(tps) = self.ticks_per_second {
            return tick as f64 / tps;
        }
        let c = self.change_at_tick(tick);
        c.time
            + (tick - c.tick) as f64 * f64::from(c.microseconds_per_beat)
                / (1e6 * f64::from(self.ticks_per_beat))
    }

    /// The nearest tick to `seconds` (negative times map to 0).
    pub fn seconds_to_tick(&self, seconds: f64) -> u64 {
        let s = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
        if let Some(tps) = self.ticks_per_second {
            return (s * tps).round() as u64;
        }
        let i = self.changes.partition_point(|c| c.time <= s);
        let c = &self.changes[i.saturating_sub(1).min(self.changes.len() - 1)];
        let ticks = (s - c.time) * 1e6 * f64::from(self.ticks_per_beat)
            / f64::from(c.microseconds_per_beat);
        c.tick + ticks.round() as u64
    }

    /// Quarter-note beats at `seconds` (fractional).
    pub fn seconds_to_beats(&self, seconds: f64) -> f64 {
        let s = seconds.max(0.0);
        if let Some(tps) = self.ticks_per_second {
            return s * tps / f64::from(self.ticks_per_beat);
        }
        let i = self.changes.partition_point(|c| c.time <= s);
        let c = &self.changes[i.saturating_sub(1).min(self.changes.len() - 1)];
        let ticks = c.tick as f64
            + (s - c.time) * 1e6 * f64::from(self.ticks_per_beat)
                / f64::from(c.microseconds_per_beat);
        ticks / f64::from(self.ticks_per_beat)
    }
}

/// A MIDI file as instruments of notes plus its tempo map.
///
/// # Example
///
/// ```
/// use audio_io::midi::{Instrument, MidiFile, MidiType, Note, TempoMap};
/// let mut song = MidiFile { tempo: TempoMap::constant(480, 100.0), instruments: vec![] };
/// song.instruments.push(Instrument {
///     program: 40,
///     notes: vec![Note { program: 40, ..Note::new(0.0, 0.3, 64, 90) }],
///     ..Default::default()
/// });
/// let bytes = song.to_bytes(MidiType::Type1)?;
/// let back = MidiFile::from_bytes(&bytes)?;
/// assert_eq!(back.instruments[0].notes[0].pitch, 64);
/// assert!((back.instruments[0].notes[0].offset - 0.3).abs() < 1e-3);
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MidiFile {
    /// Ticks ↔ seconds.
    pub tempo: TempoMap,
    /// Instruments in order of first note-off (as `pretty_midi`).
    pub instruments: Vec<Instrument>,
}

/// The standard MIDI file type to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MidiType {
    /// One track holding everything.
    Type0,
    /// Track 0 holds the tempo map; one track per instrument (the default).
    #[default]
    Type1,
}

/// The most events a file may hold (guards memory on hostile files).
const MAX_EVENTS: usize = 10_000_000;

impl MidiFile {
    /// Reads a standard MIDI file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; as [`MidiFile::from_bytes`].
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::io(path, source))?;
        Self::from_bytes(&bytes).map_err(|e| e.in_file(path))
    }

    /// Parses a standard MIDI file from bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Midi`] for malformed data ([`Error::DecoderPanic`] where the
    /// parser, midly, panics on it), [`Error::Unsupported`] for type 2
    /// (sequential) files, [`Error::Malformed`] for more than 10^7 events.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        check_smpte_rate(bytes)?;
        let smf = crate::third_party::guarded("midly", || {
            Smf::parse(bytes).map_err(|source| Error::Midi { source })
        })?;
        if smf.header.format == Format::Sequential {
            return Err(Error::Unsupported {
                what: "MIDI file type",
                got: "2 (sequential)".to_string(),
            });
        }
        let total: usize = smf.tracks.iter().map(Vec::len).sum();
        if total > MAX_EVENTS {
            return Err(Error::malformed(
                "MIDI",
                format!("{total} events (more than {MAX_EVENTS})"),
            ));
        }
        let mut tempo = match smf.header.timing {
            Timing::Metrical(tpb) => {
                let mut changes = Vec::new();
                if let Some(first) = smf.tracks.first() {
                    let mut tick = 0u64;
                    for ev in first {
                        tick += u64::from(ev.delta.as_int());
                        if let TrackEventKind::Meta(MetaMessage::Tempo(us)) = ev.kind {
                            changes.push((tick, us.as_int()));
                        }
                    }
                }
                TempoMap::from_changes(tpb.as_int(), &changes)
            }
            Timing::Timecode(fps, sub) => {
                let mut map = TempoMap::from_changes(1, &[]);
                map.ticks_per_second = Some(f64::from(fps.as_f32()) * f64::from(sub.max(1)));
                map
            }
        };
        if tempo.ticks_per_beat == 0 {
            tempo.ticks_per_beat = 1;
        }
        let instruments = read_instruments(&smf, &tempo);
        Ok(Self { tempo, instruments })
    }

    /// All notes of all instruments, sorted by onset then pitch.
    pub fn notes(&self) -> Vec<Note> {
        let mut all: Vec<Note> = self
            .instruments
            .iter()
            .flat_map(|i| i.notes.iter().cloned())
            .collect();
        Note::sort(&mut all);
        all
    }

    /// The notes of the pitched (non-drum) instruments, sorted by onset then
    /// pitch: the notes a transcription is scored against.
    pub fn pitched_notes(&self) -> Vec<Note> {
        let mut all: Vec<Note> = self
            .instruments
            .iter()
            .filter(|i| !i.is_drum)
            .flat_map(|i| i.notes.iter().cloned())
            .collect();
        Note::sort(&mut all);
        all
    }

    /// A file of `notes` at one tempo: one instrument a program, in order of
    /// first appearance, each holding its notes in their given order.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_io::midi::{MidiFile, Note, TempoMap};
    /// let notes = vec![
    ///     Note { program: 40, ..Note::new(0.0, 0.5, 64, 90) },
    ///     Note::new(0.5, 1.0, 60, 90),
    ///     Note { program: 40, ..Note::new(1.0, 1.5, 67, 90) },
    /// ];
    /// let song = MidiFile::from_notes(notes, TempoMap::constant(480, 120.0));
    /// assert_eq!(song.instruments.len(), 2);
    /// assert_eq!(song.instruments[0].notes.len(), 2);
    /// ```
    pub fn from_notes(notes: impl IntoIterator<Item = Note>, tempo: TempoMap) -> Self {
        let mut instruments: Vec<Instrument> = Vec::new();
        for n in notes {
            match instruments.iter_mut().find(|i| i.program == n.program) {
                Some(i) => i.notes.push(n),
                None => instruments.push(Instrument {
                    program: n.program,
                    notes: vec![n],
                    ..Default::default()
                }),
            }
        }
        Self { tempo, instruments }
    }

    /// Writes the file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be written; as [`MidiFile::to_bytes`].
    pub fn write(&self, path: impl AsRef<Path>, kind: MidiType) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_bytes(kind)?;
        crate::write_file(path, bytes)
    }

    /// Encodes the file: times → nearest tick of [`MidiFile::tempo`].
    ///
    /// Channels as `pretty_midi.PrettyMIDI.write` assigns them: drums on
    /// channel 9; otherwise the n-th instrument on the n-th of the 15 other
    /// channels, cycling.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a pitch, velocity or program above
    /// 127, a note that ends before it starts, a non-finite time, a SMPTE
    /// tempo map, more than 16 channels' worth of instruments in a type 0
    /// file, or a gap of 2^28 ticks or more between events.
    pub fn to_bytes(&self, kind: MidiType) -> Result<Vec<u8>> {
        if self.tempo.ticks_per_second.is_some() {
            return Err(Error::InvalidParameter {
                name: "tempo",
                expected: "a metrical (ticks per beat) tempo map",
                value: "SMPTE timecode".to_string(),
            });
        }
        let tpb =
            u15::try_from(self.tempo.ticks_per_beat).ok_or_else(|| Error::InvalidParameter {
                name: "ticks_per_beat",
                expected: "1..=32767",
                value: self.tempo.ticks_per_beat.to_string(),
            })?;
        // Tempo track events.
        let mut tempo_events: Vec<(u64, u8, TrackEventKind<'_>)> = self
            .tempo
            .changes
            .iter()
            .map(|c| {
                (
                    c.tick,
                    0,
                    TrackEventKind::Meta(MetaMessage::Tempo(u24::from_int_lossy(
                        c.microseconds_per_beat.min(0x00FF_FFFF),
                    ))),
                )
            })
            .collect();
        let mut tracks: Vec<Vec<(u64, u8, TrackEventKind<'_>)>> = Vec::new();
        // pretty_midi's assignment: the n-th instrument, unless a drum kit,
        // takes the n-th of the 15 non-drum channels, cycling (the `u8`
        // counter here before overflowed past 255 instruments, found by the
        // `kern_parse` fuzz target, and reused channel 9 from the 26th
        // instrument on).
        for (n, inst) in self.instruments.iter().enumerate() {
            let channel = if inst.is_drum {
                9
            } else {
                let c = (n % 15) as u8;
                if c >= 9 {
                    c + 1
                } else {
                    c
                }
            };
            let ch = u4::from_int_lossy(channel);
            let mut ev: Vec<(u64, u8, TrackEventKind<'_>)> = Vec::new();
            let program = check7("program", inst.program)?;
            ev.push((
                0,
                1,
                TrackEventKind::Midi {
                    channel: ch,
                    message: MidiMessage::ProgramChange { program },
                },
            ));
            for b in &inst.pitch_bends {
                let t = self.tick_of(b.time, "pitch bend time")?;
                ev.push((
                    t,
                    2,
                    TrackEventKind::Midi {
                        channel: ch,
                        message: MidiMessage::PitchBend {
                            bend: midly::PitchBend::from_int(b.value.clamp(-8192, 8191)),
                        },
                    },
                ));
            }
            for c in &inst.control_changes {
                let t = self.tick_of(c.time, "control change time")?;
                ev.push((
                    t,
                    2,
                    TrackEventKind::Midi {
                        channel: ch,
                        message: MidiMessage::Controller {
                            controller: check7("controller", c.controller)?,
                            value: check7("controller value", c.value)?,
                        },
                    },
                ));
            }
            for n in &inst.notes {
                let on = self.tick_of(n.onset, "note onset")?;
                let off = self.tick_of(n.offset, "note offset")?;
                if n.offset
                    .partial_cmp(&n.onset)
                    .is_none_or(|o| o == std::cmp::Ordering::Less)
                {
                    return Err(Error::InvalidParameter {
                        name: "note",
                        expected: "offset >= onset",
                        value: format!("onset {} offset {}", n.onset, n.offset),
                    });
                }
                let key = check7("pitch", n.pitch)?;
                let vel = check7("velocity", n.velocity.max(1))?;
                // Note-offs sort before note-ons at the same tick.
                ev.push((
                    off,
                    3,
                    TrackEventKind::Midi {
                        channel: ch,
                        message: MidiMessage::NoteOff {
                            key,
                            vel: u7::new(0),
                        },
                    },
                ));
                ev.push((
                    on,
                    4,
                    TrackEventKind::Midi {
                        channel: ch,
                        message: MidiMessage::NoteOn { key, vel },
                    },
                ));
            }
            tracks.push(ev);
        }
        let mut smf_tracks: Vec<Vec<TrackEvent<'_>>> = Vec::new();
        match kind {
            MidiType::Type1 => {
                smf_tracks.push(to_track(&mut tempo_events, None)?);
                for (ev, inst) in tracks.iter_mut().zip(&self.instruments) {
                    smf_tracks.push(to_track(ev, Some(inst.name.as_bytes()))?);
                }
            }
            MidiType::Type0 => {
                let mut all = tempo_events;
                for ev in &mut tracks {
                    all.append(ev);
                }
                smf_tracks.push(to_track(&mut all, None)?);
            }
        }
        let format = match kind {
            MidiType::Type0 => Format::SingleTrack,
            MidiType::Type1 => Format::Parallel,
        };
        let smf = Smf {
            header: Header::new(format, Timing::Metrical(tpb)),
            tracks: smf_tracks,
        };
        let mut out = Vec::new();
        smf.write_std(&mut out)
            .map_err(|source| Error::Stream { source })?;
        Ok(out)
    }

    fn tick_of(&self, seconds: f64, name: &'static str) -> Result<u64> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(Error::InvalidParameter {
                name,
                expected: "a finite time >= 0 s",
                value: seconds.to_string(),
            });
        }
        Ok(self.tempo.seconds_to_tick(seconds))
    }
}

fn check7(name: &'static str, v: u8) -> Result<u7> {
    u7::try_from(v).ok_or_else(|| Error::InvalidParameter {
        name,
        expected: "0..=127",
        value: v.to_string(),
    })
}

fn to_track<'a>(
    events: &mut [(u64, u8, TrackEventKind<'a>)],
    name: Option<&'a [u8]>,
) -> Result<Vec<TrackEvent<'a>>> {
    events.sort_by_key(|&(t, p, _)| (t, p));
    let mut out = Vec::with_capacity(events.len() + 2);
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        out.push(TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::TrackName(name)),
        });
    }
    let mut last = 0u64;
    for &(t, _, kind) in events.iter() {
        let delta =
            u28::try_from(u32::try_from(t - last).unwrap_or(u32::MAX)).ok_or_else(|| {
                Error::InvalidParameter {
                    name: "event time",
                    expected: "gaps between events below 2^28 ticks",
                    value: format!("{} ticks", t - last),
                }
            })?;
        out.push(TrackEvent { delta, kind });
        last = t;
    }
    out.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    Ok(out)
}

/// Open notes of one `(channel, pitch)`: `(start tick, velocity)`.
type OpenNotes = Vec<(u64, u8)>;
/// Pitch bends and control changes seen before their instrument exists.
type Stragglers = std::collections::HashMap<(u8, usize), (Vec<PitchBend>, Vec<ControlChange>)>;

fn read_instruments(smf: &Smf<'_>, tempo: &TempoMap) -> Vec<Instrument> {
    // Key (program, channel, track) → index in `out`, in creation order.
    let mut out: Vec<Instrument> = Vec::new();
    let mut index: std::collections::HashMap<(u8, u8, usize), usize> =
        std::collections::HashMap::new();
    // Pitch bends / controls seen before any note of the channel ("stragglers").
    let mut stragglers: std::collections::HashMap<
        (u8, usize),
        (Vec<PitchBend>, Vec<ControlChange>),
    > = std::collections::HashMap::new();
    for (track_idx, track) in smf.tracks.iter().enumerate() {
        let mut name = String::new();
        let mut program = [0u8; 16];
        let mut open: std::collections::HashMap<(u8, u8), Vec<(u64, u8)>> =
            std::collections::HashMap::new();
        let mut tick = 0u64;
        for ev in track {
            tick += u64::from(ev.delta.as_int());
            let TrackEventKind::Midi { channel, message } = ev.kind else {
                if let TrackEventKind::Meta(MetaMessage::TrackName(n)) = ev.kind {
                    name = String::from_utf8_lossy(n).into_owned();
                }
                continue;
            };
            let ch = channel.as_int();
            match message {
                MidiMessage::ProgramChange { program: p } => program[usize::from(ch)] = p.as_int(),
                MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                    open.entry((ch, key.as_int()))
                        .or_default()
                        .push((tick, vel.as_int()));
                }
                MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                    let k = (ch, key.as_int());
                    let Some(notes) = open.get_mut(&k) else {
                        continue;
                    };
                    let (close, keep): (OpenNotes, OpenNotes) =
                        notes.iter().partition(|&&(s, _)| s != tick);
                    if close.is_empty() {
                        continue;
                    }
                    let prog = program[usize::from(ch)];
                    let i = instrument_index(
                        &mut out,
                        &mut index,
                        &mut stragglers,
                        prog,
                        ch,
                        track_idx,
                        &name,
                    );
                    for (start, velocity) in close {
                        out[i].notes.push(Note {
                            onset: tempo.tick_to_seconds(start),
                            offset: tempo.tick_to_seconds(tick),
                            pitch: k.1,
                            velocity,
                            program: prog,
                            pitch_bends: None,
                        });
                    }
                    if keep.is_empty() {
                        open.remove(&k);
                    } else {
                        *notes = keep;
                    }
                }
                MidiMessage::PitchBend { bend } => {
                    let b = PitchBend {
                        time: tempo.tick_to_seconds(tick),
                        value: bend.as_int(),
                    };
                    let prog = program[usize::from(ch)];
                    match index.get(&(prog, ch, track_idx)) {
                        Some(&i) => out[i].pitch_bends.push(b),
                        None => stragglers.entry((ch, track_idx)).or_default().0.push(b),
                    }
                }
                MidiMessage::Controller { controller, value } => {
                    let c = ControlChange {
                        time: tempo.tick_to_seconds(tick),
                        controller: controller.as_int(),
                        value: value.as_int(),
                    };
                    let prog = program[usize::from(ch)];
                    match index.get(&(prog, ch, track_idx)) {
                        Some(&i) => out[i].control_changes.push(c),
                        None => stragglers.entry((ch, track_idx)).or_default().1.push(c),
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn instrument_index(
    out: &mut Vec<Instrument>,
    index: &mut std::collections::HashMap<(u8, u8, usize), usize>,
    stragglers: &mut Stragglers,
    program: u8,
    channel: u8,
    track: usize,
    name: &str,
) -> usize {
    if let Some(&i) = index.get(&(program, channel, track)) {
        return i;
    }
    let (pitch_bends, control_changes) = stragglers.remove(&(channel, track)).unwrap_or_default();
    out.push(Instrument {
        track,
        channel,
        program,
        is_drum: channel == 9,
        name: name.to_string(),
        notes: Vec::new(),
        pitch_bends,
        control_changes,
    });
    index.insert((program, channel, track), out.len() - 1);
    out.len() - 1
}

/// Refuses an SMPTE frame rate other than -24, -25, -29 or -30 in any
/// header chunk before midly reads it: midly 0.5.3 negates the byte as an
/// `i8`, which overflows on -128 (found by the `midi_parse` fuzz target, in
/// the first header chunk and then in a later one; a panic in a debug build,
/// a wrong value in a release build). The chunks are walked as midly walks
/// them: from the first `MThd`, each `(id, big-endian length)` in turn.
fn check_smpte_rate(bytes: &[u8]) -> Result<()> {
    let Some(mut at) = bytes.windows(4).position(|w| w == b"MThd") else {
        return Ok(());
    };
    while let Some(head) = bytes.get(at..at + 8) {
        if &head[..4] == b"MThd" {
            if let Some(&b) = bytes.get(at + 12) {
                if b & 0x80 != 0 && ![0xE8, 0xE7, 0xE3, 0xE2].contains(&b) {
                    return Err(Error::malformed(
                        "MIDI",
                        format!("SMPTE frame rate {} in a header chunk", b as i8),
                    ));
                }
            }
        }
        let length = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
        at = at.saturating_add(8).saturating_add(length);
    }
    Ok(())
}
