//! Feeds arbitrary bytes to the `**kern` reader and converts what it accepts
//! to MIDI: `Ok` or a typed `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(score) = audio_io::kern::KernScore::from_bytes(data) {
        let _ = score.duration();
        if let Ok(midi) = score.to_midi(None) {
            let _ = midi.to_bytes(audio_io::midi::MidiType::Type1);
        }
        for part in 0..score.parts.len() {
            let _ = audio_io::melody::kern_to_melody(&score, part, false);
        }
    }
});
