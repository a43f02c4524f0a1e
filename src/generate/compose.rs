//! A docker compose override file from the config's `compose.services` (or, without them, its
//! `processes`): each one that serves ports becomes a compose service with one `ports:` mapping per served port (host and
//! container port the same, as the seeds' stacks map them), bound to loopback unless `--host`
//! says otherwise, and an `environment` with the ports it serves and uses under their .env
//! names. It is an override, read beside the team's own compose file (`docker compose -f
//! compose.yaml -f compose.ports.yaml up`): images and builds stay the team's.
//!
//! With `--env-vars` every port is written as the variable `portnix gen env` exports
//! (`${API_PORT:?...}`), so a per-environment .env decides the numbers and compose refuses to
//! start when one is missing instead of publishing an empty port. With `--per` too, the names
//! are those of `gen env --per`, alike in every environment: one compose file serves them all.

use std::net::IpAddr;

use super::yaml::{Yaml, write};
use super::{Context, hash_header};
use crate::diagnostic::{Code, Diagnostic};
use crate::registry::{Entry, PortValue, Protocol};

/// Where published ports listen unless `--host` says otherwise: never every interface by
/// accident.
pub(crate) const DEFAULT_HOST: &str = "127.0.0.1";

/// A compose service name as docker compose accepts one.
fn valid_service_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The host part of a mapping: an IPv6 address in brackets, as compose's short syntax reads it.
fn host_part(host: &str) -> Result<String, Diagnostic> {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => Ok(a.to_string()),
        Ok(IpAddr::V6(a)) => Ok(format!("[{a}]")),
        Err(_) => Err(Diagnostic::new(Code::ProcessConfig, format!("--host '{host}' is not an IP address"))
            .with_hint("give the address the ports are published on, such as 127.0.0.1, 0.0.0.0 or ::1")),
    }
}

/// How one port value is written: the number, or the variables that hold it.
struct Written {
    /// `3456` or `9000-9010`, or the same as variable references that stop compose when .env
    /// lacks them.
    port: String,
    /// The same, once the first has stopped compose: plain references.
    again: String,
}

fn written(e: &Entry, names: &[(String, i64)], env_vars: bool, per: bool) -> Option<Written> {
    let missing = if per {
        "pass an --env-file that portnix gen env --per wrote"
    } else {
        "run portnix gen env -o .env"
    };
    let reference = |name: &str| format!("${{{name}:?{missing}}}");
    let plain = |name: &str| format!("${{{name}}}");
    let (port, again) = match (&e.value, names) {
        (PortValue::Port(_), [(n, _)]) if env_vars => (reference(n), plain(n)),
        (PortValue::Port(p), [_]) => (p.get().to_string(), p.get().to_string()),
        (PortValue::Range(_), [(from, _), (to, _)]) if env_vars => {
            (format!("{}-{}", reference(from), reference(to)), format!("{}-{}", plain(from), plain(to)))
        }
        (PortValue::Range(r), [_, _]) => {
            let text = format!("{}-{}", r.from(), r.to());
            (text.clone(), text)
        }
        _ => return None,
    };
    Some(Written { port, again })
}

/// Each service: its name, where it is defined, the entries it serves, and those whose ports
/// its environment gets (what it serves, then what it uses; a process also gets those of
/// what it `depends_on`), sorted by name.
type Source<'p> = (String, Option<crate::diagnostic::Span>, Vec<&'p Entry>, Vec<&'p Entry>);

fn sources<'p>(ctx: &Context<'p>, errors: &mut Vec<Diagnostic>) -> Vec<Source<'p>> {
    let config = &ctx.project.config;
    let mut out: Vec<Source<'p>> = match &config.compose {
        Some(c) => c
            .services
            .iter()
            .map(|s| {
                let served = serves(ctx, &s.name, s.span, &s.serves, "serves", errors);
                let mut used = served.clone();
                used.extend(serves(ctx, &s.name, s.span, &s.uses, "uses", errors));
                (s.name.clone(), s.span, served, used)
            })
            .collect(),
        None => config
            .processes
            .iter()
            .map(|p| {
                let served = super::process_compose::entries(ctx, p, &p.serves, "serves", errors);
                let mut used = served.clone();
                for dep in &p.depends_on {
                    if let Some(d) = config.processes.iter().find(|q| q.name == dep.process) {
                        used.extend(super::process_compose::entries(
                            ctx,
                            d,
                            &d.serves,
                            "serves",
                            &mut Vec::new(),
                        ));
                    }
                }
                used.extend(super::process_compose::entries(ctx, p, &p.uses, "uses", errors));
                (p.name.clone(), p.span, served, used)
            })
            .collect(),
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, _, served, _) in &mut out {
        served.sort_by(|a, b| (a.interval(), &a.name).cmp(&(b.interval(), &b.name)));
        served.dedup_by(|a, b| std::ptr::eq(*a, *b));
    }
    out
}

/// The valid entries `paths` name, for a compose service. A path with `*` names every entry it
/// matches that `--only` selects, so one service definition serves each environment's file
/// (`serves = [ "*.pourtier" ]` with `--only development`).
fn serves<'p>(
    ctx: &Context<'p>,
    name: &str,
    span: Option<crate::diagnostic::Span>,
    paths: &[String],
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<&'p Entry> {
    let mut out = Vec::new();
    for path in paths {
        let problem = if path.split('.').any(|s| s == "*") {
            let pattern = crate::registry::path::Pattern::parse(path);
            let matched: Vec<&Entry> = ctx
                .project
                .entries
                .iter()
                .filter(|e| pattern.as_ref().is_some_and(|p| p.matches_exact(&e.path)))
                .collect();
            let only = |e: &&Entry| ctx.options.only.as_ref().is_none_or(|o| o.matches_prefix(&e.path));
            out.extend(matched.iter().copied().filter(only).filter(|e| e.interval().is_some()));
            matched
                .is_empty()
                .then(|| format!("compose.services.{name} {what} '{path}', which matches no entry"))
        } else {
            match crate::query::get(ctx.project, path) {
                Ok(found) => {
                    let (valid, invalid): (Vec<&Entry>, Vec<&Entry>) =
                        found.into_iter().partition(|e| e.interval().is_some());
                    out.extend(valid);
                    invalid.first().map(|e| {
                        format!("compose.services.{name} {what} {}, which is not a valid port", e.name)
                    })
                }
                Err(_) => {
                    Some(format!("compose.services.{name} {what} '{path}', which is not in the registry"))
                }
            }
        };
        if let Some(message) = problem {
            let mut d = Diagnostic::new(Code::ProcessConfig, message).with_hint(
                "`serves` and `uses` list registry paths (`portnix ls` shows them); `*` matches one segment",
            );
            d.span = span;
            errors.push(d);
        }
    }
    out
}

pub(crate) fn generate(ctx: &Context) -> Result<String, Vec<Diagnostic>> {
    let opts = ctx.options;
    let compose = ctx.project.config.compose.as_ref();
    let host = opts.host.as_deref().or(compose.and_then(|c| c.host.as_deref())).unwrap_or(DEFAULT_HOST);
    let host = host_part(host).map_err(|d| vec![d])?;
    let all = ctx.entries();
    let vars = crate::registry::env::variables(&all, &opts.prefix, true)
        .map_err(|errors| errors.into_iter().map(|e| e.diagnostic).collect::<Vec<_>>())?;
    // A range's two variables in the order from, to: compose silently publishes nothing for
    // `9103-9100`.
    // With --per, the names `gen env --per` gives: the same in every environment's file.
    let per = opts.per.as_ref().map(|p| (p, p.specificity().0));
    let names_of = |e: &Entry| -> Vec<(String, i64)> {
        if let Some((pattern, depth)) = per
            && e.path.len() > depth
            && pattern.matches_prefix(&e.path)
        {
            return super::env::per_variables(e, depth, &opts.prefix);
        }
        let mut names: Vec<(String, i64)> =
            vars.iter().filter(|v| std::ptr::eq(v.entry, e)).map(|v| (v.name.clone(), v.value)).collect();
        names.sort_by_key(|(_, value)| *value);
        names
    };
    let mut errors = Vec::new();
    let mut services = Vec::new();
    for (name, span, served, used) in sources(ctx, &mut errors) {
        if served.is_empty() {
            continue;
        }
        if !valid_service_name(&name) {
            let mut d = Diagnostic::new(
                Code::ProcessConfig,
                format!("'{name}' cannot be a docker compose service: the name has characters compose refuses"),
            )
            .with_hint("compose service names are letters, digits, `_`, `.` and `-`, starting with a letter or digit");
            d.span = span;
            errors.push(d);
            continue;
        }
        let mut ports = Vec::new();
        for e in &served {
            let Some(w) = written(e, &names_of(e), opts.env_vars, per.is_some()) else { continue };
            let suffixes: &[&str] = match e.meta.protocol {
                Protocol::Tcp => &[""],
                Protocol::Udp => &["/udp"],
                Protocol::Both => &["", "/udp"],
            };
            for suffix in suffixes {
                let mapping = format!("{host}:{}:{}{suffix}", w.port, w.again);
                // Every environment's entry is one variable under --per: one mapping.
                if !ports.iter().any(|p| matches!(p, Yaml::Str(m) if *m == mapping)) {
                    ports.push(Yaml::Str(mapping));
                }
            }
        }
        let mut env = std::collections::BTreeMap::new();
        for e in &used {
            for (name, value) in names_of(e) {
                let value = if opts.env_vars { format!("${{{name}}}") } else { value.to_string() };
                env.insert(name, value);
            }
        }
        let mut fields = vec![("ports".to_string(), Yaml::List(ports))];
        if !env.is_empty() {
            fields.push((
                "environment".into(),
                Yaml::Map(env.into_iter().map(|(k, v)| (k, Yaml::Str(v))).collect()),
            ));
        }
        services.push((name, Yaml::Map(fields)));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = hash_header(ctx);
    out.push_str(
        "# An override: docker compose -f compose.yaml -f THIS_FILE up (images stay in compose.yaml).\n",
    );
    write(&mut out, &Yaml::Map(vec![("services".into(), Yaml::Map(services))]), 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{host_part, valid_service_name};

    #[test]
    fn hosts_and_names_as_compose_reads_them() {
        assert_eq!(host_part("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(host_part("::1").unwrap(), "[::1]");
        assert!(host_part("localhost").is_err());
        assert!(valid_service_name("nlp-api") && valid_service_name("web.1"));
        assert!(!valid_service_name("-x") && !valid_service_name("a b") && !valid_service_name(""));
    }
}
