//! A Markdown reference table, grouped by category (the first path segment). Written between
//! marker comments, so that it can replace its old copy inside a README.

use std::collections::BTreeMap;

use super::Context;
use crate::registry::Entry;

pub(crate) const BEGIN: &str = "<!-- portnix:begin -->";
pub(crate) const END: &str = "<!-- portnix:end -->";

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub(crate) fn generate(ctx: &Context) -> String {
    let mut groups: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in ctx.entries() {
        groups.entry(e.path.first().map_or("", |s| &**s)).or_default().push(e);
    }
    // Owner and status are columns when the registry gives any.
    let people = ctx.entries().iter().any(|e| e.meta.owner.is_some() || e.meta.status.is_some());
    let mut out = format!("{BEGIN}\n");
    for line in ctx.header_lines() {
        out.push_str(&format!("<!-- {line} -->\n"));
    }
    for (category, entries) in groups {
        out.push_str(&format!("\n### {}\n\n", cell(category)));
        if people {
            out.push_str(
                "| Port | Protocol | Service | Description | Owner | Status |\n|---:|---|---|---|---|---|\n",
            );
        } else {
            out.push_str("| Port | Protocol | Service | Description |\n|---:|---|---|---|\n");
        }
        for e in entries {
            out.push_str(&format!(
                "| {} | {} | `{}` | {} |",
                e.value_text(),
                e.meta.protocol.as_str(),
                cell(&e.name),
                cell(e.meta.description.as_deref().unwrap_or(""))
            ));
            if people {
                let (owner, status) = (e.meta.owner.as_deref(), e.meta.status.as_deref());
                out.push_str(&format!(" {} | {} |", cell(owner.unwrap_or("")), cell(status.unwrap_or(""))));
            }
            out.push('\n');
        }
    }
    out.push_str(&format!("\n{END}\n"));
    out
}
