//! The config's own ranges: `invalid-range` (empty or beyond 0-65535), `range-outside-parent`
//! (a nested pattern's range leaves its parent's), `range-overlap` (unrelated patterns share
//! ports) and `unused-range` (a pattern that covers no entry, usually a typo).
//!
//! Pairwise over the config's ranges, which are few; never over the registry.

use super::super::{Context, Finding};
use crate::diagnostic::Severity;
use crate::registry::config::RangeRule;

pub fn run(ctx: &Context, out: &mut Vec<Finding>) {
    let ranges = &ctx.config.ranges;
    let valid: Vec<&RangeRule> =
        ranges.iter().filter(|r| 0 <= r.from && r.from <= r.to && r.to <= 65535).collect();
    for r in ranges.iter().filter(|r| !valid.iter().any(|v| std::ptr::eq(*v, *r))) {
        out.push(
            Finding::new(
                "invalid-range",
                Severity::Error,
                format!("the range for \"{}\" ({}-{}) is empty or leaves 0-65535", r.pattern, r.from, r.to),
                Vec::new(),
            )
            .at(r.span)
            .hint("write { from = LOW; to = HIGH; } with 0 <= LOW <= HIGH <= 65535"),
        );
    }
    for (k, a) in valid.iter().enumerate() {
        for b in &valid[k + 1..] {
            let (inner, outer) = if a.pattern.is_inside(&b.pattern) && a.pattern != b.pattern {
                (a, b)
            } else if b.pattern.is_inside(&a.pattern) && a.pattern != b.pattern {
                (b, a)
            } else {
                if a.from <= b.to && b.from <= a.to {
                    out.push(overlap(a, b));
                }
                continue;
            };
            if inner.from < outer.from || inner.to > outer.to {
                out.push(
                    Finding::new(
                        "range-outside-parent",
                        Severity::Error,
                        format!(
                            "the range for \"{}\" ({}-{}) is not inside the range for \"{}\" ({}-{})",
                            inner.pattern, inner.from, inner.to, outer.pattern, outer.from, outer.to
                        ),
                        Vec::new(),
                    )
                    .at(inner.span)
                    .label(outer.span, format!("\"{}\" is defined here", outer.pattern))
                    .hint("a nested pattern's range must lie within its parent's"),
                );
            }
        }
    }
    for r in ranges {
        if !ctx.entries.iter().any(|e| r.pattern.matches_prefix(&e.path)) {
            let names = ctx.entries.iter().flat_map(|e| e.path.first()).map(|s| &**s);
            let mut f = Finding::new(
                "unused-range",
                Severity::Warning,
                format!("the range pattern \"{}\" covers no entry of the registry", r.pattern),
                Vec::new(),
            )
            .at(r.span);
            let first = r.pattern.text.split('.').next().unwrap_or("");
            if let Some(s) = crate::suggest::nearest(first, names).filter(|s| *s != first) {
                f = f.hint(format!("did you mean \"{s}\"? A range that covers nothing checks nothing"));
            } else {
                f = f.hint("fine for a block kept for later; otherwise check the spelling");
            }
            out.push(f);
        }
    }
}

fn overlap(a: &RangeRule, b: &RangeRule) -> Finding {
    Finding::new(
        "range-overlap",
        Severity::Error,
        format!(
            "the ranges for \"{}\" ({}-{}) and \"{}\" ({}-{}) overlap, but neither pattern is inside the other",
            a.pattern, a.from, a.to, b.pattern, b.from, b.to
        ),
        Vec::new(),
    )
    .at(b.span)
    .label(a.span, format!("\"{}\" is defined here", a.pattern))
    .hint("give unrelated categories disjoint ranges, or nest one pattern inside the other")
}
