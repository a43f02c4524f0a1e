//! What the process holds in memory, for the evaluation's memory ceiling.

/// Resident memory in bytes, from /proc/self/statm; `None` where there is no /proc.
pub(crate) fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page_size())
}

fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// The process's address space in bytes (what `ulimit -v` limits), from /proc/self/statm.
pub(crate) fn virtual_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().next()?.parse().ok()?;
    Some(pages * page_size())
}

/// `ulimit -v`, when one is set: past it allocation fails, and Rust aborts on a failed
/// allocation, so evaluation must stop short of it.
pub(crate) fn address_space_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::As).current
}

/// The default ceiling: a quarter of the machine's memory, so that a hostile registry in CI
/// ends in an error long before the kernel's out-of-memory killer ends something else.
pub(crate) fn default_limit() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 =
        meminfo.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024 / 4)
}
