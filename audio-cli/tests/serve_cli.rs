//! `audio serve` from outside, with a real HTTP client (ureq) against the
//! binary on 127.0.0.1: every task end to end on the embedded models, the
//! page and the API description, each limit with its status code, a
//! corrupt upload, tokens, expiry, deletion, and a shutdown during a job
//! that loses no finished result.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A job on the embedded models, in a debug build, on 2 cores: generous.
const JOB_TIMEOUT: Duration = Duration::from_secs(600);

struct Server {
    child: Child,
    base: String,
    data: PathBuf,
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Self {
        let mut child = common::audio_command()
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(extra)
            .env_remove("AUDIO_SERVE_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().unwrap().unwrap();
        let base = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        // Keep reading stdout so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            base,
            data: data.to_path_buf(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < JOB_TIMEOUT, "the server did not stop");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// A status, its headers and body.
struct Reply {
    status: u16,
    retry_after: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.unwrap();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Reply {
        status: r.status().as_u16(),
        retry_after,
        body: r
            .body_mut()
            .with_config()
            .limit(1 << 28)
            .read_to_vec()
            .unwrap(),
    }
}

fn get(url: &str, token: Option<&str>) -> Reply {
    let mut req = agent().get(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    reply(req.call())
}

fn post_raw(url: &str, body: &[u8], token: Option<&str>) -> Reply {
    let mut req = agent().post(url).header("Content-Type", "audio/wav");
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    reply(req.send(body))
}

/// A multipart form: text fields, then `file`.
fn post_form(url: &str, fields: &[(&str, &str)], file: &[u8]) -> Reply {
    let boundary = "audio-serve-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"song.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    reply(
        agent()
            .post(url)
            .header(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..]),
    )
}

/// A WAV of `seconds` at `rate`, `channels` channels: a few piano-range
/// tones one after another.
fn song(seconds: f64, rate: u32, channels: usize) -> Vec<u8> {
    let n = (seconds * f64::from(rate)) as usize;
    let pitches = [60.0f32, 64.0, 67.0, 72.0];
    let samples = ndarray::Array2::from_shape_fn((channels, n), |(_, t)| {
        let note = (t * 4 / n.max(1)).min(3);
        let f = 440.0 * 2f32.powf((pitches[note] - 69.0) / 12.0);
        let phase = t as f32 / rate as f32;
        0.3 * (2.0 * std::f32::consts::PI * f * phase).sin()
    });
    let path = common::tmp(&format!("song-{seconds}-{rate}-{channels}.wav"));
    audio_io::wav::write_wav(
        &path,
        &audio_io::Audio {
            samples,
            sample_rate: rate,
        },
        &audio_io::wav::WavWriteOptions::default(),
    )
    .unwrap();
    std::fs::read(&path).unwrap()
}

/// Polls a job until it reaches a final state.
fn wait(server: &Server, id: &str, token: Option<&str>) -> Value {
    let start = Instant::now();
    loop {
        let r = get(&server.url(&format!("/v1/jobs/{id}")), token);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let job = r.json();
        match job["state"].as_str().unwrap() {
            "done" | "failed" | "cancelled" => return job,
            _ => {}
        }
        assert!(
            start.elapsed() < JOB_TIMEOUT,
            "job {id} did not finish: {job}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn result_names(job: &Value) -> Vec<String> {
    job["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_task_runs_end_to_end_on_the_embedded_models() {
    let data = common::tmp("serve-tasks");
    let server = Server::start(&data, &["--workers", "2"]);
    // The page, the description, health and the models.
    let page = get(&server.url("/"), None);
    assert_eq!(page.status, 200);
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("<label for=\"file\">") && html.contains("/v1/jobs"));
    let api = get(&server.url("/v1/openapi.json"), None).json();
    assert_eq!(api["openapi"], "3.0.3");
    assert!(api["paths"]["/v1/jobs/{id}/result/{name}"].is_object());
    assert_eq!(get(&server.url("/healthz"), None).json()["status"], "ok");
    let models = get(&server.url("/v1/models"), None).json();
    assert_eq!(models["tasks"][0]["task"], "separate");

    let wav = song(3.0, 44_100, 2);
    let transcribe = post_raw(&server.url("/v1/jobs?task=transcribe"), &wav, None);
    assert_eq!(
        transcribe.status,
        202,
        "{}",
        String::from_utf8_lossy(&transcribe.body)
    );
    let separate = post_form(
        &server.url("/v1/jobs"),
        &[("task", "separate"), ("model", "default")],
        &wav,
    );
    assert_eq!(
        separate.status,
        202,
        "{}",
        String::from_utf8_lossy(&separate.body)
    );
    let separate_flac = post_raw(
        &server.url("/v1/jobs?task=separate&format=flac"),
        &wav,
        None,
    );
    assert_eq!(separate_flac.status, 202);
    let pipeline = post_form(
        &server.url("/v1/jobs"),
        &[
            ("task", "pipeline"),
            ("target", "other"),
            ("quantize", "120:4"),
        ],
        &wav,
    );
    assert_eq!(pipeline.status, 202);
    let features = post_raw(
        &server.url("/v1/jobs?task=features&model=melspectrogram&n_mels=64"),
        &wav,
        None,
    );
    assert_eq!(features.status, 202);

    let job = wait(&server, transcribe.json()["id"].as_str().unwrap(), None);
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(result_names(&job), ["notes.json", "notes.mid", "roll.png"]);
    let id = job["id"].as_str().unwrap();
    let midi = get(
        &server.url(&format!("/v1/jobs/{id}/result/notes.mid")),
        None,
    );
    let midi = audio_io::midi::MidiFile::from_bytes(&midi.body).unwrap();
    let pitches: std::collections::BTreeSet<u8> = midi.notes().iter().map(|n| n.pitch).collect();
    for p in [60, 64, 67, 72] {
        assert!(pitches.contains(&p), "{pitches:?}");
    }
    let notes = get(
        &server.url(&format!("/v1/jobs/{id}/result/notes.json")),
        None,
    )
    .json();
    assert_eq!(notes.as_array().unwrap().len(), midi.notes().len());
    let roll = get(&server.url(&format!("/v1/jobs/{id}/result/roll.png")), None);
    assert_eq!(&roll.body[..8], b"\x89PNG\r\n\x1a\n");

    let job = wait(&server, separate.json()["id"].as_str().unwrap(), None);
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(
        result_names(&job),
        ["bass.wav", "drums.wav", "other.wav", "vocals.wav"]
    );
    let id = job["id"].as_str().unwrap();
    let stem = get(
        &server.url(&format!("/v1/jobs/{id}/result/vocals.wav")),
        None,
    );
    let stem = audio_io::decode_bytes(stem.body, Some("wav")).unwrap();
    assert_eq!(stem.frames(), 3 * 44_100);

    // The same stem as 16-bit FLAC: the float WAV's samples quantised.
    let job = wait(&server, separate_flac.json()["id"].as_str().unwrap(), None);
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(
        result_names(&job),
        ["bass.flac", "drums.flac", "other.flac", "vocals.flac"]
    );
    assert_eq!(job["results"][3]["content_type"], "audio/flac", "{job}");
    let id = job["id"].as_str().unwrap();
    let flac = get(
        &server.url(&format!("/v1/jobs/{id}/result/vocals.flac")),
        None,
    );
    let flac = audio_io::decode_bytes(flac.body, Some("flac")).unwrap();
    let quantised = stem
        .samples
        .mapv(|x| (f64::from(audio_io::wav::quantize(f64::from(x), 16)) / 32768.0) as f32);
    assert_eq!(flac.samples, quantised);

    let job = wait(&server, pipeline.json()["id"].as_str().unwrap(), None);
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(
        result_names(&job),
        ["notes.json", "notes.mid", "roll.png", "stem.wav"]
    );

    let job = wait(&server, features.json()["id"].as_str().unwrap(), None);
    assert_eq!(job["state"], "done", "{job}");
    let id = job["id"].as_str().unwrap();
    let npy = get(
        &server.url(&format!("/v1/jobs/{id}/result/melspectrogram.npy")),
        None,
    );
    let path = common::tmp("served-mel.npy");
    std::fs::write(&path, &npy.body).unwrap();
    let mel: ndarray::ArrayD<f32> = audio_test_fixtures::read_npy_f32(&path);
    assert_eq!(mel.shape()[0], 64);

    // A result name that is not the job's, a path, an unknown job.
    for bad in [
        format!("/v1/jobs/{id}/result/notes.mid"),
        format!("/v1/jobs/{id}/result/..%2Fjob.json"),
        "/v1/jobs/00000000000000000000000000000000".to_string(),
        "/v1/jobs/..%2F..%2Fetc".to_string(),
    ] {
        assert_eq!(get(&server.url(&bad), None).status, 404, "{bad}");
    }
    // Deleting a finished job removes it.
    let del = reply(
        agent()
            .delete(&server.url(&format!("/v1/jobs/{id}")))
            .call(),
    );
    assert_eq!(del.status, 204);
    assert_eq!(
        get(&server.url(&format!("/v1/jobs/{id}")), None).status,
        404
    );
    assert!(!server.data.join("jobs").join(id).exists());
}

#[test]
fn limits_tokens_and_bad_uploads_get_the_right_status() {
    let data = common::tmp("serve-limits");
    let token = "s3cret-token";
    let server = Server::start(
        &data,
        &[
            "--token",
            token,
            "--max-upload-mb",
            "0.2",
            "--max-duration-s",
            "2",
            "--workers",
            "1",
            "--queue",
            "1",
        ],
    );
    let t = Some(token);
    // Health needs no token; the rest needs the right one.
    assert_eq!(get(&server.url("/healthz"), None).status, 200);
    assert_eq!(get(&server.url("/v1/models"), None).status, 401);
    assert_eq!(get(&server.url("/v1/models"), Some("wrong")).status, 401);
    assert_eq!(get(&server.url("/v1/models"), t).status, 200);
    assert_eq!(
        get(
            &server.url(&format!("/v1/models?access_token={token}")),
            None
        )
        .status,
        200
    );
    let short = song(1.0, 16_000, 1);
    assert_eq!(post_raw(&server.url("/v1/jobs"), &short, None).status, 401);
    // Too large (declared length), too long, corrupt, bad parameters.
    let big = song(8.0, 16_000, 1);
    let r = post_raw(&server.url("/v1/jobs"), &big, t);
    assert_eq!(r.status, 413, "{}", String::from_utf8_lossy(&r.body));
    let long = song(3.0, 8_000, 1);
    let r = post_raw(&server.url("/v1/jobs"), &long, t);
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].as_str().unwrap().contains("at most 2 s"));
    let mut corrupt = vec![0u8; 4096];
    for (i, b) in corrupt.iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    let r = post_raw(&server.url("/v1/jobs"), &corrupt, t);
    assert_eq!(r.status, 415);
    assert!(r.json()["error"].as_str().unwrap().contains("not audio"));
    let mut truncated = short.clone();
    truncated.truncate(30);
    assert_eq!(post_raw(&server.url("/v1/jobs"), &truncated, t).status, 415);
    for query in [
        "task=delete",
        "task=separate&model=/etc/passwd",
        "onset_threshold=7",
    ] {
        let r = post_raw(&server.url(&format!("/v1/jobs?{query}")), &short, t);
        assert_eq!(r.status, 400, "{query}");
    }
    assert_eq!(post_raw(&server.url("/v1/jobs"), &[], t).status, 400);
    // A streamed (chunked) upload over the limit is cut off while it streams.
    let reader = std::io::Cursor::new(big.clone());
    let r = reply(
        agent()
            .post(&server.url("/v1/jobs"))
            .header("Authorization", &format!("Bearer {token}"))
            .send(ureq::SendBody::from_owned_reader(reader)),
    );
    assert_eq!(r.status, 413);
    // One worker and a queue of one: a burst gets 429 with Retry-After, and
    // every accepted job completes.
    let mut accepted = Vec::new();
    let mut refused = 0;
    for _ in 0..6 {
        let r = post_raw(&server.url("/v1/jobs?task=transcribe"), &short, t);
        match r.status {
            202 => accepted.push(r.json()["id"].as_str().unwrap().to_string()),
            429 => {
                assert_eq!(r.retry_after.as_deref(), Some("5"));
                refused += 1;
            }
            other => panic!("status {other}"),
        }
    }
    assert!(refused > 0 && !accepted.is_empty(), "{refused} refused");
    for id in &accepted {
        assert_eq!(wait(&server, id, t)["state"], "done");
    }
    // Nothing left behind by the refused uploads.
    let folders = std::fs::read_dir(server.data.join("jobs")).unwrap().count();
    assert_eq!(folders, accepted.len());
}

#[test]
fn results_expire() {
    let data = common::tmp("serve-expiry");
    let server = Server::start(&data, &["--result-ttl-s", "1"]);
    let r = post_raw(
        &server.url("/v1/jobs?task=features&model=rms"),
        &song(0.5, 16_000, 1),
        None,
    );
    assert_eq!(r.status, 400, "rms is not offered");
    let r = post_raw(
        &server.url("/v1/jobs?task=features&model=estimate-key"),
        &song(0.5, 16_000, 1),
        None,
    );
    assert_eq!(r.status, 202);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let job = wait(&server, &id, None);
    assert_eq!(job["state"], "done", "{job}");
    let start = Instant::now();
    while get(&server.url(&format!("/v1/jobs/{id}")), None).status != 404 {
        assert!(start.elapsed() < Duration::from_secs(30), "not expired");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(!server.data.join("jobs").join(&id).exists());
}

#[test]
fn shutdown_during_a_job_keeps_finished_results() {
    let data = common::tmp("serve-shutdown");
    let server = Server::start(&data, &["--workers", "1"]);
    // Long enough that the first job is still running when the signal comes.
    let wav = song(12.0, 44_100, 2);
    let running = post_raw(&server.url("/v1/jobs?task=separate"), &wav, None);
    assert_eq!(running.status, 202);
    let running = running.json()["id"].as_str().unwrap().to_string();
    let queued = post_raw(&server.url("/v1/jobs?task=transcribe"), &wav, None);
    assert_eq!(queued.status, 202);
    let queued = queued.json()["id"].as_str().unwrap().to_string();
    // Wait until the first job runs, then stop the server.
    let start = Instant::now();
    loop {
        let job = get(&server.url(&format!("/v1/jobs/{running}")), None).json();
        if job["state"] != "queued" {
            break;
        }
        assert!(start.elapsed() < JOB_TIMEOUT);
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    // A new server on the same folder serves the finished job; the one that
    // had not started is cancelled, with the reason.
    let server = Server::start(&data, &[]);
    let job = get(&server.url(&format!("/v1/jobs/{running}")), None).json();
    assert_eq!(job["state"], "done", "{job}");
    let stem = get(
        &server.url(&format!("/v1/jobs/{running}/result/drums.wav")),
        None,
    );
    assert_eq!(stem.status, 200);
    let job = get(&server.url(&format!("/v1/jobs/{queued}")), None).json();
    assert_eq!(job["state"], "cancelled", "{job}");
    assert!(job["error"].as_str().unwrap().contains("shut down"));
}

/// The disk budget: once the jobs' folders hold so much that one more
/// upload of the largest size could pass it, uploads get 503 with
/// Retry-After; deleting results makes room again.
#[test]
fn the_disk_budget_holds_new_uploads_until_results_go() {
    let data = common::tmp("serve-disk");
    let server = Server::start(&data, &["--max-upload-mb", "1", "--max-disk-mb", "1.5"]);
    // Four 32-bit stereo stems of 1 s at 44.1 kHz: 1.4 MB of results.
    let wav = song(1.0, 44_100, 2);
    let r = post_raw(&server.url("/v1/jobs?task=separate"), &wav, None);
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(wait(&server, &id, None)["state"], "done");
    let r = post_raw(&server.url("/v1/jobs?task=transcribe"), &wav, None);
    assert_eq!(r.status, 503);
    assert_eq!(r.retry_after.as_deref(), Some("5"));
    assert!(r.json()["error"].as_str().unwrap().contains("disk"));
    let del = reply(
        agent()
            .delete(&server.url(&format!("/v1/jobs/{id}")))
            .call(),
    );
    assert_eq!(del.status, 204);
    let r = post_raw(&server.url("/v1/jobs?task=transcribe"), &wav, None);
    assert_eq!(r.status, 202);
}
