//! A Ballista cluster on localhost, one scheduler and two executors as
//! separate processes (the `audio-scheduler` and `audio-executor` binaries),
//! runs the guide's three example queries and gives exactly the rows the
//! in-process engine gives; then every process shuts down on SIGTERM.

mod corpus;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use audio_datafusion::{audio_session_context, cluster, AudioFilesTable};
use corpus::rows;
use datafusion::prelude::SessionContext;

/// How long the processes get to start, and to stop after SIGTERM.
const STARTUP: Duration = Duration::from_secs(60);
const SHUTDOWN: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < STARTUP, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The processes; SIGTERM and a wait on drop, so a failing test leaves
/// nothing running.
struct Cluster {
    processes: Vec<(String, Child)>,
}

impl Cluster {
    fn start(work_dir: &std::path::Path) -> (Self, u16) {
        let scheduler_port = free_port();
        let scheduler = Command::new(env!("CARGO_BIN_EXE_audio-scheduler"))
            .args([
                "--bind-host",
                "127.0.0.1",
                "--bind-port",
                &scheduler_port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start audio-scheduler");
        let mut cluster = Self {
            processes: vec![("audio-scheduler".to_string(), scheduler)],
        };
        wait_for_port(scheduler_port);
        for i in 0..2 {
            let (port, grpc, health) = (free_port(), free_port(), free_port());
            let dir = work_dir.join(format!("executor{i}"));
            std::fs::create_dir_all(&dir).expect("work dir");
            let executor = Command::new(env!("CARGO_BIN_EXE_audio-executor"))
                .args([
                    "--bind-host",
                    "127.0.0.1",
                    "--external-host",
                    "127.0.0.1",
                    "--bind-port",
                    &port.to_string(),
                    "--bind-grpc-port",
                    &grpc.to_string(),
                    "--bind-health-port",
                    &health.to_string(),
                    "--scheduler-host",
                    "127.0.0.1",
                    "--scheduler-port",
                    &scheduler_port.to_string(),
                    "--vcores",
                    "1",
                    "--work-dir",
                    dir.to_str().expect("utf-8"),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start audio-executor");
            cluster
                .processes
                .push((format!("audio-executor {i}"), executor));
            wait_for_port(port);
        }
        (cluster, scheduler_port)
    }

    /// SIGTERM to every process, executors first; each must exit in time.
    fn stop(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, child) in self.processes.iter_mut().rev() {
            if let Ok(Some(status)) = child.try_wait() {
                problems.push(format!("{name} had already exited: {status}"));
                continue;
            }
            // SAFETY: kill(2) on a child's pid that has not been reaped.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
            }
            let start = Instant::now();
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if start.elapsed() < SHUTDOWN => {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    _ => {
                        problems.push(format!("{name} did not exit on SIGTERM"));
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
        self.processes.clear();
        problems
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The guide's three examples (and the array functions), on tables `files`, `refs`, `ests`, `melodies`.
const MEL: &str = "SELECT path, error, melspectrogram(path) AS mel FROM files ORDER BY path";
const SISEC: &str = "WITH r AS (SELECT regexp_replace(path, '^.*/([^/]+)/reference/[^/]+$', '\\1') AS track, \
                                array_agg(path ORDER BY path) AS paths FROM refs GROUP BY 1), \
                         e AS (SELECT regexp_replace(path, '^.*/([^/]+)/estimate/[^/]+$', '\\1') AS track, \
                                array_agg(path ORDER BY path) AS paths FROM ests GROUP BY 1), \
                         s AS (SELECT unnest(separation_scores(r.paths, e.paths)) AS score \
                               FROM r JOIN e ON r.track = e.track) \
                    SELECT score['source'] AS source, median(score['sdr']) AS sdr, \
                           median(score['sir']) AS sir, median(score['sar']) AS sar, \
                           median(score['isr']) AS isr \
                    FROM s GROUP BY 1 ORDER BY 1";
const NOTES: &str = "SELECT path, note['onset'] AS onset, note['offset'] AS offset, \
                            note['pitch'] AS pitch, note['velocity'] AS velocity \
                     FROM (SELECT path, unnest(transcribe(path)) AS note FROM melodies) \
                     ORDER BY path, onset, pitch";
/// Array functions on the executors (Ballista's default registry has none).
const COUNTS: &str = "SELECT path, cardinality(transcribe(path)) AS notes, \
                             array_length(onset_times(path)) AS onsets \
                      FROM melodies ORDER BY path";

fn register(ctx: &SessionContext, dir: &std::path::Path) {
    let table = |location: String| Arc::new(AudioFilesTable::try_new(location).expect("table"));
    let d = dir.display();
    ctx.register_table("files", table(format!("{d}/corpus")))
        .expect("files");
    ctx.register_table("refs", table(format!("{d}/testset/*/reference/*.wav")))
        .expect("refs");
    ctx.register_table("ests", table(format!("{d}/testset/*/estimate/*.wav")))
        .expect("ests");
    ctx.register_table("melodies", table(format!("{d}/melodies")))
        .expect("melodies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_cluster_gives_the_in_process_rows() {
    let dir = corpus::temp_dir("cluster");
    for sub in ["corpus", "testset", "melodies", "work"] {
        std::fs::create_dir_all(dir.join(sub)).expect("dirs");
    }
    corpus::write_corpus(&dir.join("corpus"));
    corpus::write_test_set(&dir.join("testset"), 2);
    for i in 0..3u8 {
        let x = corpus::notes_signal(22_050, 1.5, 0.25, 60 + 3 * i);
        corpus::write(&dir.join(format!("melodies/m{i}.wav")), &x, 22_050, 1);
    }

    let local = audio_session_context();
    register(&local, &dir);
    let mut expected = Vec::new();
    for sql in [MEL, SISEC, NOTES, COUNTS] {
        expected.push(rows(&local, sql).await);
    }
    assert_eq!(expected[0].num_rows(), corpus::GOOD_FILES + 1);
    assert_eq!(expected[1].num_rows(), 2);
    assert!(expected[2].num_rows() > 3, "notes were found");

    let (mut processes, port) = Cluster::start(&dir.join("work"));
    let remote = cluster::connect(&format!("df://127.0.0.1:{port}"))
        .await
        .expect("connect");
    register(&remote, &dir);
    for (sql, want) in [MEL, SISEC, NOTES, COUNTS].into_iter().zip(&expected) {
        let got = rows(&remote, sql).await;
        assert_eq!(
            got.schema().fields().len(),
            want.schema().fields().len(),
            "{sql}"
        );
        for (g, w) in got.columns().iter().zip(want.columns()) {
            assert_eq!(g.as_ref(), w.as_ref(), "{sql}");
        }
    }
    drop(remote);
    let problems = processes.stop();
    assert!(problems.is_empty(), "{problems:?}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
