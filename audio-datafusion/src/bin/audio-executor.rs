//! `audio-executor`: Ballista's executor with the audio functions compiled
//! in. It takes Ballista's own flags (`--scheduler-host`,
//! `--scheduler-port`, `--bind-port`, `--bind-grpc-port`, `--vcores`, …;
//! `--help` lists them).

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::error::BallistaError;
use ballista_executor::config::Config;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_executor::health::spawn_health_server;
use clap::Parser;

#[tokio::main]
async fn main() -> ballista_core::error::Result<()> {
    let opt = Config::parse();
    let health_addr = format!("{}:{}", opt.bind_host, opt.bind_health_port);
    let config: ExecutorProcessConfig = opt.try_into()?;
    let config = audio_datafusion::cluster::configure_executor(config);
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| config.special_mod_log_level.clone());
    let _ = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();

    // Liveness and readiness probes, as Ballista's executor binary serves them.
    let health_addr: SocketAddr = health_addr
        .parse()
        .map_err(|e| BallistaError::General(format!("invalid --bind-health-port address: {e}")))?;
    let (stop_health, health_stopped) = tokio::sync::oneshot::channel();
    let health = spawn_health_server(health_addr, config.health.clone(), health_stopped);

    let result = start_executor_process(Arc::new(config)).await;
    let _ = stop_health.send(());
    if let Err(e) = health.await {
        tracing::warn!("health server task join error: {e}");
    }
    result
}
