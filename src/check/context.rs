//! What every rule needs, computed once: valid intervals, scopes and the range for each entry.

use crate::fxhash::FxHashMap as HashMap;

use super::{CheckOptions, Finding};
use crate::registry::config::{Config, RangeRule};
use crate::registry::{Entry, Project};

pub(crate) struct Context<'a> {
    pub(crate) project: &'a Project,
    pub(crate) entries: &'a [Entry],
    pub(crate) config: &'a Config,
    pub(crate) options: &'a CheckOptions,
    /// The scope of each entry: the path prefix a `scopes` pattern matched, or "".
    pub(crate) scopes: Vec<String>,
    /// The most specific range rule covering each entry.
    pub(crate) ranges: Vec<Option<&'a RangeRule>>,
    pub(crate) by_name: HashMap<&'a str, usize>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(project: &'a Project, options: &'a CheckOptions) -> Context<'a> {
        let config = &project.config;
        let scopes = project.entries.iter().map(|e| config.scope_of(&e.path)).collect();
        let ranges = project.entries.iter().map(|e| range_for(config, e)).collect();
        // Only `ignore` looks entries up by name; most configs have none, so skip the map then.
        let by_name = if config.ignore.is_empty() {
            HashMap::default()
        } else {
            project.entries.iter().enumerate().map(|(i, e)| (e.name.as_str(), i)).collect()
        };
        Context { project, entries: &project.entries, config, options, scopes, ranges, by_name }
    }

    /// Whether `ignore` silences this finding for all its entries.
    pub(crate) fn ignored(&self, f: &Finding) -> bool {
        let Some(rule) = self.config.ignore.iter().find(|i| i.code == f.diag.code) else { return false };
        !f.paths.is_empty()
            && f.paths.iter().all(|p| {
                self.by_name.get(p.as_str()).is_some_and(|&i| {
                    rule.patterns.iter().any(|pat| pat.matches_prefix(&self.entries[i].path))
                })
            })
    }
}

/// The most specific range whose pattern covers the entry; ties go to the one defined first.
/// A pattern with several spans answers with its first: `Config::spans` gives them all.
pub(crate) fn range_for<'c>(config: &'c Config, e: &Entry) -> Option<&'c RangeRule> {
    range_for_path(config, &e.path)
}

pub(crate) fn range_for_path<'c>(config: &'c Config, path: &[std::rc::Rc<str>]) -> Option<&'c RangeRule> {
    let mut best: Option<&RangeRule> = None;
    for r in config.ranges.iter().filter(|r| r.is_valid()).filter(|r| r.pattern.matches_prefix(path)) {
        if best.is_none_or(|b| r.pattern.specificity() > b.pattern.specificity()) {
            best = Some(r);
        }
    }
    best
}
