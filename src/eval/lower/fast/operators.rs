//! The operator levels, from `->` down to application, each as rnix parses it: the same
//! associativity, and the same ranges for the nodes it builds.

use rnix::ast::BinOpKind;

use super::super::{PIPES_UNSUPPORTED, binop_kind};
use super::parser::{PResult, Parser, Val};
use crate::eval::ir::*;
use crate::syntax::fast::lexer::{Bail, Tok};

impl<'a> Parser<'a, '_, '_> {
    fn binop(&mut self, lhs: Val<'a>, op: BinOpKind, rhs: Val<'a>) -> Val<'a> {
        let (start, end) = (lhs.start, rhs.end);
        let lhs = self.close(lhs);
        let rhs = self.close(rhs);
        let expr = match binop_kind(op) {
            Some(op) => Expr::BinOp { op, lhs, rhs },
            None => Expr::Unsupported(PIPES_UNSUPPORTED.into()),
        };
        self.node(start, end, expr)
    }

    /// `a op b op c` as `a op (b op c)`, built without recursion.
    fn right_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Val<'a>>,
        tok: Tok,
        op: BinOpKind,
    ) -> PResult<Val<'a>> {
        let mut operands = vec![next(self)?];
        while self.peek.tok == tok {
            self.bump()?;
            self.enter()?;
            operands.push(next(self)?);
        }
        let n = operands.len() as u32 - 1;
        let Some(mut acc) = operands.pop() else { return Err(Bail) };
        while let Some(lhs) = operands.pop() {
            acc = self.binop(lhs, op, acc);
        }
        self.depth -= n;
        Ok(acc)
    }

    fn left_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Val<'a>>,
        ops: &[(Tok, BinOpKind)],
    ) -> PResult<Val<'a>> {
        let mut acc = next(self)?;
        let mut n = 0;
        while let Some(&(_, op)) = ops.iter().find(|(t, _)| *t == self.peek.tok) {
            self.bump()?;
            self.enter()?;
            n += 1;
            let rhs = next(self)?;
            acc = self.binop(acc, op, rhs);
        }
        self.depth -= n;
        Ok(acc)
    }

    fn non_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Val<'a>>,
        ops: &[(Tok, BinOpKind)],
    ) -> PResult<Val<'a>> {
        let lhs = next(self)?;
        match ops.iter().find(|(t, _)| *t == self.peek.tok) {
            Some(&(_, op)) => {
                self.bump()?;
                let rhs = next(self)?;
                Ok(self.binop(lhs, op, rhs))
            }
            None => Ok(lhs),
        }
    }

    pub(super) fn implication(&mut self) -> PResult<Val<'a>> {
        self.right_assoc(Self::or, Tok::Impl, BinOpKind::Implication)
    }

    fn or(&mut self) -> PResult<Val<'a>> {
        self.left_assoc(Self::and, &[(Tok::Or, BinOpKind::Or)])
    }

    fn and(&mut self) -> PResult<Val<'a>> {
        self.left_assoc(Self::equal, &[(Tok::And, BinOpKind::And)])
    }

    /// `<`, `>` and `//` are refused by the lexer, so comparison and update levels are empty.
    fn equal(&mut self) -> PResult<Val<'a>> {
        self.non_assoc(Self::invert, &[(Tok::Eq, BinOpKind::Equal), (Tok::NotEq, BinOpKind::NotEqual)])
    }

    fn invert(&mut self) -> PResult<Val<'a>> {
        self.prefix(Tok::Not, Self::invert, Self::add, Expr::Not)
    }

    fn prefix(
        &mut self,
        tok: Tok,
        again: fn(&mut Self) -> PResult<Val<'a>>,
        next: fn(&mut Self) -> PResult<Val<'a>>,
        expr: fn(ExprRef) -> Expr,
    ) -> PResult<Val<'a>> {
        if self.peek.tok != tok {
            return next(self);
        }
        let start = self.bump()?.start;
        self.enter()?;
        let inner = again(self)?;
        self.depth -= 1;
        let end = inner.end;
        let inner = self.close(inner);
        Ok(self.node(start, end, expr(inner)))
    }

    fn add(&mut self) -> PResult<Val<'a>> {
        self.left_assoc(Self::mul, &[(Tok::Plus, BinOpKind::Add), (Tok::Minus, BinOpKind::Sub)])
    }

    /// `/` is refused by the lexer: it may start a path.
    fn mul(&mut self) -> PResult<Val<'a>> {
        self.left_assoc(Self::concat, &[(Tok::Star, BinOpKind::Mul)])
    }

    fn concat(&mut self) -> PResult<Val<'a>> {
        // `?` is refused by the lexer, so the has-attribute level is empty.
        self.right_assoc(Self::negate, Tok::Concat, BinOpKind::Concat)
    }

    fn negate(&mut self) -> PResult<Val<'a>> {
        self.prefix(Tok::Minus, Self::negate, Self::apply, Expr::Neg)
    }

    pub(super) fn apply(&mut self) -> PResult<Val<'a>> {
        let mut acc = self.simple()?;
        let mut n = 0;
        while matches!(
            self.peek.tok,
            Tok::Ident | Tok::Int(_) | Tok::Str | Tok::LParen | Tok::LBrace | Tok::LBrack | Tok::Rec
        ) {
            self.enter()?;
            n += 1;
            let arg = self.simple()?;
            let (start, end) = (acc.start, arg.end);
            let func = self.close(acc);
            let arg = self.close(arg);
            acc = self.node(start, end, Expr::Apply { func, arg });
        }
        self.depth -= n;
        Ok(acc)
    }
}
