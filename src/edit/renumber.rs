//! `portnix renumber PATTERN --to BASE`: a whole block moves by one offset (seed 003's project
//! migrations). Each entry's value is traced back to the integer literals it is made of: a
//! let-bound base that twenty `base + N` entries share is rewritten once, a literal entry is
//! shifted itself, and the config's ranges under the pattern move with the block. The result
//! is proven like every edit: it must evaluate to the old registry with exactly the block's
//! ports shifted, and collide with nothing that did not already collide.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rnix::ast;
use rowan::ast::AstNode;

use super::locate::{binding, member};
use super::plan::{Context, Plan};
use super::verify::{Change, verify};
use super::{Edit, EditError, entries, key_text};
use crate::check::{CheckOptions, check};
use crate::diagnostic::Severity;
use crate::registry::path::Pattern;
use crate::registry::{Entry, Project};

/// How deep a value's references are followed (`a = b; b = c; ...`) before giving up.
const MAX_HOPS: usize = 64;

/// A planned renumbering: the edits, the project they give, and each moved port.
pub struct Renumbered {
    pub plan: Plan,
    pub(crate) after: Project,
    pub(crate) from: i64,
    pub(crate) delta: i64,
    /// (old port, new port, the entry's name and selector) for each single-port entry moved.
    pub(crate) moved: Vec<(i64, i64, String, String)>,
    pub(crate) ranges: usize,
}

/// Integer literals to shift, by file: start offset → end offset.
#[derive(Default)]
struct Sites {
    files: BTreeMap<PathBuf, (String, BTreeMap<usize, usize>)>,
}

impl Sites {
    fn add(&mut self, file: &super::locate::File, range: rowan::TextRange) {
        let slot =
            self.files.entry(file.path.clone()).or_insert_with(|| (file.text.clone(), BTreeMap::new()));
        slot.1.insert(usize::from(range.start()), usize::from(range.end()));
    }

    fn edits(self, delta: i64) -> Result<Vec<Edit>, EditError> {
        let mut out = Vec::new();
        for (path, (text, sites)) in self.files {
            let mut after = text.clone();
            for (&start, &end) in sites.iter().rev() {
                let old: i64 = text[start..end].parse().map_err(|_| EditError::new("not an integer"))?;
                let new = old + delta;
                if new < 0 {
                    return Err(EditError::new(format!(
                        "{old} in {} would become {new}, which Nix writes as an expression: edit it by hand",
                        path.display()
                    )));
                }
                after.replace_range(start..end, &new.to_string());
            }
            out.push(Edit { file: path, before: text, after });
        }
        Ok(out)
    }
}

fn int_literal(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Literal(l) if l.syntax().text().to_string().parse::<i64>().is_ok())
}

fn computed(e: &ast::Expr) -> EditError {
    EditError::new(format!(
        "`{}` is computed in a way renumber cannot shift: it follows integer literals, `base + N` and let or rec bindings",
        e.syntax().text().to_string().split_whitespace().collect::<Vec<_>>().join(" ")
    ))
    .with_hint("move these entries by hand, or write them as literals or offsets from one base")
}

/// Every integer literal `e` is made of, added to `sites`; an error for anything else.
fn trace(file: &super::locate::File, e: ast::Expr, sites: &mut Sites, hops: usize) -> Result<(), EditError> {
    if hops > MAX_HOPS {
        return Err(computed(&e));
    }
    match &e {
        ast::Expr::Paren(p) => match p.expr() {
            Some(inner) => trace(file, inner, sites, hops),
            None => Err(computed(&e)),
        },
        ast::Expr::Literal(_) if int_literal(&e) => {
            sites.add(file, e.syntax().text_range());
            Ok(())
        }
        ast::Expr::List(list) => list.items().try_for_each(|i| trace(file, i, sites, hops)),
        ast::Expr::AttrSet(set) if set.rec_token().is_none() => {
            let mut any = false;
            for (key, node) in entries(set) {
                if key == ["port"] || key == ["from"] || key == ["to"] {
                    let value = ast::AttrpathValue::cast(node).and_then(|apv| apv.value());
                    trace(file, value.ok_or_else(|| computed(&e))?, sites, hops)?;
                    any = true;
                }
            }
            if any { Ok(()) } else { Err(computed(&e)) }
        }
        ast::Expr::BinOp(b) => {
            let (lhs, rhs) = (b.lhs().ok_or_else(|| computed(&e))?, b.rhs().ok_or_else(|| computed(&e))?);
            match b.operator() {
                Some(ast::BinOpKind::Add | ast::BinOpKind::Sub) if int_literal(&rhs) => {
                    trace(file, lhs, sites, hops + 1)
                }
                Some(ast::BinOpKind::Add) if int_literal(&lhs) => trace(file, rhs, sites, hops + 1),
                _ => Err(computed(&e)),
            }
        }
        ast::Expr::Ident(id) => {
            let name = id.syntax().text().to_string();
            let value = binding(id.syntax(), &name).ok_or_else(|| computed(&e))?;
            trace(file, value, sites, hops + 1)
        }
        ast::Expr::Select(sel) if sel.default_expr().is_none() => {
            let (Some(ast::Expr::Ident(id)), Some(path)) = (sel.expr(), sel.attrpath()) else {
                return Err(computed(&e));
            };
            let names: Option<Vec<String>> = path.attrs().map(|a| super::locate::attr_name(&a)).collect();
            let set = binding(id.syntax(), &id.syntax().text().to_string());
            let value =
                set.zip(names).and_then(|(set, names)| member(set, &names)).ok_or_else(|| computed(&e))?;
            trace(file, value, sites, hops + 1)
        }
        // `environment 9000`: a function of one number makes the value. Shifting that number
        // is right only if the function adds it; the proof that follows is what says so.
        ast::Expr::Apply(_) => {
            let mut numbers = Vec::new();
            let mut at = e.clone();
            while let ast::Expr::Apply(app) = at {
                let arg = app.argument().ok_or_else(|| computed(&e))?;
                if int_literal(&arg) {
                    numbers.push(arg);
                }
                at = app.lambda().ok_or_else(|| computed(&e))?;
            }
            match numbers.as_slice() {
                [n] => {
                    sites.add(file, n.syntax().text_range());
                    Ok(())
                }
                _ => Err(computed(&e)),
            }
        }
        _ => Err(computed(&e)),
    }
}

fn in_block(pattern: &Pattern, e: &Entry) -> bool {
    pattern.matches_prefix(&e.path)
}

/// The config's `from` and `to` literals of each range inside the block.
fn range_sites(cx: &Context, pattern: &Pattern, sites: &mut Sites) -> Result<usize, EditError> {
    let project = cx.project;
    let inside: Vec<_> = project.config.ranges.iter().filter(|r| r.pattern.is_inside(pattern)).collect();
    if inside.is_empty() {
        return Ok(0);
    }
    let ranges = project.config_data.as_ref().and_then(|c| c.data.get("ranges"));
    for rule in &inside {
        let node = ranges.and_then(|r| r.data.get(&rule.pattern.text));
        for bound in ["from", "to"] {
            // The span is the attribute's name: its binding holds the value to trace.
            let span = node.and_then(|n| n.data.get(bound)).and_then(|b| b.span);
            let not_literal = || {
                EditError::new(format!(
                    "the range \"{}\"'s `{bound}` cannot be traced to a number",
                    rule.pattern
                ))
                .with_hint("write it as a number, or move the range by hand")
            };
            let span = span.ok_or_else(not_literal)?;
            let source = project.sources.get(span.file);
            cx.root.check(&source.path)?;
            let file = super::locate::File::parse(&source.path, source.text.clone())?;
            let value = file
                .root
                .syntax()
                .token_at_offset(span.start.into())
                .right_biased()
                .and_then(|t| t.parent_ancestors().find_map(ast::AttrpathValue::cast))
                .and_then(|apv| apv.value())
                .ok_or_else(not_literal)?;
            trace(&file, value, sites, 0)?;
        }
    }
    Ok(inside.len())
}

/// Why the moved block may not stand where it would: the first entry, reservation or range
/// in its way.
fn collision(after: &Project, pattern: &Pattern, delta: i64) -> Option<String> {
    let config = &after.config;
    for e in after.entries.iter().filter(|e| in_block(pattern, e)) {
        let Some((lo, hi)) = e.interval() else { continue };
        let scope = config.scope_of(&e.path);
        for other in after.entries.iter().filter(|o| !in_block(pattern, o)) {
            let Some((olo, ohi)) = other.interval() else { continue };
            let shared =
                e.meta.protocol.transports().iter().any(|p| other.meta.protocol.transports().contains(p));
            if lo <= ohi && olo <= hi && shared && config.scope_of(&other.path) == scope {
                return Some(format!("{} would take {}, which {} has", e.name, e.value_text(), other.name));
            }
        }
        for r in &config.reserved {
            if lo <= r.to && r.from <= hi && !r.allow.iter().any(|p| p.matches_prefix(&e.path)) {
                return Some(format!(
                    "{} would take {}, which is reserved: {}",
                    e.name,
                    e.value_text(),
                    r.reason
                ));
            }
        }
    }
    // A range of the block may not overlap a range outside it, unless that range held the
    // block before too (a parent, such as every project's band).
    let old = |r: &crate::registry::config::RangeRule| (r.from - delta, r.to - delta);
    for r in config.ranges.iter().filter(|r| r.pattern.is_inside(pattern)) {
        for o in config.ranges.iter().filter(|o| !o.pattern.is_inside(pattern)) {
            let (ofrom, oto) = old(r);
            let parent = o.from <= ofrom && oto <= o.to;
            if r.from <= o.to && o.from <= r.to && !parent {
                return Some(format!(
                    "the range \"{}\" would be {}-{}, over \"{}\" ({}-{})",
                    r.pattern, r.from, r.to, o.pattern, o.from, o.to
                ));
            }
        }
    }
    None
}

/// Error findings of the project: (code, entries) and the message. Messages name ports,
/// which move with the block, so findings are compared by what they are about.
fn errors(project: &Project) -> Vec<((crate::diagnostic::Code, Vec<String>), String)> {
    let mut out: Vec<_> = check(project, &CheckOptions::default())
        .into_iter()
        .filter(|f| f.diag.severity() == Severity::Error)
        .map(|f| ((f.diag.code, f.paths), f.diag.message))
        .collect();
    out.sort();
    out
}

/// The first finding of `now` that `was` did not have as many of.
fn new_finding(
    was: &[((crate::diagnostic::Code, Vec<String>), String)],
    now: &[((crate::diagnostic::Code, Vec<String>), String)],
) -> Option<String> {
    let count = |list: &[((crate::diagnostic::Code, Vec<String>), String)],
                 key: &(crate::diagnostic::Code, Vec<String>)| {
        list.iter().filter(|(k, _)| k == key).count()
    };
    now.iter().find(|(k, _)| count(now, k) > count(was, k)).map(|(_, m)| m.clone())
}

pub fn renumber(cx: &Context, pattern: &Pattern, to: i64) -> Result<Renumbered, EditError> {
    let project = cx.project;
    let block: Vec<&Entry> = project.entries.iter().filter(|e| in_block(pattern, e)).collect();
    if block.is_empty() {
        return Err(EditError::no(format!("no entry of the registry is under {pattern}")));
    }
    if let Some(bad) = block.iter().find(|e| e.interval().is_none()) {
        return Err(EditError::no(format!("{} is not a valid port ({})", bad.name, bad.value_text()))
            .with_hint("`portnix check` shows why; fix it before moving the block"));
    }
    // The block starts where its own range says, or at its lowest port.
    let own_range =
        project.config.ranges.iter().filter(|r| r.pattern.text == pattern.text).map(|r| r.from).min();
    let lowest = block.iter().filter_map(|e| e.interval()).map(|(lo, _)| lo).min().unwrap_or(0);
    let from = own_range.map_or(lowest, |r| r.min(lowest));
    let delta = to - from;
    let highest = block.iter().filter_map(|e| e.interval()).map(|(_, hi)| hi).max().unwrap_or(0);
    if !(1..=65535).contains(&(lowest + delta)) || !(1..=65535).contains(&(highest + delta)) {
        return Err(EditError::no(format!(
            "the block's ports {lowest}-{highest} would become {}-{}, outside 1-65535",
            lowest + delta,
            highest + delta
        )));
    }

    let mut sites = Sites::default();
    let mut seen: Vec<&[std::rc::Rc<str>]> = Vec::new();
    for e in &block {
        if seen.contains(&&e.path[..]) {
            continue;
        }
        seen.push(&e.path);
        let segs: Vec<String> = e.path.iter().map(|s| s.to_string()).collect();
        let (file, value) = super::locate::value_expr(&project.registry_file, &segs, &cx.root)?;
        trace(&file, value, &mut sites, 0).map_err(|err| match err {
            EditError::Refused { message, hint, answer } => {
                EditError::Refused { message: format!("{}: {message}", key_text(&segs)), hint, answer }
            }
            other => other,
        })?;
    }
    let ranges = range_sites(cx, pattern, &mut sites)?;
    let edits = if delta == 0 { Vec::new() } else { sites.edits(delta)? };
    let after = verify(cx.options, project, &edits, &Change::Shift { pattern, delta }, None).map_err(|e| match e {
        EditError::Refused { message, .. } if message.contains("would change more than intended") => {
            EditError::new(message).with_hint(
                "the block is built from a value that is used outside it too: give the block a base of its own, or move those entries by hand",
            )
        }
        other => other,
    })?;
    if let Some(why) = collision(&after, pattern, delta) {
        return Err(EditError::no(format!("{pattern} cannot move to {to}: {why}"))
            .with_hint("choose another base; `portnix free` shows what is free"));
    }
    let (was, now) = (errors(project), errors(&after));
    if let Some(new) = new_finding(&was, &now) {
        return Err(EditError::no(format!("{pattern} cannot move to {to}: {new}")));
    }
    let moved = block
        .iter()
        .filter_map(|e| match e.interval() {
            Some((lo, hi)) if lo == hi => Some((lo, lo + delta, e.name.clone(), e.nix_selector())),
            _ => None,
        })
        .collect();
    Ok(Renumbered { plan: Plan { edits, notes: Vec::new() }, after, from, delta, moved, ranges })
}
