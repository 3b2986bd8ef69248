//! `audio serve`: separation, transcription, seed 004's pipeline and
//! features as an HTTP service with a web page (seed 001's GUI), on axum
//! and tokio. Uploads stream to disk under a size limit, are probed for
//! their duration, and become jobs in a bounded queue that a fixed pool of
//! worker threads runs (the CPU-heavy work never runs on the async
//! runtime). Results live in the job's folder under `--data-dir` until they
//! expire.

mod jobs;
mod routes;
mod tasks;

use audio_cli::serve_request as request;
use audio_cli::serve_upload as upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use crate::{Error, Result};

/// Arguments of `audio serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8000")]
    bind: SocketAddr,
    /// Largest upload, in megabytes (10^6 bytes); larger ones are refused
    /// while they stream in.
    #[arg(long, default_value_t = 100.0)]
    max_upload_mb: f64,
    /// Longest audio, in seconds, read from the upload's header.
    #[arg(long, default_value_t = 900.0)]
    max_duration_s: f64,
    /// Worker threads running jobs (each runs one job at a time).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Jobs that may wait in the queue; beyond it, 429 with Retry-After.
    #[arg(long, default_value_t = 16)]
    queue: usize,
    /// Bearer token required on every endpoint but `/healthz` (also read
    /// from the AUDIO_SERVE_TOKEN environment variable).
    #[arg(long, env = "AUDIO_SERVE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Folder for uploads and results (one sub-folder per job; finished
    /// jobs found there at start are served again).
    #[arg(long, default_value = "audio-serve-data")]
    data_dir: PathBuf,
    /// Seconds a finished job's results are kept.
    #[arg(long, default_value_t = 3600)]
    result_ttl_s: u64,
    /// Disk the jobs' folders may use, in megabytes; beyond it new uploads
    /// get 503 until results expire.
    #[arg(long, default_value_t = 10_000.0)]
    max_disk_mb: f64,
    /// Seconds a shutdown waits for running jobs before leaving them
    /// cancelled.
    #[arg(long, default_value_t = 600)]
    shutdown_timeout_s: u64,
}

fn megabytes(name: &'static str, mb: f64) -> Result<u64> {
    if !(mb.is_finite() && mb > 0.0 && mb <= 1e7) {
        return Err(audio_models::Error::InvalidParameter {
            name,
            value: mb.to_string(),
            expected: "a size in megabytes in (0, 10^7]",
        }
        .into());
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked above"
    )]
    Ok((mb * 1e6) as u64)
}

/// Runs `audio serve` until SIGINT or SIGTERM.
///
/// # Errors
///
/// Bad limits; the data folder or the address cannot be used.
pub fn run(args: ServeArgs) -> Result<()> {
    let max_upload_bytes = megabytes("max_upload_mb", args.max_upload_mb)?;
    let max_disk_bytes = megabytes("max_disk_mb", args.max_disk_mb)?;
    if !(args.max_duration_s.is_finite() && args.max_duration_s > 0.0) || args.workers == 0 {
        return Err(Error::Usage {
            message: "--max-duration-s must be positive and --workers at least 1",
        });
    }
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let jobs_dir = args.data_dir.join("jobs");
    let jobs = jobs::Jobs::open(&jobs_dir, args.queue, Box::new(tasks::run)).map_err(|source| {
        Error::File {
            path: jobs_dir.clone(),
            source,
        }
    })?;
    let workers: Vec<std::thread::JoinHandle<()>> = (0..args.workers)
        .map(|i| {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("audio-serve-worker-{i}"))
                .spawn(move || jobs.work())
        })
        .collect::<std::io::Result<_>>()
        .map_err(|source| Error::File {
            path: PathBuf::from("worker thread"),
            source,
        })?;
    let state = Arc::new(routes::AppState {
        jobs: jobs.clone(),
        limits: routes::Limits {
            max_upload_bytes,
            max_duration_s: args.max_duration_s,
            token: args.token.clone().filter(|t| !t.is_empty()),
            max_disk_bytes,
            retry_after_s: 5,
        },
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| Error::File {
            path: PathBuf::from("tokio runtime"),
            source,
        })?;
    let ttl = Duration::from_secs(args.result_ttl_s);
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.bind).await?;
        let address = listener.local_addr()?;
        println!("listening on http://{address}");
        tracing::info!(%address, workers = args.workers, "serving");
        let expiry_jobs = jobs.clone();
        tokio::spawn(async move {
            let period = (ttl / 4).clamp(Duration::from_millis(250), Duration::from_secs(60));
            loop {
                tokio::time::sleep(period).await;
                let j = expiry_jobs.clone();
                let n = tokio::task::spawn_blocking(move || j.expire(ttl))
                    .await
                    .unwrap_or(0);
                if n > 0 {
                    tracing::info!(expired = n, "results expired");
                }
            }
        });
        let stop_jobs = jobs.clone();
        axum::serve(listener, routes::router(state))
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                tracing::info!("shutting down: no new jobs; running jobs finish");
                stop_jobs.stop();
            })
            .await
    });
    jobs.stop();
    let deadline = Instant::now() + Duration::from_secs(args.shutdown_timeout_s);
    for worker in workers {
        while !worker.is_finished() && Instant::now() < deadline {
            std::thread::sleep(routes::SHUTDOWN_POLL);
        }
        if worker.is_finished() {
            let _ = worker.join();
        }
    }
    served.map_err(|source| Error::File {
        path: PathBuf::from(args.bind.to_string()),
        source,
    })?;
    println!("stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
