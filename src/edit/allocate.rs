//! Choosing a port for a new entry: the lowest free one in its range, the one asked for, or
//! the free one nearest to a wish. Seed 004's preferred and required ports, done statically.

use std::rc::Rc;

use crate::check::context::range_for_path;
use crate::registry::{Project, Protocol};

pub enum Request {
    Lowest,
    /// `--port N`: exactly N, or fail.
    Exactly(i64),
    /// `--near N`: the free port closest to N.
    Near(i64),
}

/// Why a port is not free, or `None` when it is.
fn owner(
    project: &Project,
    path: &[Rc<str>],
    protocol: Protocol,
    port: i64,
    bound: &[i64],
) -> Option<String> {
    let scope = scope_of(project, path);
    for e in &project.entries {
        let Some((from, to)) = e.interval() else { continue };
        let overlaps_proto = e.meta.protocol.transports().iter().any(|p| protocol.transports().contains(p));
        if from <= port && port <= to && overlaps_proto && scope_of(project, &e.path) == scope {
            return Some(format!("{} ({})", e.name, e.value_text()));
        }
    }
    for r in &project.config.reserved {
        if r.from <= port && port <= r.to && !r.allow.iter().any(|p| p.matches_prefix(path)) {
            return Some(format!("reserved: {}", r.reason));
        }
    }
    bound.contains(&port).then(|| "a program listening right now".to_string())
}

/// The path prefix that makes the entry's scope (none: the whole registry is one machine).
fn scope_of<'p>(project: &Project, path: &'p [Rc<str>]) -> &'p [Rc<str>] {
    let len = project
        .config
        .scopes
        .iter()
        .filter(|p| p.segments.len() < path.len() && p.matches_prefix(path))
        .map(|p| p.segments.len())
        .max()
        .unwrap_or(0);
    &path[..len]
}

pub fn allocate(
    project: &Project,
    path: &[Rc<str>],
    protocol: Protocol,
    request: Request,
    bound: &[i64],
) -> Result<i64, String> {
    let range = range_for_path(&project.config, path);
    let free = |p: i64| owner(project, path, protocol, p, bound).is_none();
    match request {
        Request::Exactly(p) => {
            if !(1..=65535).contains(&p) {
                return Err(format!("{p} is not a port"));
            }
            if let Some(r) = range
                && !(r.from <= p && p <= r.to)
            {
                return Err(format!("{p} is outside the range for \"{}\" ({}-{})", r.pattern, r.from, r.to));
            }
            match owner(project, path, protocol, p, bound) {
                None => Ok(p),
                Some(who) => Err(format!("port {p} is taken by {who}")),
            }
        }
        Request::Lowest | Request::Near(_) => {
            let Some(r) = range else {
                return Err(
                    "no configured range covers this path: add one under `ranges`, or pass --port N".into()
                );
            };
            let (lo, hi) = (r.from.max(1), r.to.min(65535));
            let found = match request {
                Request::Near(n) => {
                    let n = n.clamp(lo, hi);
                    (0..=(hi - lo)).flat_map(|d| [n - d, n + d]).find(|&p| lo <= p && p <= hi && free(p))
                }
                _ => (lo..=hi).find(|&p| free(p)),
            };
            found.ok_or_else(|| format!("no free port left in the range for \"{}\" ({lo}-{hi})", r.pattern))
        }
    }
}
