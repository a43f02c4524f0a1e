//! rustc-style rendering: `error[code]: message`, ` --> file:line:col`, the line, a caret.

use std::fmt::Write;

use super::{Diagnostic, Location, Span};
use crate::syntax::Sources;

pub fn render_all(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| render(sources, d)).collect::<Vec<_>>().join("\n")
}

pub fn render(sources: &Sources, diag: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}[{}]: {}", diag.severity(), diag.code, diag.message);
    // One gutter width for all snippets, as rustc does, so the bars line up.
    let gutter = diag
        .span
        .iter()
        .chain(diag.labels.iter().map(|l| &l.span))
        .map(|s| Location::of(sources, *s).line.to_string().len())
        .max()
        .unwrap_or(1);
    if let Some(span) = diag.span {
        snippet(&mut out, sources, span, None, gutter);
    }
    for label in &diag.labels {
        snippet(&mut out, sources, label.span, Some(&label.message), gutter);
    }
    if let Some(hint) = &diag.hint {
        let _ = writeln!(out, "  = hint: {hint}");
    }
    out
}

fn snippet(out: &mut String, sources: &Sources, span: Span, label: Option<&str>, gutter: usize) {
    let file = sources.get(span.file);
    let loc = Location::of(sources, span);
    let line_text = file.line_index.line_text(&file.text, loc.line);
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {loc}");
    let _ = writeln!(out, "{pad} |");
    // Columns count characters, so the caret lines up under non-ASCII text; very long lines
    // (generated registries) are cut to a window around the caret.
    let chars: Vec<char> = line_text.chars().collect();
    let col = (loc.column as usize - 1).min(chars.len());
    let (from, to) = window(chars.len(), col);
    let shown: String = chars[from..to].iter().collect();
    let (pre, post) = (if from > 0 { "..." } else { "" }, if to < chars.len() { "..." } else { "" });
    let _ = writeln!(out, "{:>gutter$} | {pre}{shown}{post}", loc.line);
    let span_chars = file.text.get(span.start as usize..span.end as usize).map_or(1, |s| s.chars().count());
    let width = span_chars.clamp(1, (to - col).max(1));
    let indent: String =
        pre.chars().chain(chars[from..col].iter().map(|&c| if c == '\t' { '\t' } else { ' ' })).collect();
    let indent = indent.replace('.', " ");
    let _ = write!(out, "{pad} | {indent}{}", "^".repeat(width));
    match label {
        Some(msg) => {
            let _ = writeln!(out, " {msg}");
        }
        None => out.push('\n'),
    }
}

/// The part of a line to show: all of it when short, else about 100 characters around `col`.
fn window(len: usize, col: usize) -> (usize, usize) {
    const WIDTH: usize = 100;
    if len <= WIDTH {
        return (0, len);
    }
    let from = col.saturating_sub(WIDTH / 2);
    (from, (from + WIDTH).min(len))
}
