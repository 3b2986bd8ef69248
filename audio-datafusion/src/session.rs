//! Sessions with the audio functions: in one process, and for Ballista.

use std::sync::Arc;

use datafusion::error::Result as DfResult;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::options::AudioOptions;
use crate::udf::all_audio_udfs;

/// Every audio function (`load`, `melspectrogram`, `mfcc`, `chroma_cqt`,
/// `onset_times`, `tempo`, `beat_times`, `estimate_key`, `transcribe`,
/// `separation_scores`, `si_sdr`, `note_f_measure`).
pub fn audio_functions() -> Vec<Arc<ScalarUDF>> {
    all_audio_udfs()
}

/// `config` with the [`AudioOptions`] namespace, so that
/// `SET audio.null_on_error = …` parses.
pub fn with_audio_options(config: SessionConfig) -> SessionConfig {
    if config.options().extensions.get::<AudioOptions>().is_some() {
        config
    } else {
        config.with_option_extension(AudioOptions::default())
    }
}

/// Registers every audio function in `registry` (a [`SessionContext`], a
/// [`SessionState`]).
///
/// # Errors
///
/// The registry's, which DataFusion's do not return.
pub fn register_audio_functions(registry: &mut dyn FunctionRegistry) -> DfResult<()> {
    for udf in audio_functions() {
        registry.register_udf(udf)?;
    }
    Ok(())
}

/// A session state with DataFusion's defaults, the audio options and the
/// audio functions.
pub fn audio_session_state(config: SessionConfig) -> SessionState {
    let mut state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(with_audio_options(config))
        .build();
    // `with_scalar_functions` would replace DataFusion's functions; register
    // ours beside them. Registration into a session state cannot fail.
    let _ = register_audio_functions(&mut state);
    state
}

/// An in-process context with the audio functions; register tables with
/// [`crate::AudioFilesTable`].
///
/// # Example
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> datafusion::error::Result<()> {
/// let ctx = audio_datafusion::audio_session_context();
/// let batches = ctx
///     .sql("SELECT si_sdr([1.0, 2.0, 3.0], [1.0, 2.0, 3.5]) AS db")
///     .await?
///     .collect()
///     .await?;
/// assert_eq!(batches[0].num_rows(), 1);
/// # Ok(())
/// # }
/// ```
pub fn audio_session_context() -> SessionContext {
    SessionContext::new_with_state(audio_session_state(SessionConfig::new()))
}
