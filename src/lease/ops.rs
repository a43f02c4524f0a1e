//! What each lease command does to the table. Pure rules over a `Store`: the time and the test
//! for a bound port come in from outside, so tests can drive both.

use super::holder;
use super::model::{Holder, Lease, LeaseError, MAX_TTL_MS, NAME_RULE, Request, valid_name};
use super::pool::Pools;
use super::store::{Store, apply};
use crate::registry::Protocol;

/// Whether a port is bound on this machine right now (for `protocol`'s lanes).
pub(crate) type Probe<'a> = dyn Fn(Protocol, u16) -> bool + 'a;

/// What the caller learns from an allocation.
#[derive(Debug)]
pub struct Grant {
    pub lease: Lease,
    /// False when the service already held a lease in the scope and got it back.
    pub new: bool,
}

/// Whether a lease no longer holds its port: its time ran out, or its local process died.
pub(crate) fn gone(l: &Lease, now_ms: i64, host: &str) -> bool {
    l.expired(now_ms)
        || (l.holder.host == host && l.holder.pid.is_some_and(|p| !holder::alive(p, l.holder.pid_start)))
}

fn check_request(req: &Request) -> Result<(), LeaseError> {
    if !valid_name(&req.service) {
        return Err(LeaseError::bad("service_name", NAME_RULE));
    }
    if !valid_name(&req.scope) {
        return Err(LeaseError::bad("scope", NAME_RULE));
    }
    if !(1000..=MAX_TTL_MS).contains(&req.ttl_ms) {
        return Err(LeaseError::bad("ttl_seconds", "from 1 second to a day"));
    }
    if req.prefer == Some(0) {
        return Err(LeaseError::bad("preferred_port", "a port from 1 to 65535"));
    }
    if req.required && req.prefer.is_none() {
        return Err(LeaseError::bad("required", "needs a preferred port"));
    }
    for (k, v) in &req.labels {
        if !valid_name(k) || v.len() > 256 || v.chars().any(char::is_control) {
            return Err(LeaseError::bad(
                "labels",
                "names as service names, values up to 256 printable characters",
            ));
        }
    }
    Ok(())
}

/// Where a service starts looking in its pool: the same place every time for the same scope and
/// name, and far apart for different ones, so parallel callers do not queue for one port.
fn start_offset(scope: &str, service: &str, size: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in scope.bytes().chain([0]).chain(service.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h % size as u64) as usize
}

/// Allocates a port for `req`, or gives back the lease the service already holds.
pub fn allocate(
    store: &dyn Store,
    pools: &Pools,
    req: &Request,
    now_ms: i64,
    host: &str,
    bound: &Probe<'_>,
) -> Result<Grant, LeaseError> {
    check_request(req)?;
    let pool = pools.pool(req.kind.as_deref())?.clone();
    if let Some(p) = req.prefer
        && req.required
        && !pool.contains(p)
    {
        return Err(LeaseError::bad(
            "preferred_port",
            format!("{p} is outside pool {} ({}-{})", pool.kind, pool.from, pool.to),
        ));
    }
    apply(store, |leases| {
        leases.retain(|l| !gone(l, now_ms, host));
        if let Some(l) = leases.iter_mut().find(|l| l.scope == req.scope && l.service == req.service) {
            if l.kind == pool.kind
                && l.protocol == req.protocol
                && (!req.required || req.prefer == Some(l.port))
            {
                l.renewed_ms = now_ms;
                l.ttl_ms = req.ttl_ms;
                l.expires_ms = now_ms + req.ttl_ms;
                l.holder = req.holder.clone();
                return Ok(Grant { lease: l.clone(), new: false });
            }
            return Err(LeaseError::Taken {
                port: l.port,
                holder: format!(
                    "this service's own lease {} ({} {} of {})",
                    l.id,
                    l.protocol.as_str(),
                    l.port,
                    l.kind
                ),
            });
        }
        // Who holds `port` now, or `None` when it is free to lease.
        let holder_of = |port: u16| -> Option<String> {
            if let Some(why) = pools.exclusion(&pool.kind, &req.service, req.protocol, port) {
                return Some(why.to_string());
            }
            if let Some(l) = leases.iter().find(|l| l.overlaps(&req.scope, req.protocol, port)) {
                return Some(format!("lease {} of {}", l.id, l.service));
            }
            (req.scope_is_local() && bound(req.protocol, port))
                .then(|| "a process bound to it now".to_string())
        };
        let mut chosen = None;
        if let Some(p) = req.prefer.filter(|p| pool.contains(*p)) {
            match holder_of(p) {
                None => chosen = Some(p),
                Some(holder) if req.required => return Err(LeaseError::Taken { port: p, holder }),
                Some(_) => {}
            }
        }
        if chosen.is_none() {
            let start = start_offset(&req.scope, &req.service, pool.size());
            chosen = (0..pool.size())
                .map(|i| pool.from + ((start + i) % pool.size()) as u16)
                .find(|&p| holder_of(p).is_none());
        }
        let Some(port) = chosen else {
            let ports = pool.from..=pool.to;
            return Err(LeaseError::Exhausted {
                pool: pool.kind.clone(),
                from: pool.from,
                to: pool.to,
                protocol: req.protocol.as_str(),
                leased: ports
                    .clone()
                    .filter(|&p| leases.iter().any(|l| l.overlaps(&req.scope, req.protocol, p)))
                    .count(),
                excluded: ports
                    .filter(|&p| pools.exclusion(&pool.kind, &req.service, req.protocol, p).is_some())
                    .count(),
            });
        };
        let lease = Lease {
            id: new_id(),
            scope: req.scope.clone(),
            protocol: req.protocol,
            port,
            service: req.service.clone(),
            kind: pool.kind.clone(),
            holder: req.holder.clone(),
            created_ms: now_ms,
            renewed_ms: now_ms,
            expires_ms: now_ms + req.ttl_ms,
            ttl_ms: req.ttl_ms,
            labels: req.labels.clone(),
        };
        leases.push(lease.clone());
        Ok(Grant { lease, new: true })
    })
}

impl Request {
    /// Leases in the scope named after this machine, or in the default scope, are checked
    /// against the ports bound here.
    fn scope_is_local(&self) -> bool {
        self.scope == DEFAULT_SCOPE || self.scope == self.holder.host
    }
}

/// The scope of a lease that names none.
pub const DEFAULT_SCOPE: &str = "local";

/// Ends a lease, by id or by service name in a scope. Releasing what is gone is not an error.
pub(crate) fn release(store: &dyn Store, key: &str, scope: &str) -> Result<Option<Lease>, LeaseError> {
    apply(store, |leases| {
        let found = leases.iter().position(|l| l.id == key || (l.scope == scope && l.service == key));
        Ok(found.map(|i| leases.remove(i)))
    })
}

/// Extends a live lease by its TTL. An expired lease is never revived.
pub fn heartbeat(store: &dyn Store, id: &str, now_ms: i64, host: &str) -> Result<Lease, LeaseError> {
    apply(store, |leases| {
        let Some(l) = leases.iter_mut().find(|l| l.id == id) else {
            return Err(LeaseError::NotFound(id.into()));
        };
        if gone(l, now_ms, host) {
            return Err(LeaseError::Expired(id.into()));
        }
        l.renewed_ms = now_ms;
        l.expires_ms = now_ms + l.ttl_ms;
        Ok(l.clone())
    })
}

/// Removes the leases that no longer hold their ports; returns them.
pub fn cleanup(store: &dyn Store, now_ms: i64, host: &str) -> Result<Vec<Lease>, LeaseError> {
    apply(store, |leases| {
        let (removed, kept): (Vec<Lease>, Vec<Lease>) =
            std::mem::take(leases).into_iter().partition(|l| gone(l, now_ms, host));
        *leases = kept;
        Ok(removed)
    })
}

/// The leases that hold their ports now.
pub fn live(store: &dyn Store, now_ms: i64, host: &str) -> Result<Vec<Lease>, LeaseError> {
    Ok(store.read()?.into_iter().filter(|l| !gone(l, now_ms, host)).collect())
}

/// Counts per pool: its size, the ports it never leases, the leases in it, how many have run
/// out but are not cleaned up, and how many ports a new TCP lease in the default scope could
/// take now (before the test for bound ports).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct PoolStats {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) from: u16,
    pub(crate) to: u16,
    pub(crate) size: usize,
    pub(crate) excluded: usize,
    pub(crate) active: usize,
    pub(crate) expired: usize,
    pub(crate) free: usize,
}

/// The leases that hold their ports now, and those that do not: each tested once, since the
/// test for a local holder reads /proc.
pub(crate) fn split(all: &[Lease], now_ms: i64, host: &str) -> (Vec<Lease>, Vec<Lease>) {
    all.iter().cloned().partition(|l| !gone(l, now_ms, host))
}

/// Counts per pool, from `split`'s two halves.
pub(crate) fn stats(live: &[Lease], expired: &[Lease], pools: &Pools) -> Vec<PoolStats> {
    let held: std::collections::HashSet<u16> =
        live.iter().filter(|l| l.overlaps(DEFAULT_SCOPE, Protocol::Tcp, l.port)).map(|l| l.port).collect();
    pools
        .pools
        .iter()
        .map(|p| {
            let (mut excluded, mut free) = (0, 0);
            for port in p.from..=p.to {
                if pools.exclusion(&p.kind, "", Protocol::Tcp, port).is_some() {
                    excluded += 1;
                } else if !held.contains(&port) {
                    free += 1;
                }
            }
            PoolStats {
                kind: p.kind.clone(),
                from: p.from,
                to: p.to,
                size: p.size(),
                excluded,
                active: live.iter().filter(|l| l.kind == p.kind).count(),
                expired: expired.iter().filter(|l| l.kind == p.kind).count(),
                free,
            }
        })
        .collect()
}

/// A lease id: 128 random bits in hex.
fn new_id() -> String {
    let mut bytes = [0u8; 16];
    if rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty()).is_err() {
        // No kernel randomness: the clock and the pid still make ids unique on one machine.
        let t =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes.copy_from_slice(&(t ^ (u128::from(std::process::id()) << 96)).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The holder for a request from this process's caller: this host, and `pid` if named.
pub fn local_holder(pid: Option<u32>) -> Holder {
    Holder { host: holder::host_name(), pid, pid_start: pid.and_then(holder::start_time) }
}

/// A live lease the registry no longer lets it hold, and why: its port became a registry
/// entry or reserved, left its pool, or the pool itself is gone.
#[derive(Debug)]
pub(crate) struct Collision {
    pub(crate) lease: Lease,
    pub(crate) why: String,
}

/// The live leases that collide with the registry as it is now.
pub(crate) fn collisions(all: &[Lease], pools: &Pools, now_ms: i64, host: &str) -> Vec<Collision> {
    let mut out = Vec::new();
    for l in all.iter().filter(|l| !gone(l, now_ms, host)) {
        let why = match pools.pools.iter().find(|p| p.kind == l.kind) {
            None => Some(format!("its pool {} is no longer in the config's pools", l.kind)),
            Some(p) if !p.contains(l.port) => {
                Some(format!("it is outside pool {} ({}-{}) now", p.kind, p.from, p.to))
            }
            Some(_) => {
                pools.exclusion(&l.kind, &l.service, l.protocol, l.port).map(|why| format!("it is {why} now"))
            }
        };
        if let Some(why) = why {
            out.push(Collision { lease: l.clone(), why });
        }
    }
    out
}
