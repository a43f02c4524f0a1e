//! The registry as JSON for consumers outside Nix (seed 000's port-registry.json). The shape
//! is the `JsonRegistry` type; docs/registry.schema.json describes it.

use serde::{Deserialize, Serialize};

use super::Context;
use crate::diagnostic::Location;
use crate::registry::Protocol;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct JsonRegistry {
    /// The header: which registry, and the command that regenerates this file.
    pub(crate) generated_by: String,
    pub(crate) registry: String,
    pub entries: Vec<JsonEntry>,
    pub(crate) ranges: Vec<JsonRange>,
    pub(crate) reserved: Vec<JsonReserved>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct JsonEntry {
    pub(crate) path: String,
    pub(crate) segments: Vec<String>,
    /// The entry's place in its list, when the leaf is a list of ports: `null` otherwise.
    pub(crate) item: Option<u32>,
    /// A single port, or `null` for a range.
    pub(crate) port: Option<i64>,
    pub(crate) range: Option<JsonSpan>,
    pub(crate) protocol: Protocol,
    pub(crate) description: Option<String>,
    /// Free text, present when the registry gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<String>,
    pub(crate) open_firewall: bool,
    pub(crate) interfaces: Vec<String>,
    pub(crate) env: String,
    pub(crate) location: Option<Location>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub(crate) struct JsonSpan {
    pub(crate) from: i64,
    pub(crate) to: i64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub(crate) struct JsonRange {
    pub(crate) pattern: String,
    pub(crate) from: i64,
    pub(crate) to: i64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub(crate) struct JsonReserved {
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) reason: String,
    pub(crate) allow: Vec<String>,
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct L {
            file: String,
            line: u32,
            column: u32,
        }
        let l = L::deserialize(d)?;
        Ok(Location { file: l.file, line: l.line, column: l.column })
    }
}

pub(crate) fn generate(ctx: &Context) -> String {
    let project = ctx.project;
    let entries = ctx
        .entries()
        .into_iter()
        .filter_map(|e| {
            let (from, to) = e.interval()?;
            Some(JsonEntry {
                path: e.name.clone(),
                segments: e.path.iter().map(|s| s.to_string()).collect(),
                item: e.item,
                port: (from == to).then_some(from),
                range: (from != to).then_some(JsonSpan { from, to }),
                protocol: e.meta.protocol,
                description: e.meta.description.clone(),
                owner: e.meta.owner.clone(),
                status: e.meta.status.clone(),
                open_firewall: e.meta.open_firewall,
                interfaces: e.meta.interfaces.clone(),
                env: format!("{}{}", ctx.options.prefix, super::env_name(e)),
                location: e.span.map(|s| {
                    let mut loc = Location::of(&project.sources, s);
                    loc.file = ctx.relative(&project.sources.get(s.file).path);
                    loc
                }),
            })
        })
        .collect();
    let mut ranges: Vec<JsonRange> = project
        .config
        .ranges
        .iter()
        .map(|r| JsonRange { pattern: r.pattern.text.clone(), from: r.from, to: r.to })
        .collect();
    ranges.sort_by(|a, b| (a.from, &a.pattern).cmp(&(b.from, &b.pattern)));
    let reserved = project
        .config
        .reserved
        .iter()
        .map(|r| JsonReserved {
            from: r.from,
            to: r.to,
            reason: r.reason.clone(),
            allow: r.allow.iter().map(|p| p.text.clone()).collect(),
        })
        .collect();
    let doc = JsonRegistry {
        generated_by: ctx.header_lines().join(" "),
        registry: ctx.registry.clone(),
        entries,
        ranges,
        reserved,
    };
    crate::report::pretty_json(&doc)
}
