//! What is listening right now: the kernel's socket tables, mapped to processes.

mod doctor;
mod lsof;
mod procfs;

pub(crate) use doctor::{Status, doctor};

use std::net::IpAddr;

use crate::registry::Protocol;

/// A bound socket: a TCP listener, or a bound UDP socket.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub(crate) struct Listener {
    pub(crate) protocol: Protocol,
    pub(crate) port: u16,
    pub(crate) address: IpAddr,
    /// None when the owning process cannot be seen (another user's, without root).
    pub(crate) pid: Option<u32>,
    pub(crate) command: Option<String>,
}

/// Why the machine's listeners cannot be seen.
#[derive(Debug, thiserror::Error)]
#[error("no /proc here, and lsof cannot run ({0}): install lsof to see listeners")]
pub(crate) struct Unseen(#[from] std::io::Error);

/// Every listener on the machine: from /proc where there is one, else from `lsof`.
pub(crate) fn listeners() -> Result<Vec<Listener>, Unseen> {
    if std::path::Path::new("/proc/net/tcp").exists() {
        return Ok(procfs::listeners());
    }
    lsof::listeners()
}
