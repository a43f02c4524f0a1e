//! Whether a lease's holder process still runs: its pid with the same start time.

/// The state letter and start time (clock ticks since boot) of `pid`, fields 3 and 22 of
/// /proc/PID/stat.
fn stat(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces and parentheses itself.
    let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    Some((state, rest.nth(18)?.parse().ok()?))
}

/// The start time of a running `pid`, in clock ticks since boot.
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    stat(pid).filter(|(state, _)| !dead(*state)).map(|(_, start)| start)
}

/// A zombie (exited, not yet reaped: an orphan whose new parent does not reap) or a dead
/// process holds no sockets any more.
fn dead(state: char) -> bool {
    matches!(state, 'Z' | 'X' | 'x')
}

/// This machine's name, as leases record it.
pub(crate) fn host_name() -> String {
    rustix::system::uname().nodename().to_string_lossy().into_owned()
}

/// Whether a local process with this pid and start time runs now.
pub(crate) fn alive(pid: u32, start: Option<u64>) -> bool {
    match (start_time(pid), start) {
        (Some(now), Some(then)) => now == then,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zombie_is_not_alive_and_a_reused_pid_is_not_the_same_process() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        // Exited and not reaped yet: a zombie.
        while stat(pid).is_some_and(|(s, _)| s != 'Z') {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!alive(pid, None));
        child.wait().unwrap();
        let me = std::process::id();
        let start = start_time(me).unwrap();
        assert!(alive(me, Some(start)));
        assert!(!alive(me, Some(start + 1)));
    }
}
