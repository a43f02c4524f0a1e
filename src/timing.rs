//! `PORTNIX_TIMINGS=1` prints how long each phase took, to stderr: parse, lower, eval, check.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PORTNIX_TIMINGS").is_some_and(|v| v == "1"))
}

/// Runs `f`, and reports its duration under `phase` when timings are on.
pub fn phase<T>(phase: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    eprintln!("portnix timing: {phase:<8} {:>9.3} ms", start.elapsed().as_secs_f64() * 1000.0);
    out
}
