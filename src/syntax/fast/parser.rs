//! Recursive descent with rnix's precedence levels, one function per level as in rnix, so
//! that the tree has rnix's shape and ranges. Every surprise is a `Bail`.

use rnix::{TextRange, TextSize};

use super::lexer::{Bail, Lexer, Tok, Token};
use super::{Attr, BinOpKind, Entry, Kind, Node};

/// Nesting the fast parser accepts. It is below rnix's bracket limit (512), so that deep
/// input is always judged by the rnix path, and it bounds recursion in lowering and drop.
const MAX_DEPTH: u32 = 256;

/// Parses `text`, or returns `None` when it is outside the fast subset or not valid Nix.
pub fn parse(text: &str) -> Option<Node<'_>> {
    let mut p = Parser::new(text).ok()?;
    let node = p.expr().ok()?;
    (p.peek.tok == Tok::Eof).then_some(node)
}

struct Parser<'a> {
    text: &'a str,
    lexer: Lexer<'a>,
    peek: Token,
    /// The token after `peek`, read only when a decision needs it.
    peek2: Option<Token>,
    depth: u32,
    /// Where the last closing `}` or `in` ended.
    last_end: u32,
}

type PResult<T> = Result<T, Bail>;

fn range(start: u32, end: u32) -> TextRange {
    TextRange::new(TextSize::from(start), TextSize::from(end))
}

fn node(start: u32, end: u32, kind: Kind<'_>) -> Node<'_> {
    Node { range: range(start, end), kind }
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> PResult<Self> {
        let mut lexer = Lexer::new(text)?;
        let peek = lexer.next_token()?;
        Ok(Parser { text, lexer, peek, peek2: None, depth: 0, last_end: 0 })
    }

    fn bump(&mut self) -> PResult<Token> {
        let t = self.peek;
        self.peek = match self.peek2.take() {
            Some(t) => t,
            None => self.lexer.next_token()?,
        };
        Ok(t)
    }

    fn second(&mut self) -> PResult<Tok> {
        if self.peek2.is_none() {
            self.peek2 = Some(self.lexer.next_token()?);
        }
        Ok(self.peek2.map_or(Tok::Eof, |t| t.tok))
    }

    fn expect(&mut self, tok: Tok) -> PResult<Token> {
        if self.peek.tok == tok { self.bump() } else { Err(Bail) }
    }

    fn text(&self, t: Token) -> &'a str {
        &self.text[t.start as usize..t.end as usize]
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(Bail) } else { Ok(()) }
    }

    fn expr(&mut self) -> PResult<Node<'a>> {
        self.enter()?;
        let start = self.peek.start;
        let out = match self.peek.tok {
            Tok::Let => {
                self.bump()?;
                // `let { ... }` is the legacy form.
                if self.peek.tok == Tok::LBrace {
                    return Err(Bail);
                }
                let entries = self.bindings(Tok::In)?;
                let body = Box::new(self.expr()?);
                node(start, body.range.end().into(), Kind::Let { entries, body })
            }
            Tok::With => {
                self.bump()?;
                let namespace = Box::new(self.expr()?);
                self.expect(Tok::Semi)?;
                let body = Box::new(self.expr()?);
                node(start, body.range.end().into(), Kind::With { namespace, body })
            }
            Tok::If => {
                self.bump()?;
                let cond = Box::new(self.expr()?);
                self.expect(Tok::Then)?;
                let then = Box::new(self.expr()?);
                self.expect(Tok::Else)?;
                let else_ = Box::new(self.expr()?);
                node(start, else_.range.end().into(), Kind::If { cond, then, else_ })
            }
            Tok::Assert => {
                self.bump()?;
                let cond = Box::new(self.expr()?);
                self.expect(Tok::Semi)?;
                let body = Box::new(self.expr()?);
                node(start, body.range.end().into(), Kind::Assert { cond, body })
            }
            _ => self.implication()?,
        };
        self.depth -= 1;
        Ok(out)
    }

    fn binop(lhs: Node<'a>, op: BinOpKind, rhs: Node<'a>) -> Node<'a> {
        node(
            lhs.range.start().into(),
            rhs.range.end().into(),
            Kind::BinOp { op, lhs: Box::new(lhs), rhs: Box::new(rhs) },
        )
    }

    /// `a op b op c` as `a op (b op c)`, built without recursion.
    fn right_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Node<'a>>,
        tok: Tok,
        op: BinOpKind,
    ) -> PResult<Node<'a>> {
        let mut operands = vec![next(self)?];
        while self.peek.tok == tok {
            self.bump()?;
            self.enter()?;
            operands.push(next(self)?);
        }
        let n = operands.len() as u32 - 1;
        let mut acc = operands.pop().expect("at least one operand");
        while let Some(lhs) = operands.pop() {
            acc = Self::binop(lhs, op, acc);
        }
        self.depth -= n;
        Ok(acc)
    }

    fn left_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Node<'a>>,
        ops: &[(Tok, BinOpKind)],
    ) -> PResult<Node<'a>> {
        let mut acc = next(self)?;
        let mut n = 0;
        while let Some(&(_, op)) = ops.iter().find(|(t, _)| *t == self.peek.tok) {
            self.bump()?;
            self.enter()?;
            n += 1;
            let rhs = next(self)?;
            acc = Self::binop(acc, op, rhs);
        }
        self.depth -= n;
        Ok(acc)
    }

    fn non_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Node<'a>>,
        ops: &[(Tok, BinOpKind)],
    ) -> PResult<Node<'a>> {
        let lhs = next(self)?;
        match ops.iter().find(|(t, _)| *t == self.peek.tok) {
            Some(&(_, op)) => {
                self.bump()?;
                let rhs = next(self)?;
                Ok(Self::binop(lhs, op, rhs))
            }
            None => Ok(lhs),
        }
    }

    fn implication(&mut self) -> PResult<Node<'a>> {
        self.right_assoc(Self::or, Tok::Impl, BinOpKind::Implication)
    }

    fn or(&mut self) -> PResult<Node<'a>> {
        self.left_assoc(Self::and, &[(Tok::Or, BinOpKind::Or)])
    }

    fn and(&mut self) -> PResult<Node<'a>> {
        self.left_assoc(Self::equal, &[(Tok::And, BinOpKind::And)])
    }

    /// `<`, `>` and `//` are refused by the lexer, so comparison and update levels are empty.
    fn equal(&mut self) -> PResult<Node<'a>> {
        self.non_assoc(Self::invert, &[(Tok::Eq, BinOpKind::Equal), (Tok::NotEq, BinOpKind::NotEqual)])
    }

    fn invert(&mut self) -> PResult<Node<'a>> {
        self.prefix(Tok::Not, Self::invert, Self::add, Kind::Not)
    }

    fn prefix(
        &mut self,
        tok: Tok,
        again: fn(&mut Self) -> PResult<Node<'a>>,
        next: fn(&mut Self) -> PResult<Node<'a>>,
        kind: fn(Box<Node<'a>>) -> Kind<'a>,
    ) -> PResult<Node<'a>> {
        if self.peek.tok != tok {
            return next(self);
        }
        let start = self.bump()?.start;
        self.enter()?;
        let inner = again(self)?;
        self.depth -= 1;
        Ok(node(start, inner.range.end().into(), kind(Box::new(inner))))
    }

    fn add(&mut self) -> PResult<Node<'a>> {
        self.left_assoc(Self::mul, &[(Tok::Plus, BinOpKind::Add), (Tok::Minus, BinOpKind::Sub)])
    }

    /// `/` is refused by the lexer: it may start a path.
    fn mul(&mut self) -> PResult<Node<'a>> {
        self.left_assoc(Self::concat, &[(Tok::Star, BinOpKind::Mul)])
    }

    fn concat(&mut self) -> PResult<Node<'a>> {
        // `?` is refused by the lexer, so the has-attribute level is empty.
        self.right_assoc(Self::negate, Tok::Concat, BinOpKind::Concat)
    }

    fn negate(&mut self) -> PResult<Node<'a>> {
        self.prefix(Tok::Minus, Self::negate, Self::apply, Kind::Neg)
    }

    fn apply(&mut self) -> PResult<Node<'a>> {
        let mut acc = self.simple()?;
        let mut n = 0;
        while matches!(
            self.peek.tok,
            Tok::Ident | Tok::Int(_) | Tok::Str | Tok::LParen | Tok::LBrace | Tok::LBrack | Tok::Rec
        ) {
            self.enter()?;
            n += 1;
            let arg = self.simple()?;
            acc = node(
                acc.range.start().into(),
                arg.range.end().into(),
                Kind::Apply { func: Box::new(acc), arg: Box::new(arg) },
            );
        }
        self.depth -= n;
        Ok(acc)
    }

    fn simple(&mut self) -> PResult<Node<'a>> {
        self.enter()?;
        let t = self.bump()?;
        let mut out = match t.tok {
            Tok::LParen => {
                let inner = self.expr()?;
                let end = self.expect(Tok::RParen)?.end;
                node(t.start, end, Kind::Paren(Box::new(inner)))
            }
            Tok::Rec => {
                self.expect(Tok::LBrace)?;
                self.set(t.start, true)?
            }
            Tok::LBrace => {
                // rnix reads `{ a }`, `{ }:` and the like as a lambda's pattern.
                if matches!(
                    (self.peek.tok, self.second()?),
                    (Tok::Ident, Tok::RBrace) | (Tok::RBrace, Tok::Colon)
                ) {
                    return Err(Bail);
                }
                self.set(t.start, false)?
            }
            Tok::LBrack => {
                let mut items = Vec::new();
                while self.peek.tok != Tok::RBrack {
                    items.push(self.simple()?);
                }
                let end = self.bump()?.end;
                node(t.start, end, Kind::List(items))
            }
            Tok::Str => node(t.start, t.end, Kind::Str(&self.text[t.start as usize + 1..t.end as usize - 1])),
            Tok::Int(v) => node(t.start, t.end, Kind::Int(v)),
            Tok::Ident if self.peek.tok == Tok::Colon => {
                self.bump()?;
                let param = Attr { name: self.text(t), range: range(t.start, t.end) };
                let body = Box::new(self.expr()?);
                node(t.start, body.range.end().into(), Kind::Lambda { param, body })
            }
            Tok::Ident => node(t.start, t.end, Kind::Ident(self.text(t))),
            _ => return Err(Bail),
        };
        if self.peek.tok == Tok::Dot {
            self.bump()?;
            let path = self.attrpath()?;
            let end = path.last().expect("an attrpath has an attribute").range.end().into();
            out = node(t.start, end, Kind::Select { expr: Box::new(out), path });
        }
        self.depth -= 1;
        Ok(out)
    }

    /// The rest of `{ ... }` after the brace.
    fn set(&mut self, start: u32, rec: bool) -> PResult<Node<'a>> {
        let entries = self.bindings(Tok::RBrace)?;
        Ok(node(start, self.last_end, Kind::Attrs { rec, entries }))
    }

    /// Bindings up to and including `until`.
    fn bindings(&mut self, until: Tok) -> PResult<Vec<Entry<'a>>> {
        let mut entries = Vec::new();
        loop {
            match self.peek.tok {
                t if t == until => {
                    self.last_end = self.bump()?.end;
                    return Ok(entries);
                }
                Tok::Inherit => {
                    self.bump()?;
                    let from = if self.peek.tok == Tok::LParen {
                        self.bump()?;
                        let e = self.expr()?;
                        self.expect(Tok::RParen)?;
                        Some(e)
                    } else {
                        None
                    };
                    let mut attrs = Vec::new();
                    while self.peek.tok != Tok::Semi {
                        attrs.push(self.attr()?);
                    }
                    self.bump()?;
                    entries.push(Entry::Inherit { from, attrs });
                }
                _ => {
                    let path = self.attrpath()?;
                    self.expect(Tok::Assign)?;
                    let value = self.expr()?;
                    self.expect(Tok::Semi)?;
                    entries.push(Entry::Value { path, value });
                }
            }
        }
    }

    fn attrpath(&mut self) -> PResult<Vec<Attr<'a>>> {
        let mut path = vec![self.attr()?];
        while self.peek.tok == Tok::Dot {
            self.bump()?;
            path.push(self.attr()?);
        }
        Ok(path)
    }

    fn attr(&mut self) -> PResult<Attr<'a>> {
        let t = self.bump()?;
        let name = match t.tok {
            Tok::Ident => self.text(t),
            Tok::Str => &self.text[t.start as usize + 1..t.end as usize - 1],
            _ => return Err(Bail),
        };
        Ok(Attr { name, range: range(t.start, t.end) })
    }
}
