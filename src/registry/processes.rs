//! `processes` in the config: what `portnix gen process-compose` writes. Keys follow
//! process-compose's own names where they mean the same; `serves`, `uses`, `readiness` and
//! `liveness` are portnix's, since the ports they probe come from the registry.

use super::data::{Data, Node};
use super::reader::{Reader, field};
use crate::diagnostic::{Diagnostic, Span};

super::words::words! {
    /// What a process waits for in a process it `depends_on`: process-compose's conditions.
    Condition {
        Started = "process_started",
        Healthy = "process_healthy",
        Completed = "process_completed",
        CompletedSuccessfully = "process_completed_successfully",
        LogReady = "process_log_ready",
    }
}

super::words::words! {
    /// process-compose's restart policies.
    Restart {
        Always = "always",
        OnFailure = "on_failure",
        ExitOnFailure = "exit_on_failure",
        No = "no",
    }
}
const KEYS: &[&str] = &[
    "command",
    "serves",
    "uses",
    "readiness",
    "liveness",
    "depends_on",
    "availability",
    "shutdown",
    "environment",
    "env_file",
    "working_dir",
    "log_location",
    "namespace",
    "is_daemon",
    "disabled",
    "ready_log_line",
    "description",
];
const PROBE_KEYS: &[&str] = &[
    "path",
    "scheme",
    "host",
    "entry",
    "exec",
    "initial_delay_seconds",
    "period_seconds",
    "timeout_seconds",
    "success_threshold",
    "failure_threshold",
];

/// What a probe asks.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// An HTTP GET of `path` on the probed port.
    Http { path: String, scheme: Option<String> },
    /// A TCP connect to the probed port.
    Tcp,
    /// A command that exits 0 when the process is ready; it needs no port.
    Exec { command: String, working_dir: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Timing {
    pub(crate) initial_delay_seconds: Option<i64>,
    pub(crate) period_seconds: Option<i64>,
    pub(crate) timeout_seconds: Option<i64>,
    pub(crate) success_threshold: Option<i64>,
    pub(crate) failure_threshold: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub check: Check,
    /// Which registry entry's port to probe; the first served one by default.
    pub entry: Option<String>,
    /// Where to connect; `localhost` by default, which reaches a server bound to 127.0.0.1
    /// and one bound to ::1 alike.
    pub(crate) host: Option<String>,
    pub(crate) timing: Timing,
    pub(crate) span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Availability {
    pub(crate) restart: Option<Restart>,
    pub(crate) max_restarts: Option<i64>,
    pub(crate) backoff_seconds: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Shutdown {
    pub(crate) signal: Option<i64>,
    pub(crate) timeout_seconds: Option<i64>,
    pub(crate) command: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    pub process: String,
    pub(crate) condition: Condition,
    pub(crate) span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    pub name: String,
    pub command: String,
    pub serves: Vec<String>,
    /// Registry entries the process connects to: it gets their ports in its environment.
    pub uses: Vec<String>,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    /// Sorted by process.
    pub depends_on: Vec<Dependency>,
    pub(crate) availability: Option<Availability>,
    pub(crate) shutdown: Option<Shutdown>,
    /// (name, value, where the name is given).
    pub(crate) environment: Vec<(String, String, Option<Span>)>,
    pub(crate) env_file: Option<String>,
    pub(crate) working_dir: Option<String>,
    pub log_location: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) is_daemon: Option<bool>,
    pub(crate) disabled: Option<bool>,
    pub(crate) ready_log_line: Option<(String, Option<Span>)>,
    pub description: Option<String>,
    pub(crate) span: Option<Span>,
}

impl Process {
    /// Its own environment's names and values, in order.
    pub fn environment(&self) -> impl Iterator<Item = (&str, &str)> {
        self.environment.iter().map(|(k, v, _)| (k.as_str(), v.as_str()))
    }
}

impl Reader {
    pub(crate) fn paths(&mut self, n: &Node, what: &str) -> Vec<String> {
        match &n.data {
            Data::List(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            other => {
                self.fail_at(n.span, format!("{what} must be a list of paths, not {}", other.describe()), "");
                Vec::new()
            }
        }
    }

    fn probe(&mut self, n: &Node, what: &str) -> Option<Probe> {
        let a = self.keyed(n, what, PROBE_KEYS)?;
        let opt_str = |p: &mut Self, k: &str| field(a, k).and_then(|v| p.string(v, k));
        let opt_int = |p: &mut Self, k: &str| field(a, k).and_then(|v| p.count(v, k));
        let path = opt_str(self, "path");
        let scheme = field(a, "scheme")
            .and_then(|v| self.one_of(v, "scheme", &["http", "https"], |w| w).map(String::from));
        let exec = field(a, "exec").and_then(|v| match &v.data {
            Data::Str(command) => Some(Check::Exec { command: command.clone(), working_dir: None }),
            Data::Set(_) => {
                let e = self.keyed(v, &format!("{what}.exec"), &["command", "working_dir"])?;
                let command = match field(e, "command") {
                    Some(c) => self.string(c, "exec.command")?,
                    None => {
                        self.fail_at(
                            v.span,
                            format!("{what}.exec needs a command"),
                            "write exec.command = \"...\";",
                        );
                        return None;
                    }
                };
                let working_dir = field(e, "working_dir").and_then(|w| self.string(w, "exec.working_dir"));
                Some(Check::Exec { command, working_dir })
            }
            other => {
                self.fail_at(
                    v.span,
                    format!("{what}.exec must be a command or {{ command; }}, not {}", other.describe()),
                    "",
                );
                None
            }
        });
        let check = match (exec, path) {
            (Some(_), Some(_)) => {
                self.fail_at(
                    n.span,
                    format!("{what} has both `exec` and `path`"),
                    "a probe runs a command or fetches a path, not both",
                );
                return None;
            }
            (Some(exec), None) => exec,
            (None, Some(path)) => Check::Http { path, scheme },
            (None, None) => Check::Tcp,
        };
        Some(Probe {
            check,
            entry: opt_str(self, "entry"),
            host: opt_str(self, "host"),
            timing: Timing {
                initial_delay_seconds: opt_int(self, "initial_delay_seconds"),
                period_seconds: opt_int(self, "period_seconds"),
                timeout_seconds: opt_int(self, "timeout_seconds"),
                success_threshold: opt_int(self, "success_threshold"),
                failure_threshold: opt_int(self, "failure_threshold"),
            },
            span: n.span,
        })
    }

    fn process(&mut self, name: &str, node: &Node) -> Option<Process> {
        let attrs = self.keyed(node, &format!("processes.{name}"), KEYS)?;
        let get = |k: &str| field(attrs, k);
        // Without a usable command there is no process, but the rest is still read, so that
        // every mistake in it is reported at once.
        let command = match get("command") {
            Some(c) => self.string(c, "command"),
            None => {
                self.fail_at(node.span, format!("processes.{name} has no command"), "add command = \"...\";");
                None
            }
        };
        let serves = get("serves").map(|s| self.paths(s, "serves")).unwrap_or_default();
        let uses = get("uses").map(|s| self.paths(s, "uses")).unwrap_or_default();
        let readiness = get("readiness").and_then(|r| self.probe(r, "readiness"));
        let liveness = get("liveness").and_then(|r| self.probe(r, "liveness"));
        let mut depends_on = Vec::new();
        if let Some(d) = get("depends_on")
            && let Some(deps) = self.set(d, "depends_on")
        {
            for (dep, cond) in deps {
                if let Some(condition) = self.one_of(cond, "condition", Condition::ALL, Condition::as_str) {
                    depends_on.push(Dependency { process: dep.to_string(), condition, span: cond.span });
                }
            }
        }
        depends_on.sort_by(|a, b| a.process.cmp(&b.process));
        let availability = get("availability").and_then(|a| {
            let f = self.keyed(a, "availability", &["restart", "max_restarts", "backoff_seconds"])?;
            Some(Availability {
                restart: field(f, "restart")
                    .and_then(|v| self.one_of(v, "restart", Restart::ALL, Restart::as_str)),
                max_restarts: field(f, "max_restarts").and_then(|v| self.count(v, "max_restarts")),
                backoff_seconds: field(f, "backoff_seconds").and_then(|v| self.count(v, "backoff_seconds")),
            })
        });
        let shutdown = get("shutdown").and_then(|s| {
            let f = self.keyed(s, "shutdown", &["signal", "timeout_seconds", "command"])?;
            Some(Shutdown {
                signal: field(f, "signal").and_then(|v| self.count(v, "signal")),
                timeout_seconds: field(f, "timeout_seconds").and_then(|v| self.count(v, "timeout_seconds")),
                command: field(f, "command").and_then(|v| self.string(v, "shutdown.command")),
            })
        });
        let mut environment = Vec::new();
        if let Some(e) = get("environment")
            && let Some(vars) = self.set(e, "environment")
        {
            for (k, v) in vars {
                let value = match &v.data {
                    Data::Int(i) => Some(i.to_string()),
                    _ => self.string(v, &format!("environment.{k}")),
                };
                if let Some(value) = value {
                    environment.push((k.to_string(), value, v.span));
                }
            }
        }
        let opt_str = |p: &mut Self, k: &str| get(k).and_then(|v| p.string(v, k));
        let opt_bool = |p: &mut Self, k: &str| get(k).and_then(|v| p.bool(v, k));
        let process = Process {
            name: name.to_string(),
            command: command.clone().unwrap_or_default(),
            serves,
            uses,
            readiness,
            liveness,
            depends_on,
            availability,
            shutdown,
            environment,
            env_file: opt_str(self, "env_file"),
            working_dir: opt_str(self, "working_dir"),
            log_location: opt_str(self, "log_location"),
            namespace: opt_str(self, "namespace"),
            is_daemon: opt_bool(self, "is_daemon"),
            disabled: opt_bool(self, "disabled"),
            ready_log_line: get("ready_log_line")
                .and_then(|v| Some((self.string(v, "ready_log_line")?, v.span))),
            description: opt_str(self, "description"),
            span: node.span,
        };
        command.map(|_| process)
    }
}

/// Reads `processes`. What process-compose would refuse to load is `portnix check`'s
/// `process-config` rule, not an error here: the file still loads, and every problem is shown.
pub(crate) fn parse(node: &Node) -> Result<Vec<Process>, Vec<Diagnostic>> {
    let mut p = Reader::new(node.span);
    let mut out = Vec::new();
    if let Some(attrs) = p.set(node, "processes") {
        for (name, def) in attrs {
            if let Some(proc_) = p.process(name, def) {
                out.push(proc_);
            }
        }
    }
    if p.errors.is_empty() { Ok(out) } else { Err(p.errors) }
}
