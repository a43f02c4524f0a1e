//! `lib/portnix.nix`: ranges, reserved ports, per-service metadata, scopes, and what later
//! commands need (processes). Every key is checked, so a typo never switches a check off.

use std::rc::Rc;

use super::data::Node;
use super::meta::{Field, Fields};
use super::path::Pattern;
use super::reader::Reader;
use crate::diagnostic::{Code, Diagnostic, Span};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Both,
}

impl Protocol {
    /// The transport protocols an entry occupies.
    pub fn transports(self) -> &'static [Protocol] {
        match self {
            Protocol::Tcp => &[Protocol::Tcp],
            Protocol::Udp => &[Protocol::Udp],
            Protocol::Both => &[Protocol::Tcp, Protocol::Udp],
        }
    }

    pub(crate) const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Both];

    /// `tcp`, `udp` or `both`, as the config, the flags and the lease store spell them.
    pub(crate) fn parse(word: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.as_str() == word)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Both => "both",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct RangeRule {
    pub(crate) pattern: Pattern,
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) span: Option<Span>,
}

impl RangeRule {
    /// Ranges that are themselves invalid are reported by `invalid-range` and govern nothing.
    pub(crate) fn is_valid(&self) -> bool {
        0 <= self.from && self.from <= self.to && self.to <= 65535
    }
}

#[derive(Clone, Debug)]
pub struct Reserved {
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) reason: String,
    pub(crate) allow: Vec<Pattern>,
    pub(crate) span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceMeta {
    pub protocol: Protocol,
    pub(crate) description: Option<String>,
    pub open_firewall: bool,
    pub interfaces: Vec<String>,
    pub(crate) env: Option<String>,
    pub(crate) share_with: Vec<Pattern>,
    /// The program that should listen on it, for `portnix doctor`.
    pub(crate) program: Option<String>,
    /// Who runs the service, and its state ("active", "planned", "dev only"): free text,
    /// shown by ls, json and markdown.
    pub(crate) owner: Option<String>,
    pub(crate) status: Option<String>,
    /// Why the entry may stand outside its category's range.
    pub(crate) outside_range: Option<String>,
    /// A second port the service may use: an entry of its own, `path.fallback`.
    pub(crate) fallback: Option<i64>,
}

impl Default for ServiceMeta {
    fn default() -> Self {
        ServiceMeta {
            protocol: Protocol::Tcp,
            description: None,
            open_firewall: false,
            interfaces: Vec::new(),
            env: None,
            share_with: Vec::new(),
            program: None,
            owner: None,
            status: None,
            outside_range: None,
            fallback: None,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ServiceRule {
    pub(crate) pattern: Pattern,
    /// Shared by every entry the rule matches.
    pub(crate) meta: Rc<ServiceMeta>,
    /// The fields the rule sets, where: a leaf's own metadata must agree with them.
    pub(crate) given: Vec<(Field, Option<Span>)>,
    pub(crate) span: Option<Span>,
}

/// Warning codes silenced for some entries: `ignore."ephemeral-port" = [ "infrastructure.tailscale" ];`
#[derive(Clone, Debug)]
pub(crate) struct Ignore {
    pub(crate) code: Code,
    pub(crate) patterns: Vec<Pattern>,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub(crate) ranges: Vec<RangeRule>,
    pub reserved: Vec<Reserved>,
    pub(crate) services: Vec<ServiceRule>,
    pub scopes: Vec<Pattern>,
    pub(crate) ignore: Vec<Ignore>,
    /// Process definitions for `portnix gen process-compose`.
    pub processes: Vec<super::processes::Process>,
    /// `compose`: the services `gen compose` publishes ports for, if not the processes.
    pub compose: Option<super::compose::Compose>,
    /// `sync`: existing files that hold registry ports, for `portnix sync`.
    pub sync: Vec<super::sync_targets::SyncTarget>,
    /// Range patterns whose ports `portnix lease` hands out at run time.
    pub pools: Vec<Pattern>,
    /// Fields a leaf with metadata may carry that portnix reads nothing from (`check`), so
    /// they are not reported as unknown.
    pub(crate) extra_fields: Vec<String>,
    /// `lint.exclude`: paths (relative to the project root, `*` within one segment) that
    /// `portnix lint` does not look through when it is given no paths.
    pub(crate) lint_exclude: Vec<String>,
}

impl Config {
    /// The spans of the pattern `rule` belongs to: one, or each of `ranges.x = [ ... ]`.
    pub(crate) fn spans<'c>(&'c self, rule: &'c RangeRule) -> impl Iterator<Item = &'c RangeRule> + 'c {
        self.ranges.iter().filter(move |r| r.pattern.text == rule.pattern.text && r.is_valid())
    }

    /// `5000-6999, 8080, 9001-9999`: the pattern's spans, for messages.
    pub(crate) fn spans_text(&self, rule: &RangeRule) -> String {
        self.spans(rule)
            .map(|r| if r.from == r.to { r.from.to_string() } else { format!("{}-{}", r.from, r.to) })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether `from..=to` lies inside one of the spans of `rule`'s pattern.
    pub(crate) fn spans_hold(&self, rule: &RangeRule, from: i64, to: i64) -> bool {
        self.spans(rule).any(|r| r.from <= from && to <= r.to)
    }

    /// The scope of the entry at `path`: the prefix the most specific `scopes` pattern matched
    /// (`hosts.h1` for `hosts.*`), or "" outside every scope. Entries in different scopes may
    /// share a port.
    pub(crate) fn scope_of(&self, path: &[std::rc::Rc<str>]) -> String {
        self.scopes
            .iter()
            .filter(|p| p.segments.len() < path.len() && p.matches_prefix(path))
            .max_by_key(|p| p.specificity())
            .map(|p| p.matched_prefix(path))
            .unwrap_or_default()
    }
}

pub(crate) const KEYS: &[&str] = &[
    "ranges",
    "reserved",
    "services",
    "scopes",
    "ignore",
    "processes",
    "compose",
    "sync",
    "pools",
    "args",
    "module",
    "extraFields",
    "lint",
];

impl Reader {
    /// `lint = { exclude = [ "examples" "vendor/*" ]; };`
    fn lint(&mut self, node: &Node) -> Vec<String> {
        let Some(attrs) = self.set(node, "lint") else { return Vec::new() };
        self.unknown_keys(attrs, &["exclude"], "lint");
        let Some(items) = node.data.get("exclude").and_then(|e| self.list(e, "lint.exclude")) else {
            return Vec::new();
        };
        items.iter().filter_map(|i| self.string(i, "lint.exclude")).collect()
    }

    fn range_bounds(&mut self, node: &Node, what: &str) -> Option<(i64, i64)> {
        let attrs = self.set(node, what)?;
        self.unknown_keys(attrs, &["from", "to"], what);
        let from = node.data.get("from");
        let to = node.data.get("to");
        match (from, to) {
            (Some(f), Some(t)) => Some((self.int(f, "from")?, self.int(t, "to")?)),
            _ => {
                self.fail(
                    node,
                    format!("{what} needs both `from` and `to`"),
                    "write { from = 5000; to = 5999; }",
                );
                None
            }
        }
    }

    fn ranges(&mut self, node: &Node) -> Vec<RangeRule> {
        let Some(attrs) = self.set(node, "ranges") else { return Vec::new() };
        let mut out = Vec::new();
        for (name, value) in attrs {
            let Some(pattern) = self.pattern(value, name, "range pattern") else { continue };
            // Several spans for one pattern (seed 002's "5000-6999, 8080, 9001+"), each
            // `{ from; to; }` or `{ port; }`.
            if let super::data::Data::List(items) = &value.data {
                if items.is_empty() {
                    self.fail(
                        value,
                        format!("range \"{name}\" is an empty list"),
                        "give it at least one { from; to; }",
                    );
                }
                for (i, item) in items.iter().enumerate() {
                    let what = format!("range \"{name}\"[{i}]");
                    let bounds = match item.data.get("port") {
                        Some(p) if item.data.get("from").is_none() && item.data.get("to").is_none() => {
                            if let Some(attrs) = self.set(item, &what) {
                                self.unknown_keys(attrs, &["port"], &what);
                            }
                            self.int(p, "port").map(|p| (p, p))
                        }
                        _ => self.range_bounds(item, &what),
                    };
                    if let Some((from, to)) = bounds {
                        out.push(RangeRule {
                            pattern: pattern.clone(),
                            from,
                            to,
                            span: item.span.or(value.span),
                        });
                    }
                }
                continue;
            }
            if let Some((from, to)) = self.range_bounds(value, &format!("range \"{name}\"")) {
                out.push(RangeRule { pattern, from, to, span: value.span });
            }
        }
        out
    }

    /// Each pool names a range pattern exactly as `ranges` spells it.
    fn pools(&mut self, node: &Node, ranges: &[RangeRule]) -> Vec<Pattern> {
        let Some(items) = self.list(node, "pools") else { return Vec::new() };
        let mut out = Vec::new();
        for item in items {
            let Some(text) = self.string(item, "a pool") else { continue };
            match ranges.iter().find(|r| r.pattern.text == text) {
                Some(_) if ranges.iter().filter(|r| r.pattern.text == text).count() > 1 => self.fail_at(
                    item.span,
                    format!("pool '{text}' has several ranges; a pool is one span of ports"),
                    "give the pool a pattern of its own with one { from; to; }",
                ),
                Some(r) => out.push(r.pattern.clone()),
                None => {
                    let known = ranges.iter().map(|r| r.pattern.text.as_str());
                    let hint = match crate::suggest::nearest(&text, known) {
                        Some(s) => format!("did you mean '{s}'? A pool is a pattern of `ranges`"),
                        None => "add the pattern under `ranges` with its `from` and `to`".into(),
                    };
                    self.fail_at(item.span, format!("pool '{text}' is not a range pattern"), &hint);
                }
            }
        }
        out
    }

    fn reserved(&mut self, node: &Node) -> Vec<Reserved> {
        let Some(items) = self.list(node, "reserved") else { return Vec::new() };
        let mut out = Vec::new();
        for item in items {
            let Some(attrs) = self.set(item, "a reserved entry") else { continue };
            self.unknown_keys(attrs, &["port", "from", "to", "reason", "allow"], "a reserved entry");
            let d = &item.data;
            let bounds = match (d.get("port"), d.get("from"), d.get("to")) {
                (Some(p), None, None) => self.int(p, "port").map(|p| (p, p)),
                (None, Some(f), Some(t)) => match (self.int(f, "from"), self.int(t, "to")) {
                    (Some(f), Some(t)) => Some((f, t)),
                    _ => None,
                },
                _ => {
                    self.fail(
                        item,
                        "a reserved entry needs `port`, or `from` and `to`".into(),
                        "write { port = 8080; reason = \"...\"; }",
                    );
                    None
                }
            };
            let reason = match d.get("reason") {
                Some(r) => self.string(r, "reason").unwrap_or_default(),
                None => {
                    self.fail(
                        item,
                        "a reserved entry needs a `reason`".into(),
                        "say why the port is reserved; it is shown in every finding",
                    );
                    String::new()
                }
            };
            let allow = d.get("allow").map(|a| self.patterns(a, "allow")).unwrap_or_default();
            if let Some((from, to)) = bounds {
                out.push(Reserved { from, to, reason, allow, span: item.span });
            }
        }
        out
    }

    fn services(&mut self, node: &Node) -> Vec<ServiceRule> {
        let Some(attrs) = self.set(node, "services") else { return Vec::new() };
        let mut out = Vec::new();
        for (name, value) in attrs {
            let Some(pattern) = self.pattern(value, name, "service path") else { continue };
            let what = format!("services.\"{name}\"");
            let Some(fields) = self.set(value, &what) else { continue };
            let Fields { meta, given } = self.meta_fields(fields, &what, &[]);
            out.push(ServiceRule { pattern, meta: Rc::new(meta), given, span: value.span });
        }
        out
    }

    /// `extraFields`: names that are neither a metadata field nor a port key.
    fn extra_fields(&mut self, node: &Node) -> Vec<String> {
        let Some(items) = self.list(node, "extraFields") else { return Vec::new() };
        let mut out = Vec::new();
        for item in items {
            let Some(name) = self.string(item, "an extra field") else { continue };
            if Field::parse(&name).is_some() || super::meta::PORT_KEYS.contains(&name.as_str()) {
                self.fail(
                    item,
                    format!("'{name}' is a field portnix reads, not an extra one"),
                    "list only the fields portnix should leave alone",
                );
                continue;
            }
            out.push(name);
        }
        out
    }

    fn ignore(&mut self, node: &Node) -> Vec<Ignore> {
        let Some(attrs) = self.set(node, "ignore") else { return Vec::new() };
        let mut out = Vec::new();
        for (code, value) in attrs {
            let Some(code) = Code::parse(code).filter(|c| c.ignorable()) else {
                self.fail(
                    value,
                    format!("'{code}' cannot be ignored"),
                    &format!("only warnings can be: {}", Code::ignorable_list()),
                );
                continue;
            };
            out.push(Ignore { code, patterns: self.patterns(value, "ignore") });
        }
        out
    }
}

/// Reads a config value; every problem is a `config-error` diagnostic.
pub(crate) fn parse(root: &Node) -> Result<Config, Vec<Diagnostic>> {
    let mut p = Reader::new(root.span);
    let mut config = Config::default();
    let mut pools = None;
    if let Some(attrs) = p.set(root, "the config") {
        p.unknown_keys(attrs, KEYS, "the config");
        for (key, value) in attrs {
            match &**key {
                "ranges" => config.ranges = p.ranges(value),
                "reserved" => config.reserved = p.reserved(value),
                "services" => config.services = p.services(value),
                "scopes" => config.scopes = p.patterns(value, "scopes"),
                "ignore" => config.ignore = p.ignore(value),
                "processes" => match super::processes::parse(value) {
                    Ok(procs) => config.processes = procs,
                    Err(errors) => p.errors.extend(errors),
                },
                "compose" => match super::compose::parse(value) {
                    Ok(c) => config.compose = Some(c),
                    Err(errors) => p.errors.extend(errors),
                },
                "sync" => match super::sync_targets::parse(value) {
                    Ok(t) => config.sync = t,
                    Err(errors) => p.errors.extend(errors),
                },
                "pools" => pools = Some(value),
                // The registry's arguments, taken by the loader before the config is read.
                "args" => {}
                "extraFields" => config.extra_fields = p.extra_fields(value),
                "lint" => config.lint_exclude = p.lint(value),
                // Which attribute of a module registry's config is the registry: the real
                // Nix's wrapper reads it.
                "module" => {
                    let _ = p.string(value, "module");
                }
                _ => {}
            }
        }
    }
    if let Some(node) = pools {
        config.pools = p.pools(node, &config.ranges);
    }
    if p.errors.is_empty() { Ok(config) } else { Err(p.errors) }
}
