//! `portnix doctor`: for each registry entry, what is really listening on its ports.

use serde::Serialize;

use super::Listener;
use crate::registry::path::Pattern;
use crate::registry::{Entry, Project};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub(crate) enum Status {
    /// Bound, by the expected program or by one portnix cannot tell apart.
    Listening,
    /// Nothing is bound.
    Free,
    /// Bound by a program other than the one the config names.
    Taken { expected: String },
    /// Bound, by a process this user cannot see (another user's, without root), where the
    /// config names who should own it: not known to be healthy, so not reported as such.
    UnknownOwner { expected: String },
}

#[derive(Debug, Serialize)]
pub(crate) struct EntryReport {
    pub(crate) path: String,
    pub(crate) ports: String,
    pub(crate) protocol: &'static str,
    #[serde(flatten)]
    pub(crate) status: Status,
    pub(crate) listeners: Vec<Listener>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) entries: Vec<EntryReport>,
    /// With `--strays`: listeners inside a registry range that no entry claims.
    pub(crate) strays: Vec<Listener>,
}

impl Report {
    /// Entries that fail: held by a foreign program, or by one that cannot be seen.
    pub(crate) fn conflicts(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.status, Status::Taken { .. } | Status::UnknownOwner { .. }))
            .count()
    }
}

/// The program that should own an entry's port: the config's `program`, else the executable
/// of the process that serves it.
pub(crate) fn expected_program(project: &Project, e: &Entry) -> Option<String> {
    if let Some(p) = &e.meta.program {
        return Some(p.clone());
    }
    let process = project.config.processes.iter().find(|p| p.serves.iter().any(|s| s == &e.name))?;
    let exe = process.command.split_whitespace().next()?;
    Some(exe.rsplit('/').next().unwrap_or(exe).to_string())
}

/// Linux keeps only the first 15 bytes of a command name.
fn same_program(seen: &str, expected: &str) -> bool {
    const COMM_LEN: usize = 15;
    let cut = |s: &str| s.chars().take(COMM_LEN).collect::<String>();
    cut(seen) == cut(expected)
}

pub(crate) fn doctor(
    project: &Project,
    pattern: Option<&Pattern>,
    listeners: &[Listener],
    strays: bool,
) -> Report {
    let mut entries = Vec::new();
    for e in &project.entries {
        if pattern.is_some_and(|p| !p.matches_prefix(&e.path)) {
            continue;
        }
        let Some((from, to)) = e.interval() else { continue };
        let transports = e.meta.protocol.transports();
        let on: Vec<Listener> = listeners
            .iter()
            .filter(|l| {
                transports.contains(&l.protocol) && from <= i64::from(l.port) && i64::from(l.port) <= to
            })
            .cloned()
            .collect();
        let status = match (on.is_empty(), expected_program(project, e)) {
            (true, _) => Status::Free,
            (false, Some(expected)) => {
                let foreign =
                    on.iter().any(|l| l.command.as_deref().is_some_and(|c| !same_program(c, &expected)));
                let unseen = on.iter().any(|l| l.command.is_none());
                if foreign {
                    Status::Taken { expected }
                } else if unseen {
                    Status::UnknownOwner { expected }
                } else {
                    Status::Listening
                }
            }
            (false, None) => Status::Listening,
        };
        entries.push(EntryReport {
            path: e.name.clone(),
            ports: e.value_text(),
            protocol: e.meta.protocol.as_str(),
            status,
            listeners: on,
        });
    }
    let strays = if strays { find_strays(project, listeners) } else { Vec::new() };
    Report { entries, strays }
}

/// Listeners inside a configured range on a port that no entry, single or range, claims.
fn find_strays(project: &Project, listeners: &[Listener]) -> Vec<Listener> {
    let claimed: Vec<(i64, i64)> = project.entries.iter().filter_map(Entry::interval).collect();
    let inside = |p: i64, &(f, t): &(i64, i64)| f <= p && p <= t;
    listeners
        .iter()
        .filter(|l| {
            let p = i64::from(l.port);
            project.config.ranges.iter().any(|r| inside(p, &(r.from, r.to)))
                && !claimed.iter().any(|c| inside(p, c))
        })
        .cloned()
        .collect()
}
