//! Where the numbers are: integer literals and numbers inside strings for Nix (comments are
//! skipped by the parser), standalone digit runs for YAML, JSON and .env files.

use rnix::SyntaxKind;

use super::Kind;

/// (byte offset, value) of each candidate number; `None` for Nix that does not parse.
pub fn numbers(text: &str, kind: Kind) -> Option<Vec<(usize, i64)>> {
    match kind {
        Kind::Nix => nix_numbers(text),
        Kind::Text => Some(digit_runs(text, 0, true)),
    }
}

fn nix_numbers(text: &str) -> Option<Vec<(usize, i64)>> {
    // Through the nesting guard, as every parse of Nix: deep input costs rowan quadratic time.
    let parsed = crate::syntax::parse_guarded(text)?;
    if !parsed.errors().is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for token in parsed.syntax().descendants_with_tokens().filter_map(|e| e.into_token()) {
        let start = usize::from(token.text_range().start());
        match token.kind() {
            SyntaxKind::TOKEN_INTEGER => {
                if let Ok(v) = token.text().parse() {
                    out.push((start, v));
                }
            }
            SyntaxKind::TOKEN_STRING_CONTENT => out.extend(digit_runs(token.text(), start, false)),
            _ => {}
        }
    }
    Some(out)
}

/// Runs of digits that stand alone: not part of a word, a version (1.2.3) or a longer number.
/// In text files, `#` starts a comment that runs to the end of the line.
fn digit_runs(text: &str, base: usize, comments: bool) -> Vec<(usize, i64)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if comments && b[i] == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let glued = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
        let before = start.checked_sub(1).map(|j| b[j]);
        let after = b.get(i).copied();
        // A dot after the run is fine at a sentence end ("port 5432."), not inside a number.
        let after_ok = match after {
            Some(b'.') => !b.get(i + 1).is_some_and(u8::is_ascii_digit),
            Some(c) => !glued(c),
            None => true,
        };
        if before.is_none_or(|c| !glued(c))
            && after_ok
            && let Ok(v) = text[start..i].parse()
        {
            out.push((base + start, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_standalone_numbers_only() {
        let found: Vec<i64> = digit_runs(
            "PORT=5432\nimage: postgres:16.2\nurl: 127.0.0.1:6379 # 8080\nv2 x5 9000-9100",
            0,
            true,
        )
        .into_iter()
        .map(|(_, v)| v)
        .collect();
        assert_eq!(found, vec![5432, 6379, 9000, 9100]);
    }

    #[test]
    fn nix_numbers_skip_comments_and_read_strings() {
        let text = "{ port = 5432; # 6379\n  cmd = \"redis --port 6379\"; v = \"1.2.3\"; }";
        let found: Vec<i64> = nix_numbers(text).unwrap_or_default().into_iter().map(|(_, v)| v).collect();
        assert_eq!(found, vec![5432, 6379]);
    }
}
