//! `range-spelling` (warning): a block written as two ports, `{ start = A; end = B; }` or
//! siblings `x-start` and `x-end` (also `x_start`, `xStart`). portnix reads two single ports,
//! so a port between them collides unseen; `{ from; to; }` claims the whole block.

use std::rc::Rc;

use super::super::{Context, Finding};
use crate::diagnostic::Code;
use crate::fxhash::FxHashMap as HashMap;
use crate::registry::{Entry, path};

/// The name the end of a block has, for a name that starts one: `start` → `end`,
/// `web-start` → `web-end`, `webStart` → `webEnd`; with the block's own name (`web`).
fn end_of(start: &str) -> Option<(String, &str)> {
    if start == "start" {
        return Some(("end".into(), ""));
    }
    for (suffix, end) in [("-start", "-end"), ("_start", "_end"), ("Start", "End")] {
        if let Some(stem) = start.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            return Some((format!("{stem}{end}"), stem));
        }
    }
    None
}

fn port(e: &Entry) -> Option<i64> {
    match e.interval() {
        Some((a, b)) if a == b && e.item.is_none() => Some(a),
        _ => None,
    }
}

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    let is_end = |s: &str| s.ends_with("end") || s.ends_with("End");
    // Only names that could end a block are indexed: few, in any registry.
    let ends: HashMap<(&[Rc<str>], &str), &Entry> = ctx
        .entries
        .iter()
        .filter(|e| port(e).is_some() && e.path.last().is_some_and(|s| is_end(s)))
        .map(|e| ((&e.path[..e.path.len() - 1], &*e.path[e.path.len() - 1]), e))
        .collect();
    if ends.is_empty() {
        return;
    }
    for e in ctx.entries {
        let (Some(from), Some((last, parent))) = (port(e), e.path.split_last()) else { continue };
        let Some((end_name, stem)) = end_of(last) else { continue };
        let Some(end) = ends.get(&(parent, end_name.as_str())) else { continue };
        let Some(to) = port(end).filter(|&to| from < to) else { continue };
        let block = if stem.is_empty() {
            path::dotted(parent)
        } else {
            path::dotted(&[parent, &[Rc::from(stem)]].concat())
        };
        let mut f = Finding::new(
            Code::RangeSpelling,
            format!(
                "{} and {} read as two ports, {from} and {to}: nothing between them is claimed or checked",
                e.name, end.name
            ),
            vec![e.name.clone(), end.name.clone()],
        )
        .at(e.span)
        .hint(format!("write {block} = {{ from = {from}; to = {to}; }} to claim the whole block"));
        f = f.label(end.span, format!("{} ends the block", end.name));
        out.push(f);
    }
}
