//! Editing the registry in place: `add`, `rm` and `mv` change one entry and leave every other
//! byte of the file as it was, following the block's own indentation, alignment and order.

pub mod allocate;
pub mod locate;
pub mod plan;
pub(crate) mod references;
pub mod renumber;
pub(crate) mod verify;

use crate::registry::Protocol;
use rnix::ast::{self, HasEntry};
use rowan::ast::AstNode;

use locate::{Target, attrpath_names};

/// Why an edit was not made. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// `answer`: the registry says no (a taken port, an entry missing or already there), which
    /// exits 1 like a finding. Otherwise portnix could not make the edit safely (a computed
    /// value, a layout it cannot prove), which exits 2.
    #[error("{message}")]
    Refused { message: String, hint: Option<String>, answer: bool },
    /// `rm` of an entry the config still names.
    #[error("the config still names {path}:{}", references.iter().map(|r| {
        let by_hand = if *force && r.by_hand { " (edit this by hand)" } else { "" };
        format!("\n  --> {}: {}{by_hand}", r.location, r.what)
    }).collect::<String>())]
    Referenced { path: String, references: Vec<plan::Named>, force: bool },
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
}

impl EditError {
    /// portnix cannot make this edit: exit 2.
    pub(crate) fn new(msg: impl Into<String>) -> EditError {
        EditError::Refused { message: msg.into(), hint: None, answer: false }
    }

    /// The registry's answer is no: exit 1.
    pub(crate) fn no(msg: impl Into<String>) -> EditError {
        EditError::Refused { message: msg.into(), hint: None, answer: true }
    }

    pub(crate) fn with_hint(self, hint: impl Into<String>) -> EditError {
        match self {
            EditError::Refused { message, answer, .. } => {
                EditError::Refused { message, hint: Some(hint.into()), answer }
            }
            other => other,
        }
    }

    /// Whether the refusal is the registry's answer (exit 1) rather than portnix's inability.
    pub(crate) fn is_answer(&self) -> bool {
        matches!(self, EditError::Refused { answer: true, .. } | EditError::Referenced { .. })
    }

    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            EditError::Refused { hint, .. } => hint.clone(),
            EditError::Referenced { force: false, .. } => {
                Some("remove them first, or pass --force to remove the config's references too".into())
            }
            EditError::Referenced { force: true, .. } => {
                Some("remove or change the references marked above, then run again".into())
            }
            EditError::Write(w) => w.hint(),
        }
    }
}

/// A text change to one file.
#[derive(Clone, Debug)]
pub struct Edit {
    pub file: std::path::PathBuf,
    pub(crate) before: String,
    pub after: String,
}

/// The file's own line ending, so that inserted lines match the lines around them.
fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just past the end of the line holding `at` (past its newline).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// Whether only whitespace stands before `at` on its line.
fn first_on_line(text: &str, at: usize) -> bool {
    text[line_start(text, at)..at].trim().is_empty()
}

/// Whether only whitespace or a comment follows `at` on its line.
fn last_on_line(text: &str, at: usize) -> bool {
    let rest = text[at..line_end(text, at)].trim();
    rest.is_empty() || rest.starts_with('#')
}

fn entries(set: &ast::AttrSet) -> Vec<(Vec<String>, rnix::SyntaxNode)> {
    set.attrpath_values().filter_map(|apv| Some((attrpath_names(&apv)?, apv.syntax().clone()))).collect()
}

pub(crate) fn key_text<S: AsRef<str>>(segments: &[S]) -> String {
    segments.iter().map(|s| crate::registry::path::quote_segment(s.as_ref())).collect::<Vec<_>>().join(".")
}

/// The indentation of the block's entries: that of the first entry that starts its own line,
/// or the brace's line indented one step further.
fn block_indent(text: &str, existing: &[(Vec<String>, rnix::SyntaxNode)], open_at: usize) -> String {
    let own_line =
        existing.iter().map(|(_, n)| usize::from(n.text_range().start())).find(|&s| first_on_line(text, s));
    match own_line {
        Some(start) => text[line_start(text, start)..start].to_string(),
        None => {
            let brace_line = &text[line_start(text, open_at)..open_at];
            let base: String = brace_line.chars().take_while(|c| c.is_whitespace()).collect();
            let step = if base.starts_with('\t') { "\t" } else { "  " };
            format!("{base}{step}")
        }
    }
}

/// The value to write for a new port, in the shape its neighbours use: `5335`, or
/// `{ port = 5335; }` (with a protocol other than tcp, `protocol = "udp";` beside it) when most
/// of the block's leaves are sets with their own `port`. `None` for the protocol: the
/// neighbours are plain numbers, and the config must say it.
pub(crate) fn value_like_neighbours(
    target: &Target,
    port: i64,
    protocol: Protocol,
    value_of: &dyn Fn(&str) -> Option<i64>,
) -> (String, bool) {
    let (mut plain, mut with_meta) = (0, 0);
    // Neighbours written as one base plus an offset: (base, the base's value), counted.
    let mut bases: Vec<(String, i64, usize)> = Vec::new();
    if target.rest.len() == 1 {
        for (key, node) in entries(&target.set) {
            match ast::AttrpathValue::cast(node).and_then(|apv| apv.value()) {
                Some(ast::Expr::Literal(_)) => plain += 1,
                Some(ast::Expr::AttrSet(inner)) if entries(&inner).iter().any(|(n, _)| n == &["port"]) => {
                    with_meta += 1;
                }
                Some(e) => {
                    let Some((base, offset)) = offset_form(&e) else { continue };
                    let Some(value) = key.first().filter(|_| key.len() == 1).and_then(|k| value_of(k)) else {
                        continue;
                    };
                    match bases.iter_mut().find(|(b, v, _)| *b == base && *v == value - offset) {
                        Some(b) => b.2 += 1,
                        None => bases.push((base, value - offset, 1)),
                    }
                }
                None => {}
            }
        }
    }
    let offsets = bases.iter().max_by_key(|b| b.2);
    if let Some((base, value, n)) = offsets
        && *n > plain
        && *n > with_meta
        && protocol == Protocol::Tcp
    {
        return (offset_text(base, port - value), false);
    }
    if with_meta > plain {
        let protocol = match protocol {
            Protocol::Tcp => String::new(),
            other => format!(" protocol = \"{}\";", other.as_str()),
        };
        (format!("{{ port = {port};{protocol} }}"), true)
    } else {
        (port.to_string(), false)
    }
}

/// `base + 80` or `blocks.api - 2`: the base as written and the offset, when a value is a
/// block's base plus a literal.
pub(crate) fn offset_form(e: &ast::Expr) -> Option<(String, i64)> {
    let ast::Expr::BinOp(b) = e else { return None };
    let sign = match b.operator()? {
        ast::BinOpKind::Add => 1,
        ast::BinOpKind::Sub => -1,
        _ => return None,
    };
    let lhs = b.lhs()?;
    if !matches!(lhs, ast::Expr::Ident(_) | ast::Expr::Select(_)) {
        return None;
    }
    let ast::Expr::Literal(n) = b.rhs()? else { return None };
    let n: i64 = n.syntax().text().to_string().parse().ok()?;
    Some((lhs.syntax().text().to_string(), sign * n))
}

/// `base + 5`, or `base - 5` below the base.
pub(crate) fn offset_text(base: &str, offset: i64) -> String {
    if offset >= 0 { format!("{base} + {offset}") } else { format!("{base} - {}", -offset) }
}

/// The comments that belong to an entry and go where it goes: the comment lines right above
/// it (no blank line between) and the comment after it on its line.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Comments {
    /// Each line's text from its `#`, in order.
    pub(crate) above: Vec<String>,
    pub(crate) after: Option<String>,
}

impl Comments {
    /// The comments as `/* ... */` before and after the binding, for a set written on one
    /// line, where a `#` would end the line.
    fn inline(&self) -> (String, String) {
        let block = |lines: &mut dyn Iterator<Item = &String>| {
            let text: Vec<&str> =
                lines.map(|c| c.trim_start_matches('#').trim()).filter(|c| !c.is_empty()).collect();
            (!text.is_empty()).then(|| format!("/* {} */", text.join(" ").replace("*/", "* /")))
        };
        let before = block(&mut self.above.iter()).map(|b| format!("{b} ")).unwrap_or_default();
        let after = block(&mut self.after.iter()).map(|b| format!(" {b}")).unwrap_or_default();
        (before, after)
    }
}

/// Inserts `rest = value;` into the target set, in the set's own style.
pub fn insert(target: &Target, value: &str) -> Result<Edit, EditError> {
    insert_with(target, value, &Comments::default())
}

/// Inserts `rest = value;` with the comments that travel with it.
pub(crate) fn insert_with(target: &Target, value: &str, comments: &Comments) -> Result<Edit, EditError> {
    let text = &target.file.text;
    let set = &target.set;
    let existing = entries(set);
    if existing.iter().any(|(n, _)| n == &target.rest) {
        return Err(EditError::no(format!("{} already exists", target.rest.join("."))));
    }
    let open = set.l_curly_token().ok_or_else(|| EditError::new("malformed set"))?;
    let close = set.r_curly_token().ok_or_else(|| EditError::new("malformed set"))?;
    let (open_at, close_at) =
        (usize::from(open.text_range().start()), usize::from(close.text_range().start()));
    // A missing category becomes a block of its own, unless the set already writes that
    // category as dotted keys (`development.api = 3000;`): then one more dotted key.
    let dotted_style =
        target.rest.len() > 1 && existing.iter().any(|(n, _)| n.len() > 1 && n[0] == target.rest[0]);
    let new_block = target.rest.len() > 1 && !dotted_style;
    let key = if new_block { key_text(&target.rest[..1]) } else { key_text(&target.rest) };
    let inner_key = key_text(&target.rest[1..]);
    let one_line = !text[open_at..close_at].contains('\n');
    let new_key_sort = target.rest.join(".");
    let keys: Vec<String> = existing.iter().map(|(n, _)| n.join(".")).collect();
    let sorted = keys.len() >= 2 && keys.windows(2).all(|w| w[0] <= w[1]);
    let before_node = if sorted {
        existing.iter().zip(&keys).find(|(_, k)| **k > new_key_sort).map(|((_, n), _)| n.clone())
    } else {
        None
    };
    let mut after = text.clone();
    if one_line {
        let entry = if new_block {
            format!("{key} = {{ {inner_key} = {value}; }};")
        } else {
            format!("{key} = {value};")
        };
        let (before, after_entry) = comments.inline();
        let entry = format!("{before}{entry}{after_entry}");
        match (&before_node, existing.last()) {
            (Some(n), _) => {
                let at = usize::from(n.text_range().start());
                after.insert_str(at, &format!("{entry} "));
            }
            (None, Some((_, last))) => {
                let at = usize::from(last.text_range().end());
                after.insert_str(at, &format!(" {entry}"));
            }
            (None, None) => {
                // `{ }` or `{}`: one space inside each brace.
                after.replace_range(open_at + 1..close_at, &format!(" {entry} "));
            }
        }
        return Ok(Edit { file: target.file.path.clone(), before: text.clone(), after });
    }
    // Multi-line: a line of its own in the block's indentation, or, beside entries that
    // share a line with something else, one more binding on that line.
    let nl = newline(text);
    let inline = if new_block {
        format!("{key} = {{ {inner_key} = {value}; }};")
    } else {
        format!("{key} = {value};")
    };
    let indent = block_indent(text, &existing, open_at);
    let key_field = align(text, &existing, &key);
    let trailing = comments.after.as_ref().map(|c| format!(" {c}")).unwrap_or_default();
    let above =
        |indent: &str| -> String { comments.above.iter().map(|c| format!("{indent}{c}{nl}")).collect() };
    let line = if new_block {
        let inner = format!("{indent}  ");
        format!(
            "{indent}{key_field} = {{{nl}{}{inner}{inner_key} = {value};{trailing}{nl}{indent}}};{nl}",
            above(&inner)
        )
    } else {
        format!("{}{indent}{key_field} = {value};{trailing}{nl}", above(&indent))
    };
    // Beside entries that share a line, the comments cannot stay `#` comments.
    let inline = {
        let (before, after_entry) = comments.inline();
        format!("{before}{inline}{after_entry}")
    };
    match (&before_node, existing.last()) {
        (Some(n), _) => {
            let start = usize::from(n.text_range().start());
            if first_on_line(text, start) {
                after.insert_str(above_comments(text, line_start(text, start)), &line);
            } else {
                after.insert_str(start, &format!("{inline} "));
            }
        }
        (None, Some((_, last))) => {
            let end = usize::from(last.text_range().end());
            if last_on_line(text, end) && end < line_start(text, close_at) {
                after.insert_str(line_end(text, end), &line);
            } else {
                after.insert_str(end, &format!(" {inline}"));
            }
        }
        (None, None) => {
            if last_on_line(text, open_at + 1) {
                after.insert_str(line_end(text, open_at), &line);
            } else {
                after.insert_str(open_at + 1, &format!(" {inline}"));
            }
        }
    }
    Ok(Edit { file: target.file.path.clone(), before: text.clone(), after })
}

/// Moves a line start up past the comment lines right above it, which belong to that line.
fn above_comments(text: &str, mut at: usize) -> usize {
    while at > 0 {
        let prev = line_start(text, at - 1);
        if !text[prev..at].trim_start().starts_with('#') {
            break;
        }
        at = prev;
    }
    at
}

/// Pads `key` when the block aligns its `=` signs in one column.
fn align(text: &str, existing: &[(Vec<String>, rnix::SyntaxNode)], key: &str) -> String {
    // (column of the key, column of `=`, length of the key) for each entry.
    let columns: Vec<(usize, usize, usize)> = existing
        .iter()
        .filter_map(|(_, n)| {
            let apv = ast::AttrpathValue::cast(n.clone())?;
            let start = usize::from(n.text_range().start());
            let eq = usize::from(apv.assign_token()?.text_range().start());
            let key_end = usize::from(apv.attrpath()?.syntax().text_range().end());
            let ls = line_start(text, start);
            Some((start - ls, eq - ls, key_end - start))
        })
        .collect();
    let aligned = columns.len() >= 2
        && columns.windows(2).all(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1)
        && columns.iter().any(|&(k, eq, len)| eq > k + len + 1);
    match columns.first() {
        Some(&(k, eq, _)) if aligned => format!("{key:<width$}", width = eq - k - 1),
        _ => key.to_string(),
    }
}

/// The binding of the entry at `rest` in the target set.
fn entry_node(target: &Target) -> Result<rnix::SyntaxNode, EditError> {
    let found = entries(&target.set).into_iter().find(|(n, _)| n == &target.rest);
    if found.is_none()
        && let [name] = target.rest.as_slice()
        && target.set.inherits().any(|i| i.attrs().any(|a| locate::attr_name(&a).as_deref() == Some(name)))
    {
        return Err(EditError::new(format!(
            "{name} is inherited (`inherit {name};`) in {}: edit the binding it copies by hand",
            target.file.path.display()
        )));
    }
    found.map(|(_, node)| node).ok_or_else(|| {
        EditError::no(format!("no entry {} in {}", target.rest.join("."), target.file.path.display()))
    })
}

/// Removes the entry at `rest` from the target set: its whole line when it has one to itself,
/// with the comments that belong to it, which are returned with its value's text.
pub fn remove(target: &Target) -> Result<(Edit, String), EditError> {
    let (edit, value, _) = remove_with_comments(target)?;
    Ok((edit, value))
}

pub(crate) fn remove_with_comments(target: &Target) -> Result<(Edit, String, Comments), EditError> {
    let text = &target.file.text;
    let node = entry_node(target)?;
    let value = ast::AttrpathValue::cast(node.clone())
        .and_then(|apv| apv.value())
        .map(|v| v.syntax().text().to_string())
        .unwrap_or_default();
    let (mut from, to) = removal_range(text, &node);
    let mut comments = Comments::default();
    let (start, end) = (usize::from(node.text_range().start()), usize::from(node.text_range().end()));
    if first_on_line(text, start) && last_on_line(text, end) {
        let rest = text[end..line_end(text, end)].trim();
        comments.after = (!rest.is_empty()).then(|| rest.to_string());
        let above = above_comments(text, from);
        comments.above = text[above..from].lines().map(|l| l.trim().to_string()).collect();
        from = above;
    }
    let mut after = text.clone();
    after.replace_range(from..to, "");
    Ok((Edit { file: target.file.path.clone(), before: text.clone(), after }, value, comments))
}

/// The text to delete to remove `node`: its whole line when it has one to itself, otherwise
/// the node and one space beside it.
pub(crate) fn removal_range(text: &str, node: &rnix::SyntaxNode) -> (usize, usize) {
    let (start, end) = (usize::from(node.text_range().start()), usize::from(node.text_range().end()));
    let (ls, le) = (line_start(text, start), line_end(text, end));
    if first_on_line(text, start) && last_on_line(text, end) {
        (ls, le)
    } else if text[end..].starts_with(' ') && !text[end + 1..].trim_start().starts_with(['}', ']']) {
        (start, end + 1)
    } else if text[..start].ends_with(' ') {
        (start - 1, end)
    } else {
        (start, end)
    }
}

/// Replaces the port of the entry at `rest` with `value`: a literal integer, the literal
/// `port` of a leaf with metadata, or one item of a list leaf. An offset from a block's base
/// (`base + 81`, with `current` the port it gives now) gets a new offset, so the entry still
/// moves with its block. Any other computed value says something the new number would not.
pub(crate) fn set_value(
    target: &Target,
    item: Option<u32>,
    value: i64,
    current: Option<i64>,
) -> Result<(Edit, String), EditError> {
    let text = &target.file.text;
    let name = target.rest.join(".");
    let Some(mut old) = ast::AttrpathValue::cast(entry_node(target)?).and_then(|apv| apv.value()) else {
        return Err(EditError::new("incomplete attribute"));
    };
    if let ast::Expr::List(list) = &old {
        let items: Vec<ast::Expr> = list.items().collect();
        let Some(i) = item else {
            return Err(EditError::new(format!("{name} is a list of {} ports", items.len()))
                .with_hint(format!("set one of them, as {name}[0]")));
        };
        old = items
            .get(i as usize)
            .cloned()
            .ok_or_else(|| EditError::new(format!("{name} has no item {i}")))?;
    } else if item.is_some() {
        return Err(EditError::new(format!("{name} is not a list")));
    }
    // A leaf with its own metadata keeps it: only its `port` changes.
    if let ast::Expr::AttrSet(set) = &old
        && set.rec_token().is_none()
        && let Some(port) = entries(set)
            .into_iter()
            .find(|(n, _)| n == &["port"])
            .and_then(|(_, node)| ast::AttrpathValue::cast(node).and_then(|apv| apv.value()))
    {
        old = port;
    }
    let old_text = old.syntax().text().to_string();
    let new_text = if matches!(&old, ast::Expr::Literal(_)) && old_text.parse::<i64>().is_ok() {
        value.to_string()
    } else if let (Some((base, offset)), Some(current)) = (offset_form(&old), current) {
        offset_text(&base, value - (current - offset))
    } else {
        return Err(EditError::new(format!(
            "{name} is computed (`{old_text}`), not a port number or an offset from a base: edit it by hand"
        )));
    };
    let range = old.syntax().text_range();
    let mut after = text.clone();
    after.replace_range(usize::from(range.start())..usize::from(range.end()), &new_text);
    Ok((Edit { file: target.file.path.clone(), before: text.clone(), after }, old_text))
}
