//! The process's resident memory, for the training log.

/// The process's resident set size now and its peak, in MiB, from
/// `/proc/self/status` (`VmRSS`, `VmHWM`); `None` where that file does not
/// exist (not Linux) or lacks the fields.
///
/// ```
/// let m = audio_models::training::resident_memory();
/// if cfg!(target_os = "linux") {
///     let m = m.expect("Linux has /proc/self/status");
///     assert!(m.resident_mib > 0.0 && m.peak_mib >= m.resident_mib);
/// }
/// ```
pub fn resident_memory() -> Option<ResidentMemory> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    };
    Some(ResidentMemory {
        resident_mib: field("VmRSS:")?,
        peak_mib: field("VmHWM:")?,
    })
}

/// Resident memory of the process, in MiB (2^20 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResidentMemory {
    /// The resident set size now (`VmRSS`).
    pub resident_mib: f64,
    /// The largest resident set size so far (`VmHWM`).
    pub peak_mib: f64,
}
