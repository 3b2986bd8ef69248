//! The rule for separation target names, which name files.

use crate::error::{Error, Result};

/// Checks that a separation target's name can name a file.
///
/// A target name becomes a file name: `<target>.pth` is read from an
/// Open-Unmix model directory and `<target>.wav` is written by
/// `audio separate`. Names from `separator.json`, a Demucs checkpoint's
/// sources or the command line are untrusted, so a name must be a plain
/// file stem: at most 64 ASCII letters, digits, `_`, `-` or `.`, not
/// starting with `.` (no `..`, no separators, no hidden files).
pub(crate) fn check_target_name(name: &str) -> Result<()> {
    let plain = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if plain {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "targets",
            value: format!("{name:?}"),
            expected: "a plain name of at most 64 ASCII letters, digits, `_`, `-` or `.`, not starting with `.`",
        })
    }
}
