//! `sync` in the config: existing files that hold a registry port, for `portnix sync`.
//! `sync = [ { file = "pourtier/config/production.yaml"; key = "server.port"; port =
//! "production.pourtier"; } { file = "Caddyfile"; pattern = "localhost:([0-9]+)"; port = "web"; } ];`

use super::data::{Data, Node};
use super::reader::{Reader, field};
use crate::diagnostic::{Diagnostic, Span};

/// How a target's value is found: by a key in a structured file, or a pattern in any text.
#[derive(Clone, Debug, PartialEq)]
pub enum Locator {
    /// A dotted key; `format` is the file's, when its name does not say.
    Key { key: String, format: Option<String> },
    /// A regular expression whose first group holds the port; every match is synced.
    Pattern(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SyncTarget {
    /// Relative to the project root.
    pub file: String,
    pub locator: Locator,
    /// The registry path whose port the file holds.
    pub port: String,
    pub(crate) span: Option<Span>,
}

const FORMATS: &[&str] = &["yaml", "json", "toml", "env"];

pub(crate) fn parse(node: &Node) -> Result<Vec<SyncTarget>, Vec<Diagnostic>> {
    let mut p = Reader::new(node.span);
    let mut out = Vec::new();
    match &node.data {
        Data::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let what = format!("sync[{i}]");
                let Some(a) = p.keyed(item, &what, &["file", "key", "pattern", "format", "port"]) else {
                    continue;
                };
                let file = field(a, "file").and_then(|v| p.string(v, "file"));
                let port = field(a, "port").and_then(|v| p.string(v, "port"));
                let key = field(a, "key").and_then(|v| p.string(v, "key"));
                let pattern = field(a, "pattern").and_then(|v| p.string(v, "pattern"));
                let format =
                    field(a, "format").and_then(|v| p.one_of(v, "format", FORMATS, |w| w).map(String::from));
                let span = item.span;
                let (Some(file), Some(port)) = (file, port) else {
                    p.fail_at(
                        span,
                        format!("{what} needs `file` and `port`"),
                        "write { file = \"...\"; key = \"...\"; port = \"registry.path\"; }",
                    );
                    continue;
                };
                let locator = match (key, pattern) {
                    (Some(key), None) => Locator::Key { key, format },
                    (None, Some(pattern)) if format.is_none() => Locator::Pattern(pattern),
                    (None, Some(_)) => {
                        p.fail_at(
                            span,
                            format!("{what} has a `pattern` and a `format`"),
                            "a pattern reads any text: drop `format`",
                        );
                        continue;
                    }
                    (Some(_), Some(_)) => {
                        p.fail_at(
                            span,
                            format!("{what} has both `key` and `pattern`"),
                            "a target is found by one of them",
                        );
                        continue;
                    }
                    (None, None) => {
                        p.fail_at(
                            span,
                            format!("{what} needs a `key` (YAML, JSON, TOML, .env) or a `pattern`"),
                            "",
                        );
                        continue;
                    }
                };
                out.push(SyncTarget { file, locator, port, span });
            }
        }
        other => {
            p.fail_at(node.span, format!("sync must be a list of targets, not {}", other.describe()), "")
        }
    }
    p.errors.extend(one_value_twice(&out));
    if p.errors.is_empty() { Ok(out) } else { Err(p.errors) }
}

/// `a/./b.yaml` and `a/b.yaml` are one file.
fn normal(file: &str) -> String {
    file.split('/').filter(|c| !c.is_empty() && *c != ".").collect::<Vec<_>>().join("/")
}

/// Two targets that write one value: applied one after the other the last would win, and
/// `sync --check` would pass on a file that says one of two ports. A config error naming both.
fn one_value_twice(targets: &[SyncTarget]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (j, b) in targets.iter().enumerate() {
        let Some((i, a)) = targets[..j]
            .iter()
            .enumerate()
            .find(|(_, a)| normal(&a.file) == normal(&b.file) && a.locator == b.locator)
        else {
            continue;
        };
        let what = match &b.locator {
            Locator::Key { key, .. } => format!("`{key}`"),
            Locator::Pattern(p) => format!("the pattern '{p}'"),
        };
        let mut d = Diagnostic::new(
            crate::diagnostic::Code::ConfigError,
            format!("sync[{i}] and sync[{j}] both write {what} in {} ({} and {})", b.file, a.port, b.port),
        )
        .with_hint("a value holds one port: give each target its own file or key (a `map` over environments needs the environment in the file name)");
        d.span = b.span;
        if let Some(span) = a.span {
            d = d.with_label(span, format!("sync[{i}] writes it too"));
        }
        out.push(d);
    }
    out
}
