//! `PORTNIX_TIMINGS=1` prints how long each phase took, and the resident memory after it, to
//! stderr: parse, lower, eval, check.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PORTNIX_TIMINGS").is_some_and(|v| v == "1"))
}

/// Runs `f`, and reports its duration under `phase` when timings are on.
pub(crate) fn phase<T>(phase: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    crate::stdio::errln!("portnix timing: {phase:<8} {ms:>9.3} ms, resident {:>6} MiB", resident_mib());
    out
}

/// Resident memory now: where memory goes matters as much as time, since every fresh page
/// costs the kernel a zeroing.
fn resident_mib() -> u64 {
    crate::eval::memory::resident_bytes().unwrap_or(0) >> 20
}

/// Reports a count when timings are on: how much of the evaluation budget a registry spends.
pub(crate) fn count(what: &str, n: u64) {
    if enabled() {
        crate::stdio::errln!("portnix timing: {what:<8} {n:>9}");
    }
}
