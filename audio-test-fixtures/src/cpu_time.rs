//! Process CPU time for benchmarks that compare against a Python script's
//! `time.process_time()` on a machine other work may share.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::Criterion;

/// Process CPU time (user + system, all threads) from
/// `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, the clock Python's
/// `time.process_time()` reads on Linux (nanosecond resolution); `None`
/// elsewhere.
#[cfg(target_os = "linux")]
pub fn process_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a
    // constant the kernel knows; the call only writes into `ts`.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return None;
    }
    Some(Duration::new(
        u64::try_from(ts.tv_sec).ok()?,
        u32::try_from(ts.tv_nsec).ok()?,
    ))
}

/// Process CPU time: not measured off Linux (callers fall back to wall time).
#[cfg(not(target_os = "linux"))]
pub fn process_cpu_time() -> Option<Duration> {
    None
}

/// Runs `f` `iters` times and returns the process CPU time it took (wall
/// time where that clock is not available); for criterion's `iter_custom`.
pub fn cpu_timed<T>(iters: u64, mut f: impl FnMut() -> T) -> Duration {
    let start = CpuTime.start();
    for _ in 0..iters {
        black_box(f());
    }
    CpuTime.end(start)
}

/// A criterion measurement of process CPU time (user + system, all threads),
/// the figure a Python twin reports with `time.process_time()`; wall time
/// where that clock is not available. Use it through [`cpu_criterion`], so
/// that every `b.iter` of a bench reports CPU time.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTime;

/// The start of one measured stretch: CPU time and wall time.
#[derive(Debug, Clone, Copy)]
pub struct CpuStart {
    cpu: Option<Duration>,
    wall: Instant,
}

impl Measurement for CpuTime {
    type Intermediate = CpuStart;
    type Value = Duration;

    fn start(&self) -> CpuStart {
        CpuStart {
            cpu: process_cpu_time(),
            wall: Instant::now(),
        }
    }

    fn end(&self, start: CpuStart) -> Duration {
        match (start.cpu, process_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => start.wall.elapsed(),
        }
    }

    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Durations are shown as criterion shows wall time.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

/// A [`Criterion`] that measures process CPU time ([`CpuTime`]); for
/// `criterion_group! { name = ...; config = cpu_criterion(); targets = ... }`.
pub fn cpu_criterion() -> Criterion<CpuTime> {
    Criterion::default().with_measurement(CpuTime)
}
