//! Feeds arbitrary bytes to the MIDI reader and re-encodes what it accepts:
//! `Ok` or a typed `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(midi) = audio_io::midi::MidiFile::from_bytes(data) {
        let _ = midi.to_bytes(audio_io::midi::MidiType::Type1);
        let notes = midi.notes();
        let _ = audio_io::piano_roll::notes_to_piano_roll(&notes, 20.0, Some(64));
    }
});
