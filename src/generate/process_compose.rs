//! process-compose.yaml from the config's `processes`: commands, one environment variable per
//! served port, readiness probes against those ports, and dependencies.

use super::yaml::{Yaml, write};
use super::{Context, env_name, hash_header};
use crate::diagnostic::Diagnostic;
use crate::registry::{Entry, Protocol};

/// process-compose's own API server listens here unless told otherwise.
pub const API_PORT: i64 = 8080;

fn s(v: impl Into<String>) -> Yaml {
    Yaml::Str(v.into())
}

pub fn generate(ctx: &mut Context) -> Result<String, Vec<Diagnostic>> {
    let project = ctx.project;
    let mut errors = Vec::new();
    let find = |path: &str| crate::query::get(project, path).ok();
    let mut processes = Vec::new();
    let mut procs: Vec<_> = project.config.processes.iter().collect();
    procs.sort_by(|a, b| a.name.cmp(&b.name));
    for p in procs {
        let mut served: Vec<&Entry> = Vec::new();
        for path in &p.serves {
            match find(path) {
                Some(e) if e.interval().is_some() => served.push(e),
                Some(e) => errors.push(located(
                    p.span,
                    format!("processes.{} serves {}, which is not a valid port", p.name, e.name),
                )),
                None => errors.push(located(
                    p.span,
                    format!("processes.{} serves '{path}', which is not in the registry", p.name),
                )),
            }
        }
        let mut fields: Vec<(String, Yaml)> = vec![("command".into(), s(&p.command))];
        if let Some(d) = &p.description {
            fields.push(("description".into(), s(d)));
        }
        if let Some(w) = &p.working_dir {
            fields.push(("working_dir".into(), s(w)));
        }
        if let Some(d) = p.is_daemon {
            fields.push(("is_daemon".into(), Yaml::Bool(d)));
        }
        let mut env: Vec<String> = served
            .iter()
            .filter_map(|e| e.interval().filter(|(f, t)| f == t).map(|(f, _)| format!("{}={f}", env_name(e))))
            .collect();
        env.extend(p.environment.iter().map(|(k, v)| format!("{k}={v}")));
        env.sort();
        if !env.is_empty() {
            fields.push(("environment".into(), Yaml::List(env.into_iter().map(Yaml::Str).collect())));
        }
        if let Some(line) = &p.ready_log_line {
            fields.push(("ready_log_line".into(), s(line)));
        }
        if let Some(r) = &p.readiness {
            let target = match &r.entry {
                Some(path) => served.iter().copied().find(|e| &e.name == path),
                None => served.first().copied(),
            };
            match target.and_then(|e| e.interval().map(|(port, _)| (e, port))) {
                None => errors.push(located(
                    p.span,
                    format!("processes.{} has a readiness check but serves no port to probe", p.name),
                )),
                Some((e, port)) => {
                    if e.meta.protocol == Protocol::Udp {
                        errors.push(located(
                            p.span,
                            format!("processes.{}: cannot probe {} over udp", p.name, e.name),
                        ));
                    }
                    let check = match &r.path {
                        Some(path) => (
                            "http_get".to_string(),
                            Yaml::Map(vec![
                                ("host".into(), s("127.0.0.1")),
                                ("scheme".into(), s("http")),
                                ("path".into(), s(path)),
                                ("num_port".into(), Yaml::Int(port)),
                            ]),
                        ),
                        None => (
                            "exec".to_string(),
                            Yaml::Map(vec![(
                                "command".into(),
                                s(format!("bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}'")),
                            )]),
                        ),
                    };
                    let mut probe = vec![check];
                    if let Some(d) = r.initial_delay_seconds {
                        probe.push(("initial_delay_seconds".into(), Yaml::Int(d)));
                    }
                    if let Some(d) = r.period_seconds {
                        probe.push(("period_seconds".into(), Yaml::Int(d)));
                    }
                    fields.push(("readiness_probe".into(), Yaml::Map(probe)));
                }
            }
        }
        if !p.depends_on.is_empty() {
            let mut deps = p.depends_on.clone();
            deps.sort();
            let map = deps
                .into_iter()
                .map(|(name, cond)| (name, Yaml::Map(vec![("condition".into(), Yaml::Str(cond))])))
                .collect();
            fields.push(("depends_on".into(), Yaml::Map(map)));
        }
        if let Some(a) = &p.availability {
            let mut av = Vec::new();
            if let Some(r) = &a.restart {
                av.push(("restart".into(), s(r)));
            }
            if let Some(n) = a.backoff_seconds {
                av.push(("backoff_seconds".into(), Yaml::Int(n)));
            }
            if let Some(n) = a.max_restarts {
                av.push(("max_restarts".into(), Yaml::Int(n)));
            }
            fields.push(("availability".into(), Yaml::Map(av)));
        }
        processes.push((p.name.clone(), Yaml::Map(fields)));
    }
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
    write(
        &mut out,
        &Yaml::Map(vec![("version".into(), s("0.5")), ("processes".into(), Yaml::Map(processes))]),
        0,
    );
    Ok(out)
}

fn located(span: Option<crate::diagnostic::Span>, msg: String) -> Diagnostic {
    let mut d = Diagnostic::error("process-config", msg)
        .with_hint("`serves` lists registry paths; readiness probes need a tcp port to probe");
    d.span = span;
    d
}
