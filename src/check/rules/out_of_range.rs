//! `out-of-range`: an entry outside the range of the most specific pattern covering it.

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Code;

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    for (i, e) in ctx.entries.iter().enumerate() {
        let (Some((from, to)), Some(range)) = (e.interval(), ctx.ranges[i]) else { continue };
        if range.from <= from && to <= range.to {
            continue;
        }
        out.push(
            Finding::new(
                Code::OutOfRange,
                format!(
                    "{} lies outside the range of \"{}\" ({}-{})",
                    describe(e),
                    range.pattern,
                    range.from,
                    range.to
                ),
                vec![e.name.clone()],
            )
            .at(e.span)
            .label(range.span, format!("the range for \"{}\" is defined here", range.pattern))
            .hint(format!(
                "pick a port from {}-{}; `portnix free {}` lists free ones",
                range.from, range.to, range.pattern
            )),
        );
    }
}
