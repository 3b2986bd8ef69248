//! The HTTP API (`/v1/...`), the web page, the bearer-token check and the
//! request log.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Multipart, Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::jobs::{self, Jobs, SubmitError};
use super::request::{form_pairs, BadRequest, JobRequest, Task};
use super::upload::{probe, ProbeError};

/// The limits and settings the handlers need.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest upload, in bytes.
    pub max_upload_bytes: u64,
    /// Longest audio, in seconds.
    pub max_duration_s: f64,
    /// Bearer token required on everything but `/healthz`.
    pub token: Option<String>,
    /// Disk the jobs' folders may use, in bytes.
    pub max_disk_bytes: u64,
    /// Seconds a client is told to wait after a 429 or 503.
    pub retry_after_s: u64,
}

/// The handlers' shared state.
pub struct AppState {
    /// The jobs.
    pub jobs: Arc<Jobs>,
    /// The limits.
    pub limits: Limits,
}

type Shared = Arc<AppState>;

/// An error answer: a status and a JSON body `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    fn retry(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "error": self.message }))).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

impl From<BadRequest> for ApiError {
    fn from(e: BadRequest) -> Self {
        Self::new(StatusCode::BAD_REQUEST, e.0)
    }
}

/// The router: the page, the API, the token check and the request log.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(healthz))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/models", get(models))
        .route("/v1/jobs", get(list_jobs).post(create_job))
        .route("/v1/jobs/{id}", get(get_job).delete(delete_job))
        .route("/v1/jobs/{id}/result/{name}", get(get_result))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth))
        .layer(axum::middleware::from_fn(log_request))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}

/// Logs each request's method, path, status and time (never its body or
/// query string, which may hold a token).
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = start.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Compares in time independent of where the strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bearer-token check: everything but `/healthz` (and the page, which
/// holds no data and asks for the token) needs `Authorization: Bearer T`
/// or `?access_token=T` (for the page's audio players and links).
async fn auth(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let Some(token) = &state.limits.token else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path == "/healthz" || path == "/" {
        return next.run(request).await;
    }
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let from_query = request.uri().query().and_then(|q| {
        form_pairs(q)
            .into_iter()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v)
    });
    let ok = from_header
        .or(from_query)
        .is_some_and(|given| same(given.as_bytes(), token.as_bytes()));
    if ok {
        next.run(request).await
    } else {
        let mut response =
            ApiError::new(StatusCode::UNAUTHORIZED, "a valid bearer token is required")
                .into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    }
}

async fn page() -> Html<&'static str> {
    Html(include_str!("assets/index.html"))
}

async fn healthz(State(state): State<Shared>) -> Json<serde_json::Value> {
    Json(json!({
        "status": if state.jobs.stopping() { "stopping" } else { "ok" },
        "active_jobs": state.jobs.active(),
    }))
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("assets/openapi.json"),
    )
        .into_response()
}

async fn models(State(state): State<Shared>) -> Json<serde_json::Value> {
    let tasks: Vec<serde_json::Value> = Task::ALL
        .into_iter()
        .map(|t| json!({ "task": t.name(), "models": t.models(), "default": t.models()[0] }))
        .collect();
    Json(json!({
        "tasks": tasks,
        "limits": {
            "max_upload_bytes": state.limits.max_upload_bytes,
            "max_duration_s": state.limits.max_duration_s,
        }
    }))
}

async fn list_jobs(State(state): State<Shared>) -> Json<Vec<jobs::Job>> {
    Json(state.jobs.list())
}

fn known_id(id: &str) -> Result<(), ApiError> {
    if jobs::is_id(id) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "no such job"))
    }
}

async fn get_job(
    State(state): State<Shared>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<jobs::Job>, ApiError> {
    known_id(&id)?;
    state
        .jobs
        .get(&id)
        .map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such job (it may have expired)"))
}

async fn delete_job(
    State(state): State<Shared>,
    UrlPath(id): UrlPath<String>,
) -> Result<StatusCode, ApiError> {
    known_id(&id)?;
    if state.jobs.delete(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "no such job"))
    }
}

async fn get_result(
    State(state): State<Shared>,
    UrlPath((id, name)): UrlPath<(String, String)>,
) -> Result<Response, ApiError> {
    known_id(&id)?;
    let job = state
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such job"))?;
    if job.state != jobs::JobState::Done {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("the job is {:?}, not done", job.state).to_lowercase(),
        ));
    }
    // The name must be one of the job's results: never a path from the URL.
    let result = job
        .results
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such result"))?;
    let path = state.jobs.job_dir(&id).join("out").join(&result.name);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "the result is gone"))?;
    let stream = tokio_util_stream(file);
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&result.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&result.bytes.to_string()) {
        headers.insert(header::CONTENT_LENGTH, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", result.name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// A file as a stream of 64 KiB chunks.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 1 << 16];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    })
}

/// Removes a job folder that did not become a job.
struct Scratch(Option<PathBuf>);

impl Scratch {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the upload is larger than this service's limit of {limit} bytes"),
    )
}

/// Writes one chunk, counting against the limit.
async fn write_chunk(
    file: &mut tokio::fs::File,
    written: &mut u64,
    chunk: &[u8],
    limit: u64,
) -> Result<(), ApiError> {
    *written += chunk.len() as u64;
    if *written > limit {
        return Err(too_large(limit));
    }
    file.write_all(chunk)
        .await
        .map_err(|_| ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "cannot store the upload"))
}

/// Reads and drops the body of `request`, at most `limit` bytes (an
/// upload the service turns away for now); nothing is stored.
async fn discard_body(request: Request, limit: u64) {
    let mut body = request.into_body().into_data_stream();
    let mut read = 0u64;
    while let Some(Ok(chunk)) = body.next().await {
        read += chunk.len() as u64;
        if read > limit {
            break;
        }
    }
}

/// `POST /v1/jobs`: the audio as the raw body (parameters in the query
/// string) or as the `file` field of a multipart form (parameters as its
/// other fields, or in the query string).
async fn create_job(
    State(state): State<Shared>,
    headers: HeaderMap,
    request: Request,
) -> Result<(StatusCode, Json<jobs::Job>), ApiError> {
    let limits = state.limits.clone();
    // An upload of an allowed size that is turned away for now is read to
    // its end (and dropped) first, so that the client, still sending, gets
    // the answer rather than a connection closed under it.
    let allowed = limits.max_upload_bytes + 64 * 1024;
    if state.jobs.stopping() {
        discard_body(request, allowed).await;
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service is shutting down",
        )
        .retry(limits.retry_after_s));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > allowed) {
        return Err(too_large(limits.max_upload_bytes));
    }
    let jobs_ref = state.jobs.clone();
    let usage = tokio::task::spawn_blocking(move || jobs_ref.disk_usage())
        .await
        .unwrap_or(u64::MAX);
    if usage.saturating_add(limits.max_upload_bytes) > limits.max_disk_bytes {
        discard_body(request, allowed).await;
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service's disk budget is used up: try again when results have expired",
        )
        .retry(limits.retry_after_s));
    }
    let mut pairs = request.uri().query().map(form_pairs).unwrap_or_default();
    let id = jobs::new_id()
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "no random id"))?;
    let dir = state.jobs.job_dir(&id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|_| ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "cannot store the upload"))?;
    let scratch = Scratch(Some(dir.clone()));
    let input = dir.join("input");
    let mut file = tokio::fs::File::create(&input)
        .await
        .map_err(|_| ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "cannot store the upload"))?;
    let mut written = 0u64;
    let limit = limits.max_upload_bytes;
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let mut form = multipart(request).await?;
        let mut got_file = false;
        while let Some(mut field) = form.next_field().await.map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, format!("bad multipart form: {e}"))
        })? {
            let name = field.name().unwrap_or("").to_string();
            if name == "file" {
                if got_file {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "more than one file field",
                    ));
                }
                got_file = true;
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, format!("bad multipart form: {e}"))
                })? {
                    write_chunk(&mut file, &mut written, &chunk, limit).await?;
                }
            } else {
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, format!("bad multipart form: {e}"))
                })? {
                    value.extend_from_slice(&chunk);
                    if value.len() > super::request::MAX_PARAM_LEN {
                        return Err(BadRequest(format!("field {name:?} is too long")).into());
                    }
                }
                if pairs.len() > super::request::MAX_PARAMS {
                    return Err(BadRequest("too many form fields".into()).into());
                }
                let value = String::from_utf8(value)
                    .map_err(|_| BadRequest(format!("field {name:?} is not UTF-8")))?;
                if !value.is_empty() {
                    pairs.push((name, value));
                }
            }
        }
        if !got_file {
            return Err(BadRequest("the form has no \"file\" field".into()).into());
        }
    } else {
        let mut body = request.into_body().into_data_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(StatusCode::BAD_REQUEST, format!("upload interrupted: {e}"))
            })?;
            write_chunk(&mut file, &mut written, &chunk, limit).await?;
        }
    }
    file.flush()
        .await
        .map_err(|_| ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "cannot store the upload"))?;
    drop(file);
    if written == 0 {
        return Err(BadRequest("the upload is empty".into()).into());
    }
    let job_request = JobRequest::parse(&pairs)?;
    let max_duration = limits.max_duration_s;
    let probe_path = input.clone();
    let probed = tokio::task::spawn_blocking(move || probe(&probe_path, max_duration))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "probe failed"))?;
    let probed = probed.map_err(|e| match e {
        ProbeError::TooLong { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
        ProbeError::Undecodable(_) => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, e.to_string())
        }
    })?;
    let job = state
        .jobs
        .submit(&id, job_request, probed.duration_s)
        .map_err(|e| match e {
            SubmitError::Full => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "the job queue is full: try again later",
            )
            .retry(limits.retry_after_s),
            SubmitError::Stopping => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the service is shutting down",
            )
            .retry(limits.retry_after_s),
        })?;
    scratch.keep();
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// The multipart reader of a whole request.
async fn multipart(request: Request) -> Result<Multipart, ApiError> {
    use axum::extract::FromRequest as _;
    Multipart::from_request(request, &())
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("bad multipart form: {e}")))
}

/// How long a shut-down waits between checks for running jobs.
pub const SHUTDOWN_POLL: Duration = Duration::from_millis(200);
