//! What is listening right now: the kernel's socket tables, mapped to processes.

mod doctor;
mod lsof;
mod procfs;

pub use doctor::{Report, Status, doctor};

use std::net::IpAddr;

use crate::registry::Protocol;

/// A bound socket: a TCP listener, or a bound UDP socket.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Listener {
    pub protocol: Protocol,
    pub port: u16,
    pub address: IpAddr,
    /// None when the owning process cannot be seen (another user's, without root).
    pub pid: Option<u32>,
    pub command: Option<String>,
}

/// Why the machine's listeners cannot be seen.
#[derive(Debug, thiserror::Error)]
#[error("no /proc here, and lsof cannot run ({0}): install lsof to see listeners")]
pub struct Unseen(#[from] std::io::Error);

/// Every listener on the machine: from /proc where there is one, else from `lsof`.
pub fn listeners() -> Result<Vec<Listener>, Unseen> {
    if std::path::Path::new("/proc/net/tcp").exists() {
        return Ok(procfs::listeners());
    }
    lsof::listeners()
}

/// Whether `port` is bound for `protocol` on any address, IPv4 or IPv6.
pub fn bound(listeners: &[Listener], protocol: Protocol, port: i64) -> bool {
    listeners
        .iter()
        .any(|l| i64::from(l.port) == port && (protocol == Protocol::Both || l.protocol == protocol))
}
