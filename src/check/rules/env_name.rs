//! `env-name`: an entry whose environment variable no shell accepts, or two entries on one
//! variable, the things `gen env` refuses to write, reported where the entries are and where
//! the config names the variable.

use super::super::{Context, Finding};
use crate::registry::Entry;

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    let entries: Vec<&Entry> = ctx.entries.iter().collect();
    let Err(errors) = crate::registry::env::variables(&entries, "", false) else { return };
    for e in errors {
        let mut diag = e.diagnostic;
        for path in &e.paths {
            let Some(entry) = ctx.entries.iter().find(|x| &x.name == path) else { continue };
            let Some(env) = &entry.meta.env else { continue };
            let named = ctx
                .config
                .services
                .iter()
                .find(|r| r.meta.env.as_ref() == Some(env) && r.pattern.matches_prefix(&entry.path));
            if let Some(span) = named.and_then(|r| r.span) {
                diag = diag.with_label(span, format!("{path} is named {env} here"));
            }
        }
        out.push(Finding { diag, paths: e.paths });
    }
}
