//! What a lease is, what a caller asks for, and every way a request can fail.

use serde::{Deserialize, Serialize};

use crate::registry::Protocol;

/// A port held by a named service in one scope. One service holds at most one lease per scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: String,
    pub(crate) scope: String,
    pub(crate) protocol: Protocol,
    pub port: u16,
    pub service: String,
    /// The pool it came from: a range pattern of the config that `pools` names.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) holder: Holder,
    pub(crate) created_ms: i64,
    pub(crate) renewed_ms: i64,
    pub expires_ms: i64,
    pub(crate) ttl_ms: i64,
    pub(crate) labels: Vec<(String, String)>,
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
    pub(crate) fn overlaps(&self, scope: &str, protocol: Protocol, port: u16) -> bool {
        self.scope == scope
            && self.port == port
            && self.protocol.transports().iter().any(|t| protocol.transports().contains(t))
    }

    pub(crate) fn expired(&self, now_ms: i64) -> bool {
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
pub(crate) const MAX_TTL_MS: i64 = 86_400_000;

/// What `valid_name` accepts, for error messages.
pub(crate) const NAME_RULE: &str = "1 to 128 of letters, digits and - _ . : /";

/// A name a lease may carry: printable, short, no control characters or spaces. No `@`, which
/// joins a service to its scope in the overview.
pub(crate) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'))
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("{field}: {why}")]
    BadInput { field: String, why: String },
    #[error("the config has no pool {0:?}")]
    NoSuchPool(String),
    #[error("{0}")]
    NoPool(String),
    #[error("port {port} is taken by {holder}")]
    Taken { port: u16, holder: String },
    #[error(
        "pool {pool} ({from}-{to}) has no free port for {protocol}: {leased} leased, {excluded} never leased \
         (registry entries, reserved, below 1024 or in the kernel's ephemeral range), the rest bound now"
    )]
    Exhausted { pool: String, from: u16, to: u16, protocol: &'static str, leased: usize, excluded: usize },
    #[error("no lease {0}")]
    NotFound(String),
    #[error("lease {0} expired; allocate again")]
    Expired(String),
    #[error("the lease store {path}: {why}")]
    Store { path: String, why: String },
    /// A lease server refused the request; `code` is one of `LeaseError::code`'s.
    #[error("{message}")]
    Remote { status: u16, code: String, message: String, hint: Option<String> },
    #[error("the lease server {url}: {why}")]
    Unreachable { url: String, why: String },
}

impl LeaseError {
    pub fn bad(field: &str, why: impl Into<String>) -> LeaseError {
        LeaseError::BadInput { field: field.into(), why: why.into() }
    }

    /// A stable name for the kind of failure, the same on the wire and in `--json`.
    pub(crate) fn code(&self) -> &str {
        match self {
            LeaseError::BadInput { .. } => "bad-input",
            LeaseError::NoSuchPool(_) => "no-such-pool",
            LeaseError::NoPool(_) => "no-pool",
            LeaseError::Taken { .. } => "taken",
            LeaseError::Exhausted { .. } => "exhausted",
            LeaseError::NotFound(_) => "not-found",
            LeaseError::Expired(_) => "expired",
            LeaseError::Store { .. } => "store",
            LeaseError::Remote { code, .. } => code,
            LeaseError::Unreachable { .. } => "unreachable",
        }
    }

    /// Whether the request was sound and the answer is no (a port taken, a pool full, a lease
    /// gone), as opposed to a request or a store that is broken.
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(self.code(), "taken" | "exhausted" | "not-found" | "expired")
    }

    /// What to do about it.
    pub(crate) fn hint(&self) -> Option<&str> {
        match self {
            LeaseError::Remote { hint, .. } => hint.as_deref(),
            LeaseError::Unreachable { .. } => {
                Some("start it with `portnix serve`, or unset PORTNIX_SERVER to use the store directly")
            }
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
