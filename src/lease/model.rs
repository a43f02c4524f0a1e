//! What a lease is, what a caller asks for, and every way a request can fail.

use serde::{Deserialize, Serialize};

use crate::registry::Protocol;

/// A port held by a named service in one scope. One service holds at most one lease per scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: String,
    pub scope: String,
    pub protocol: Protocol,
    pub port: u16,
    pub service: String,
    /// The pool it came from: a range pattern of the config that `pools` names.
    #[serde(rename = "type")]
    pub kind: String,
    pub holder: Holder,
    pub created_ms: i64,
    pub renewed_ms: i64,
    pub expires_ms: i64,
    pub ttl_ms: i64,
    pub labels: Vec<(String, String)>,
}

/// Who holds a lease: a process on a host, when the caller names one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub host: String,
    pub pid: Option<u32>,
    /// The process's start time in clock ticks since boot: a pid reused by another process
    /// does not keep the lease alive.
    pub pid_start: Option<u64>,
}

impl Lease {
    /// Whether the lease holds `port` in `scope` on one of `protocol`'s lanes.
    pub fn overlaps(&self, scope: &str, protocol: Protocol, port: u16) -> bool {
        self.scope == scope
            && self.port == port
            && self.protocol.transports().iter().any(|t| protocol.transports().contains(t))
    }

    pub fn expired(&self, now_ms: i64) -> bool {
        now_ms >= self.expires_ms
    }
}

/// An allocation request.
#[derive(Clone, Debug)]
pub struct Request {
    pub service: String,
    /// The pool's pattern; `None` when the config has exactly one pool.
    pub kind: Option<String>,
    pub prefer: Option<u16>,
    pub required: bool,
    pub protocol: Protocol,
    pub ttl_ms: i64,
    pub scope: String,
    pub holder: Holder,
    pub labels: Vec<(String, String)>,
}

/// The longest a lease may live without a heartbeat: a day.
pub const MAX_TTL_MS: i64 = 86_400_000;

/// A name a lease may carry: printable, short, no control characters or spaces.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@' | '/'))
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("{field}: {why}")]
    BadInput { field: &'static str, why: String },
    #[error("the config has no pool {0:?}")]
    NoSuchPool(String),
    #[error("{0}")]
    NoPool(String),
    #[error("port {port} is taken by {holder}")]
    Taken { port: u16, holder: String },
    #[error("pool {pool} ({from}-{to}) has no free port for {protocol}")]
    Exhausted { pool: String, from: u16, to: u16, protocol: &'static str },
    #[error("no lease {0}")]
    NotFound(String),
    #[error("lease {0} expired; allocate again")]
    Expired(String),
    #[error("the lease store {path}: {why}")]
    Store { path: String, why: String },
}

impl LeaseError {
    pub fn bad(field: &'static str, why: impl Into<String>) -> LeaseError {
        LeaseError::BadInput { field, why: why.into() }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            LeaseError::NoSuchPool(_) | LeaseError::NoPool(_) => {
                Some("list pool patterns under `pools` in the config, each with a range under `ranges`")
            }
            LeaseError::Taken { .. } => Some("drop --required to take another port of the pool"),
            LeaseError::Exhausted { .. } => {
                Some("release leases, run `portnix lease cleanup`, or widen the pool's range")
            }
            LeaseError::Expired(_) => Some("a heartbeat never revives an expired lease"),
            _ => None,
        }
    }
}
