//! `process-config`: processes that process-compose would refuse to load, or would load and
//! never start, as its own loader decides (`src/loader/validators.go`): a readiness probe
//! beside `ready_log_line`, a dependency cycle, a dependency that names no process, a
//! `process_healthy` dependency on a process without a probe, a `process_log_ready` one on a
//! process without `ready_log_line`; and what portnix cannot write: a probe with no port to
//! probe, a path in `serves` or `uses` that is not a port of the registry, an `environment`
//! name that would become another variable (`"DB_URL=postgres"` is written `DB_URL=postgres=...`,
//! which the process reads as `DB_URL`).
//!
//! Why: `portnix gen process-compose` would write a file that fails at `process-compose up`,
//! or one whose dependent processes wait forever.
//!
//! Example: `web.depends_on.api = "process_healthy";` with no `readiness` on `api`.

use super::super::{Context, Finding};
use crate::diagnostic::Code;
use crate::registry::Protocol;
use crate::registry::processes::{Check, Condition, Probe, Process};

fn error(p: &Process, message: String, hint: &str) -> Finding {
    Finding::new(Code::ProcessConfig, message, Vec::new()).at(p.span).hint(hint)
}

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    let procs = &ctx.config.processes;
    if procs.is_empty() {
        return;
    }
    let find = |name: &str| procs.iter().find(|p| p.name == name);
    for p in procs {
        paths(ctx, p, out);
        environment(p, out);
        for (probe, what) in [(&p.readiness, "readiness"), (&p.liveness, "liveness")] {
            if let Some(probe) = probe {
                probed(ctx, p, probe, what, out);
            }
        }
        if let (Some(probe), Some((_, line_span))) = (&p.readiness, &p.ready_log_line) {
            out.push(
                error(
                    p,
                    format!("processes.{}: `readiness` and `ready_log_line` cannot go together", p.name),
                    "process-compose refuses to load a process with both: keep one",
                )
                .at(probe.span)
                .label(*line_span, "ready_log_line is here"),
            );
        }
        for dep in &p.depends_on {
            let Some(d) = find(&dep.process) else {
                let names = procs.iter().map(|q| q.name.as_str());
                let hint = match crate::suggest::nearest(&dep.process, names) {
                    Some(s) => format!("did you mean '{s}'?"),
                    None => "depends_on names other entries of `processes`".into(),
                };
                out.push(
                    error(
                        p,
                        format!("processes.{} depends on '{}', which is not a process", p.name, dep.process),
                        &hint,
                    )
                    .at(dep.span),
                );
                continue;
            };
            let why = match dep.condition {
                Condition::Healthy if d.readiness.is_none() && d.liveness.is_none() => Some(format!(
                    "processes.{} waits for {} to be healthy, but {} has no readiness or liveness probe",
                    p.name, d.name, d.name
                )),
                Condition::LogReady if d.ready_log_line.is_none() => Some(format!(
                    "processes.{} waits for {}'s ready log line, but {} has no ready_log_line",
                    p.name, d.name, d.name
                )),
                _ => None,
            };
            if let Some(why) = why {
                out.push(
                    error(
                        p,
                        why,
                        "give the dependency what the condition waits for, or wait for process_started",
                    )
                    .at(dep.span),
                );
            }
            if d.disabled == Some(true) && p.disabled != Some(true) {
                out.push(
                    Finding::new(
                        Code::DisabledDependency,
                        format!("processes.{} depends on {}, which is disabled", p.name, d.name),
                        Vec::new(),
                    )
                    .at(dep.span)
                    .hint("process-compose will not start it for this process"),
                );
            }
        }
    }
    cycles(procs, out);
}

fn paths(ctx: &Context, p: &Process, out: &mut Vec<Finding>) {
    for (list, what) in [(&p.serves, "serves"), (&p.uses, "uses")] {
        for path in list {
            match crate::query::get(ctx.project, path) {
                Ok(found) => {
                    for e in found.into_iter().filter(|e| e.interval().is_none()) {
                        out.push(error(
                            p,
                            format!("processes.{} {what} {}, which is not a valid port", p.name, e.name),
                            "fix the entry's port",
                        ));
                    }
                }
                Err(near) => {
                    let hint = near.map_or("`serves` and `uses` list registry paths".into(), |n| {
                        format!("did you mean \"{n}\"?")
                    });
                    out.push(error(
                        p,
                        format!("processes.{} {what} '{path}', which is not in the registry", p.name),
                        &hint,
                    ));
                }
            }
        }
    }
}

/// A probe that checks a port needs one: an `entry`, or a served port.
fn probed(ctx: &Context, p: &Process, probe: &Probe, what: &str, out: &mut Vec<Finding>) {
    if matches!(probe.check, Check::Exec { .. }) {
        return;
    }
    let target = probe.entry.as_deref().or(p.serves.first().map(String::as_str));
    let Some(path) = target else {
        out.push(
            error(
                p,
                format!("processes.{}: the {what} probe has no port to probe", p.name),
                "serve a registry entry, name one with `entry`, or probe with `exec`",
            )
            .at(probe.span),
        );
        return;
    };
    if let Ok(found) = crate::query::get(ctx.project, path) {
        let e = found[0];
        if found.len() > 1 {
            out.push(
                error(
                    p,
                    format!(
                        "processes.{}: the {what} probe targets {path}, a list of {} ports, not one port",
                        p.name,
                        found.len()
                    ),
                    &format!("name one item with `entry`: \"{}\"", e.name),
                )
                .at(probe.span),
            );
        } else if e.interval().is_some_and(|(f, t)| f != t) {
            out.push(
                error(
                    p,
                    format!(
                        "processes.{}: the {what} probe targets {}, a range, not one port",
                        p.name, e.name
                    ),
                    "name a single port with `entry`",
                )
                .at(probe.span),
            );
        } else if e.meta.protocol == Protocol::Udp {
            out.push(
                error(
                    p,
                    format!("processes.{}: cannot probe {} over udp", p.name, e.name),
                    "probe a tcp entry, or probe with `exec`",
                )
                .at(probe.span),
            );
        }
    } else if probe.entry.is_some() {
        out.push(
            error(
                p,
                format!("processes.{}: the {what} probe's entry '{path}' is not in the registry", p.name),
                "name a registry path",
            )
            .at(probe.span),
        );
    }
}

/// Every dependency cycle, once, named from its first process in name order.
fn cycles(procs: &[Process], out: &mut Vec<Finding>) {
    let index = |name: &str| procs.iter().position(|p| p.name == name);
    let mut reported: Vec<Vec<usize>> = Vec::new();
    for start in 0..procs.len() {
        // Depth-first from `start`, looking for a path back to it.
        let mut stack = vec![(start, 0usize)];
        let mut path = vec![start];
        while let Some((node, next)) = stack.pop() {
            let deps = &procs[node].depends_on;
            if next < deps.len() {
                stack.push((node, next + 1));
                let Some(d) = index(&deps[next].process) else { continue };
                if d == start {
                    let mut cycle = path.clone();
                    let min = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|&(_, &i)| &procs[i].name)
                        .map(|(k, _)| k)
                        .unwrap_or(0);
                    cycle.rotate_left(min);
                    if !reported.contains(&cycle) {
                        let names: Vec<&str> = cycle
                            .iter()
                            .chain(std::iter::once(&cycle[0]))
                            .map(|&i| procs[i].name.as_str())
                            .collect();
                        let p = &procs[cycle[0]];
                        out.push(error(
                            p,
                            format!("processes depend on each other in a cycle: {}", names.join(" -> ")),
                            "process-compose refuses to load a dependency cycle: drop one of its depends_on",
                        ));
                        reported.push(cycle);
                    }
                } else if !path.contains(&d) && d > start {
                    path.push(d);
                    stack.push((d, 0));
                }
            } else {
                path.pop();
            }
        }
    }
}

/// process-compose hands each `NAME=value` to the process as it is: the first `=` ends the
/// name, so a name with `=` sets another variable, and one with whitespace or NUL is not a
/// name a shell or `getenv` can ask for.
fn environment(p: &Process, out: &mut Vec<Finding>) {
    for (name, _, span) in &p.environment {
        let why = if name.is_empty() {
            "is empty"
        } else if name.contains('=') {
            "holds `=`, so the process would read the part before it as the name"
        } else if name.contains('\0') {
            "holds a NUL byte, which no environment can carry"
        } else if name.chars().any(char::is_whitespace) {
            "holds whitespace, which no shell or getenv can ask for"
        } else {
            continue;
        };
        let mut f = error(
            p,
            format!("processes.{}.environment: the name {:?} {why}", p.name, name),
            "an environment name is letters, digits and `_`: put the rest in the value",
        );
        if let Some(span) = span {
            f = f.at(Some(*span));
        }
        out.push(f);
    }
}
