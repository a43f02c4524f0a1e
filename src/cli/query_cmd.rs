//! `ls`, `which`, `get` and `free`.

use clap::Args;

use super::error::{CliError, CliResult};
use super::exit;
use super::project_args::{ProjectArgs, pattern_arg};
use crate::diagnostic::Location;
use crate::query;
use crate::registry::Project;

fn location(project: &Project, e: &crate::registry::Entry) -> String {
    e.span.map(|s| Location::of(&project.sources, s).to_string()).unwrap_or_default()
}

#[derive(Args, Debug)]
pub(crate) struct LsArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// Only entries under this dotted path (`*` matches one name).
    pub(crate) pattern: Option<String>,
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn ls(args: LsArgs) -> CliResult {
    {
        let project = args.project.load()?;
        let pat = args.pattern.as_deref().map(pattern_arg).transpose()?;
        let entries = query::list(&project, pat.as_ref());
        if args.json {
            let items: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let (port, range) = match e.interval() {
                        Some((f, t)) if f == t => (serde_json::json!(f), serde_json::Value::Null),
                        Some((f, t)) => (serde_json::Value::Null, serde_json::json!({ "from": f, "to": t })),
                        None => (serde_json::Value::Null, serde_json::Value::Null),
                    };
                    serde_json::json!({
                        "path": e.name,
                        "port": port,
                        "range": range,
                        "protocol": e.meta.protocol,
                        "description": e.meta.description,
                        "owner": e.meta.owner,
                        "status": e.meta.status,
                        "location": e.span.map(|s| Location::of(&project.sources, s)),
                    })
                })
                .collect();
            crate::stdio::out!("{}", crate::report::pretty_json(&items));
            return Ok(exit::OK);
        }
        if entries.is_empty() {
            match &args.pattern {
                Some(p) => crate::stdio::errln!("note: no entry matches '{}'", crate::stdio::escape(p)),
                None => crate::stdio::errln!("note: the registry has no entries"),
            }
        }
        // Owner and status are columns when the registry gives any (seed 000 keeps both).
        let people = entries.iter().any(|e| e.meta.owner.is_some() || e.meta.status.is_some());
        // A cell is one line: a newline or tab inside a name or description is shown escaped.
        let cell = |s: String| {
            if s.contains(['\n', '\t', '\r']) {
                s.replace('\n', "\\n").replace('\t', "\\t").replace('\r', "\\r")
            } else {
                s
            }
        };
        let rows: Vec<[String; 7]> = entries
            .iter()
            .map(|e| {
                [
                    e.value_text(),
                    e.meta.protocol.as_str().to_string(),
                    cell(e.name.clone()),
                    cell(e.meta.description.clone().unwrap_or_default()),
                    cell(e.meta.owner.clone().unwrap_or_default()),
                    cell(e.meta.status.clone().unwrap_or_default()),
                    location(&project, e),
                ]
            })
            .collect();
        let text = if people {
            table(&["PORT", "PROTO", "PATH", "DESCRIPTION", "OWNER", "STATUS", "LOCATION"], &rows)
        } else {
            let rows: Vec<[String; 5]> = rows
                .into_iter()
                .map(|[port, proto, path, desc, _, _, loc]| [port, proto, path, desc, loc])
                .collect();
            table(&["PORT", "PROTO", "PATH", "DESCRIPTION", "LOCATION"], &rows)
        };
        crate::stdio::write_out(&crate::stdio::escape(&text));
        Ok(exit::OK)
    }
}

/// Columns padded to their widest cell, two spaces apart, for people.
pub(super) fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s: String =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect::<Vec<_>>().join("  ");
        s.truncate(s.trim_end().len());
        s + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

#[derive(Args, Debug)]
pub(crate) struct WhichArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// A port number, 1 to 65535.
    #[arg(value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) port: u16,
}

pub(crate) fn which(args: WhichArgs) -> CliResult {
    let project = args.project.load()?;
    let w = query::which(&project, i64::from(args.port));
    for e in &w.claimants {
        crate::stdio::houtln!("{}  {}  {}  {}", args.port, e.name, e.value_text(), location(&project, e));
    }
    // A reserved port is not free, even when no entry claims it.
    if w.claimants.is_empty() && w.reserved.is_empty() {
        match w.ranges.first() {
            Some(r) => {
                crate::stdio::houtln!(
                    "{} is free, in the range for \"{}\" ({}-{})",
                    args.port,
                    r.pattern,
                    r.from,
                    r.to
                )
            }
            None => crate::stdio::outln!("{} is free, and no configured range covers it", args.port),
        }
    }
    for r in &w.reserved {
        let allowed = if r.allow.is_empty() {
            String::new()
        } else {
            format!(
                " (allowed for {})",
                r.allow.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(", ")
            )
        };
        crate::stdio::houtln!("{} is reserved: {}{allowed}", args.port, r.reason);
    }
    Ok(exit::OK)
}

#[derive(Args, Debug)]
pub(crate) struct GetArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The entry's dotted path, e.g. databases.postgresql; a list leaf prints each of its
    /// ports, and `path[1]` one of them.
    pub(crate) path: String,
}

pub(crate) fn get(args: GetArgs) -> CliResult {
    let project = args.project.load()?;
    match query::get(&project, &args.path) {
        // A list leaf's ports, one per line, in the list's order.
        Ok(entries) => {
            for e in entries {
                crate::stdio::outln!("{}", e.value_text());
            }
            Ok(exit::OK)
        }
        Err(suggestion) => {
            let e =
                CliError::refused(format!("no entry '{}' in {}", args.path, project.registry_file.display()));
            Err(match suggestion {
                Some(s) => e.with_hint(format!("did you mean '{s}'?")),
                None => e,
            })
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct FreeArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// A range entry, or a path whose configured range to search.
    pub(crate) pattern: String,
    /// How many ports to list.
    #[arg(short = 'n', default_value_t = 1)]
    pub(crate) count: usize,
    /// The protocol the new entry would use, as for `portnix add`.
    #[arg(long, value_enum, default_value = "tcp")]
    pub(crate) protocol: crate::registry::Protocol,
    /// Also skip ports bound right now, on any address and either IP version.
    #[arg(long)]
    pub(crate) live: bool,
}

pub(crate) fn free(args: FreeArgs) -> CliResult {
    let project = args.project.load()?;
    let pat = pattern_arg(&args.pattern)?;
    let bound = super::project_args::live_ports(args.live)?;
    let (block, ports) =
        query::free(&project, &pat, args.protocol, args.count, &bound).map_err(CliError::failure)?;
    for p in &ports {
        crate::stdio::outln!("{p}");
    }
    if ports.len() < args.count {
        return Err(CliError::refused(format!(
            "only {} free ports in {} ({})",
            ports.len(),
            block.source,
            block.spans.iter().map(|(f, t)| format!("{f}-{t}")).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(exit::OK)
}
