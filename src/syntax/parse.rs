use rnix::{ParseError, SyntaxKind, TextRange, TextSize};

use super::{FileId, Sources};
use crate::diagnostic::{Diagnostic, Span};

/// Brackets nested deeper than this, or more prefix operators or chained `if`s in a row, are
/// refused before parsing: rowan's node cache takes quadratic time on deep identical nesting, and rnix limits
/// its own recursion to 512 too.
pub const MAX_NESTING: usize = 512;

/// Parses a file and returns its root, or every parse error rnix found.
pub fn parse(sources: &Sources, file: FileId) -> Result<rnix::Root, Vec<Diagnostic>> {
    let text = &sources.get(file).text;
    if let Some(range) = too_deep(text) {
        return Err(vec![
            Diagnostic::error(
                "syntax-error",
                format!("brackets, prefix operators, `if`s or attribute paths nested more than {MAX_NESTING} levels deep"),
            )
            .at(Span::new(file, range))
            .with_hint("flatten the expression, for example with `let` bindings"),
        ]);
    }
    let parsed = rnix::Root::parse(text);
    if parsed.errors().is_empty() {
        return Ok(parsed.tree());
    }
    let end = TextRange::empty(TextSize::of(text.as_str()));
    let diags = parsed
        .errors()
        .iter()
        .map(|err| {
            let (range, message) = describe(err, end);
            Diagnostic::error("syntax-error", message)
                .at(Span::new(file, range))
                .with_hint("fix the Nix syntax here; `nix-instantiate --parse FILE` shows how Nix reads it")
        })
        .collect();
    Err(diags)
}

/// rnix's parse of `text`, unless it nests deeper than `MAX_NESTING`: the one way every part
/// of portnix that reads Nix text parses it.
pub fn parse_guarded(text: &str) -> Option<rnix::Parse<rnix::Root>> {
    if too_deep(text).is_some() {
        return None;
    }
    Some(rnix::Root::parse(text))
}

fn too_deep(text: &str) -> Option<TextRange> {
    use SyntaxKind::*;
    let mut depth = 0usize;
    // Prefix operators nest too (`- - - 1`), and rowan pays the same quadratic price for them;
    // so do `if`s chained without a bracket or a `;` between them (`else if ...`).
    let mut prefix_run = 0usize;
    // An attribute path of a million names builds a million nested sets.
    let mut dots = 0usize;
    let mut ifs: Vec<usize> = vec![0];
    let mut offset = TextSize::from(0);
    for (kind, tok) in rnix::tokenize(text) {
        let len = TextSize::of(tok);
        match kind {
            TOKEN_WHITESPACE | TOKEN_COMMENT => {}
            TOKEN_SUB | TOKEN_INVERT => {
                prefix_run += 1;
                if prefix_run > MAX_NESTING {
                    return Some(TextRange::at(offset, len));
                }
            }
            _ => prefix_run = 0,
        }
        match kind {
            TOKEN_DOT => {
                dots += 1;
                if dots > MAX_NESTING {
                    return Some(TextRange::at(offset, len));
                }
            }
            TOKEN_IDENT | TOKEN_STRING_START | TOKEN_STRING_CONTENT | TOKEN_STRING_END | TOKEN_WHITESPACE
            | TOKEN_COMMENT => {}
            _ => dots = 0,
        }
        match kind {
            TOKEN_IF => {
                let top = ifs.last_mut().expect("the outermost frame stays");
                *top += 1;
                if *top > MAX_NESTING {
                    return Some(TextRange::at(offset, len));
                }
            }
            TOKEN_SEMICOLON => *ifs.last_mut().expect("the outermost frame stays") = 0,
            TOKEN_L_BRACE | TOKEN_L_BRACK | TOKEN_L_PAREN | TOKEN_INTERPOL_START => ifs.push(0),
            TOKEN_R_BRACE | TOKEN_R_BRACK | TOKEN_R_PAREN | TOKEN_INTERPOL_END if ifs.len() > 1 => {
                ifs.pop();
            }
            _ => {}
        }
        match kind {
            TOKEN_L_BRACE | TOKEN_L_BRACK | TOKEN_L_PAREN | TOKEN_INTERPOL_START => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(TextRange::at(offset, len));
                }
            }
            TOKEN_R_BRACE | TOKEN_R_BRACK | TOKEN_R_PAREN | TOKEN_INTERPOL_END => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
        offset += len;
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
