//! Third-party parsers of untrusted bytes behind `catch_unwind`.
//!
//! symphonia and midly have shipped panics on crafted files (symphonia
//! issues #488 and #510; a negation overflow in midly 0.5.3's SMPTE header,
//! found by the `midi_parse` fuzz target). A panic inside one of them becomes
//! [`Error::DecoderPanic`] naming the library, so a hostile file is a typed
//! error for the caller like any other.

use crate::{Error, Result};

/// Runs `f`, turning a panic inside it into [`Error::DecoderPanic`] naming
/// `decoder`.
///
/// Unwind safety: after a panic the parser's state may be inconsistent, so
/// every caller ends the stream (or drops the parser) after an error.
pub(crate) fn guarded<T>(decoder: &'static str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(Error::DecoderPanic { decoder, message })
    })
}
