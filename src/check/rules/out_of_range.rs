//! `out-of-range`: an entry outside the range of the most specific pattern covering it (outside
//! every span, when the pattern has several), unless its metadata says why with `outsideRange`.

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Code;

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    for (i, e) in ctx.entries.iter().enumerate() {
        let (Some((from, to)), Some(range)) = (e.interval(), ctx.ranges[i]) else { continue };
        if ctx.config.spans_hold(range, from, to) || e.meta.outside_range.is_some() {
            continue;
        }
        let spans = ctx.config.spans_text(range);
        out.push(
            Finding::new(
                Code::OutOfRange,
                format!(
                    "{} lies outside the range of \"{}\" ({spans})",
                    describe(e),
                    range.pattern,
                ),
                vec![e.name.clone()],
            )
            .at(e.span)
            .label(range.span, format!("the range for \"{}\" is defined here", range.pattern))
            .hint(format!(
                "pick a port from {spans}; `portnix free {}` lists free ones (or, if it must stay, give it `outsideRange = \"why\";`)",
                range.pattern
            )),
        );
    }
}
