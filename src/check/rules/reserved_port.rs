//! `reserved-port`: an entry on a reserved port or range that does not allow it.

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Code;

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    // Linear in the entries for each reserved rule; the reserved list is part of the config,
    // not the registry, and stays small.
    for e in ctx.entries {
        let Some((from, to)) = e.interval() else { continue };
        for r in &ctx.config.reserved {
            let overlaps = r.from <= to && from <= r.to;
            if !overlaps || r.allow.iter().any(|p| p.matches_prefix(&e.path)) {
                continue;
            }
            let what =
                if r.from == r.to { format!("port {}", r.from) } else { format!("{}-{}", r.from, r.to) };
            out.push(
                Finding::new(
                    Code::ReservedPort,
                    format!("{} is on reserved {what}: {}", describe(e), r.reason),
                    vec![e.name.clone()],
                )
                .at(e.span)
                .label(r.span, "reserved here")
                .hint("move the service, or add its path to this reservation's `allow` list"),
            );
        }
    }
}
