//! Ballista: the client session, and the scheduler and executor settings
//! that compile the audio functions and tables in.
//!
//! A query goes from the client to the scheduler as a logical plan (the
//! audio functions by name, an [`AudioFilesTable`](crate::AudioFilesTable)
//! by its location through [`AudioLogicalCodec`]); the scheduler lists and
//! probes the files, plans, and sends physical stages to the executors,
//! which look the functions up in their registry. So all three need the
//! same functions and options: [`connect`], [`configure_scheduler`] and
//! [`configure_executor`] install them.

use std::sync::Arc;

use ballista::prelude::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::ExecutorProcessConfig;
use ballista_scheduler::config::SchedulerConfig;
use datafusion::error::Result as DfResult;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::codec::AudioLogicalCodec;
use crate::session::{audio_functions, register_audio_functions, with_audio_options};

/// Optimizer rules the client does not run before it ships a plan (see
/// [`connect`]).
const CLIENT_RULES_SKIPPED: [&str; 2] = ["extract_leaf_expressions", "push_down_leaf_projections"];

/// Ballista's session configuration with the audio options and the audio
/// logical codec.
pub fn ballista_session_config() -> SessionConfig {
    with_audio_options(SessionConfig::new_with_ballista())
        .with_ballista_logical_extension_codec(Arc::new(AudioLogicalCodec::default()))
}

/// The scheduler's session builder: Ballista's, plus the audio functions.
///
/// # Errors
///
/// Ballista's, when the runtime cannot be built.
pub fn scheduler_session_builder(config: SessionConfig) -> DfResult<SessionState> {
    let mut state = default_session_builder(with_audio_options(config))?;
    register_audio_functions(&mut state)?;
    Ok(state)
}

/// The executors' function registry: Ballista's defaults, DataFusion's
/// array functions (`cardinality`, `array_length`, …, which Ballista's
/// default registry leaves out, so a stage using them was rejected by the
/// executors) and the audio functions.
pub fn executor_function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    let nested = datafusion::functions_nested::all_default_nested_functions();
    for udf in nested.into_iter().chain(audio_functions()) {
        registry
            .scalar_functions
            .insert(udf.name().to_string(), udf);
    }
    registry
}

/// `config` with the audio functions, options and codec installed.
pub fn configure_scheduler(config: SchedulerConfig) -> SchedulerConfig {
    SchedulerConfig {
        override_config_producer: Some(Arc::new(ballista_session_config)),
        override_session_builder: Some(Arc::new(scheduler_session_builder)),
        override_logical_codec: Some(Arc::new(AudioLogicalCodec::default())),
        ..config
    }
}

/// `config` with the audio functions and options installed.
pub fn configure_executor(config: ExecutorProcessConfig) -> ExecutorProcessConfig {
    ExecutorProcessConfig {
        override_config_producer: Some(Arc::new(ballista_session_config)),
        override_function_registry: Some(Arc::new(executor_function_registry())),
        override_logical_codec: Some(Arc::new(AudioLogicalCodec::default())),
        ..config
    }
}

/// A client context on the Ballista scheduler at `url` (`df://host:port`,
/// port 50050 by default), with the audio functions: queries on it run on
/// the cluster's executors.
///
/// # Errors
///
/// [`DataFusionError::Configuration`](datafusion::error::DataFusionError)
/// for a URL without a host.
pub async fn connect(url: &str) -> DfResult<SessionContext> {
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(ballista_session_config())
        .build();
    let ctx = SessionContext::remote_with_state(url, state).await?;
    // Ballista's upgrade of the state sets its own function list; the audio
    // functions go in after it.
    for udf in audio_functions() {
        ctx.register_udf(udf.as_ref().clone());
    }
    // These two rules rename struct-field accesses (`score['sdr']` under an
    // aggregate) to `__datafusion_extracted_N` columns that DataFusion 55's
    // plan serialisation writes with one qualifier and reads back with
    // another, so the scheduler rejected such plans ("No field named
    // median(__datafusion_extracted_2)"). The scheduler optimises the plan
    // again when it receives it, so nothing is lost by skipping them here.
    for rule in CLIENT_RULES_SKIPPED {
        ctx.remove_optimizer_rule(rule);
    }
    Ok(ctx)
}
