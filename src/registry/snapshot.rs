//! What a server needs from the registry, as plain owned data. A `Project` holds `Rc`s (shared
//! metadata, the evaluator's values) and lives on the big-stack thread that read it; a
//! `Snapshot` is made there once and is `Send + Sync`, so one copy behind an `Arc` serves every
//! thread of the lease server, and the dashboard after it.

use super::path::Pattern;
use super::{Project, Protocol};
use crate::diagnostic::Location;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Snapshot {
    /// Only the entries with a valid port or range: nothing downstream can use the others.
    pub entries: Vec<SnapshotEntry>,
    pub(crate) ranges: Vec<SnapshotRange>,
    pub reserved: Vec<SnapshotReserved>,
    /// The `scopes` patterns: entries in different scopes may share a port.
    pub(crate) scopes: Vec<String>,
    /// Range patterns whose ports are leased at run time, with their ranges when valid.
    pub pools: Vec<SnapshotRange>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SnapshotEntry {
    pub path: String,
    pub(crate) segments: Vec<String>,
    pub from: u16,
    pub to: u16,
    pub(crate) protocol: Protocol,
    pub(crate) description: Option<String>,
    /// The scope the entry is in (the path prefix a `scopes` pattern matched), or "".
    pub scope: String,
    pub location: Option<Location>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SnapshotRange {
    pub pattern: String,
    /// As the config gives them: a pool that is not a range of ports is the lease service's
    /// error to report, with its own words.
    pub(crate) from: i64,
    pub(crate) to: i64,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SnapshotReserved {
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) reason: String,
    /// Patterns of the paths that may use it anyway.
    #[serde(serialize_with = "pattern_texts")]
    pub(crate) allow: Vec<Pattern>,
}

fn pattern_texts<S: serde::Serializer>(patterns: &[Pattern], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(patterns.iter().map(|p| &p.text))
}

// The point of the type: a server thread may hold it. This fails to compile if a field ever
// brings an `Rc` (or anything else thread-bound) back in.
const _: fn() = || {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Snapshot>();
};

impl Snapshot {
    pub fn of(project: &Project) -> Snapshot {
        let config = &project.config;
        let range = |r: &super::config::RangeRule| SnapshotRange {
            pattern: r.pattern.text.clone(),
            from: r.from,
            to: r.to,
        };
        let entries = project
            .entries
            .iter()
            .filter_map(|e| {
                let ports = e.value.range()?;
                Some(SnapshotEntry {
                    path: e.name.clone(),
                    segments: e.path.iter().map(|s| s.to_string()).collect(),
                    from: ports.from().get(),
                    to: ports.to().get(),
                    protocol: e.meta.protocol,
                    description: e.meta.description.clone(),
                    scope: config.scope_of(&e.path),
                    location: e.span.map(|s| Location::of(&project.sources, s)),
                })
            })
            .collect();
        Snapshot {
            entries,
            ranges: config.ranges.iter().map(range).collect(),
            reserved: config
                .reserved
                .iter()
                .map(|r| SnapshotReserved {
                    from: r.from,
                    to: r.to,
                    reason: r.reason.clone(),
                    allow: r.allow.clone(),
                })
                .collect(),
            scopes: config.scopes.iter().map(|p| p.text.clone()).collect(),
            pools: config
                .pools
                .iter()
                .filter_map(|p| config.ranges.iter().find(|r| r.pattern == *p).map(range))
                .collect(),
        }
    }
}
