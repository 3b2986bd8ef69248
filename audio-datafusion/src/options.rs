//! The session options of the audio functions (`SET audio.… = …`).

use datafusion::common::config::ConfigExtension;
use datafusion::common::extensions_options;

extensions_options! {
    /// Options of the audio functions, set per session with SQL
    /// (`SET audio.null_on_error = false`) or on the
    /// [`SessionConfig`](datafusion::prelude::SessionConfig).
    pub struct AudioOptions {
        /// What a function does with a file it cannot read or an input it
        /// rejects: `true` (the default) gives a null for that row and the
        /// query goes on (the table's `error` column says why a file's
        /// header is bad); `false` fails the query with the error, naming
        /// the function and the file.
        pub null_on_error: bool, default = true
    }
}

impl ConfigExtension for AudioOptions {
    const PREFIX: &'static str = "audio";
}
