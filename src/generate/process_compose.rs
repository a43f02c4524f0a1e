//! process-compose.yaml from the config's `processes`, written for the way process-compose
//! reads it at load time (its `src/loader/loader.go` and `src/health/probe.go`):
//! - every `$` is written `$$`: process-compose expands `$VAR` across the whole file from its
//!   own environment before any process runs, and turns `$$` back into `$`, so commands reach
//!   the shell exactly as configured (`$PGDATA` is the process's, at run time);
//! - an HTTP probe's port goes in `port`, the field process-compose derives the probed port from
//!   (`num_port` alone is overwritten with 0, and the probe goes to port 80);
//! - HTTP probes go to `localhost` and TCP checks try 127.0.0.1, then ::1, unless told
//!   otherwise, so a server bound to either loopback address becomes ready.
//!
//! Each process gets, under their env names, the ports it serves, the ports of what it
//! `depends_on` and of what it `uses`.

use super::yaml::{Yaml, write};
use super::{Context, env_name, hash_header};
use crate::diagnostic::{Code, Diagnostic};
use crate::registry::processes::{Check, Probe, Process};
use crate::registry::{Entry, Protocol};

/// process-compose's own API server listens here unless told otherwise.
pub(crate) const API_PORT: i64 = 8080;

/// Where probes connect by default.
pub(crate) const PROBE_HOST: &str = "localhost";

fn s(v: impl Into<String>) -> Yaml {
    Yaml::Str(v.into())
}

fn located(span: Option<crate::diagnostic::Span>, msg: String) -> Diagnostic {
    let mut d = Diagnostic::new(Code::ProcessConfig, msg)
        .with_hint("`serves` and `uses` list registry paths; a port probe needs a tcp port to probe");
    d.span = span;
    d
}

/// The registry entries a list of paths names, each valid.
pub(crate) fn entries<'p>(
    ctx: &Context<'p>,
    p: &Process,
    paths: &[String],
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<&'p Entry> {
    let mut out = Vec::new();
    for path in paths {
        match crate::query::get(ctx.project, path) {
            Ok(found) => {
                for e in found {
                    if e.interval().is_some() {
                        out.push(e);
                    } else {
                        errors.push(located(
                            p.span,
                            format!("processes.{} {what} {}, which is not a valid port", p.name, e.name),
                        ));
                    }
                }
            }
            Err(_) => errors.push(located(
                p.span,
                format!("processes.{} {what} '{path}', which is not in the registry", p.name),
            )),
        }
    }
    out
}

fn probe_yaml(
    ctx: &Context,
    p: &Process,
    probe: &Probe,
    served: &[&Entry],
    errors: &mut Vec<Diagnostic>,
) -> Option<Yaml> {
    let host = probe.host.clone().unwrap_or_else(|| PROBE_HOST.to_string());

    let port = || -> Option<i64> {
        let e = match &probe.entry {
            // A list leaf is several ports: only one of its items can be probed.
            Some(path) => crate::query::get(ctx.project, path).ok().filter(|f| f.len() == 1).map(|f| f[0]),
            None => served.first().copied(),
        };
        match e.and_then(|e| e.interval().filter(|(f, t)| f == t).map(|(f, _)| (e, f))) {
            Some((e, _)) if e.meta.protocol == Protocol::Udp => None,
            Some((_, port)) => Some(port),
            None => None,
        }
    };
    let check = match &probe.check {
        Check::Exec { command, working_dir } => {
            let mut m = vec![("command".to_string(), s(command))];
            if let Some(w) = working_dir {
                m.push(("working_dir".into(), s(w)));
            }
            ("exec".to_string(), Yaml::Map(m))
        }
        Check::Http { path, scheme } => {
            let Some(port) = port() else {
                errors.push(located(
                    probe.span.or(p.span),
                    format!("processes.{}: the probe has no tcp port to probe", p.name),
                ));
                return None;
            };
            let mut m = vec![
                ("host".to_string(), s(&host)),
                ("scheme".into(), s(scheme.as_deref().unwrap_or("http"))),
            ];
            m.push(("path".into(), s(path)));
            m.push(("port".into(), s(port.to_string())));
            ("http_get".to_string(), Yaml::Map(m))
        }
        Check::Tcp => {
            let Some(port) = port() else {
                errors.push(located(
                    probe.span.or(p.span),
                    format!("processes.{}: the probe has no tcp port to probe", p.name),
                ));
                return None;
            };
            // process-compose has no TCP probe: bash's /dev/tcp connects. Without a configured
            // host it tries 127.0.0.1, then ::1, so either loopback binding passes.
            let script = match &probe.host {
                Some(h) => format!(": <>/dev/tcp/{h}/{port}"),
                None => format!(": <>/dev/tcp/127.0.0.1/{port} || : <>/dev/tcp/::1/{port}"),
            };
            let command = format!("bash -c {}", shell_quote(&script));
            ("exec".to_string(), Yaml::Map(vec![("command".into(), s(command))]))
        }
    };
    let mut m = vec![check];
    let t = &probe.timing;
    for (k, v) in [
        ("initial_delay_seconds", t.initial_delay_seconds),
        ("period_seconds", t.period_seconds),
        ("timeout_seconds", t.timeout_seconds),
        ("success_threshold", t.success_threshold),
        ("failure_threshold", t.failure_threshold),
    ] {
        if let Some(v) = v {
            m.push((k.to_string(), Yaml::Int(v)));
        }
    }
    Some(Yaml::Map(m))
}

/// The ports a process needs in its environment, `NAME=PORT`: what it serves, what its
/// dependencies serve, what it uses. Its own `environment` comes last and wins.
fn environment(ctx: &Context, p: &Process, served: &[&Entry], errors: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut ports: Vec<&Entry> = served.to_vec();
    for dep in &p.depends_on {
        if let Some(d) = ctx.project.config.processes.iter().find(|q| q.name == dep.process) {
            ports.extend(entries(ctx, d, &d.serves, "serves", &mut Vec::new()));
        }
    }
    ports.extend(entries(ctx, p, &p.uses, "uses", errors));
    let mut env: std::collections::BTreeMap<String, String> = ports
        .iter()
        .filter_map(|e| e.interval().filter(|(f, t)| f == t).map(|(f, _)| (env_name(e), f.to_string())))
        .collect();
    for (k, v, _) in &p.environment {
        env.insert(k.clone(), v.clone());
    }
    env.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
}

fn process(ctx: &Context, p: &Process, errors: &mut Vec<Diagnostic>) -> Yaml {
    let served = entries(ctx, p, &p.serves, "serves", errors);
    let mut fields: Vec<(String, Yaml)> = vec![("command".into(), s(&p.command))];
    let strings = [
        ("description", &p.description),
        ("working_dir", &p.working_dir),
        ("namespace", &p.namespace),
        ("log_location", &p.log_location),
        ("env_file", &p.env_file),
    ];
    for (k, v) in strings {
        if let Some(v) = v {
            fields.push((k.into(), s(v)));
        }
    }
    for (k, v) in [("is_daemon", p.is_daemon), ("disabled", p.disabled)] {
        if let Some(v) = v {
            fields.push((k.into(), Yaml::Bool(v)));
        }
    }
    let env = environment(ctx, p, &served, errors);
    if !env.is_empty() {
        fields.push(("environment".into(), Yaml::List(env.into_iter().map(Yaml::Str).collect())));
    }
    if let Some((line, _)) = &p.ready_log_line {
        fields.push(("ready_log_line".into(), s(line)));
    }
    for (probe, key) in [(&p.readiness, "readiness_probe"), (&p.liveness, "liveness_probe")] {
        if let Some(y) = probe.as_ref().and_then(|probe| probe_yaml(ctx, p, probe, &served, errors)) {
            fields.push((key.into(), y));
        }
    }
    if !p.depends_on.is_empty() {
        let map = p
            .depends_on
            .iter()
            .map(|d| (d.process.clone(), Yaml::Map(vec![("condition".into(), s(d.condition.as_str()))])))
            .collect();
        fields.push(("depends_on".into(), Yaml::Map(map)));
    }
    if let Some(a) = &p.availability {
        let mut av = Vec::new();
        if let Some(r) = &a.restart {
            av.push(("restart".into(), s(r.as_str())));
        }
        for (k, v) in [("backoff_seconds", a.backoff_seconds), ("max_restarts", a.max_restarts)] {
            if let Some(v) = v {
                av.push((k.into(), Yaml::Int(v)));
            }
        }
        fields.push(("availability".into(), Yaml::Map(av)));
    }
    if let Some(sd) = &p.shutdown {
        let mut m = Vec::new();
        if let Some(c) = &sd.command {
            m.push(("command".into(), s(c)));
        }
        for (k, v) in [("signal", sd.signal), ("timeout_seconds", sd.timeout_seconds)] {
            if let Some(v) = v {
                m.push((k.into(), Yaml::Int(v)));
            }
        }
        fields.push(("shutdown".into(), Yaml::Map(m)));
    }
    Yaml::Map(fields)
}

pub(crate) fn generate(ctx: &mut Context) -> Result<String, Vec<Diagnostic>> {
    let project = ctx.project;
    let mut errors = Vec::new();
    let mut procs: Vec<&Process> = project.config.processes.iter().collect();
    procs.sort_by(|a, b| a.name.cmp(&b.name));
    let processes: Vec<(String, Yaml)> =
        procs.iter().map(|p| (p.name.clone(), process(ctx, p, &mut errors))).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = hash_header(ctx);
    let on_api_port: Vec<&Entry> = project
        .entries
        .iter()
        .filter(|e| {
            e.meta.protocol != Protocol::Udp
                && e.interval().is_some_and(|(f, t)| f <= API_PORT && API_PORT <= t)
        })
        .collect();
    if !on_api_port.is_empty() {
        let names: Vec<&str> = on_api_port.iter().map(|e| e.name.as_str()).collect();
        let note = format!(
            "process-compose's API server listens on {API_PORT} by default, and the registry gives {API_PORT} to {}: \
             start it with `process-compose --port <free port>` (or PC_PORT_NUM=<port>), or `--tui=false --no-server`",
            names.join(", ")
        );
        out.push_str(&format!("# Warning: {note}\n"));
        ctx.warnings.push(note);
    }
    let mut body = String::new();
    write(
        &mut body,
        &Yaml::Map(vec![("version".into(), s("0.5")), ("processes".into(), Yaml::Map(processes))]),
        0,
    );
    out.push_str(&escape_dollars(&body));
    Ok(out)
}

/// One shell word holding `text`, as the probe's shell reads it.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `$` as process-compose reads it back: `$$` is its escape for a literal `$`.
pub(crate) fn escape_dollars(text: &str) -> String {
    text.replace('$', "$$")
}
