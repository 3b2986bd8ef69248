//! Process CPU time for benchmarks that compare against a Python script's
//! `time.process_time()` on a machine other work may share.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Process CPU time (utime + stime) from `/proc/self/stat`, if readable.
pub fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)`: state is field 3; utime, stime are 14, 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports clock ticks of 1/100 s (USER_HZ).
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Runs `f` `iters` times and returns the CPU time it took (wall time where
/// `/proc` is not readable); for criterion's `iter_custom`.
pub fn cpu_timed<T>(iters: u64, mut f: impl FnMut() -> T) -> Duration {
    let (w0, c0) = (Instant::now(), process_cpu_time());
    for _ in 0..iters {
        black_box(f());
    }
    match (c0, process_cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => w0.elapsed(),
    }
}
