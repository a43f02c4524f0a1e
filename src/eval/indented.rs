//! Indented strings (`'' ... ''`), stripped exactly as Nix 2.8's parser does.
//!
//! rnix decodes escapes before stripping indentation; Nix 2.8 strips after, so a line that
//! follows an escaped `''\n` loses its indentation too. The reference is Nix, so this follows it.

use rnix::ast::{self, AstToken, InterpolPart};
use rowan::ast::AstNode;

pub(crate) enum Piece<E> {
    /// Text, and whether it is ordinary text whose leading spaces count as indentation;
    /// escapes are text too, but, like interpolations, they end a line's indentation.
    Text(String, bool),
    Interpolation(E),
}

/// Whether the node holds only what rnix's `Str::parts` accepts; it asserts otherwise, and
/// rnix's error recovery can build other shapes without reporting an error.
pub(crate) fn well_formed(s: &ast::Str) -> bool {
    use rnix::SyntaxKind::*;
    s.syntax().children_with_tokens().all(|c| match c {
        rowan::NodeOrToken::Token(t) => {
            matches!(t.kind(), TOKEN_STRING_START | TOKEN_STRING_END | TOKEN_STRING_CONTENT)
        }
        rowan::NodeOrToken::Node(n) => n.kind() == NODE_INTERPOL,
    })
}

/// A string's literal text and interpolations, with escapes decoded and indentation stripped.
pub(crate) fn parts(s: &ast::Str) -> Vec<Piece<ast::Interpol>> {
    let indented = s.syntax().first_token().is_some_and(|t| t.text() == "''");
    if !indented {
        let raw_is_plain = s.parts().all(|p| match p {
            InterpolPart::Literal(lit) => !lit.syntax().text().contains(['\r', '\0']),
            InterpolPart::Interpolation(_) => true,
        });
        if raw_is_plain {
            return s
                .normalized_parts()
                .into_iter()
                .map(|p| match p {
                    InterpolPart::Literal(t) => Piece::Text(t, true),
                    InterpolPart::Interpolation(i) => Piece::Interpolation(i),
                })
                .collect();
        }
        return s
            .parts()
            .map(|p| match p {
                InterpolPart::Literal(lit) => Piece::Text(unescape(lit.syntax().text()), true),
                InterpolPart::Interpolation(i) => Piece::Interpolation(i),
            })
            .collect();
    }
    let mut pieces = Vec::new();
    for (i, part) in s.parts().enumerate() {
        match part {
            InterpolPart::Literal(lit) => {
                let mut raw = lit.syntax().text();
                // The lexer swallows spaces and a newline right after the opening quotes.
                if i == 0 {
                    let trimmed = raw.trim_start_matches(' ');
                    if let Some(rest) = trimmed.strip_prefix('\n') {
                        raw = rest;
                    }
                }
                lex_raw(raw, &mut pieces);
            }
            InterpolPart::Interpolation(ip) => pieces.push(Piece::Interpolation(ip)),
        }
    }
    strip(pieces)
}

/// A `"..."` string's raw text between interpolations, decoded as Nix 2.8's lexer decodes it:
/// `\n`, `\r`, `\t` and `\` before anything else; a raw `\r` or `\r\n` is `\n`; and the text
/// ends at a NUL, as Nix keeps string literals as C strings.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let decoded = match c {
            '\\' => match chars.next() {
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some(other) => other,
                None => break,
            },
            '\r' => {
                chars.next_if_eq(&'\n');
                '\n'
            }
            other => other,
        };
        if decoded == '\0' {
            break;
        }
        out.push(decoded);
    }
    out
}

/// Splits the raw text between interpolations into the tokens Nix's lexer makes of it.
pub(crate) fn lex_raw<E>(raw: &str, out: &mut Vec<Piece<E>>) {
    let esc = |s: &str| Piece::Text(s.to_string(), false);
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &raw[i..];
        if rest.starts_with("''$") {
            out.push(esc("$"));
            i += 3;
        } else if rest.starts_with("'''") {
            out.push(esc("''"));
            i += 3;
        } else if let Some(after) = rest.strip_prefix("''\\") {
            match after.chars().next() {
                Some(c) => {
                    out.push(match c {
                        'n' => esc("\n"),
                        'r' => esc("\r"),
                        't' => esc("\t"),
                        c => esc(c.encode_utf8(&mut [0; 4])),
                    });
                    i += 3 + c.len_utf8();
                }
                None => i = b.len(),
            }
        } else {
            let start = i;
            while i < b.len() {
                let next = b.get(i + 1).copied();
                match b[i] {
                    b'$' if next.is_some_and(|n| n != b'{' && n != b'\'') => i += 2,
                    b'\'' if next.is_some_and(|n| n != b'\'' && n != b'$') => i += 2,
                    b'$' | b'\'' => break,
                    _ => i += 1,
                }
            }
            if i == start {
                // A lone `$` or `'`: its own token.
                out.push(esc(&raw[i..i + 1]));
                i += 1;
            } else {
                out.push(Piece::Text(raw[start..i].to_string(), true));
            }
        }
    }
}

/// Nix 2.8's `stripIndentation`.
pub(crate) fn strip<E>(pieces: Vec<Piece<E>>) -> Vec<Piece<E>> {
    let mut at_start = true;
    let mut min_indent = usize::MAX;
    let mut cur_indent = 0;
    for p in &pieces {
        match p {
            Piece::Interpolation(_) | Piece::Text(_, false) => {
                if at_start {
                    at_start = false;
                    min_indent = min_indent.min(cur_indent);
                }
            }
            Piece::Text(s, true) => {
                for c in s.bytes() {
                    if at_start {
                        match c {
                            b' ' => cur_indent += 1,
                            b'\n' => cur_indent = 0,
                            _ => {
                                at_start = false;
                                min_indent = min_indent.min(cur_indent);
                            }
                        }
                    } else if c == b'\n' {
                        at_start = true;
                        cur_indent = 0;
                    }
                }
            }
        }
    }
    let mut out = Vec::with_capacity(pieces.len());
    at_start = true;
    let mut dropped = 0;
    let n = pieces.len();
    for (idx, p) in pieces.into_iter().enumerate() {
        match p {
            Piece::Interpolation(e) => {
                at_start = false;
                dropped = 0;
                out.push(Piece::Interpolation(e));
            }
            Piece::Text(s, indentation) => {
                let mut s2 = String::with_capacity(s.len());
                for c in s.chars() {
                    if at_start {
                        match c {
                            ' ' => {
                                if dropped >= min_indent {
                                    s2.push(c);
                                }
                                dropped += 1;
                            }
                            '\n' => {
                                dropped = 0;
                                s2.push(c);
                            }
                            _ => {
                                at_start = false;
                                dropped = 0;
                                s2.push(c);
                            }
                        }
                    } else {
                        s2.push(c);
                        if c == '\n' {
                            at_start = true;
                        }
                    }
                }
                // The last line goes if it is only spaces.
                if idx + 1 == n
                    && let Some(p) = s2.rfind('\n')
                    && s2[p + 1..].bytes().all(|c| c == b' ')
                {
                    s2.truncate(p + 1);
                }
                // Nix 2.8 keeps each piece as a C string: it ends at a NUL.
                if let Some(nul) = s2.find('\0') {
                    s2.truncate(nul);
                }
                out.push(Piece::Text(s2, indentation));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str) -> String {
        let mut toks = Vec::new();
        lex_raw::<()>(raw, &mut toks);
        strip(toks)
            .into_iter()
            .map(|p| match p {
                Piece::Text(s, _) => s,
                Piece::Interpolation(()) => String::new(),
            })
            .collect()
    }

    #[test]
    fn strips_common_indentation_and_last_blank_line() {
        assert_eq!(text("  a\n    b\n  "), "a\n  b\n");
    }

    #[test]
    fn escapes_decode_before_stripping_as_in_nix_2_8() {
        assert_eq!(text("  a ''${b}\n  f ''\\n g\n"), "a ${b}\nf \ng\n");
        assert_eq!(text("  d '''e\n"), "d ''e\n");
    }
}
