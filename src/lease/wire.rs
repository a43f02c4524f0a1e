//! The lease API's JSON: seed 004's field names (`service_name`, `allocation_id`,
//! `allocated_at`, ...) plus what its model lacked (`protocol`, `scope`, `expires_at`,
//! `ttl_seconds`). The server writes these, the client and `--json` read and print them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{Holder, Lease, LeaseError, Request};
use super::ops::{DEFAULT_SCOPE, PoolStats};
use crate::registry::Protocol;

/// A lease's TTL when the request names none.
pub(crate) const DEFAULT_TTL_SECONDS: u64 = 60;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllocateBody {
    pub(crate) service_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service_type: Option<String>,
    /// Wider than a port so that 70000 is refused with the field's own message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) preferred_port: Option<u32>,
    #[serde(default)]
    pub(crate) required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ttl_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) protocol: Option<Protocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scope: Option<String>,
    /// A process on the holder's host whose death frees the lease at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) process_id: Option<u32>,
    /// The holder's host; the server's own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) host: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: BTreeMap<String, String>,
}

impl AllocateBody {
    /// The request it makes for a store on `local_host`.
    pub(crate) fn request(&self, local_host: &str) -> Result<Request, LeaseError> {
        let prefer = match self.preferred_port {
            None => None,
            Some(p) => match u16::try_from(p) {
                Ok(p) if p > 0 => Some(p),
                _ => return Err(LeaseError::bad("preferred_port", "a port from 1 to 65535")),
            },
        };
        let ttl_ms = self.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS).saturating_mul(1000);
        let host = self.host.clone().unwrap_or_else(|| local_host.to_string());
        if !super::model::valid_name(&host) {
            return Err(LeaseError::bad("host", super::model::NAME_RULE));
        }
        let pid_start = match self.process_id {
            Some(pid) if host == local_host => match super::holder::start_time(pid) {
                Some(start) => Some(start),
                None => return Err(LeaseError::bad("process_id", format!("no process {pid} runs here"))),
            },
            _ => None,
        };
        Ok(Request {
            service: self.service_name.clone(),
            kind: self.service_type.clone(),
            prefer,
            required: self.required,
            protocol: self.protocol.unwrap_or(Protocol::Tcp),
            ttl_ms: i64::try_from(ttl_ms).unwrap_or(i64::MAX),
            scope: self.scope.clone().unwrap_or_else(|| DEFAULT_SCOPE.to_string()),
            holder: Holder { host, pid: self.process_id, pid_start },
            labels: self.labels.clone().into_iter().collect(),
        })
    }
}

/// Ends a lease by its id, or by its service's name in a scope.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReleaseBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) allocation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scope: Option<String>,
}

impl ReleaseBody {
    /// The key `ops::release` takes, and the scope.
    pub(crate) fn key(&self) -> Result<(&str, &str), LeaseError> {
        let scope = self.scope.as_deref().unwrap_or(DEFAULT_SCOPE);
        match (&self.allocation_id, &self.service_name) {
            (Some(id), None) => Ok((id, scope)),
            (None, Some(name)) => Ok((name, scope)),
            _ => Err(LeaseError::bad("allocation_id", "give allocation_id or service_name, one of them")),
        }
    }
}

/// A lease as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Allocation {
    pub(crate) allocation_id: String,
    pub(crate) port: u16,
    pub(crate) service_name: String,
    pub(crate) service_type: String,
    pub(crate) protocol: Protocol,
    pub(crate) scope: String,
    /// `Active`, or `Expired` for a lease that ran out and is not cleaned up yet.
    pub(crate) status: String,
    pub(crate) allocated_at: String,
    pub(crate) last_heartbeat: String,
    pub(crate) expires_at: String,
    pub(crate) ttl_seconds: u64,
    pub(crate) process_id: Option<u32>,
    pub(crate) host: String,
    pub(crate) labels: BTreeMap<String, String>,
}

impl Allocation {
    pub(crate) fn of(l: &Lease, gone: bool) -> Allocation {
        Allocation {
            allocation_id: l.id.clone(),
            port: l.port,
            service_name: l.service.clone(),
            service_type: l.kind.clone(),
            protocol: l.protocol,
            scope: l.scope.clone(),
            status: if gone { "Expired" } else { "Active" }.into(),
            allocated_at: rfc3339(l.created_ms),
            last_heartbeat: rfc3339(l.renewed_ms),
            expires_at: rfc3339(l.expires_ms),
            ttl_seconds: u64::try_from(l.ttl_ms / 1000).unwrap_or(0),
            process_id: l.holder.pid,
            host: l.holder.host.clone(),
            labels: l.labels.iter().cloned().collect(),
        }
    }

    /// Its key in the directory: the service's name, with `@scope` outside the default scope.
    pub(crate) fn key(&self) -> String {
        if self.scope == DEFAULT_SCOPE {
            self.service_name.clone()
        } else {
            format!("{}@{}", self.service_name, self.scope)
        }
    }
}

/// The answer to an allocation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Allocated {
    pub(crate) success: bool,
    pub(crate) allocation: Allocation,
    /// False when the service already held the lease and got it back, renewed.
    pub(crate) created: bool,
    pub(crate) message: String,
}

/// The answer to a release, heartbeat or cleanup.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Done {
    pub(crate) success: bool,
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) allocations: Vec<Allocation>,
}

/// Leases by their directory key.
pub(crate) type Directory = BTreeMap<String, Allocation>;

pub(crate) fn directory(all: impl IntoIterator<Item = Allocation>) -> Directory {
    all.into_iter().map(|a| (a.key(), a)).collect()
}

/// Counts that add up: `active + expired == total`, the pools' `active` sum to
/// `active_allocations`; `free` is counted port by port (see `ops::PoolStats`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Stats {
    pub(crate) total_allocations: usize,
    pub(crate) active_allocations: usize,
    pub(crate) expired_allocations: usize,
    /// Ports of the pools never leased: registry entries, reserved ports, ports below 1024, the
    /// kernel's ephemeral range.
    pub(crate) reserved_allocations: usize,
    pub(crate) service_types: BTreeMap<String, usize>,
    pub(crate) pools: Vec<PoolStats>,
}

impl Stats {
    pub(crate) fn of(pools: &[PoolStats], active: usize, expired: usize) -> Stats {
        Stats {
            total_allocations: active + expired,
            active_allocations: active,
            expired_allocations: expired,
            reserved_allocations: pools.iter().map(|p| p.excluded).sum(),
            service_types: pools.iter().map(|p| (p.kind.clone(), p.active)).collect(),
            pools: pools.to_vec(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Health {
    /// `healthy`, or `degraded` when a pool has no free port left.
    pub(crate) status: String,
    pub(crate) store: String,
    pub(crate) pools: usize,
    pub(crate) active_allocations: usize,
    pub(crate) version: String,
}

/// Seed 004's overview: every lease, and who uses each port and type.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Overview {
    pub(crate) total_ports: usize,
    pub(crate) active_services: usize,
    pub(crate) port_allocations: Directory,
    /// Port → the keys of the leases on it (several scopes or lanes may share a port).
    pub(crate) port_usage: BTreeMap<u16, Vec<String>>,
    pub(crate) service_types: BTreeMap<String, Vec<String>>,
    pub(crate) registry_stats: Stats,
}

impl Overview {
    pub(crate) fn of(active: Vec<Allocation>, stats: Stats) -> Overview {
        let mut port_usage: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        let mut service_types: BTreeMap<String, Vec<String>> =
            stats.pools.iter().map(|p| (p.kind.clone(), Vec::new())).collect();
        for a in &active {
            port_usage.entry(a.port).or_default().push(a.key());
            service_types.entry(a.service_type.clone()).or_default().push(a.key());
        }
        Overview {
            total_ports: port_usage.len(),
            active_services: active.len(),
            port_allocations: directory(active),
            port_usage,
            service_types,
            registry_stats: stats,
        }
    }
}

/// A refusal as the server sends it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ErrorBody {
    pub(crate) success: bool,
    pub(crate) error: String,
    pub(crate) message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<String>,
}

impl ErrorBody {
    pub(crate) fn of(e: &LeaseError) -> ErrorBody {
        ErrorBody {
            success: false,
            error: e.code().to_string(),
            message: e.to_string(),
            field: match e {
                LeaseError::BadInput { field, .. } => Some(field.clone()),
                LeaseError::NoSuchPool(_) => Some("service_type".into()),
                _ => None,
            },
            hint: e.hint().map(str::to_string),
        }
    }
}

/// The HTTP status for a failure.
pub(crate) fn status(e: &LeaseError) -> u16 {
    match e {
        LeaseError::BadInput { .. } | LeaseError::NoSuchPool(_) => 400,
        LeaseError::NotFound(_) => 404,
        LeaseError::Taken { .. } => 409,
        LeaseError::Expired(_) => 410,
        // A store that fails or cannot be reached (an etcd cluster down) is unavailable.
        LeaseError::Exhausted { .. }
        | LeaseError::NoPool(_)
        | LeaseError::Unreachable { .. }
        | LeaseError::Store { .. } => 503,
        LeaseError::Remote { status, .. } => *status,
    }
}

/// Milliseconds since the epoch as an RFC 3339 UTC time, to the millisecond.
pub(crate) fn rfc3339(ms: i64) -> String {
    let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date, in 400-year eras counted from 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn a_port_beyond_65535_or_zero_is_refused_by_name() {
        for p in [0, 65536, 70000] {
            let body =
                AllocateBody { service_name: "a".into(), preferred_port: Some(p), ..Default::default() };
            match body.request("h") {
                Err(LeaseError::BadInput { field, .. }) => assert_eq!(field, "preferred_port"),
                other => panic!("{p}: {other:?}"),
            }
        }
    }
}

/// `GET /ports/listening`: the host's listeners, or why they cannot be seen.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Listening {
    pub(crate) listeners: Vec<crate::live::Listener>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) unseen: Option<String>,
}

impl Listening {
    pub(crate) fn now() -> Listening {
        match crate::live::listeners() {
            Ok(mut listeners) => {
                listeners.sort();
                listeners.dedup();
                Listening { listeners, unseen: None }
            }
            Err(e) => Listening { listeners: Vec::new(), unseen: Some(e.to_string()) },
        }
    }
}
