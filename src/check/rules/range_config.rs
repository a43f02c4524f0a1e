//! The config's own ranges: `invalid-range` (empty or beyond 0-65535), `range-outside-parent`
//! (a nested pattern's range leaves its parent's), `range-overlap` (unrelated patterns share
//! ports) and `unused-range` (a pattern that covers no entry, usually a typo; a pool is never
//! unused, its ports go to leases).
//!
//! Pairwise over the config's ranges, which are few; never over the registry.

use super::super::{Context, Finding};
use crate::diagnostic::Code;
use crate::registry::config::RangeRule;

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    let ranges = &ctx.config.ranges;
    let valid: Vec<&RangeRule> = ranges.iter().filter(|r| r.is_valid()).collect();
    for r in ranges.iter().filter(|r| !valid.iter().any(|v| std::ptr::eq(*v, *r))) {
        out.push(
            Finding::new(
                Code::InvalidRange,
                format!("the range for \"{}\" ({}-{}) is empty or leaves 0-65535", r.pattern, r.from, r.to),
                Vec::new(),
            )
            .at(r.span)
            .hint("write { from = LOW; to = HIGH; } with 0 <= LOW <= HIGH <= 65535"),
        );
    }
    let first_span = |r: &RangeRule| ctx.config.spans(r).next().is_some_and(|f| std::ptr::eq(f, r));
    for (k, a) in valid.iter().enumerate() {
        for b in &valid[k + 1..] {
            let overlapping = a.from <= b.to && b.from <= a.to;
            if a.pattern.text == b.pattern.text {
                if overlapping {
                    out.push(overlap(a, b));
                }
                continue;
            }
            let Some((inner, outer)) = nesting(a, b) else {
                if overlapping {
                    out.push(overlap(a, b));
                }
                continue;
            };
            // A span of the inner pattern must lie inside one of the outer pattern's spans:
            // judged once per outer pattern, at its first span.
            if first_span(outer) && !ctx.config.spans_hold(outer, inner.from, inner.to) {
                out.push(
                    Finding::new(
                        Code::RangeOutsideParent,
                        format!(
                            "the range for \"{}\" ({}-{}) is not inside the range for \"{}\" ({})",
                            inner.pattern,
                            inner.from,
                            inner.to,
                            outer.pattern,
                            ctx.config.spans_text(outer)
                        ),
                        Vec::new(),
                    )
                    .at(inner.span)
                    .label(outer.span, format!("\"{}\" is defined here", outer.pattern))
                    .hint("where two patterns cover the same entries, the more specific one's range must lie within the other's"),
                );
            }
        }
    }
    // A pool's ports are taken at run time by leases: that it holds no static entry is the point.
    let mut seen: Vec<&str> = Vec::new();
    for r in ranges.iter().filter(|r| !ctx.config.pools.contains(&r.pattern)) {
        // A pattern with several spans is one range for this rule.
        if seen.contains(&r.pattern.text.as_str()) {
            continue;
        }
        seen.push(&r.pattern.text);
        if !ctx.entries.iter().any(|e| r.pattern.matches_prefix(&e.path)) {
            let names = ctx.entries.iter().flat_map(|e| e.path.first()).map(|s| &**s);
            let mut f = Finding::new(
                Code::UnusedRange,
                format!("the range pattern \"{}\" covers no entry of the registry", r.pattern),
                Vec::new(),
            )
            .at(r.span);
            let first = r.pattern.text.split('.').next().unwrap_or("");
            // Suggest a name only when no other range already covers it: that is the likely typo.
            let covered = |s: &str| ranges.iter().any(|o| o.pattern.text.split('.').next() == Some(s));
            if let Some(s) = crate::suggest::nearest(first, names).filter(|s| *s != first && !covered(s)) {
                f = f.hint(format!("did you mean \"{s}\"? A range that covers nothing checks nothing"));
            } else {
                f = f.hint("fine for a block kept for later; otherwise check the spelling");
            }
            out.push(f);
        }
    }
}

/// For two patterns that cover some entries in common, (the more specific, the other): the one
/// whose range wins there must lie inside the other. `None` when they share no entries, or
/// are equally specific and so neither governs (then their ranges must not overlap).
fn nesting<'r>(a: &'r RangeRule, b: &'r RangeRule) -> Option<(&'r RangeRule, &'r RangeRule)> {
    if !a.pattern.intersects(&b.pattern) {
        return None;
    }
    if a.pattern.is_inside(&b.pattern) {
        return Some((a, b));
    }
    if b.pattern.is_inside(&a.pattern) {
        return Some((b, a));
    }
    match a.pattern.specificity().cmp(&b.pattern.specificity()) {
        std::cmp::Ordering::Greater => Some((a, b)),
        std::cmp::Ordering::Less => Some((b, a)),
        std::cmp::Ordering::Equal => None,
    }
}

fn overlap(a: &RangeRule, b: &RangeRule) -> Finding {
    if a.pattern.text == b.pattern.text {
        return Finding::new(
            Code::RangeOverlap,
            format!("two ranges of \"{}\" overlap ({}-{} and {}-{})", a.pattern, a.from, a.to, b.from, b.to),
            Vec::new(),
        )
        .at(b.span)
        .label(a.span, "the other is here")
        .hint("merge them into one { from; to; }");
    }
    Finding::new(
        Code::RangeOverlap,
        format!(
            "the ranges for \"{}\" ({}-{}) and \"{}\" ({}-{}) overlap, though their patterns cover different entries",
            a.pattern, a.from, a.to, b.pattern, b.from, b.to
        ),
        Vec::new(),
    )
    .at(b.span)
    .label(a.span, format!("\"{}\" is defined here", a.pattern))
    .hint("give unrelated categories disjoint ranges, or nest one pattern inside the other")
}
