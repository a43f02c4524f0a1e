//! The ports a lease may take: the config's pools, less everything the registry or the kernel
//! already uses. Read once from the registry's snapshot, so a lease never re-reads the registry.

use std::collections::HashMap;
use std::rc::Rc;

use super::model::LeaseError;
use crate::registry::snapshot::Snapshot;
use crate::registry::{PortRange, Protocol};

/// A dynamic pool: a range pattern of the config that `pools` names.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Pool {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) from: u16,
    pub(crate) to: u16,
}

impl Pool {
    pub(crate) fn size(&self) -> usize {
        usize::from(self.to - self.from) + 1
    }

    pub(crate) fn contains(&self, port: u16) -> bool {
        (self.from..=self.to).contains(&port)
    }
}

/// Why a port of a pool is never leased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Exclusion {
    /// A static entry of the registry holds it.
    Entry(String),
    Reserved(String),
    Privileged,
    /// Inside the kernel's ephemeral range, where outgoing connections take their ports.
    Ephemeral,
}

impl std::fmt::Display for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exclusion::Entry(path) => write!(f, "registry entry {path}"),
            Exclusion::Reserved(why) => write!(f, "a reserved port ({why})"),
            Exclusion::Privileged => f.write_str("a port below 1024"),
            Exclusion::Ephemeral => f.write_str("the kernel's ephemeral range"),
        }
    }
}

/// The pools and what is excluded from them, per lane.
#[derive(Clone, Debug, Default)]
pub struct Pools {
    pub(crate) pools: Vec<Pool>,
    excluded: HashMap<(Protocol, u16), Exclusion>,
    /// Reserved ranges that allow some paths: checked against the lease's path.
    allowing: Vec<(u16, u16, String, Vec<crate::registry::path::Pattern>)>,
}

/// The kernel's ephemeral range and the ports it keeps out of it.
#[derive(Clone, Debug)]
pub struct Ephemeral {
    pub from: u16,
    pub to: u16,
    pub reserved: Vec<(u16, u16)>,
}

impl Ephemeral {
    /// Read from /proc/sys; Linux's default when it cannot be read.
    pub(crate) fn of_this_machine() -> Ephemeral {
        let read = |f: &str| std::fs::read_to_string(format!("/proc/sys/net/ipv4/{f}")).unwrap_or_default();
        let range: Vec<u16> =
            read("ip_local_port_range").split_whitespace().filter_map(|s| s.parse().ok()).collect();
        let (from, to) = match range[..] {
            [a, b] => (a, b),
            _ => (crate::check::EPHEMERAL.0 as u16, crate::check::EPHEMERAL.1 as u16),
        };
        let reserved = read("ip_local_reserved_ports")
            .trim()
            .split(',')
            .filter_map(|part| match part.split_once('-') {
                Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                None => part.parse().ok().map(|p| (p, p)),
            })
            .collect();
        Ephemeral { from, to, reserved }
    }

    fn takes(&self, port: u16) -> bool {
        (self.from..=self.to).contains(&port) && !self.reserved.iter().any(|&(a, b)| (a..=b).contains(&port))
    }
}

impl Pools {
    pub fn from_snapshot(registry: &Snapshot, ephemeral: &Ephemeral) -> Result<Pools, LeaseError> {
        let mut pools = Vec::new();
        for range in &registry.pools {
            let Some(ports) = PortRange::of_ints(range.from, range.to) else {
                return Err(LeaseError::NoPool(format!("pool {} is not a range of ports", range.pattern)));
            };
            pools.push(Pool { kind: range.pattern.clone(), from: ports.from().get(), to: ports.to().get() });
        }
        let mut out = Pools { pools, ..Pools::default() };
        let in_pools = |p: u16| out.pools.iter().any(|pool| pool.contains(p));
        let mut excluded = HashMap::new();
        for pool in &out.pools {
            for port in pool.from..=pool.to {
                let why = if port < 1024 {
                    Some(Exclusion::Privileged)
                } else if ephemeral.takes(port) {
                    Some(Exclusion::Ephemeral)
                } else {
                    None
                };
                if let Some(why) = why {
                    for lane in [Protocol::Tcp, Protocol::Udp] {
                        excluded.insert((lane, port), why.clone());
                    }
                }
            }
        }
        for e in &registry.entries {
            for port in e.from..=e.to {
                if !in_pools(port) {
                    continue;
                }
                for &lane in e.protocol.transports() {
                    excluded.entry((lane, port)).or_insert_with(|| Exclusion::Entry(e.path.clone()));
                }
            }
        }
        for r in &registry.reserved {
            let (from, to) = (r.from.clamp(1, 65535) as u16, r.to.clamp(1, 65535) as u16);
            if !r.allow.is_empty() {
                out.allowing.push((from, to, r.reason.clone(), r.allow.clone()));
                continue;
            }
            for port in from..=to {
                if in_pools(port) {
                    for lane in [Protocol::Tcp, Protocol::Udp] {
                        excluded.entry((lane, port)).or_insert_with(|| Exclusion::Reserved(r.reason.clone()));
                    }
                }
            }
        }
        out.excluded = excluded;
        Ok(out)
    }

    /// The pool named `kind`, or the only one when none is named.
    pub(crate) fn pool(&self, kind: Option<&str>) -> Result<&Pool, LeaseError> {
        match kind {
            Some(k) => {
                self.pools.iter().find(|p| p.kind == k).ok_or_else(|| LeaseError::NoSuchPool(k.into()))
            }
            None => match &self.pools[..] {
                [only] => Ok(only),
                [] => Err(LeaseError::NoPool("the config names no pools".into())),
                _ => Err(LeaseError::bad("type", "the config has several pools: name one with --type")),
            },
        }
    }

    /// Why `port` may not be leased on `protocol` by `service` of `kind`, if it may not.
    pub(crate) fn exclusion(
        &self,
        kind: &str,
        service: &str,
        protocol: Protocol,
        port: u16,
    ) -> Option<Exclusion> {
        for &lane in protocol.transports() {
            if let Some(why) = self.excluded.get(&(lane, port)) {
                return Some(why.clone());
            }
        }
        let path: Vec<Rc<str>> = kind.split('.').chain(std::iter::once(service)).map(Rc::from).collect();
        for (from, to, reason, allow) in &self.allowing {
            if (*from..=*to).contains(&port) && !allow.iter().any(|a| a.matches_prefix(&path)) {
                return Some(Exclusion::Reserved(reason.clone()));
            }
        }
        None
    }
}
