//! Recursive descent with rnix's precedence levels, one function per level as in rnix, so
//! that every IR node gets the range rnix's node has. Every surprise is a `Bail`.

use std::rc::Rc;

use super::super::attrs::{RawAttrs, RawValue};
use super::super::{Lowerer, Scope};
use super::{Attr, Direct, Spanned};
use crate::diagnostic::Span;
use crate::eval::ir::*;
use crate::syntax::fast::lexer::{Bail, Lexer, Tok, Token};
use crate::syntax::fast::prescan::binding_names;

/// Nesting the fast front end accepts. It is below rnix's bracket limit (512), so that deep
/// input is always judged by the rnix path, and it bounds recursion here.
const MAX_DEPTH: u32 = 256;

pub(super) fn parse(text: &str, l: &mut Lowerer<'_>) -> Option<ExprRef> {
    let mut p = Parser::new(text, l).ok()?;
    let v = p.expr().ok()?;
    if p.peek.tok != Tok::Eof {
        return None;
    }
    Some(p.close(v))
}

pub(super) type PResult<T> = Result<T, Bail>;

/// An expression parsed so far. A set literal stays open: if it turns out to be a binding's
/// whole value, Nix merges it with other bindings of the same name (`a.b = 1; a = { c = 2; };`).
pub(super) struct Val<'a> {
    kind: ValKind<'a>,
    /// The range of rnix's node for the expression, parentheses included.
    pub(super) start: u32,
    pub(super) end: u32,
}

enum ValKind<'a> {
    Node(ExprRef),
    /// A set literal, with the range of the set itself.
    Set(RawAttrs<Direct<'a>>, Span),
}

pub(super) struct Parser<'a, 'l, 'g> {
    text: &'a str,
    lexer: Lexer<'a>,
    pub(super) peek: Token,
    /// The token after `peek`, read only when a decision needs it.
    peek2: Option<Token>,
    pub(super) depth: u32,
    /// Bytes left for reading ahead (binding names): nested `let`s re-read their bodies.
    budget: usize,
    l: &'l mut Lowerer<'g>,
}

impl<'a, 'l, 'g> Parser<'a, 'l, 'g> {
    fn new(text: &'a str, l: &'l mut Lowerer<'g>) -> PResult<Self> {
        let mut lexer = Lexer::new(text)?;
        let peek = lexer.next_token()?;
        Ok(Parser { text, lexer, peek, peek2: None, depth: 0, budget: 2 * text.len() + 65536, l })
    }

    pub(super) fn bump(&mut self) -> PResult<Token> {
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

    pub(super) fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(Bail) } else { Ok(()) }
    }

    fn span(&self, start: u32, end: u32) -> Span {
        Span { file: self.l.file, start, end }
    }

    pub(super) fn node(&self, start: u32, end: u32, expr: Expr) -> Val<'a> {
        Val { kind: ValKind::Node(Rc::new(Node { span: self.span(start, end), expr })), start, end }
    }

    /// The expression's IR; an open set is lowered now, in the scopes around it.
    pub(super) fn close(&mut self, v: Val<'a>) -> ExprRef {
        match v.kind {
            ValKind::Node(n) => n,
            ValKind::Set(raw, span) => self.l.lower_attrs(raw, span),
        }
    }

    /// An expression lowered at once, with where it ends.
    fn closed_expr(&mut self) -> PResult<(ExprRef, u32)> {
        let v = self.expr()?;
        let end = v.end;
        Ok((self.close(v), end))
    }

    fn spanned(&mut self, v: Val<'a>) -> Spanned {
        let span = self.span(v.start, v.end);
        Spanned { node: self.close(v), span }
    }

    /// The names a `let` or `rec` binds, read ahead, as a scope.
    fn scope_ahead(&mut self, end: Tok) -> PResult<Vec<&'a str>> {
        // `peek` is already read: the look-ahead starts from it.
        if self.peek2.is_some() {
            return Err(Bail);
        }
        let mut ahead = self.lexer.clone();
        let names = binding_names(self.text, self.peek, &mut ahead, end)?;
        let read = ahead.offset() - self.peek.start as usize;
        self.budget = self.budget.checked_sub(read).ok_or(Bail)?;
        Ok(names)
    }

    fn push_names(&mut self, names: &[&'a str]) {
        let slots = names.iter().enumerate().map(|(i, n)| (self.l.intern(n), i as u32)).collect();
        self.l.scopes.push(Scope::Slots(slots));
    }

    /// Bindings up to `until`, which is consumed; its end offset is returned.
    fn bindings(&mut self, raw: &mut RawAttrs<Direct<'a>>, until: Tok) -> PResult<u32> {
        loop {
            match self.peek.tok {
                t if t == until => return Ok(self.bump()?.end),
                Tok::Inherit => {
                    self.bump()?;
                    let from = if self.peek.tok == Tok::LParen {
                        self.bump()?;
                        let e = self.expr()?;
                        self.expect(Tok::RParen)?;
                        Some(self.spanned(e))
                    } else {
                        None
                    };
                    let mut attrs = Vec::new();
                    while self.peek.tok != Tok::Semi {
                        attrs.push(self.attr()?);
                    }
                    self.bump()?;
                    self.l.add_inherit(raw, from, &attrs);
                }
                _ => {
                    let path = self.attrpath()?;
                    self.expect(Tok::Assign)?;
                    let value = self.expr()?;
                    self.expect(Tok::Semi)?;
                    // A set value is lowered now, not kept open for merging as Nix's parser
                    // does: holding a whole registry's sets open cost more memory than its IR.
                    // A later binding that would merge into it is then a duplicate here, so
                    // the file goes to rnix, which merges.
                    let span = self.span(value.start, value.end);
                    let value = RawValue::Expr(Spanned { node: self.close(value), span });
                    self.l.add_attrpath_value(raw, &path, |_| value);
                }
            }
        }
    }

    /// Bails unless the names read ahead are exactly the names bound: they resolved variables.
    fn same_names(raw: &RawAttrs<Direct<'a>>, ahead: &[&'a str]) -> PResult<()> {
        let mut bound: Vec<&str> = raw.entries.iter().map(|e| &*e.name).collect();
        bound.sort_unstable();
        if bound.len() == ahead.len() && bound.iter().zip(ahead).all(|(a, b)| a == b) {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    pub(super) fn expr(&mut self) -> PResult<Val<'a>> {
        self.enter()?;
        let start = self.peek.start;
        let out = match self.peek.tok {
            Tok::Let => {
                self.bump()?;
                // `let { ... }` is the legacy form.
                if self.peek.tok == Tok::LBrace {
                    return Err(Bail);
                }
                let names = self.scope_ahead(Tok::In)?;
                self.push_names(&names);
                let mut raw = RawAttrs::new(true);
                self.bindings(&mut raw, Tok::In)?;
                let body = self.expr()?;
                self.l.scopes.pop();
                Self::same_names(&raw, &names)?;
                let end = body.end;
                // An open set as the body is lowered inside lower_let's scope, as on the rnix path.
                let span = self.span(start, end);
                let node = self.l.lower_let(raw, span, |l| match body.kind {
                    ValKind::Node(n) => n,
                    ValKind::Set(raw, span) => l.lower_attrs(raw, span),
                });
                Val { kind: ValKind::Node(node), start, end }
            }
            Tok::With => {
                self.bump()?;
                let (namespace, _) = self.closed_expr()?;
                self.expect(Tok::Semi)?;
                // The body is lowered before the scope closes: `with` names resolve in it.
                self.l.scopes.push(Scope::With);
                let (body, end) = self.closed_expr()?;
                self.l.scopes.pop();
                self.node(start, end, Expr::With { namespace, body })
            }
            Tok::If => {
                self.bump()?;
                let (cond, _) = self.closed_expr()?;
                self.expect(Tok::Then)?;
                let (then, _) = self.closed_expr()?;
                self.expect(Tok::Else)?;
                let (else_, end) = self.closed_expr()?;
                self.node(start, end, Expr::If { cond, then, else_ })
            }
            Tok::Assert => {
                self.bump()?;
                let (cond, _) = self.closed_expr()?;
                self.expect(Tok::Semi)?;
                let (body, end) = self.closed_expr()?;
                self.node(start, end, Expr::Assert { cond, body })
            }
            _ => self.implication()?,
        };
        self.depth -= 1;
        Ok(out)
    }

    pub(super) fn simple(&mut self) -> PResult<Val<'a>> {
        self.enter()?;
        let t = self.bump()?;
        let mut out = match t.tok {
            Tok::LParen => {
                let inner = self.expr()?;
                let end = self.expect(Tok::RParen)?.end;
                Val { kind: inner.kind, start: t.start, end }
            }
            Tok::Rec => {
                self.expect(Tok::LBrace)?;
                let names = self.scope_ahead(Tok::RBrace)?;
                self.push_names(&names);
                let mut raw = RawAttrs::new(true);
                let end = self.bindings(&mut raw, Tok::RBrace)?;
                self.l.scopes.pop();
                Self::same_names(&raw, &names)?;
                Val { kind: ValKind::Set(raw, self.span(t.start, end)), start: t.start, end }
            }
            Tok::LBrace => {
                // rnix reads `{ a }`, `{ }:` and the like as a lambda's pattern.
                if matches!(
                    (self.peek.tok, self.second()?),
                    (Tok::Ident, Tok::RBrace) | (Tok::RBrace, Tok::Colon)
                ) {
                    return Err(Bail);
                }
                let mut raw = RawAttrs::new(false);
                let end = self.bindings(&mut raw, Tok::RBrace)?;
                Val { kind: ValKind::Set(raw, self.span(t.start, end)), start: t.start, end }
            }
            Tok::LBrack => {
                let mut items = Vec::new();
                while self.peek.tok != Tok::RBrack {
                    let item = self.simple()?;
                    items.push(self.close(item));
                }
                let end = self.bump()?.end;
                self.node(t.start, end, Expr::List(items.into()))
            }
            Tok::Str => self.node(t.start, t.end, Expr::Str(t.string_contents(self.text).into())),
            Tok::Int(v) => self.node(t.start, t.end, Expr::Int(v)),
            Tok::Ident if self.peek.tok == Tok::Colon => {
                self.bump()?;
                let name: Rc<str> = t.text(self.text).into();
                self.l.scopes.push(Scope::Slots([(name.clone(), 0)].into_iter().collect()));
                let (body, end) = self.closed_expr()?;
                self.l.scopes.pop();
                self.node(t.start, end, Expr::Lambda(Rc::new(LambdaExpr { param: Param::Ident(name), body })))
            }
            Tok::Ident => {
                let name = self.l.intern(t.text(self.text));
                let node = self.l.var(name, self.span(t.start, t.end));
                Val { kind: ValKind::Node(node), start: t.start, end: t.end }
            }
            _ => return Err(Bail),
        };
        if self.peek.tok == Tok::Dot {
            self.bump()?;
            let path = self.attrpath()?;
            let Some(end) = path.last().map(|a| a.end) else { return Err(Bail) };
            let expr = self.close(out);
            let path: Box<[AttrName]> =
                path.iter().map(|a| AttrName::Static(self.l.fast_attr_name(a))).collect();
            out = self.node(t.start, end, Expr::Select { expr, path });
        }
        self.depth -= 1;
        Ok(out)
    }

    fn attrpath(&mut self) -> PResult<Vec<Attr<'a>>> {
        let mut path = vec![self.attr()?];
        while self.peek.tok == Tok::Dot {
            // A path this long nests sets as deep: rnix's path, with its guard, says so.
            if path.len() as u32 >= MAX_DEPTH {
                return Err(Bail);
            }
            self.bump()?;
            path.push(self.attr()?);
        }
        Ok(path)
    }

    fn attr(&mut self) -> PResult<Attr<'a>> {
        let t = self.bump()?;
        let name = t.attr_name(self.text).ok_or(Bail)?;
        let quoted = t.tok == Tok::Str;
        Ok(Attr { name, start: t.start, end: t.end, quoted })
    }
}
