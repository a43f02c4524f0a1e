//! Diagnostics for people, drawn by annotate-snippets (the renderer rustc uses): `error[code]:
//! message`, each span with its file:line:col and source lines, carets measured in display
//! columns (CJK and emoji are two wide, tabs four), multi-line spans drawn whole, long lines cut
//! around the caret. Colour when both output streams are terminals, never with `NO_COLOR`.

use std::io::IsTerminal;
use std::sync::OnceLock;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Diagnostic, Severity};
use crate::syntax::Sources;

/// Every diagnostic, plain: for files, tests and anything that is not a terminal.
pub(crate) fn render_all(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    render_all_with(sources, diagnostics, false)
}

pub(crate) fn render_all_with(sources: &Sources, diagnostics: &[Diagnostic], colour: bool) -> String {
    diagnostics.iter().map(|d| render_with(sources, d, colour)).collect::<Vec<_>>().join("\n")
}

/// One diagnostic, in colour or not. Every string from the user's files is made safe for a
/// terminal first (annotate-snippets draws C0 controls as pictures but passes C1 controls such
/// as CSI through), so the output can be written raw and its own escapes keep their colour.
pub(crate) fn render_with(sources: &Sources, diag: &Diagnostic, colour: bool) -> String {
    let level = match diag.severity() {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let code = diag.code.to_string();
    let message = escape(&diag.message);
    let mut group = Group::with_title(level.primary_title(message.as_ref()).id(code.as_str()));
    let spans = diag
        .span
        .map(|s| (s, "", AnnotationKind::Primary))
        .into_iter()
        .chain(diag.labels.iter().map(|l| (l.span, l.message.as_str(), AnnotationKind::Context)));
    for (span, label, kind) in spans {
        // Only the lines around the span, never the whole file, so a finding in a generated
        // registry of a million lines costs what one in a small file does.
        let file = sources.get(span.file);
        let (lines, line) = file.line_index.lines_around(&file.text, span.start, span.end);
        let text = &file.text[lines.clone()];
        // Offsets into the escaped text: the escaped length of what comes before.
        let local = |o: u32| {
            let o = (o as usize).clamp(lines.start, lines.end) - lines.start;
            let o = (0..=o).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            escape_c1(&text[..o]).len()
        };
        let mut annotation = kind.span(local(span.start)..local(span.end.max(span.start)));
        if !label.is_empty() {
            annotation = annotation.label(escape(label));
        }
        group = group.element(
            Snippet::source(escape_c1(text))
                .path(escape(&file.display_name()).into_owned())
                .line_start(line)
                .annotation(annotation),
        );
    }
    let hint = diag.hint.as_deref().filter(|h| !h.trim().is_empty());
    let located = diag.span.is_some() || !diag.labels.is_empty();
    if let Some(hint) = hint.filter(|_| located) {
        group = group.element(Level::HELP.with_name(Some("hint")).message(escape(hint)));
    }
    let renderer = if colour { Renderer::styled() } else { Renderer::plain() };
    let report: &[Group] = &[group];
    let mut out = renderer.render(report) + "\n";
    // Without a snippet annotate-snippets draws a lone gutter bar before the hint; the hint
    // line alone reads better.
    if let Some(hint) = hint.filter(|_| !located) {
        out.push_str(&format!("  = hint: {}\n", escape(hint)));
    }
    out
}

fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    crate::stdio::escape(text)
}

/// The C1 controls (CSI among them) as U+FFFD, one character for one, so the columns
/// annotate-snippets counts stay the file's; the C0 ones it draws as pictures itself.
fn escape_c1(text: &str) -> std::borrow::Cow<'_, str> {
    let c1 = |c: char| ('\u{80}'..='\u{9f}').contains(&c);
    if !text.chars().any(c1) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.chars().map(|c| if c1(c) { '\u{fffd}' } else { c }).collect())
}

/// Colour when a person is looking at both streams; `NO_COLOR` (any value) turns it off and
/// `CLICOLOR_FORCE` turns it on, as https://no-color.org and the CLICOLOR convention say.
pub(crate) fn colour() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return false;
        }
        set("CLICOLOR_FORCE") || (std::io::stdout().is_terminal() && std::io::stderr().is_terminal())
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::diagnostic::{Code, Span};

    fn render(sources: &Sources, diag: &Diagnostic) -> String {
        render_with(sources, diag, false)
    }

    fn one(text: &str, at: &str, len: u32) -> (Sources, Span) {
        let mut sources = Sources::new();
        let file = sources.add(PathBuf::from("lib/ports.nix"), text.to_string());
        let start = text.find(at).unwrap() as u32;
        (sources, Span { file, start, end: start + len })
    }

    #[test]
    fn carets_follow_display_width_after_cjk_and_emoji() {
        let text = "{ 名前 = 1; \"😀\" = 1; web = 8080; }\n";
        let (sources, span) = one(text, "web", 3);
        let out = render(&sources, &Diagnostic::new(Code::DuplicatePort, "dup").at(span));
        let lines: Vec<&str> = out.lines().collect();
        // Two columns for each of 名, 前 and 😀: the caret sits under `web` on screen.
        let source = lines.iter().find(|l| l.contains("web = 8080")).unwrap();
        let caret = lines.iter().find(|l| l.contains('^')).unwrap();
        // 名, 前 and 😀 are the only wide characters here.
        let width = |s: &str| s.chars().map(|c| if c as u32 >= 0x1100 { 2 } else { 1 }).sum::<usize>();
        let web = source.find("web").unwrap();
        assert_eq!(width(&caret[..caret.find('^').unwrap()]), width(&source[..web]), "{out}");
        assert!(out.contains("--> lib/ports.nix:1:20"), "{out}");
    }

    #[test]
    fn a_multi_line_span_shows_every_line() {
        let text = "{\n  web = {\n    port = 8080;\n  };\n}\n";
        let (sources, span) = one(text, "{\n    port", 22);
        let out = render(&sources, &Diagnostic::new(Code::InvalidPort, "not a port").at(span));
        for line in ["2 |", "3 |", "4 |"] {
            assert!(out.contains(line), "{line} missing in\n{out}");
        }
    }

    #[test]
    fn an_empty_hint_is_left_out_and_a_given_one_is_shown() {
        let (sources, span) = one("{ a = 1; }", "a", 1);
        let empty = Diagnostic::new(Code::InvalidPort, "x").at(span).with_hint(" ");
        assert!(!render(&sources, &empty).contains("hint"));
        let given = Diagnostic::new(Code::InvalidPort, "x").at(span).with_hint("do this");
        assert!(render(&sources, &given).contains("= hint: do this"));
        let nowhere = Diagnostic::new(Code::LoadFailed, "no file");
        assert_eq!(render(&sources, &nowhere), "error[load-failed]: no file\n");
        let hinted = nowhere.with_hint("pass --registry");
        assert_eq!(render(&sources, &hinted), "error[load-failed]: no file\n  = hint: pass --registry\n");
    }

    #[test]
    fn colour_only_when_asked_and_controls_from_files_never_reach_the_terminal() {
        let text = "{ \"a\u{1b}]0;x\u{7}\u{9b}2J\" = 1; }";
        let (sources, span) = one(text, "\"a", 3);
        let d = Diagnostic::new(Code::InvalidPort, "name \u{1b}[8m").at(span).with_label(span, "\u{9b}2J");
        let plain = render_with(&sources, &d, false);
        let styled = render_with(&sources, &d, true);
        assert!(!plain.contains('\u{1b}') && !plain.contains('\u{9b}'), "{plain:?}");
        assert!(styled.contains("\u{1b}["), "{styled:?}");
        assert!(
            !styled.contains('\u{9b}') && !styled.contains("\u{1b}]") && !styled.contains("\u{1b}[8m"),
            "{styled:?}"
        );
    }
}
