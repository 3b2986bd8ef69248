//! The entry point of the `eval_annotations` fuzz target in the repository's
//! `fuzz/` folder: every annotation parser on untrusted text, then the
//! metric that consumes what parsed. It lives here so that the inputs the
//! fuzzer found (`fuzz/regressions/eval_annotations/`) are replayed by a
//! plain `cargo test`. Not a stable API.

use crate::annotations;

/// `eval_annotations`: must return whatever the bytes are.
pub fn eval_annotations(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(notes) = annotations::parse_valued_intervals(text) {
        let _ = crate::transcription::evaluate(
            &notes.intervals,
            &notes.values,
            &notes.intervals,
            &notes.values,
            &Default::default(),
        );
    }
    if let Ok(notes) = annotations::parse_velocity_notes(text) {
        let _ = crate::transcription_velocity::evaluate(
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
        let _ = crate::onset::evaluate(&events, &events, 0.05);
        let _ = crate::beat::evaluate(&events, &events, &Default::default());
    }
    if let Ok((times, values)) = annotations::parse_time_series(text) {
        let _ = crate::melody::evaluate(
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
        let _ = crate::multipitch::evaluate(&times, &frames, &times, &frames, 0.5);
    }
    if let Ok(key) = annotations::parse_key(text) {
        let _ = crate::key::evaluate(key, "C major".parse().ok());
    }
}
