//! Lowering rnix's lossless tree into the evaluator's IR.
//!
//! This is where Nix does its static work, so it is where the same errors come from:
//! undefined variables, attributes defined twice, dynamic attributes where none are allowed.

use crate::fxhash::FxHashMap as HashMap;
use std::path::Path;
use std::rc::Rc;

use rnix::ast::{self, AstToken};
use rowan::ast::AstNode;

mod attrs;
mod fast;

pub(crate) use fast::lower_fast;

use super::indented::{self, Piece};
use super::ir::*;
use super::paths::canon_path;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::syntax::FileId;
use attrs::Name;

pub(crate) struct Lowerer<'g> {
    file: FileId,
    dir: String,
    globals: &'g HashMap<Rc<str>, u32>,
    scopes: Vec<Scope>,
    errors: Vec<Diagnostic>,
    /// One shared copy of each name: registries repeat the same few names many times.
    names: HashMap<Box<str>, Rc<str>>,
}

enum Scope {
    Slots(HashMap<Rc<str>, u32>),
    With,
}

/// Lowers a whole file. `dir` is the directory relative paths resolve against.
pub(crate) fn lower_file(
    root: &ast::Root,
    file: FileId,
    dir: &Path,
    globals: &HashMap<Rc<str>, u32>,
) -> Result<ExprRef, Vec<Diagnostic>> {
    let mut l = Lowerer::new(file, dir, globals);
    let expr = match root.expr() {
        Some(e) => l.expr(&e),
        None => l.error_node(root.syntax(), "the file contains no expression"),
    };
    if l.errors.is_empty() { Ok(expr) } else { Err(l.errors) }
}

/// The IR's operator for rnix's; `None` for the pipes, which portnix does not evaluate.
fn binop_kind(kind: rnix::ast::BinOpKind) -> Option<BinOp> {
    use rnix::ast::BinOpKind as K;
    Some(match kind {
        K::Concat => BinOp::Concat,
        K::Update => BinOp::Update,
        K::Add => BinOp::Add,
        K::Sub => BinOp::Sub,
        K::Mul => BinOp::Mul,
        K::Div => BinOp::Div,
        K::And => BinOp::And,
        K::Or => BinOp::Or,
        K::Implication => BinOp::Impl,
        K::Equal => BinOp::Eq,
        K::NotEqual => BinOp::NotEq,
        K::Less => BinOp::Less,
        K::LessOrEq => BinOp::LessEq,
        K::More => BinOp::Greater,
        K::MoreOrEq => BinOp::GreaterEq,
        K::PipeLeft | K::PipeRight => return None,
    })
}

const PIPES_UNSUPPORTED: &str = "the pipe operators `|>` and `<|` are not supported by portnix";

enum PathPart {
    Literal(String),
    Interpolation(ast::Interpol),
}

/// The whole text when a string has no interpolation.
fn all_text<E>(pieces: &[Piece<E>]) -> Option<String> {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t, _) => Some(t.as_str()),
            Piece::Interpolation(_) => None,
        })
        .collect()
}

fn strip_parens(e: &ast::Expr) -> ast::Expr {
    let mut e = e.clone();
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

/// An identifier's text without building a string from the syntax tree.
fn ident_text(id: &ast::Ident) -> String {
    match id.ident_token() {
        Some(t) => t.text().to_string(),
        None => id.syntax().text().to_string(),
    }
}

impl<'g> Lowerer<'g> {
    fn new(file: FileId, dir: &Path, globals: &'g HashMap<Rc<str>, u32>) -> Self {
        Lowerer {
            file,
            dir: dir.to_string_lossy().into_owned(),
            globals,
            scopes: Vec::new(),
            errors: Vec::new(),
            names: HashMap::default(),
        }
    }

    fn intern(&mut self, name: &str) -> Rc<str> {
        if let Some(rc) = self.names.get(name) {
            return rc.clone();
        }
        let rc: Rc<str> = name.into();
        self.names.insert(name.into(), rc.clone());
        rc
    }

    fn span(&self, node: &rnix::SyntaxNode) -> Span {
        Span::new(self.file, node.text_range())
    }

    fn node(&self, node: &rnix::SyntaxNode, expr: Expr) -> ExprRef {
        Rc::new(Node { span: self.span(node), expr })
    }

    fn error_node(&mut self, node: &rnix::SyntaxNode, msg: &str) -> ExprRef {
        let span = self.span(node);
        self.errors.push(Diagnostic::new(Code::SyntaxError, msg).at(span));
        Rc::new(Node { span, expr: Expr::Null })
    }

    fn push_error(&mut self, diag: Diagnostic) {
        self.errors.push(diag);
    }

    fn expr(&mut self, e: &ast::Expr) -> ExprRef {
        let syn = e.syntax();
        match e {
            ast::Expr::Paren(p) => match p.expr() {
                Some(inner) => self.expr(&inner),
                None => self.error_node(syn, "empty parentheses"),
            },
            ast::Expr::Root(r) => match r.expr() {
                Some(inner) => self.expr(&inner),
                None => self.error_node(syn, "empty expression"),
            },
            ast::Expr::Literal(lit) => self.literal(lit),
            ast::Expr::Str(s) => self.string(s),
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => self.path(e),
            ast::Expr::PathSearch(_) => self.node(
                syn,
                Expr::Unsupported(
                    format!(
                        "search path {} is not supported by portnix: import the file by a relative path",
                        syn.text()
                    )
                    .into(),
                ),
            ),
            ast::Expr::Ident(id) => self.ident(id),
            ast::Expr::CurPos(_) => self.node(syn, Expr::CurPos),
            ast::Expr::List(list) => {
                let items = list.items().map(|i| self.expr(&i)).collect();
                self.node(syn, Expr::List(items))
            }
            ast::Expr::AttrSet(set) => {
                let raw = self.raw_attrs(set, set.rec_token().is_some());
                self.lower_attrs(raw, self.span(syn))
            }
            ast::Expr::LetIn(let_in) => self.let_in(let_in),
            ast::Expr::LegacyLet(legacy) => self.legacy_let(legacy),
            ast::Expr::With(w) => {
                let namespace = self.opt_expr(w.namespace(), syn);
                self.scopes.push(Scope::With);
                let body = self.opt_expr(w.body(), syn);
                self.scopes.pop();
                self.node(syn, Expr::With { namespace, body })
            }
            ast::Expr::IfElse(i) => {
                let cond = self.opt_expr(i.condition(), syn);
                let then = self.opt_expr(i.body(), syn);
                let else_ = self.opt_expr(i.else_body(), syn);
                self.node(syn, Expr::If { cond, then, else_ })
            }
            ast::Expr::Assert(a) => {
                let cond = self.opt_expr(a.condition(), syn);
                let body = self.opt_expr(a.body(), syn);
                self.node(syn, Expr::Assert { cond, body })
            }
            ast::Expr::Lambda(lam) => self.lambda(lam),
            ast::Expr::Apply(app) => {
                let func = self.opt_expr(app.lambda(), syn);
                let arg = self.opt_expr(app.argument(), syn);
                self.node(syn, Expr::Apply { func, arg })
            }
            ast::Expr::Select(sel) => {
                let expr = self.opt_expr(sel.expr(), syn);
                let path = self.attrpath(sel.attrpath(), syn);
                let default = sel.default_expr().map(|d| self.expr(&d));
                self.node(syn, Expr::select(expr, path, default))
            }
            ast::Expr::HasAttr(h) => {
                let expr = self.opt_expr(h.expr(), syn);
                let path = self.attrpath(h.attrpath(), syn);
                self.node(syn, Expr::HasAttr { expr, path: path.into() })
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.opt_expr(u.expr(), syn);
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => self.node(syn, Expr::Not(inner)),
                    Some(ast::UnaryOpKind::Negate) => self.node(syn, Expr::Neg(inner)),
                    None => self.error_node(syn, "unknown unary operator"),
                }
            }
            ast::Expr::BinOp(b) => self.binop(b),
            ast::Expr::Error(_) => self.error_node(syn, "syntax error"),
        }
    }

    fn opt_expr(&mut self, e: Option<ast::Expr>, parent: &rnix::SyntaxNode) -> ExprRef {
        match e {
            Some(e) => self.expr(&e),
            None => self.error_node(parent, "incomplete expression"),
        }
    }

    fn literal(&mut self, lit: &ast::Literal) -> ExprRef {
        let syn = lit.syntax();
        let expr = match lit.kind() {
            ast::LiteralKind::Integer(i) => match i.value() {
                Ok(v) => Expr::Int(v),
                Err(_) => {
                    let span = self.span(syn);
                    self.push_error(
                        Diagnostic::new(Code::InvalidLiteral, format!("invalid integer '{}'", syn.text()))
                            .at(span)
                            .with_hint("Nix integers are signed 64-bit: at most 9223372036854775807"),
                    );
                    Expr::Null
                }
            },
            ast::LiteralKind::Float(f) => match f.value() {
                Ok(v) => Expr::Float(v),
                Err(_) => {
                    let span = self.span(syn);
                    self.push_error(
                        Diagnostic::new(Code::InvalidLiteral, format!("invalid float '{}'", syn.text()))
                            .at(span),
                    );
                    Expr::Null
                }
            },
            ast::LiteralKind::Uri(u) => Expr::Str(u.syntax().text().into()),
        };
        self.node(syn, expr)
    }

    fn string(&mut self, s: &ast::Str) -> ExprRef {
        let syn = s.syntax();
        if !indented::well_formed(s) {
            return self.error_node(syn, "malformed string");
        }
        let pieces = indented::parts(s);
        if let Some(text) = all_text(&pieces) {
            return self.node(syn, Expr::Str(text.into()));
        }
        let parts = pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(t, _) => self.node(syn, Expr::Str(t.into())),
                Piece::Interpolation(i) => self.opt_expr(i.expr(), i.syntax()),
            })
            .collect();
        self.node(syn, Expr::Concat { parts, force_string: true })
    }

    fn path(&mut self, e: &ast::Expr) -> ExprRef {
        let syn = e.syntax();
        // Read the children directly: rnix's `parts()` asserts on shapes that its own
        // error recovery can produce (whitespace inside a path node), and fuzzing found one.
        let mut parts = Vec::new();
        for child in syn.children_with_tokens() {
            match child {
                rowan::NodeOrToken::Token(t)
                    if matches!(
                        t.kind(),
                        rnix::SyntaxKind::TOKEN_PATH_ABS
                            | rnix::SyntaxKind::TOKEN_PATH_REL
                            | rnix::SyntaxKind::TOKEN_PATH_HOME
                    ) =>
                {
                    parts.push(PathPart::Literal(t.text().to_string()))
                }
                rowan::NodeOrToken::Node(n) if let Some(ip) = ast::Interpol::cast(n.clone()) => {
                    parts.push(PathPart::Interpolation(ip))
                }
                _ => return self.error_node(syn, "malformed path"),
            }
        }
        let is_home = matches!(e, ast::Expr::PathHome(_));
        let resolve = |l: &Self, text: &str| -> String {
            let joined = if is_home {
                let home = std::env::var("HOME").unwrap_or_default();
                format!("{home}/{}", text.trim_start_matches("~/"))
            } else if text.starts_with('/') {
                text.to_string()
            } else {
                format!("{}/{}", l.dir, text)
            };
            let mut p = canon_path(&joined);
            // Nix keeps the slash that ends the first segment of an interpolated path.
            if text.ends_with('/') && text.len() > 1 {
                p.push('/');
            }
            p
        };
        if let [PathPart::Literal(lit)] = parts.as_slice() {
            let p = resolve(self, lit);
            return self.node(syn, Expr::Path(p.into()));
        }
        let mut out = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            match part {
                PathPart::Literal(lit) if i == 0 => {
                    let p = resolve(self, &lit);
                    out.push(self.node(syn, Expr::Path(p.into())));
                }
                PathPart::Literal(lit) => out.push(self.node(syn, Expr::Str(lit.into()))),
                PathPart::Interpolation(ip) => out.push(self.opt_expr(ip.expr(), ip.syntax())),
            }
        }
        self.node(syn, Expr::Concat { parts: out.into(), force_string: false })
    }

    fn ident(&mut self, id: &ast::Ident) -> ExprRef {
        let name = self.intern(&ident_text(id));
        self.var(name, self.span(id.syntax()))
    }

    fn var(&mut self, name: Rc<str>, span: Span) -> ExprRef {
        match self.resolve(&name, 0) {
            Some(var) => Rc::new(Node { span, expr: Expr::Var(var) }),
            None => {
                self.push_error(
                    Diagnostic::new(Code::UndefinedVariable, format!("undefined variable '{name}'"))
                        .at(span)
                        .with_hint("bind it with `let`, a function argument, or an attribute of a `with`"),
                );
                Rc::new(Node { span, expr: Expr::Null })
            }
        }
    }

    /// Finds `name` in the scopes, ignoring the `skip` innermost ones (for `inherit`).
    fn resolve(&self, name: &Rc<str>, skip: usize) -> Option<Var> {
        let mut saw_with = false;
        let n = self.scopes.len();
        for (depth, scope) in self.scopes.iter().rev().enumerate().skip(skip) {
            let _ = n;
            match scope {
                Scope::Slots(names) => {
                    if let Some(&index) = names.get(name) {
                        return Some(Var::Local { depth: depth as u32, index });
                    }
                }
                Scope::With => saw_with = true,
            }
        }
        if let Some(&g) = self.globals.get(name) {
            return Some(Var::Global(g));
        }
        saw_with.then(|| Var::With(name.clone()))
    }

    fn attr_name(&mut self, attr: &ast::Attr) -> Option<Name<ast::Expr>> {
        match attr {
            ast::Attr::Ident(id) => Some(Name::Static(self.intern(&ident_text(id)))),
            ast::Attr::Str(s) => Some(self.str_name(s)),
            ast::Attr::Dynamic(d) => match d.expr() {
                // Nix's parser turns `${"a"}` into the static name `a`.
                Some(ast::Expr::Str(s)) => Some(self.str_name(&s)),
                Some(e) => Some(Name::Dynamic(e)),
                None => {
                    self.error_node(d.syntax(), "empty attribute name");
                    None
                }
            },
        }
    }

    fn str_name(&mut self, s: &ast::Str) -> Name<ast::Expr> {
        if !indented::well_formed(s) {
            self.error_node(s.syntax(), "malformed string");
            return Name::Static("".into());
        }
        match all_text(&indented::parts(s)) {
            Some(text) => Name::Static(text.into()),
            None => Name::Dynamic(ast::Expr::Str(s.clone())),
        }
    }

    fn attrpath(&mut self, path: Option<ast::Attrpath>, parent: &rnix::SyntaxNode) -> Vec<AttrName> {
        let Some(path) = path else {
            self.error_node(parent, "missing attribute path");
            return Vec::new();
        };
        let mut out = Vec::new();
        for attr in path.attrs() {
            match self.attr_name(&attr) {
                Some(Name::Static(s)) => out.push(AttrName::Static(s)),
                Some(Name::Dynamic(e)) => out.push(AttrName::Dynamic(self.expr(&e))),
                None => {}
            }
        }
        out
    }

    fn let_in(&mut self, let_in: &ast::LetIn) -> ExprRef {
        let syn = let_in.syntax();
        let raw = self.raw_attrs(let_in, true);
        let span = self.span(syn);
        self.lower_let(raw, span, |l| l.opt_expr(let_in.body(), syn))
    }

    /// A `let`: a new environment whose slots are the bindings, seen by every binding and `body`.
    fn lower_let<S: attrs::Syntax>(
        &mut self,
        raw: attrs::RawAttrs<S>,
        span: Span,
        body: impl FnOnce(&mut Self) -> ExprRef,
    ) -> ExprRef {
        for d in &raw.dynamic {
            self.push_error(
                Diagnostic::new(Code::SyntaxError, "dynamic attributes not allowed in let").at(d.span),
            );
        }
        let mut entries = raw.entries;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let names = entries.iter().enumerate().map(|(i, e)| (e.name.clone(), i as u32)).collect();
        self.scopes.push(Scope::Slots(names));
        let mut slots = Vec::with_capacity(entries.len());
        for e in entries {
            slots.push(self.raw_value_expr(&e.name, e.value, 1));
        }
        let slots = slots.into_boxed_slice();
        let body = body(self);
        self.scopes.pop();
        Rc::new(Node { span, expr: Expr::Let { slots, body } })
    }

    /// `let { body = ...; }` is `(rec { ... }).body`.
    fn legacy_let(&mut self, legacy: &ast::LegacyLet) -> ExprRef {
        let syn = legacy.syntax();
        let raw = self.raw_attrs(legacy, true);
        let set = self.lower_attrs(raw, self.span(syn));
        self.node(syn, Expr::select(set, vec![AttrName::Static("body".into())], None))
    }

    fn lambda(&mut self, lam: &ast::Lambda) -> ExprRef {
        let syn = lam.syntax();
        let (param, names) = match lam.param() {
            Some(ast::Param::IdentParam(p)) => {
                let name: Rc<str> =
                    p.ident().map(|i| i.syntax().text().to_string()).unwrap_or_default().into();
                (None, vec![name])
            }
            Some(ast::Param::Pattern(pat)) => {
                let mut names: Vec<Rc<str>> = Vec::new();
                let mut defaults = Vec::new();
                for entry in pat.pat_entries() {
                    // Where `unsafeGetAttrPos` on `functionArgs` points.
                    let at = entry.ident().map(|i| self.span(i.syntax()));
                    let name: Rc<str> =
                        entry.ident().map(|i| i.syntax().text().to_string()).unwrap_or_default().into();
                    if names.contains(&name) {
                        let span = self.span(entry.syntax());
                        self.push_error(
                            Diagnostic::new(
                                Code::SyntaxError,
                                format!("duplicate formal function argument '{name}'"),
                            )
                            .at(span),
                        );
                    }
                    names.push(name);
                    defaults.push((entry.default(), at));
                }
                let bind = pat.pat_bind().and_then(|b| b.ident()).map(|i| i.syntax().text().to_string());
                if let Some(b) = &bind {
                    if names.iter().any(|n| **n == **b) {
                        let span = self.span(pat.syntax());
                        self.push_error(
                            Diagnostic::new(
                                Code::SyntaxError,
                                format!("duplicate formal function argument '{b}'"),
                            )
                            .at(span),
                        );
                    }
                    names.push(b.as_str().into());
                }
                let bind: Option<Rc<str>> = bind.map(|b| b.as_str().into());
                (Some((defaults, pat.ellipsis_token().is_some(), bind)), names)
            }
            None => return self.error_node(syn, "missing function parameter"),
        };
        let slots = names.iter().enumerate().map(|(i, n)| (n.clone(), i as u32)).collect();
        self.scopes.push(Scope::Slots(slots));
        let param = match param {
            None => Param::Ident(names[0].clone()),
            Some((defaults, ellipsis, bind)) => {
                let formals = defaults
                    .into_iter()
                    .zip(&names)
                    .map(|((d, span), n)| Formal { name: n.clone(), span, default: d.map(|d| self.expr(&d)) })
                    .collect();
                Param::Pattern { formals, ellipsis, bind }
            }
        };
        let body = self.opt_expr(lam.body(), syn);
        self.scopes.pop();
        self.node(syn, Expr::Lambda(Rc::new(LambdaExpr { param, body })))
    }

    fn binop(&mut self, b: &ast::BinOp) -> ExprRef {
        let syn = b.syntax();
        let lhs = self.opt_expr(b.lhs(), syn);
        let rhs = self.opt_expr(b.rhs(), syn);
        let op = match b.operator().map(binop_kind) {
            Some(Some(op)) => op,
            Some(None) => return self.node(syn, Expr::Unsupported(PIPES_UNSUPPORTED.into())),
            None => return self.error_node(syn, "unknown operator"),
        };
        self.node(syn, Expr::BinOp { op, lhs, rhs })
    }
}
