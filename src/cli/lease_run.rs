//! `portnix lease run SERVICE -- CMD...`: a process under a lease. The lease names the child as
//! its holder, so it is free again the moment the child dies, even if portnix itself is killed;
//! portnix heartbeats while the child runs and releases when it exits, however it exits.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use super::error::{CliError, CliResult};
use super::exit;
use super::lease_cmd::LeaseRequestArgs;
use crate::lease::api::Api;
use crate::lease::wire::{DEFAULT_TTL_SECONDS, ReleaseBody};

pub(crate) fn run(api: &dyn Api, lease: &LeaseRequestArgs, command: &[String]) -> CliResult {
    // Held by portnix until the child exists, then by the child.
    let granted = api.allocate(&lease.body(Some(std::process::id())))?;
    let a = granted.allocation;
    let env_name = crate::generate::env::derived_env_name(&[&a.service_name]);
    let mut child = match Command::new(&command[0])
        .args(&command[1..])
        .env("PORT", a.port.to_string())
        .env(&env_name, a.port.to_string())
        .env("PORTNIX_LEASE_ID", &a.allocation_id)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            let _ = api.release(&release_body(&a.allocation_id));
            return Err(CliError::failure(format!("cannot run {}: {e}", command[0])));
        }
    };
    if let Err(e) = api.allocate(&lease.body(Some(child.id()))) {
        crate::stdio::errln!("warning: the lease still names portnix, not the child: {e}");
    }
    let forwarded = forward_signals();
    let ttl = Duration::from_secs(lease.ttl.unwrap_or(DEFAULT_TTL_SECONDS));
    let every = (ttl / 3).max(Duration::from_millis(300));
    let mut next_beat = Instant::now() + every;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(e) => {
                crate::stdio::errln!("error: cannot wait for {}: {e}", command[0]);
                break None;
            }
        }
        // `kill PID` of portnix is meant for the command it runs: passed on, and the lease
        // released once the command has gone.
        let signal = forwarded.swap(0, Ordering::Relaxed);
        if signal != 0
            && let Some(signal) = rustix::process::Signal::from_named_raw(signal)
            && let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32)
        {
            let _ = rustix::process::kill_process(pid, signal);
        }
        if Instant::now() >= next_beat {
            next_beat = Instant::now() + every;
            if let Err(e) = api.heartbeat(&a.allocation_id) {
                crate::stdio::errln!("warning: heartbeat for port {} failed: {e}", a.port);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if let Err(e) = api.release(&release_body(&a.allocation_id)) {
        crate::stdio::errln!("warning: port {} was not released: {e}", a.port);
    }
    Ok(match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => u8::try_from(code).unwrap_or(exit::FAILURE),
            (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(exit::FAILURE),
            _ => exit::FAILURE,
        },
        None => exit::FAILURE,
    })
}

fn release_body(id: &str) -> ReleaseBody {
    ReleaseBody { allocation_id: Some(id.into()), service_name: None, scope: None }
}

/// SIGTERM, SIGINT and SIGHUP to portnix, caught so they can be passed on to the command: the
/// last one seen, or 0. Without this, `kill PID` would end portnix and leave the command
/// running on its port.
fn forward_signals() -> Arc<AtomicI32> {
    let seen = Arc::new(AtomicI32::new(0));
    let flag = seen.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_io().build() else { return };
        rt.block_on(async move {
            let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            let _ = ready_tx.send(());
            loop {
                let n = tokio::select! {
                    _ = term.recv() => 15,
                    _ = int.recv() => 2,
                    _ = hup.recv() => 1,
                };
                flag.store(n, Ordering::Relaxed);
            }
        });
    });
    // The handlers are in place before the command can be told to stop.
    let _ = ready_rx.recv_timeout(Duration::from_secs(2));
    seen
}
