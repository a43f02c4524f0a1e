use rnix::{ParseError, SyntaxKind, TextRange, TextSize};

use super::guard::refuse;

use super::{FileId, Sources};
use crate::diagnostic::{Code, Diagnostic, Span};

/// Parses a file and returns its root, or every parse error rnix found. The nesting guard and
/// rnix read the same text, the one Nix's lexer sees (`as_nix_reads`).
pub(crate) fn parse(sources: &Sources, file: FileId) -> Result<rnix::Root, Vec<Diagnostic>> {
    let text = as_nix_reads(&sources.get(file).text);
    if let Some(refusal) = refuse(&text) {
        return Err(vec![
            Diagnostic::new(Code::SyntaxError, refusal.message())
                .at(Span::new(file, refusal.range))
                .with_hint(refusal.hint()),
        ]);
    }
    let parsed = rnix::Root::parse(&text);
    if parsed.errors().is_empty() {
        return Ok(parsed.tree());
    }
    let end = TextRange::empty(TextSize::of(&*text));
    let diags = parsed
        .errors()
        .iter()
        .map(|err| {
            let (range, message) = describe(err, end);
            Diagnostic::new(Code::SyntaxError, message)
                .at(Span::new(file, range))
                .with_hint("fix the Nix syntax here; `nix-instantiate --parse FILE` shows how Nix reads it")
        })
        .collect();
    Err(diags)
}

/// rnix's parse of `text`, unless it nests deeper than `MAX_NESTING`: the one way every part
/// of portnix that reads Nix text parses it.
pub(crate) fn parse_guarded(text: &str) -> Option<rnix::Parse<rnix::Root>> {
    // The guard measures the text rnix will read: a comment that ends at a lone `\r` hides
    // nothing from it.
    let text = as_nix_reads(text);
    if refuse(&text).is_some() {
        return None;
    }
    Some(rnix::Root::parse(&text))
}

/// `text` as Nix's lexer reads it where rnix's differs: Nix ends a `#` comment at a lone `\r`
/// as well as at `\n`, rnix only at `\n`, so such a `\r` becomes `\n`. The length is the
/// same, so every offset into the tree is an offset into `text`.
fn as_nix_reads(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    let mut from = 0;
    while let Some((at, nested)) = lone_cr_in_comment(&out, from) {
        out.replace_range(at..at + 1, "\n");
        // After a comment outside any interpolation the lexer starts afresh, so the rest is
        // read from there; inside one, only from the start is right.
        from = if nested { 0 } else { at + 1 };
    }
    std::borrow::Cow::Owned(out)
}

/// The first lone `\r` inside a `#` comment at or after `from` (where lexing starts afresh),
/// and whether that comment is inside an interpolation.
fn lone_cr_in_comment(text: &str, from: usize) -> Option<(usize, bool)> {
    let (mut offset, mut depth) = (from, 0usize);
    for (kind, tok) in rnix::tokenize(&text[from..]) {
        match kind {
            SyntaxKind::TOKEN_INTERPOL_START => depth += 1,
            SyntaxKind::TOKEN_INTERPOL_END => depth = depth.saturating_sub(1),
            SyntaxKind::TOKEN_COMMENT if tok.starts_with('#') => {
                let lone = tok
                    .bytes()
                    .enumerate()
                    .find(|&(i, c)| c == b'\r' && text.as_bytes().get(offset + i + 1) != Some(&b'\n'));
                if let Some((i, _)) = lone {
                    return Some((offset + i, depth > 0));
                }
            }
            _ => {}
        }
        offset += tok.len();
    }
    None
}

fn describe(err: &ParseError, eof: TextRange) -> (TextRange, String) {
    match err {
        ParseError::Unexpected(r) => (*r, "unexpected input".into()),
        ParseError::UnexpectedExtra(r) => (*r, "unexpected input after the end of the expression".into()),
        ParseError::UnexpectedWanted(got, r, want) => {
            (*r, format!("unexpected {}, expected {}", token_name(*got), wanted(want)))
        }
        ParseError::UnexpectedDoubleBind(r) => (*r, "this pattern is bound twice with `@`".into()),
        ParseError::UnexpectedEOF => (eof, "unexpected end of file".into()),
        ParseError::UnexpectedEOFWanted(want) => {
            (eof, format!("unexpected end of file, expected {}", wanted(want)))
        }
        ParseError::DuplicatedArgs(r, name) => (*r, format!("duplicate formal function argument '{name}'")),
        ParseError::RecursionLimitExceeded => (eof, "the expression is nested too deeply to parse".into()),
        other => (eof, other.to_string()),
    }
}

fn wanted(kinds: &[SyntaxKind]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| token_name(*k)).collect();
    match names.len() {
        0 => "something else".into(),
        1 => names[0].clone(),
        _ => format!("one of {}", names.join(", ")),
    }
}

fn token_name(kind: SyntaxKind) -> String {
    use SyntaxKind::*;
    let s = match kind {
        TOKEN_SEMICOLON => "`;`",
        TOKEN_ASSIGN => "`=`",
        TOKEN_L_BRACE => "`{`",
        TOKEN_R_BRACE => "`}`",
        TOKEN_L_BRACK => "`[`",
        TOKEN_R_BRACK => "`]`",
        TOKEN_L_PAREN => "`(`",
        TOKEN_R_PAREN => "`)`",
        TOKEN_COLON => "`:`",
        TOKEN_COMMA => "`,`",
        TOKEN_DOT => "`.`",
        TOKEN_IN => "`in`",
        TOKEN_THEN => "`then`",
        TOKEN_ELSE => "`else`",
        TOKEN_IDENT => "an identifier",
        TOKEN_STRING_END => "the end of the string",
        TOKEN_INTERPOL_END => "`}` closing the interpolation",
        NODE_ATTRPATH => "an attribute path",
        other => return format!("{other:?}").to_lowercase().replace('_', " "),
    };
    s.to_string()
}
