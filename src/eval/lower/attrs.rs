//! Attribute sets as Nix's parser builds them: attrpaths merged into nested sets, `inherit`,
//! duplicates reported, and then lowered with their names resolved.
//!
//! Both front ends use this: rnix's tree and the fast parser's, through [`Syntax`], so a set
//! means the same whichever parser read it.

use std::rc::Rc;

use rnix::ast::{self, HasEntry};
use rowan::ast::AstNode;

use super::{Lowerer, Scope, strip_parens};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::eval::ir::*;
use crate::fxhash::FxHashMap as HashMap;

/// What building attribute sets needs from a syntax tree.
pub(super) trait Syntax: Sized {
    type Expr;
    type Attr;
    fn attr_name(l: &mut Lowerer<'_>, attr: &Self::Attr) -> Option<Name<Self::Expr>>;
    fn attr_span(l: &Lowerer<'_>, attr: &Self::Attr) -> Span;
    fn lower(l: &mut Lowerer<'_>, e: &Self::Expr) -> ExprRef;
    fn expr_span(l: &Lowerer<'_>, e: &Self::Expr) -> Span;
}

/// Attribute sets as Nix's parser builds them: attrpaths merged, before names are resolved.
pub(super) struct RawAttrs<S: Syntax> {
    pub(super) rec: bool,
    pub(super) entries: Vec<RawEntry<S>>,
    pub(super) index: HashMap<Rc<str>, usize>,
    pub(super) dynamic: Vec<RawDynamic<S>>,
}

pub(super) struct RawEntry<S: Syntax> {
    pub(super) name: Rc<str>,
    pub(super) span: Span,
    pub(super) value: RawValue<S>,
}

pub(super) enum RawValue<S: Syntax> {
    Expr(S::Expr),
    Nested(RawAttrs<S>, Span),
    Inherit(Span),
    InheritFrom(Rc<S::Expr>),
}

pub(super) struct RawDynamic<S: Syntax> {
    pub(super) name: S::Expr,
    pub(super) value: RawValue<S>,
    pub(super) span: Span,
}

pub(super) enum Name<E> {
    Static(Rc<str>),
    Dynamic(E),
}

impl<S: Syntax> RawAttrs<S> {
    pub(super) fn new(rec: bool) -> Self {
        RawAttrs { rec, entries: Vec::new(), index: HashMap::default(), dynamic: Vec::new() }
    }
}

/// rnix's tree.
pub(super) struct Rnix;

impl Syntax for Rnix {
    type Expr = ast::Expr;
    type Attr = ast::Attr;

    fn attr_name(l: &mut Lowerer<'_>, attr: &ast::Attr) -> Option<Name<ast::Expr>> {
        l.attr_name(attr)
    }

    fn attr_span(l: &Lowerer<'_>, attr: &ast::Attr) -> Span {
        l.span(attr.syntax())
    }

    fn lower(l: &mut Lowerer<'_>, e: &ast::Expr) -> ExprRef {
        l.expr(e)
    }

    fn expr_span(l: &Lowerer<'_>, e: &ast::Expr) -> Span {
        l.span(e.syntax())
    }
}

impl Lowerer<'_> {
    pub(super) fn raw_attrs(&mut self, node: &impl HasEntry, rec: bool) -> RawAttrs<Rnix> {
        let mut raw = RawAttrs::new(rec);
        for entry in node.entries() {
            match entry {
                ast::Entry::AttrpathValue(apv) => {
                    let Some(path) = apv.attrpath() else { continue };
                    let Some(value) = apv.value() else {
                        self.error_node(apv.syntax(), "missing value");
                        continue;
                    };
                    let attrs: Vec<ast::Attr> = path.attrs().collect();
                    self.add_attrpath_value(&mut raw, &attrs, |l| l.rnix_raw_value(value));
                }
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().and_then(|f| f.expr());
                    let attrs: Vec<ast::Attr> = inh.attrs().collect();
                    self.add_inherit(&mut raw, from, &attrs);
                }
            }
        }
        raw
    }

    pub(super) fn add_inherit<S: Syntax>(
        &mut self,
        raw: &mut RawAttrs<S>,
        from: Option<S::Expr>,
        attrs: &[S::Attr],
    ) {
        let from = from.map(Rc::new);
        for attr in attrs {
            let span = S::attr_span(self, attr);
            let name = match S::attr_name(self, attr) {
                Some(Name::Static(s)) => s,
                Some(Name::Dynamic(_)) => {
                    self.push_error(
                        Diagnostic::new(Code::SyntaxError, "dynamic attributes not allowed in inherit")
                            .at(span),
                    );
                    continue;
                }
                None => continue,
            };
            let value = match &from {
                Some(f) => RawValue::InheritFrom(f.clone()),
                None => RawValue::Inherit(span),
            };
            self.insert_static(raw, name, span, value);
        }
    }

    fn dup_error(&mut self, name: &str, span: Span, first: Span) {
        self.push_error(
            Diagnostic::new(Code::DuplicateAttribute, format!("attribute '{name}' already defined"))
                .at(span)
                .with_label(first, "first defined here")
                .with_hint("remove one of the definitions, or merge them into one attribute set"),
        );
    }

    fn insert_static<S: Syntax>(
        &mut self,
        raw: &mut RawAttrs<S>,
        name: Rc<str>,
        span: Span,
        value: RawValue<S>,
    ) {
        if let Some(&i) = raw.index.get(&name) {
            let first = raw.entries[i].span;
            self.dup_error(&name, span, first);
            return;
        }
        raw.index.insert(name.clone(), raw.entries.len());
        raw.entries.push(RawEntry { name, span, value });
    }

    /// A binding's value, with a literal set (inside any parentheses) kept open for merging.
    fn rnix_raw_value(&mut self, value: ast::Expr) -> RawValue<Rnix> {
        match strip_parens(&value) {
            ast::Expr::AttrSet(set) => {
                let span = self.span(set.syntax());
                RawValue::Nested(self.raw_attrs(&set, set.rec_token().is_some()), span)
            }
            _ => RawValue::Expr(value),
        }
    }

    /// Adds `a.b.c = value;`. `value` is built only once the path is known to be sound, as
    /// Nix's parser does it.
    pub(super) fn add_attrpath_value<S: Syntax>(
        &mut self,
        raw: &mut RawAttrs<S>,
        attrs: &[S::Attr],
        value: impl FnOnce(&mut Self) -> RawValue<S>,
    ) {
        let Some((last, init)) = attrs.split_last() else { return };
        let mut cur = raw;
        // The dotted path so far, for messages: `a.b` already defined.
        let mut dotted = String::new();
        for attr in init {
            let span = S::attr_span(self, attr);
            match S::attr_name(self, attr) {
                None => return,
                Some(Name::Static(name)) => {
                    dotted.push_str(&name);
                    dotted.push('.');
                    let i = match cur.index.get(&name) {
                        Some(&i) => i,
                        None => {
                            cur.index.insert(name.clone(), cur.entries.len());
                            cur.entries.push(RawEntry {
                                name: name.clone(),
                                span,
                                value: RawValue::Nested(RawAttrs::new(false), span),
                            });
                            cur.entries.len() - 1
                        }
                    };
                    if !matches!(cur.entries[i].value, RawValue::Nested(..)) {
                        let first = cur.entries[i].span;
                        self.dup_error(dotted.trim_end_matches('.'), span, first);
                        return;
                    }
                    let RawValue::Nested(nested, _) = &mut cur.entries[i].value else {
                        unreachable!("checked just above")
                    };
                    cur = nested;
                }
                Some(Name::Dynamic(e)) => {
                    dotted.push_str("${...}.");
                    cur.dynamic.push(RawDynamic {
                        name: e,
                        value: RawValue::Nested(RawAttrs::new(false), span),
                        span,
                    });
                    // A nested set was just pushed, so the pattern always matches.
                    let Some(RawDynamic { value: RawValue::Nested(nested, _), .. }) = cur.dynamic.last_mut()
                    else {
                        return;
                    };
                    cur = nested;
                }
            }
        }
        let span = S::attr_span(self, last);
        match S::attr_name(self, last) {
            None => {}
            Some(Name::Dynamic(e)) => {
                let value = value(self);
                cur.dynamic.push(RawDynamic { name: e, value, span });
            }
            Some(Name::Static(name)) => {
                let new_value = value(self);
                let Some(&i) = cur.index.get(&name) else {
                    self.insert_static(cur, name, span, new_value);
                    return;
                };
                dotted.push_str(&name);
                let first = cur.entries[i].span;
                match (&mut cur.entries[i].value, new_value) {
                    // `a.b = 1; a = { c = 2; };` merges, one level deep, as Nix does.
                    (RawValue::Nested(existing, _), RawValue::Nested(extra, _)) => {
                        for entry in extra.entries {
                            if let Some(&j) = existing.index.get(&entry.name) {
                                let first = existing.entries[j].span;
                                self.dup_error(&format!("{dotted}.{}", entry.name), entry.span, first);
                            } else {
                                existing.index.insert(entry.name.clone(), existing.entries.len());
                                existing.entries.push(entry);
                            }
                        }
                        existing.dynamic.extend(extra.dynamic);
                    }
                    _ => self.dup_error(&dotted, span, first),
                }
            }
        }
    }

    pub(super) fn lower_attrs<S: Syntax>(&mut self, raw: RawAttrs<S>, span: Span) -> ExprRef {
        let attrs = self.lower_attrs_expr(raw);
        Rc::new(Node { span, expr: Expr::Attrs(Box::new(attrs)) })
    }

    fn lower_attrs_expr<S: Syntax>(&mut self, raw: RawAttrs<S>) -> AttrsExpr {
        let RawAttrs { rec, mut entries, dynamic, .. } = raw;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        if rec {
            let names = entries.iter().enumerate().map(|(i, e)| (e.name.clone(), i as u32)).collect();
            self.scopes.push(Scope::Slots(names));
        }
        let skip = usize::from(rec);
        // Not `collect()`: that would reuse the entries' larger buffer in place, and keep it
        // for as long as the IR lives (3.4 times the memory of the attributes themselves).
        let mut attrs = Vec::with_capacity(entries.len());
        for e in entries {
            let value = self.raw_value_expr(&e.name, e.value, skip);
            attrs.push(AttrDef { name: e.name, name_span: e.span, value });
        }
        let dynamic = dynamic
            .into_iter()
            .map(|d| {
                let name = S::lower(self, &d.name);
                let value = self.raw_value_expr("", d.value, 0);
                DynamicAttr { name, value, span: d.span }
            })
            .collect();
        if rec {
            self.scopes.pop();
        }
        AttrsExpr { rec, attrs, dynamic }
    }

    /// `skip` is how many scopes a plain `inherit` has to look past: the set's own.
    pub(super) fn raw_value_expr<S: Syntax>(
        &mut self,
        name: &str,
        value: RawValue<S>,
        skip: usize,
    ) -> ExprRef {
        match value {
            RawValue::Expr(e) => S::lower(self, &e),
            RawValue::Nested(raw, span) => {
                let attrs = self.lower_attrs_expr(raw);
                Rc::new(Node { span, expr: Expr::Attrs(Box::new(attrs)) })
            }
            RawValue::Inherit(span) => {
                let name: Rc<str> = name.into();
                match self.resolve(&name, skip) {
                    Some(var) => Rc::new(Node { span, expr: Expr::Var(var) }),
                    None => {
                        self.push_error(
                            Diagnostic::new(Code::UndefinedVariable, format!("undefined variable '{name}'"))
                                .at(span),
                        );
                        Rc::new(Node { span, expr: Expr::Null })
                    }
                }
            }
            RawValue::InheritFrom(from) => {
                let span = S::expr_span(self, &from);
                let expr = S::lower(self, &from);
                Rc::new(Node { span, expr: Expr::select(expr, vec![AttrName::Static(name.into())], None) })
            }
        }
    }
}
