//! Measuring helpers: milliseconds, percentiles, megabytes and the process's resident memory.

use std::time::Duration;

/// Resident memory of this process in bytes (Linux), 0 where unknown.
pub(crate) fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median and the 95th percentile of some timings, in milliseconds.
pub(crate) fn percentiles(mut timings: Vec<Duration>) -> (f64, f64, f64) {
    if timings.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    timings.sort();
    let at = |q: f64| ms(timings[((timings.len() - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.95), ms(*timings.last().expect("not empty")))
}

pub(crate) fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}
