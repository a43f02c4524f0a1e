//! Choosing a port for a new entry: the lowest free one in its range, the one asked for, or
//! the free one nearest to a wish. Seed 004's preferred and required ports, done statically.

use std::rc::Rc;

use crate::check::context::range_for_path;
use crate::registry::{Project, Protocol};

/// Why no port could be chosen; each is the registry saying no (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum AllocateError {
    #[error("{0} is not a port")]
    NotAPort(i64),
    #[error("{port} is outside the range for \"{pattern}\" ({spans})")]
    OutsideRange { port: i64, pattern: String, spans: String },
    #[error("port {port} is taken by {owner}")]
    Taken { port: i64, owner: String },
    #[error("no configured range covers this path: add one under `ranges`, or pass --port N")]
    NoRange,
    #[error("no free port left in the range for \"{pattern}\" ({spans})")]
    Full { pattern: String, spans: String },
    #[error("no free port is left outside the configured ranges")]
    NoneFree,
}

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
    // The entry at `path` itself, when `set` gives it a new port, is not in the way.
    for e in project.entries.iter().filter(|e| *e.path != *path) {
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

/// The ports a new entry at `path` may not take: the same scope's entries on an overlapping
/// protocol, reservations that do not allow the path, and what is bound right now. `add` and
/// `free` both ask this, so they agree. `pool`: a range entry whose own ports are the
/// candidates (`free pool`), not taken by itself.
pub(crate) struct Taken {
    /// Sorted, merged, inclusive.
    spans: Vec<(i64, i64)>,
}

impl Taken {
    pub(crate) fn new(
        project: &Project,
        path: &[Rc<str>],
        protocol: Protocol,
        bound: &[i64],
        pool: Option<&[Rc<str>]>,
    ) -> Taken {
        // A pattern with `*` in its scope stands for every scope it matches: any of them counts.
        let wildcard = path.iter().any(|s| &**s == "*");
        let scope = scope_of(project, path);
        let mut raw: Vec<(i64, i64)> = project
            .entries
            .iter()
            .filter(|e| pool.is_none_or(|p| *e.path != *p) && *e.path != *path)
            .filter(|e| e.meta.protocol.transports().iter().any(|p| protocol.transports().contains(p)))
            .filter(|e| wildcard || scope_of(project, &e.path) == scope)
            .filter_map(|e| e.interval())
            .chain(
                project
                    .config
                    .reserved
                    .iter()
                    .filter(|r| !r.allow.iter().any(|p| p.matches_prefix(path)))
                    .map(|r| (r.from, r.to)),
            )
            .chain(bound.iter().map(|&p| (p, p)))
            .collect();
        raw.sort_unstable();
        let mut spans: Vec<(i64, i64)> = Vec::with_capacity(raw.len());
        for (from, to) in raw {
            match spans.last_mut() {
                Some(last) if from <= last.1.saturating_add(1) => last.1 = last.1.max(to),
                _ => spans.push((from, to)),
            }
        }
        Taken { spans }
    }

    pub(crate) fn contains(&self, port: i64) -> bool {
        let i = self.spans.partition_point(|&(from, _)| from <= port);
        i > 0 && self.spans[i - 1].1 >= port
    }

    /// The first `n` free ports in `lo..=hi`, in order.
    pub(crate) fn free_in(&self, lo: i64, hi: i64, n: usize) -> Vec<i64> {
        let mut out = Vec::new();
        let mut next = lo.max(1);
        let mut i = self.spans.partition_point(|&(_, to)| to < next);
        while out.len() < n && next <= hi.min(65535) {
            match self.spans.get(i) {
                Some(&(from, to)) if from <= next => {
                    next = next.max(to + 1);
                    i += 1;
                }
                _ => {
                    out.push(next);
                    next += 1;
                }
            }
        }
        out
    }
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
) -> Result<i64, AllocateError> {
    let range = range_for_path(&project.config, path);
    match request {
        Request::Exactly(p) => {
            if !(1..=65535).contains(&p) {
                return Err(AllocateError::NotAPort(p));
            }
            // An entry excepted from its range (`outsideRange`) keeps its exception under `set`.
            let excepted = project.entries.iter().any(|e| *e.path == *path && e.meta.outside_range.is_some());
            if let Some(r) = range
                && !excepted
                && !project.config.spans_hold(r, p, p)
            {
                return Err(AllocateError::OutsideRange {
                    port: p,
                    pattern: r.pattern.to_string(),
                    spans: project.config.spans_text(r),
                });
            }
            match owner(project, path, protocol, p, bound) {
                None => Ok(p),
                Some(owner) => Err(AllocateError::Taken { port: p, owner }),
            }
        }
        Request::Lowest | Request::Near(_) => {
            let spans: Vec<(i64, i64)> = match (range, &request) {
                (Some(r), _) => project
                    .config
                    .spans(r)
                    .map(|s| (s.from.max(1), s.to.min(65535)))
                    .filter(|(lo, hi)| lo <= hi)
                    .collect(),
                // A wish without a range: anywhere no other block's range is, unprivileged
                // unless the wish is privileged itself.
                (None, Request::Near(n)) => outside_ranges(project, if *n < 1024 { 1 } else { 1024 }),
                (None, _) => return Err(AllocateError::NoRange),
            };
            let taken = Taken::new(project, path, protocol, bound, None);
            let found = match request {
                // The free port nearest the wish, in whichever span it falls.
                Request::Near(n) => spans
                    .iter()
                    .filter_map(|&(lo, hi)| {
                        let n = n.clamp(lo, hi);
                        (0..=(hi - lo))
                            .flat_map(|d| [n - d, n + d])
                            .find(|&p| lo <= p && p <= hi && !taken.contains(p))
                    })
                    .min_by_key(|p| ((p - n).abs(), *p)),
                _ => spans.iter().find_map(|&(lo, hi)| taken.free_in(lo, hi, 1).first().copied()),
            };
            found.ok_or_else(|| match range {
                Some(r) => AllocateError::Full {
                    pattern: r.pattern.to_string(),
                    spans: project.config.spans_text(r),
                },
                None => AllocateError::NoneFree,
            })
        }
    }
}

/// The ports from `lo` to 65535 that no configured range holds: where a path no range covers
/// may go without landing in another block.
fn outside_ranges(project: &Project, lo: i64) -> Vec<(i64, i64)> {
    let mut held: Vec<(i64, i64)> =
        project.config.ranges.iter().flat_map(|r| project.config.spans(r)).map(|s| (s.from, s.to)).collect();
    held.sort_unstable();
    let mut out = Vec::new();
    let mut next = lo;
    for (from, to) in held {
        if from > next {
            out.push((next, (from - 1).min(65535)));
        }
        next = next.max(to.saturating_add(1));
    }
    if next <= 65535 {
        out.push((next, 65535));
    }
    out.retain(|(a, b)| a <= b);
    out
}
