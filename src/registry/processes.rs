//! `processes` in the config: what `portnix gen process-compose` writes. Keys follow
//! process-compose's own names where they mean the same; `serves` and `readiness` are portnix's.

use std::rc::Rc;

use super::data::{Data, Node};
use crate::diagnostic::{Diagnostic, Span};

pub const CONDITIONS: &[&str] = &[
    "process_started",
    "process_healthy",
    "process_completed",
    "process_completed_successfully",
    "process_log_ready",
];
pub const RESTART: &[&str] = &["always", "on_failure", "exit_on_failure", "no"];
const KEYS: &[&str] = &[
    "command",
    "serves",
    "readiness",
    "depends_on",
    "availability",
    "environment",
    "working_dir",
    "is_daemon",
    "ready_log_line",
    "description",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Readiness {
    /// An HTTP path to GET; without one, a TCP connect check.
    pub path: Option<String>,
    /// Which served entry to probe; the first one by default.
    pub entry: Option<String>,
    pub initial_delay_seconds: Option<i64>,
    pub period_seconds: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Availability {
    pub restart: Option<String>,
    pub max_restarts: Option<i64>,
    pub backoff_seconds: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    pub name: String,
    pub command: String,
    pub serves: Vec<String>,
    pub readiness: Option<Readiness>,
    /// (process, condition), sorted by process.
    pub depends_on: Vec<(String, String)>,
    pub availability: Option<Availability>,
    pub environment: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub is_daemon: Option<bool>,
    pub ready_log_line: Option<String>,
    pub description: Option<String>,
    pub span: Option<Span>,
}

struct P {
    errors: Vec<Diagnostic>,
}

impl P {
    fn fail(&mut self, span: Option<Span>, msg: String, hint: &str) {
        let mut d = Diagnostic::error("config-error", msg).with_hint(hint);
        d.span = span;
        self.errors.push(d);
    }

    fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        match &n.data {
            Data::Str(s) => Some(s.clone()),
            other => {
                self.fail(n.span, format!("{what} must be a string, not {}", other.describe()), "quote it");
                None
            }
        }
    }

    fn int(&mut self, n: &Node, what: &str) -> Option<i64> {
        match n.data {
            Data::Int(i) if i >= 0 => Some(i),
            ref other => {
                self.fail(
                    n.span,
                    format!("{what} must be a non-negative integer, not {}", other.describe()),
                    "",
                );
                None
            }
        }
    }

    fn set<'a>(&mut self, n: &'a Node, what: &str, known: &[&str]) -> Option<&'a [(Rc<str>, Node)]> {
        match &n.data {
            Data::Set(attrs) => {
                for (k, v) in attrs {
                    if !known.is_empty() && !known.contains(&&**k) {
                        let hint = match crate::suggest::nearest(k, known.iter().copied()) {
                            Some(s) => format!("did you mean '{s}'? Known keys: {}", known.join(", ")),
                            None => format!("known keys: {}", known.join(", ")),
                        };
                        self.fail(v.span, format!("unknown key '{k}' in {what}"), &hint);
                    }
                }
                Some(attrs)
            }
            other => {
                self.fail(n.span, format!("{what} must be an attribute set, not {}", other.describe()), "");
                None
            }
        }
    }

    fn one_of(&mut self, n: &Node, what: &str, allowed: &[&str]) -> Option<String> {
        let s = self.string(n, what)?;
        if allowed.contains(&s.as_str()) {
            Some(s)
        } else {
            self.fail(n.span, format!("{what} '{s}' is not one of: {}", allowed.join(", ")), "");
            None
        }
    }

    fn process(&mut self, name: &str, node: &Node) -> Option<Process> {
        let attrs = self.set(node, &format!("processes.{name}"), KEYS)?;
        let get = |k: &str| attrs.iter().find(|(n, _)| &**n == k).map(|(_, v)| v);
        let command = match get("command") {
            Some(c) => self.string(c, "command")?,
            None => {
                self.fail(node.span, format!("processes.{name} has no command"), "add command = \"...\";");
                return None;
            }
        };
        let mut serves = Vec::new();
        if let Some(s) = get("serves") {
            match &s.data {
                Data::List(items) => serves = items.iter().filter_map(|i| self.string(i, "serves")).collect(),
                other => {
                    self.fail(s.span, format!("serves must be a list of paths, not {}", other.describe()), "")
                }
            }
        }
        let readiness = get("readiness").and_then(|r| {
            let a =
                self.set(r, "readiness", &["path", "entry", "initial_delay_seconds", "period_seconds"])?;
            let field = |k: &str| a.iter().find(|(n, _)| &**n == k).map(|(_, v)| v);
            Some(Readiness {
                path: field("path").and_then(|v| self.string(v, "path")),
                entry: field("entry").and_then(|v| self.string(v, "entry")),
                initial_delay_seconds: field("initial_delay_seconds")
                    .and_then(|v| self.int(v, "initial_delay_seconds")),
                period_seconds: field("period_seconds").and_then(|v| self.int(v, "period_seconds")),
            })
        });
        let mut depends_on = Vec::new();
        if let Some(d) = get("depends_on")
            && let Some(deps) = self.set(d, "depends_on", &[])
        {
            for (dep, cond) in deps {
                if let Some(c) = self.one_of(cond, "condition", CONDITIONS) {
                    depends_on.push((dep.to_string(), c));
                }
            }
        }
        let availability = get("availability").and_then(|a| {
            let f = self.set(a, "availability", &["restart", "max_restarts", "backoff_seconds"])?;
            let field = |k: &str| f.iter().find(|(n, _)| &**n == k).map(|(_, v)| v);
            Some(Availability {
                restart: field("restart").and_then(|v| self.one_of(v, "restart", RESTART)),
                max_restarts: field("max_restarts").and_then(|v| self.int(v, "max_restarts")),
                backoff_seconds: field("backoff_seconds").and_then(|v| self.int(v, "backoff_seconds")),
            })
        });
        let mut environment = Vec::new();
        if let Some(e) = get("environment")
            && let Some(vars) = self.set(e, "environment", &[])
        {
            for (k, v) in vars {
                let value = match &v.data {
                    Data::Int(i) => Some(i.to_string()),
                    _ => self.string(v, &format!("environment.{k}")),
                };
                if let Some(value) = value {
                    environment.push((k.to_string(), value));
                }
            }
        }
        let opt_str = |p: &mut Self, k: &str| get(k).and_then(|v| p.string(v, k));
        let is_daemon = get("is_daemon").and_then(|v| match v.data {
            Data::Bool(b) => Some(b),
            ref other => {
                self.fail(v.span, format!("is_daemon must be true or false, not {}", other.describe()), "");
                None
            }
        });
        Some(Process {
            name: name.to_string(),
            command,
            serves,
            readiness,
            depends_on,
            availability,
            environment,
            working_dir: opt_str(self, "working_dir"),
            is_daemon,
            ready_log_line: opt_str(self, "ready_log_line"),
            description: opt_str(self, "description"),
            span: node.span,
        })
    }
}

/// Reads `processes`; dependencies must name defined processes.
pub fn parse(node: &Node) -> Result<Vec<Process>, Vec<Diagnostic>> {
    let mut p = P { errors: Vec::new() };
    let mut out = Vec::new();
    if let Some(attrs) = p.set(node, "processes", &[]) {
        for (name, def) in attrs {
            if let Some(proc_) = p.process(name, def) {
                out.push(proc_);
            }
        }
    }
    let names: Vec<String> = out.iter().map(|p| p.name.clone()).collect();
    for proc_ in &out {
        for (dep, _) in &proc_.depends_on {
            if !names.contains(dep) {
                p.fail(
                    proc_.span,
                    format!("processes.{} depends on '{dep}', which is not a process", proc_.name),
                    "depends_on names other entries of `processes`",
                );
            }
        }
    }
    if p.errors.is_empty() { Ok(out) } else { Err(p.errors) }
}
