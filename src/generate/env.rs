//! `.env`: `NAME=PORT`, readable by docker compose, python-dotenv and `set -a; . ./.env`.

use super::{Context, hash_header};
use crate::diagnostic::Diagnostic;
pub use crate::registry::env::{derived_env_name, env_name};

pub(crate) fn generate(ctx: &Context) -> Result<String, Vec<Diagnostic>> {
    let mut vars = crate::registry::env::variables(&ctx.entries(), &ctx.options.prefix, true)
        .map_err(|errors| errors.into_iter().map(|e| e.diagnostic).collect::<Vec<_>>())?;
    vars.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    let mut out = hash_header(ctx);
    for v in vars {
        out.push_str(&format!("# {}\n{}={}\n", v.entry.name, v.name, v.value));
    }
    Ok(out)
}

/// `gen env --per PATTERN`: one file per part of the registry the pattern matches (seed 002's
/// environments), each naming its variables after the path below that part, so every
/// environment's file has the same names: `POURTIER_PORT` is production's in `.env.production`
/// and development's in `.env.development`. A name the config gives an entry is kept.
/// Returns (the matched segment, the file's text) per part, sorted.
pub(crate) fn per(
    ctx: &Context,
    pattern: &crate::registry::path::Pattern,
) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    use std::collections::BTreeMap;
    let depth = pattern.specificity().0;
    let mut groups: BTreeMap<String, Vec<&crate::registry::Entry>> = BTreeMap::new();
    for e in ctx.entries().into_iter().filter(|e| e.path.len() > depth && pattern.matches_prefix(&e.path)) {
        groups.entry(e.path[depth - 1].to_string()).or_default().push(e);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (group, entries) in groups {
        let mut vars: BTreeMap<String, (i64, &crate::registry::Entry)> = BTreeMap::new();
        for e in entries {
            for (name, value) in per_variables(e, depth, &ctx.options.prefix) {
                if let Some((_, other)) = vars.insert(name.clone(), (value, e)) {
                    let mut d = Diagnostic::new(
                        crate::diagnostic::Code::EnvName,
                        format!("{} and {} are both {name} in the {group} file", other.name, e.name),
                    )
                    .with_hint("give one of them its own name with services.\"PATH\".env");
                    d.span = e.span;
                    errors.push(d);
                }
            }
        }
        let mut text = hash_header(ctx);
        for (name, (value, e)) in vars {
            text.push_str(&format!("# {}\n{name}={value}\n", e.name));
        }
        out.push((group, text));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// An entry's variables under `--per`, named after its path below the part at `depth` (or
/// the config's name for it): a port as itself, a range as `_FROM` and `_TO`, in that order.
pub(crate) fn per_variables(e: &crate::registry::Entry, depth: usize, prefix: &str) -> Vec<(String, i64)> {
    let base = match &e.meta.env {
        Some(name) => name.clone(),
        None => {
            let mut name = derived_env_name(&e.path[depth.min(e.path.len())..]);
            if let Some(item) = e.item {
                name.push_str(&format!("_{item}"));
            }
            name
        }
    };
    match e.value {
        crate::registry::PortValue::Port(p) => vec![(format!("{prefix}{base}"), i64::from(p.get()))],
        crate::registry::PortValue::Range(r) => vec![
            (format!("{prefix}{base}_FROM"), i64::from(r.from().get())),
            (format!("{prefix}{base}_TO"), i64::from(r.to().get())),
        ],
        crate::registry::PortValue::Invalid(_) => Vec::new(),
    }
}
