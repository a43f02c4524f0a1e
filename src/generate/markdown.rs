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
    let mut out = format!("{BEGIN}\n");
    for line in ctx.header_lines() {
        out.push_str(&format!("<!-- {line} -->\n"));
    }
    for (category, entries) in groups {
        out.push_str(&format!("\n### {}\n\n", cell(category)));
        out.push_str("| Port | Protocol | Service | Description |\n|---:|---|---|---|\n");
        for e in entries {
            out.push_str(&format!(
                "| {} | {} | `{}` | {} |\n",
                e.value_text(),
                e.meta.protocol.as_str(),
                cell(&e.name),
                cell(e.meta.description.as_deref().unwrap_or(""))
            ));
        }
    }
    out.push_str(&format!("\n{END}\n"));
    out
}
