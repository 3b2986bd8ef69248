//! The jobs: their records (kept in memory and, as `job.json`, on disk in
//! the job's folder, so a restart keeps every finished result), the bounded
//! queue, the worker threads that run them, and expiry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::request::JobRequest;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker runs it.
    Running,
    /// Finished; its results can be fetched.
    Done,
    /// Failed; `error` says why.
    Failed,
    /// Deleted or cancelled before it ran (or by a shutdown).
    Cancelled,
}

impl JobState {
    fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Cancelled)
    }
}

/// One result file of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultFile {
    /// Its name in `GET /v1/jobs/{id}/result/{name}`.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A job's record, as `GET /v1/jobs/{id}` shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// The job's id (128 random bits, hex).
    pub id: String,
    /// The task.
    pub task: String,
    /// The model.
    pub model: String,
    /// The parameters.
    pub params: Vec<(String, String)>,
    /// Where it stands.
    pub state: JobState,
    /// 0 to 1: the stages done.
    pub progress: f32,
    /// The stage running, in words.
    pub stage: String,
    /// Why it failed.
    pub error: Option<String>,
    /// The results, once done.
    pub results: Vec<ResultFile>,
    /// The uploaded file's duration, in seconds.
    pub duration_s: f64,
    /// When it was submitted (Unix seconds).
    pub created: u64,
    /// When it reached its final state (Unix seconds).
    pub finished: Option<u64>,
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A new job id: 128 bits from the operating system's generator, as hex.
///
/// # Errors
///
/// When the operating system gives no random bytes.
pub fn new_id() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `id` has the form of a job id (so it can name a folder).
pub fn is_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Reports a running job's progress (0 to 1) and stage.
pub type StageFn = Arc<dyn Fn(f32, &str) + Send + Sync>;

/// The work of one job, run on a worker thread: it reads the job's input
/// and writes its results into `out`, reporting stages through `stage`.
pub type Runner =
    dyn Fn(&JobRequest, &Path, &Path, StageFn) -> Result<Vec<ResultFile>, String> + Send + Sync;

/// The jobs, the queue and the workers.
pub struct Jobs {
    dir: PathBuf,
    records: Mutex<HashMap<String, (Job, JobRequest)>>,
    queue: SyncSender<String>,
    receiver: Mutex<Receiver<String>>,
    stopping: AtomicBool,
    runner: Box<Runner>,
}

/// Why a job was not queued.
#[derive(Debug)]
pub enum SubmitError {
    /// The queue is full: try again later.
    Full,
    /// The service is shutting down.
    Stopping,
}

impl Jobs {
    /// The jobs kept in `dir` (`dir/<id>/job.json`): finished ones are
    /// kept, and ones a previous run left queued or running are marked
    /// cancelled. `queue` jobs may wait at once.
    ///
    /// # Errors
    ///
    /// When `dir` cannot be created or listed.
    pub fn open(dir: &Path, queue: usize, runner: Box<Runner>) -> std::io::Result<Arc<Self>> {
        std::fs::create_dir_all(dir)?;
        let mut records = HashMap::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_id(&name) {
                continue;
            }
            let Some(job) = std::fs::read(entry.path().join("job.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Job>(&b).ok())
            else {
                // An upload that never became a job.
                let _ = std::fs::remove_dir_all(entry.path());
                continue;
            };
            let mut job = job;
            if !job.state.is_final() {
                job.state = JobState::Cancelled;
                job.error = Some("the service stopped before the job finished".into());
                job.finished = Some(now());
                let _ = write_record(&entry.path(), &job);
            }
            let request = JobRequest::parse(&request_pairs(&job)).unwrap_or(JobRequest {
                task: super::request::Task::Transcribe,
                model: job.model.clone(),
                params: Vec::new(),
            });
            records.insert(name, (job, request));
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(queue.max(1));
        Ok(Arc::new(Self {
            dir: dir.to_path_buf(),
            records: Mutex::new(records),
            queue: tx,
            receiver: Mutex::new(rx),
            stopping: AtomicBool::new(false),
            runner,
        }))
    }

    fn records(&self) -> MutexGuard<'_, HashMap<String, (Job, JobRequest)>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The folder of job `id`.
    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Queues a new job whose input is already in its folder.
    ///
    /// # Errors
    ///
    /// [`SubmitError::Full`] when the queue is full, [`SubmitError::Stopping`]
    /// during shutdown; the job's folder is removed.
    pub fn submit(
        &self,
        id: &str,
        request: JobRequest,
        duration_s: f64,
    ) -> Result<Job, SubmitError> {
        if self.stopping.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(self.job_dir(id));
            return Err(SubmitError::Stopping);
        }
        let job = Job {
            id: id.to_string(),
            task: request.task.name().to_string(),
            model: request.model.clone(),
            params: request.params.clone(),
            state: JobState::Queued,
            progress: 0.0,
            stage: "queued".into(),
            error: None,
            results: Vec::new(),
            duration_s,
            created: now(),
            finished: None,
        };
        let _ = write_record(&self.job_dir(id), &job);
        self.records()
            .insert(id.to_string(), (job.clone(), request));
        match self.queue.try_send(id.to_string()) {
            Ok(()) => Ok(job),
            Err(e) => {
                self.records().remove(id);
                let _ = std::fs::remove_dir_all(self.job_dir(id));
                Err(match e {
                    TrySendError::Full(_) => SubmitError::Full,
                    TrySendError::Disconnected(_) => SubmitError::Stopping,
                })
            }
        }
    }

    /// The record of job `id`.
    pub fn get(&self, id: &str) -> Option<Job> {
        self.records().get(id).map(|(j, _)| j.clone())
    }

    /// Every job's record (newest first).
    pub fn list(&self) -> Vec<Job> {
        let mut all: Vec<Job> = self.records().values().map(|(j, _)| j.clone()).collect();
        all.sort_by_key(|j| std::cmp::Reverse(j.created));
        all
    }

    /// Deletes job `id`: a queued job is cancelled, a running one is
    /// cancelled and its results dropped when it ends, a finished one's
    /// files are removed. Returns whether the job existed.
    pub fn delete(&self, id: &str) -> bool {
        let mut records = self.records();
        let Some((job, _)) = records.get_mut(id) else {
            return false;
        };
        if job.state == JobState::Running {
            job.state = JobState::Cancelled;
            job.error = Some("deleted while running".into());
            return true;
        }
        records.remove(id);
        drop(records);
        let _ = std::fs::remove_dir_all(self.job_dir(id));
        true
    }

    /// Updates job `id`'s record (in memory and on disk) unless it was
    /// cancelled meanwhile; returns whether it still runs.
    fn update(&self, id: &str, f: impl FnOnce(&mut Job)) -> bool {
        let mut records = self.records();
        let Some((job, _)) = records.get_mut(id) else {
            return false;
        };
        if job.state == JobState::Cancelled {
            return false;
        }
        f(job);
        let job = job.clone();
        drop(records);
        let _ = write_record(&self.job_dir(id), &job);
        true
    }

    /// Runs queued jobs until the service stops (one call per worker
    /// thread).
    pub fn work(self: &Arc<Self>) {
        loop {
            let next = {
                let rx = self.receiver.lock().unwrap_or_else(PoisonError::into_inner);
                rx.recv_timeout(Duration::from_millis(200))
            };
            let id = match next {
                Ok(id) => id,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if self.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    continue;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            };
            if self.stopping.load(Ordering::SeqCst) {
                self.cancel_queued(&id);
                continue;
            }
            self.run_one(&id);
        }
    }

    fn cancel_queued(&self, id: &str) {
        self.update(id, |job| {
            job.state = JobState::Cancelled;
            job.error = Some("the service shut down before the job started".into());
            job.finished = Some(now());
        });
    }

    fn run_one(self: &Arc<Self>, id: &str) {
        let request = match self.records().get(id) {
            Some((job, request)) if job.state == JobState::Queued => request.clone(),
            _ => return,
        };
        let started = self.update(id, |job| {
            job.state = JobState::Running;
            job.stage = "starting".into();
            job.progress = 0.05;
        });
        if !started {
            return;
        }
        tracing::info!(job = id, task = request.task.name(), model = %request.model, "job started");
        let dir = self.job_dir(id);
        let out = dir.join("out");
        let input = dir.join("input");
        let jobs = Arc::clone(self);
        let job_id = id.to_string();
        let stage: StageFn = Arc::new(move |progress: f32, what: &str| {
            jobs.update(&job_id, |job| {
                job.progress = progress.clamp(0.0, 1.0);
                what.clone_into(&mut job.stage);
            });
        });
        let result = std::fs::create_dir_all(&out)
            .map_err(|e| format!("cannot create the job's output folder: {e}"))
            .and_then(|()| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    (self.runner)(&request, &input, &out, stage)
                }))
                .unwrap_or_else(|_| Err("internal error while running the job".into()))
            });
        let _ = std::fs::remove_file(&input);
        let ok = result.is_ok();
        let kept = self.update(id, |job| {
            job.finished = Some(now());
            match result {
                Ok(files) => {
                    job.state = JobState::Done;
                    job.progress = 1.0;
                    job.stage = "done".into();
                    job.results = files;
                }
                Err(message) => {
                    job.state = JobState::Failed;
                    job.stage = "failed".into();
                    job.error = Some(message);
                }
            }
        });
        if !kept {
            // Deleted while running: drop it and its files.
            self.records().remove(id);
            let _ = std::fs::remove_dir_all(&dir);
        }
        tracing::info!(job = id, ok, kept, "job ended");
    }

    /// Stops taking jobs: queued ones are cancelled as workers reach them,
    /// running ones finish.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Whether [`Jobs::stop`] was called.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Removes the jobs that ended more than `ttl` ago (counted in whole
    /// seconds, so between `ttl` and `ttl` + 1 s), with their files.
    /// Returns how many.
    pub fn expire(&self, ttl: Duration) -> usize {
        let now = now();
        let expired: Vec<String> = self
            .records()
            .iter()
            .filter(|(_, (j, _))| {
                j.state.is_final()
                    && j.finished
                        .is_some_and(|f| f.saturating_add(ttl.as_secs()) < now)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            self.records().remove(id);
            let _ = std::fs::remove_dir_all(self.job_dir(id));
        }
        expired.len()
    }

    /// Bytes of every job's folder (uploads and results).
    pub fn disk_usage(&self) -> u64 {
        fn size(path: &Path) -> u64 {
            let Ok(meta) = std::fs::symlink_metadata(path) else {
                return 0;
            };
            if meta.is_dir() {
                std::fs::read_dir(path)
                    .map(|entries| entries.flatten().map(|e| size(&e.path())).sum())
                    .unwrap_or(0)
            } else {
                meta.len()
            }
        }
        size(&self.dir)
    }

    /// Jobs queued or running.
    pub fn active(&self) -> usize {
        self.records()
            .values()
            .filter(|(j, _)| matches!(j.state, JobState::Queued | JobState::Running))
            .count()
    }
}

fn request_pairs(job: &Job) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("task".to_string(), job.task.clone()),
        ("model".to_string(), job.model.clone()),
    ];
    pairs.extend(job.params.iter().cloned());
    pairs
}

/// Writes `job.json` atomically (a temporary file, then a rename).
fn write_record(dir: &Path, job: &Job) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(job).map_err(std::io::Error::other)?;
    let tmp = dir.join("job.json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, dir.join("job.json"))
}
