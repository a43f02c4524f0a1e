//! Tokens of the fast subset. Anything whose meaning depends on rnix's context-sensitive
//! rules (paths, URIs, `/`, `<`, `>`, floats, escapes, interpolation, `or`) is refused with
//! `Bail`, so every token this lexer accepts means the same to rnix.

/// The input is outside the fast subset: rnix must read it.
#[derive(Debug)]
pub struct Bail;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident,
    Int(i64),
    /// A plain string; the token covers the quotes.
    Str,
    LBrace,
    RBrace,
    LBrack,
    RBrack,
    LParen,
    RParen,
    Semi,
    Assign,
    Dot,
    Colon,
    Plus,
    Minus,
    Star,
    Concat,
    Eq,
    NotEq,
    And,
    Or,
    Impl,
    Not,
    Let,
    In,
    Rec,
    Inherit,
    With,
    If,
    Then,
    Else,
    Assert,
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub tok: Tok,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Token {
    /// The token's text in `src`.
    pub(crate) fn text(self, src: &str) -> &str {
        &src[self.start as usize..self.end as usize]
    }

    /// What a plain string holds: its text without the quotes (it has no escapes).
    pub(crate) fn string_contents(self, src: &str) -> &str {
        &src[self.start as usize + 1..self.end as usize - 1]
    }

    /// The attribute name an identifier or a plain string spells.
    pub(crate) fn attr_name(self, src: &str) -> Option<&str> {
        match self.tok {
            Tok::Ident => Some(self.text(src)),
            Tok::Str => Some(self.string_contents(src)),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\'' | b'-')
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Result<Self, Bail> {
        // Offsets are u32, as in rowan.
        if text.len() >= u32::MAX as usize {
            return Err(Bail);
        }
        Ok(Lexer { src: text.as_bytes(), pos: 0 })
    }

    /// The byte offset the next token is read from.
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    fn peek_at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn skip_trivia(&mut self) -> Result<(), Bail> {
        loop {
            match self.peek_at(self.pos) {
                // rnix takes any whitespace; `\r` matters for files with Windows line ends.
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                // Nix ends a comment at `\r` as well as at `\n`.
                b'#' => {
                    self.pos = match self.src[self.pos..].iter().position(|&c| c == b'\n' || c == b'\r') {
                        Some(i) => self.pos + i,
                        None => self.src.len(),
                    }
                }
                b'/' if self.peek_at(self.pos + 1) == b'*' => {
                    let body = &self.src[self.pos + 2..];
                    let end = body.windows(2).position(|w| w == b"*/").ok_or(Bail)?;
                    self.pos += 2 + end + 2;
                }
                _ => return Ok(()),
            }
        }
    }

    pub fn next_token(&mut self) -> Result<Token, Bail> {
        self.skip_trivia()?;
        let start = self.pos;
        let tok = self.token()?;
        Ok(Token { tok, start: start as u32, end: self.pos as u32 })
    }

    fn token(&mut self) -> Result<Tok, Bail> {
        let Some(&b) = self.src.get(self.pos) else { return Ok(Tok::Eof) };
        let next = self.peek_at(self.pos + 1);
        self.pos += 1;
        let two = |l: &mut Self, t| {
            l.pos += 1;
            Ok(t)
        };
        match b {
            b'{' => Ok(Tok::LBrace),
            b'}' => Ok(Tok::RBrace),
            b'[' => Ok(Tok::LBrack),
            b']' => Ok(Tok::RBrack),
            b'(' => Ok(Tok::LParen),
            b')' => Ok(Tok::RParen),
            b';' => Ok(Tok::Semi),
            // `..` and `...` and `.5` all mean something else to rnix.
            b'.' if next == b'.' || next.is_ascii_digit() => Err(Bail),
            b'.' => Ok(Tok::Dot),
            // `x:y` is a URI; a lambda's colon is followed by a space here.
            b':' if matches!(next, b' ' | b'\t' | b'\n' | b'\r') => Ok(Tok::Colon),
            b'=' if next == b'=' => two(self, Tok::Eq),
            b'=' => Ok(Tok::Assign),
            b'!' if next == b'=' => two(self, Tok::NotEq),
            b'!' => Ok(Tok::Not),
            b'&' if next == b'&' => two(self, Tok::And),
            b'|' if next == b'|' => two(self, Tok::Or),
            b'-' if next == b'>' => two(self, Tok::Impl),
            b'-' => Ok(Tok::Minus),
            b'+' if next == b'+' => two(self, Tok::Concat),
            b'+' => Ok(Tok::Plus),
            b'*' => Ok(Tok::Star),
            b'"' => self.string(),
            b'0'..=b'9' => self.int(),
            b if is_ident_start(b) => self.ident(),
            _ => Err(Bail),
        }
    }

    fn ident(&mut self) -> Result<Tok, Bail> {
        let start = self.pos - 1;
        while is_ident_char(self.peek_at(self.pos)) {
            self.pos += 1;
        }
        // rnix reads a run such as `a.b/c` or `a+b:c` as a path or a URI. Those need `/` or
        // a colon glued to the next character, both refused, so an identifier here is one.
        Ok(match &self.src[start..self.pos] {
            b"let" => Tok::Let,
            b"in" => Tok::In,
            b"rec" => Tok::Rec,
            b"inherit" => Tok::Inherit,
            b"with" => Tok::With,
            b"if" => Tok::If,
            b"then" => Tok::Then,
            b"else" => Tok::Else,
            b"assert" => Tok::Assert,
            b"or" | b"__curPos" => return Err(Bail),
            _ => Tok::Ident,
        })
    }

    fn int(&mut self) -> Result<Tok, Bail> {
        let start = self.pos - 1;
        while self.peek_at(self.pos).is_ascii_digit() {
            self.pos += 1;
        }
        // `1.5` is a float, `1e3` and `1a` are read in ways not worth copying.
        if is_ident_char(self.peek_at(self.pos)) && self.peek_at(self.pos) != b'-'
            || self.peek_at(self.pos) == b'.'
        {
            return Err(Bail);
        }
        let digits = std::str::from_utf8(&self.src[start..self.pos]).map_err(|_| Bail)?;
        digits.parse::<i64>().map(Tok::Int).map_err(|_| Bail)
    }

    fn string(&mut self) -> Result<Tok, Bail> {
        let body = &self.src[self.pos..];
        // Escapes, interpolation, `\r` (which Nix reads as `\n`) and NUL (which ends a string in
        // Nix 2.8) are the full front end's.
        let end = body.iter().position(|&c| matches!(c, b'"' | b'\\' | b'$' | b'\r' | 0)).ok_or(Bail)?;
        if body[end] != b'"' {
            return Err(Bail);
        }
        self.pos += end + 1;
        Ok(Tok::Str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Result<Vec<Tok>, Bail> {
        let mut l = Lexer::new(text)?;
        let mut out = Vec::new();
        loop {
            let t = l.next_token()?;
            if t.tok == Tok::Eof {
                return Ok(out);
            }
            out.push(t.tok);
        }
    }

    #[test]
    fn reads_the_subset() {
        use Tok::*;
        let got = toks("{ a-b = x'  ++ [ 1 ] ; /* c */ # d\n \"s\" == 2; }").unwrap();
        assert_eq!(
            got,
            vec![
                LBrace,
                Ident,
                Assign,
                Ident,
                Concat,
                LBrack,
                Int(1),
                RBrack,
                Semi,
                Str,
                Eq,
                Int(2),
                Semi,
                RBrace
            ]
        );
    }

    #[test]
    fn a_comment_ends_at_a_lone_carriage_return_as_in_nix() {
        assert_eq!(toks("# c\r1").unwrap(), [Tok::Int(1)]);
        assert_eq!(toks("# c\r\n1").unwrap(), [Tok::Int(1)]);
        // What Nix reads differently inside strings goes to the full front end.
        assert!(toks("\"a\rb\"").is_err());
        assert!(toks("\"a\0b\"").is_err());
    }

    #[test]
    fn refuses_what_rnix_reads_by_context() {
        for text in [
            "a/b",
            "a / b",
            "./x",
            "~/x",
            "<nixpkgs>",
            "x:y",
            "1.5",
            ".5",
            "1e3",
            "a ? b",
            "''s''",
            "\"a${b}\"",
            "\"a\\nb\"",
            "a or b",
            "{ ... }",
            "a // b",
            "a < b",
            "\"x\r\"",
            "/* open",
            "99999999999999999999",
            "ä",
            "__curPos",
            "\"open",
        ] {
            assert!(toks(text).is_err(), "{text:?} should be refused");
        }
    }
}
