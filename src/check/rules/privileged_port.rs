//! `privileged-port` (warning): below 1024, where binding needs root, unless the entry's range
//! lies below 1024 itself or a reservation allows the entry there.

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Code;

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    for (i, e) in ctx.entries.iter().enumerate() {
        let Some((from, to)) = e.interval() else { continue };
        if from >= 1024 {
            continue;
        }
        let range_allows = ctx.ranges[i]
            .is_some_and(|r| ctx.config.spans(r).any(|s| s.to < 1024 && s.from <= from && to <= s.to));
        let reserved_allows = ctx
            .config
            .reserved
            .iter()
            .any(|r| r.from <= to && from <= r.to && r.allow.iter().any(|p| p.matches_prefix(&e.path)));
        if range_allows || reserved_allows {
            continue;
        }
        out.push(
            Finding::new(
                Code::PrivilegedPort,
                format!("{} is a privileged port (below 1024): binding it needs root", describe(e)),
                vec![e.name.clone()],
            )
            .at(e.span)
            .hint("use a port above 1023, or allow it in a reservation of 0-1023 (`allow = [ \"path\" ]`)"),
        );
    }
}
