//! The names a `let` or `rec { }` binds, read ahead of parsing its bindings: lowering while
//! parsing has to know them before the first value that may refer to them.
//!
//! It only skims: it finds where each binding starts and takes its first name. A wrong guess
//! is harmless, because the caller compares these names with the bindings it then parses
//! and gives up on any difference.

use super::lexer::{Bail, Lexer, Tok, Token};

/// The first name of every binding from `first` (already read from `lexer`) up to `end` (`in`
/// or `}`) at the same nesting level, sorted and without repeats. Quoted names come without
/// their quotes.
pub(crate) fn binding_names<'a>(
    text: &'a str,
    first: Token,
    lexer: &mut Lexer<'a>,
    end: Tok,
) -> Result<Vec<&'a str>, Bail> {
    let mut names = Vec::new();
    let mut next = Some(first);
    loop {
        let t = match next.take() {
            Some(t) => t,
            None => lexer.next_token()?,
        };
        match t.tok {
            tok if tok == end => break,
            Tok::Inherit => {
                let mut t = lexer.next_token()?;
                if t.tok == Tok::LParen {
                    skip_until(lexer, Tok::RParen)?;
                    t = lexer.next_token()?;
                }
                while t.tok != Tok::Semi {
                    names.push(t.attr_name(text).ok_or(Bail)?);
                    t = lexer.next_token()?;
                }
                continue;
            }
            _ => names.push(t.attr_name(text).ok_or(Bail)?),
        }
        skip_until(lexer, Tok::Semi)?;
    }
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

/// Skips to the `until` that closes the current level: brackets nest, and so do the `;`s that
/// `let`, `with` and `assert` own inside a value.
fn skip_until(lexer: &mut Lexer<'_>, until: Tok) -> Result<(), Bail> {
    let mut brackets = 0u32;
    let mut lets = 0u32;
    let mut owed_semis = 0u32;
    loop {
        let tok = lexer.next_token()?.tok;
        match tok {
            Tok::Eof => return Err(Bail),
            _ if brackets == 0 && lets == 0 && owed_semis == 0 && tok == until => return Ok(()),
            Tok::LBrace | Tok::LBrack | Tok::LParen => brackets += 1,
            Tok::RBrace | Tok::RBrack | Tok::RParen => brackets = brackets.checked_sub(1).ok_or(Bail)?,
            _ if brackets > 0 => {}
            Tok::Let => lets += 1,
            Tok::In => lets = lets.checked_sub(1).ok_or(Bail)?,
            _ if lets > 0 => {}
            Tok::With | Tok::Assert => owed_semis += 1,
            Tok::Semi => owed_semis = owed_semis.checked_sub(1).ok_or(Bail)?,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, end: Tok) -> Option<Vec<&str>> {
        let mut lexer = Lexer::new(text).ok()?;
        let first = lexer.next_token().ok()?;
        binding_names(text, first, &mut lexer, end).ok()
    }

    #[test]
    fn skims_values_that_hold_semicolons_of_their_own() {
        let text = "a = with x; y; b = let c = 1; d = { e = 2; }; in c; inherit (z) f; \
                    \"g h\" = assert true; [ 1 ]; i.j = 2; i.k = 3; inherit l; in a";
        assert_eq!(names(text, Tok::In), Some(vec!["a", "b", "f", "g h", "i", "l"]));
        assert_eq!(names("x = { y = 1; }; }", Tok::RBrace), Some(vec!["x"]));
        assert_eq!(names("}", Tok::RBrace), Some(vec![]));
    }

    #[test]
    fn gives_up_on_what_it_cannot_skim() {
        assert_eq!(names("a = 1", Tok::In), None);
        assert_eq!(names("a = (1; in a", Tok::In), None);
        assert_eq!(names("= 1; in a", Tok::In), None);
    }
}
