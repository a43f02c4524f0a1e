//! Lowering the fast parser's tree. It mirrors the rnix path node for node, and shares its
//! attribute-set and `let` code through [`Syntax`], so both give the same IR.

use std::marker::PhantomData;
use std::path::Path;
use std::rc::Rc;

use super::attrs::{Name, RawAttrs, RawValue, Syntax};
use super::{Lowerer, PIPES_UNSUPPORTED, Scope, binop_kind};
use crate::diagnostic::Span;
use crate::eval::ir::*;
use crate::fxhash::FxHashMap as HashMap;
use crate::syntax::FileId;
use crate::syntax::fast::{self, Entry, Kind};

/// Parses and lowers `text` with the fast parser, or returns `None` when the rnix path must
/// read it: outside the subset, not valid Nix, or with an error lowering would report.
pub fn lower_fast(text: &str, file: FileId, dir: &Path, globals: &HashMap<Rc<str>, u32>) -> Option<ExprRef> {
    let tree = crate::timing::phase("parse", || fast::parse(text))?;
    crate::timing::phase("lower", || {
        let mut l = Lowerer::new(file, dir, globals);
        let expr = l.fast(&tree);
        l.errors.is_empty().then_some(expr)
    })
}

/// The fast tree, borrowed: `inherit (x) a b;` lowers `x` once per name, as rnix's does.
struct Fast<'t, 'a>(PhantomData<&'t fast::Node<'a>>);

impl<'t, 'a> Syntax for Fast<'t, 'a> {
    type Expr = &'t fast::Node<'a>;
    type Attr = fast::Attr<'a>;

    fn attr_name(l: &mut Lowerer<'_>, attr: &fast::Attr<'a>) -> Option<Name<Self::Expr>> {
        Some(Name::Static(l.fast_attr_name(attr)))
    }

    fn attr_span(l: &Lowerer<'_>, attr: &fast::Attr<'a>) -> Span {
        Span::new(l.file, attr.range)
    }

    fn raw_value(l: &mut Lowerer<'_>, value: Self::Expr) -> RawValue<Self> {
        let mut inner = value;
        while let Kind::Paren(e) = &inner.kind {
            inner = e;
        }
        match &inner.kind {
            Kind::Attrs { rec, entries } => {
                let span = Span::new(l.file, inner.range);
                RawValue::Nested(l.fast_raw_attrs(entries, *rec), span)
            }
            _ => RawValue::Expr(value),
        }
    }

    fn lower(l: &mut Lowerer<'_>, e: &Self::Expr) -> ExprRef {
        l.fast(e)
    }

    fn expr_span(l: &Lowerer<'_>, e: &Self::Expr) -> Span {
        Span::new(l.file, e.range)
    }
}

impl Lowerer<'_> {
    /// Identifiers are interned and strings are not, as on the rnix path.
    fn fast_attr_name(&mut self, attr: &fast::Attr<'_>) -> Rc<str> {
        if self.file_text_is_quoted(attr) { attr.name.into() } else { self.intern(attr.name) }
    }

    fn file_text_is_quoted(&self, attr: &fast::Attr<'_>) -> bool {
        usize::from(attr.range.len()) != attr.name.len()
    }

    fn fast_raw_attrs<'t, 'a>(&mut self, entries: &'t [Entry<'a>], rec: bool) -> RawAttrs<Fast<'t, 'a>> {
        let mut raw = RawAttrs::new(rec);
        for entry in entries {
            match entry {
                Entry::Value { path, value } => self.add_attrpath_value(&mut raw, path, value),
                Entry::Inherit { from, attrs } => self.add_inherit(&mut raw, from.as_ref(), attrs),
            }
        }
        raw
    }

    fn fast(&mut self, n: &fast::Node<'_>) -> ExprRef {
        let span = Span::new(self.file, n.range);
        let expr = match &n.kind {
            Kind::Paren(inner) => return self.fast(inner),
            Kind::Int(v) => Expr::Int(*v),
            Kind::Str(s) => Expr::Str((*s).into()),
            Kind::Ident(name) => {
                let name = self.intern(name);
                return self.var(name, span);
            }
            Kind::List(items) => Expr::List(items.iter().map(|i| self.fast(i)).collect()),
            Kind::Attrs { rec, entries } => {
                let raw = self.fast_raw_attrs(entries, *rec);
                return self.lower_attrs(raw, span);
            }
            Kind::Let { entries, body } => {
                let raw = self.fast_raw_attrs(entries, true);
                return self.lower_let(raw, span, |l| l.fast(body));
            }
            Kind::Select { expr, path } => {
                let expr = self.fast(expr);
                let path = path.iter().map(|a| AttrName::Static(self.fast_attr_name(a))).collect();
                Expr::Select { expr, path, default: None }
            }
            Kind::Apply { func, arg } => Expr::Apply { func: self.fast(func), arg: self.fast(arg) },
            Kind::BinOp { op, lhs, rhs } => {
                let lhs = self.fast(lhs);
                let rhs = self.fast(rhs);
                match binop_kind(*op) {
                    Some(op) => Expr::BinOp { op, lhs, rhs },
                    None => Expr::Unsupported(PIPES_UNSUPPORTED.into()),
                }
            }
            Kind::Neg(inner) => Expr::Neg(self.fast(inner)),
            Kind::Not(inner) => Expr::Not(self.fast(inner)),
            Kind::If { cond, then, else_ } => {
                Expr::If { cond: self.fast(cond), then: self.fast(then), else_: self.fast(else_) }
            }
            Kind::With { namespace, body } => {
                let namespace = self.fast(namespace);
                self.scopes.push(Scope::With);
                let body = self.fast(body);
                self.scopes.pop();
                Expr::With { namespace, body }
            }
            Kind::Assert { cond, body } => Expr::Assert { cond: self.fast(cond), body: self.fast(body) },
            Kind::Lambda { param, body } => {
                let name: Rc<str> = param.name.into();
                self.scopes.push(Scope::Slots([(name, 0)].into_iter().collect()));
                let body = self.fast(body);
                self.scopes.pop();
                Expr::Lambda(Rc::new(LambdaExpr { param: Param::Ident, body }))
            }
        };
        Rc::new(Node { span, expr })
    }
}
