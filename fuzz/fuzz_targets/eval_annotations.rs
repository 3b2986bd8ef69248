//! Feeds arbitrary text to every mir_eval-format annotation parser of
//! `audio-eval` (`audio_eval::annotations`), and what parses to the metric
//! that consumes it: each must return `Ok` or a typed `Err`, never panic.
#![no_main]

use audio_eval::annotations;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(notes) = annotations::parse_valued_intervals(text) {
        let _ = audio_eval::transcription::evaluate(
            &notes.intervals,
            &notes.values,
            &notes.intervals,
            &notes.values,
            &Default::default(),
        );
    }
    if let Ok(notes) = annotations::parse_velocity_notes(text) {
        let _ = audio_eval::transcription_velocity::evaluate(
            &notes.intervals,
            &notes.pitches,
            &notes.velocities,
            &notes.intervals,
            &notes.pitches,
            &notes.velocities,
            &Default::default(),
            0.1,
        );
    }
    if let Ok(events) = annotations::parse_events(text) {
        let _ = audio_eval::onset::evaluate(&events, &events, 0.05);
        let _ = audio_eval::beat::evaluate(&events, &events, &Default::default());
    }
    if let Ok((times, values)) = annotations::parse_time_series(text) {
        let _ = audio_eval::melody::evaluate(
            &times,
            &values,
            &times,
            &values,
            None,
            None,
            &Default::default(),
        );
    }
    if let Ok((times, frames)) = annotations::parse_ragged_time_series(text) {
        let _ = audio_eval::multipitch::evaluate(&times, &frames, &times, &frames, 0.5);
    }
    if let Ok(key) = annotations::parse_key(text) {
        let _ = audio_eval::key::evaluate(key, "C major".parse().ok());
    }
});
