//! rustc-style rendering: `error[code]: message`, ` --> file:line:col`, the line, a caret.

use std::fmt::Write;

use super::{Diagnostic, Location, Span};
use crate::syntax::Sources;

pub fn render_all(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| render(sources, d)).collect::<Vec<_>>().join("\n")
}

pub fn render(sources: &Sources, diag: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}[{}]: {}", diag.severity, diag.code, diag.message);
    if let Some(span) = diag.span {
        snippet(&mut out, sources, span, None);
    }
    for label in &diag.labels {
        snippet(&mut out, sources, label.span, Some(&label.message));
    }
    if let Some(hint) = &diag.hint {
        let _ = writeln!(out, "  = hint: {hint}");
    }
    out
}

fn snippet(out: &mut String, sources: &Sources, span: Span, label: Option<&str>) {
    let file = sources.get(span.file);
    let loc = Location::of(sources, span);
    let line_text = file.line_index.line_text(&file.text, loc.line);
    let gutter = loc.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {loc}");
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{} | {}", loc.line, line_text);
    // Columns are counted in characters so that the caret lines up under non-ASCII text.
    let start_col = loc.column as usize - 1;
    let span_len = (span.end.saturating_sub(span.start)) as usize;
    let rest: usize = line_text.chars().count().saturating_sub(start_col);
    let width = file.text[span.start as usize..]
        .get(..span_len.min(file.text.len() - span.start as usize))
        .map_or(1, |s| s.chars().take_while(|c| *c != '\n').count())
        .clamp(1, rest.max(1));
    let indent: String =
        line_text.chars().take(start_col).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    let _ = write!(out, "{pad} | {indent}{}", "^".repeat(width));
    match label {
        Some(msg) => {
            let _ = writeln!(out, " {msg}");
        }
        None => out.push('\n'),
    }
}
