//! Questions about the registry: `ls`, `which`, `get`, `free`.

use std::rc::Rc;

use crate::check::context::range_for_path;
use crate::registry::config::RangeRule;
use crate::registry::path::{Pattern, split_dotted};
use crate::registry::{Entry, PortValue, Project};

/// Entries under `pattern` (all without one), sorted by port, then path.
pub(crate) fn list<'p>(project: &'p Project, pattern: Option<&Pattern>) -> Vec<&'p Entry> {
    let mut out: Vec<&Entry> =
        project.entries.iter().filter(|e| pattern.is_none_or(|p| p.matches_prefix(&e.path))).collect();
    out.sort_by(|a, b| (a.interval(), &a.name).cmp(&(b.interval(), &b.name)));
    out
}

/// The entry at exactly `path`, or the closest name as a suggestion.
/// The entries at `path`: one, or each item of a list leaf; `name[i]` names one item.
pub(crate) fn get<'p>(project: &'p Project, path: &str) -> Result<Vec<&'p Entry>, Option<String>> {
    let suggest =
        || crate::suggest::nearest(path, project.entries.iter().map(|e| e.name.as_str())).map(String::from);
    let (dotted, item) = crate::registry::path::split_item(path);
    let segments = split_dotted(dotted).ok_or_else(suggest)?;
    let found: Vec<&Entry> = project
        .entries
        .iter()
        .filter(|e| e.path.len() == segments.len() && e.path.iter().zip(&segments).all(|(a, b)| **a == *b))
        .filter(|e| item.is_none_or(|i| e.item == Some(i)))
        .collect();
    if found.is_empty() { Err(suggest()) } else { Ok(found) }
}

pub(crate) struct Which<'p> {
    pub(crate) claimants: Vec<&'p Entry>,
    /// Config ranges containing the port, most specific first.
    pub(crate) ranges: Vec<&'p RangeRule>,
    pub(crate) reserved: Vec<&'p crate::registry::config::Reserved>,
}

pub(crate) fn which(project: &Project, port: i64) -> Which<'_> {
    let claimants = project
        .entries
        .iter()
        .filter(|e| e.interval().is_some_and(|(from, to)| from <= port && port <= to))
        .collect();
    let mut ranges: Vec<&RangeRule> =
        project.config.ranges.iter().filter(|r| r.from <= port && port <= r.to).collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.pattern.specificity()));
    let reserved = project.config.reserved.iter().filter(|r| r.from <= port && port <= r.to).collect();
    Which { claimants, ranges, reserved }
}

/// Where `free` looks: a range entry of the registry, or the config range covering the path.
pub(crate) struct Block {
    /// Its spans, in order: one, or each of a pattern's several ranges.
    pub(crate) spans: Vec<(i64, i64)>,
    pub(crate) source: String,
    /// The block is a range entry of the registry, not a configured range.
    pub(crate) entry: bool,
}

/// A pattern read as a plain path (`*` stays a literal name).
fn as_path(pattern: &Pattern) -> Vec<Rc<str>> {
    pattern
        .segments
        .iter()
        .map(|s| match s {
            crate::registry::path::Segment::Name(n) => Rc::from(n.as_str()),
            crate::registry::path::Segment::Any => Rc::from("*"),
        })
        .collect()
}

/// A pattern that no range covers.
#[derive(Debug, thiserror::Error)]
#[error("no range covers '{0}': add one under `ranges` in the config, or name a {{ from; to; }} entry")]
pub(crate) struct NoBlock(String);

pub(crate) fn block_for(project: &Project, pattern: &Pattern) -> Result<Block, NoBlock> {
    let path = as_path(pattern);
    if let Some(e) = project.entries.iter().find(|e| e.path == path)
        && let PortValue::Range(r) = e.value
    {
        let (from, to) = (i64::from(r.from().get()), i64::from(r.to().get()));
        return Ok(Block {
            spans: vec![(from, to)],
            source: format!("the range entry {}", e.name),
            entry: true,
        });
    }
    match range_for_path(&project.config, &path) {
        Some(r) => Ok(Block {
            spans: project.config.spans(r).map(|s| (s.from, s.to)).collect(),
            source: format!("the range for \"{}\"", r.pattern),
            entry: false,
        }),
        None => Err(NoBlock(pattern.to_string())),
    }
}

/// The first `n` ports of the block that no entry claims, no reservation holds and, for
/// `--live`, nothing has bound (`bound`).
pub(crate) fn free(
    project: &Project,
    pattern: &Pattern,
    protocol: crate::registry::Protocol,
    n: usize,
    bound: &[i64],
) -> Result<(Block, Vec<i64>), NoBlock> {
    let block = block_for(project, pattern)?;
    let path = as_path(pattern);
    let pool = block.entry.then_some(path.as_slice());
    let taken = crate::edit::allocate::Taken::new(project, &path, protocol, bound, pool);
    let mut out = Vec::new();
    for &(from, to) in &block.spans {
        out.extend(taken.free_in(from, to, n - out.len()));
    }
    Ok((block, out))
}
