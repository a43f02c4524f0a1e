//! `.env`: `NAME=PORT`, readable by docker compose, python-dotenv and `set -a; . ./.env`.

use std::collections::BTreeMap;

use super::{Context, hash_header};
use crate::diagnostic::{Code, Diagnostic};
use crate::registry::{Entry, PortValue};

/// The variable for an entry: its `env` from the config, or its path in upper snake case:
/// `databases.postgresql` → `DATABASES_POSTGRESQL_PORT`, `nodeExporter` → `NODE_EXPORTER`.
pub fn env_name(e: &Entry) -> String {
    match &e.meta.env {
        Some(name) => name.clone(),
        None => derived_env_name(&e.path),
    }
}

/// The variable an entry at `path` gets when the config names none.
pub fn derived_env_name<S: AsRef<str>>(path: &[S]) -> String {
    let mut out = String::new();
    for seg in path.iter().map(AsRef::as_ref) {
        if !out.is_empty() {
            out.push('_');
        }
        let mut prev_lower = false;
        for c in seg.chars() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' });
        }
    }
    out.push_str("_PORT");
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn generate(ctx: &Context) -> Result<String, Vec<Diagnostic>> {
    // name → (value, entry), so that two entries on one name are caught.
    let mut vars: BTreeMap<String, (String, &Entry)> = BTreeMap::new();
    let mut errors = Vec::new();
    for e in ctx.entries() {
        let base = format!("{}{}", ctx.options.prefix, env_name(e));
        let lines = match e.value {
            PortValue::Range { from, to } => vec![(format!("{base}_FROM"), from), (format!("{base}_TO"), to)],
            PortValue::Port(p) => vec![(base, p)],
            PortValue::Invalid(_) => continue,
        };
        for (name, value) in lines {
            if !valid_name(&name) {
                errors.push(
                    Diagnostic::new(
                        Code::EnvName,
                        format!("'{name}' ({}) is not a valid variable name", e.name),
                    )
                    .with_hint("set services.\"PATH\".env to a name of letters, digits and _"),
                );
                continue;
            }
            if let Some((_, other)) = vars.get(&name) {
                errors.push(
                    Diagnostic::new(
                        Code::EnvName,
                        format!("{} and {} both map to {name}", other.name, e.name),
                    )
                    .with_hint("give one of them its own services.\"PATH\".env"),
                );
                continue;
            }
            vars.insert(name, (value.to_string(), e));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = hash_header(ctx);
    for (name, (value, e)) in vars {
        out.push_str(&format!("# {}\n{name}={value}\n", e.name));
    }
    Ok(out)
}
