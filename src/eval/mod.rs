//! A lazy evaluator for the part of the Nix language that port registries use.
//!
//! Files are parsed with rnix, lowered once into `ir`, and evaluated from there.

pub mod builtins;
mod coerce;
pub mod error;
pub mod import;
mod indented;
pub mod ir;
pub mod json;
mod lower;
pub mod nix_cli;
mod ops;
pub mod paths;
pub mod value;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use coerce::Coerce;
use error::{ErrorKind, ResultExt, type_error};
pub use error::{EvalError, EvalResult};
use ir::{AttrName, AttrsExpr, Expr, ExprRef, Param};
pub use value::{Attr, AttrSet, Thunk, Value};
use value::{Closure, Env, EnvKind, PartialBuiltin, ThunkState};

use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::{FileId, Sources};

/// How deep evaluation may nest before it is reported as an error instead of overflowing the stack.
pub const MAX_DEPTH: usize = 100_000;

/// The budget the command line gives an evaluation: a billion steps, where a step is one
/// expression evaluated, one list element or one string byte built. Registries need a few per
/// entry; a program that needs more is almost certainly runaway (an exponentially growing
/// string, say), and this ends it with an error instead of exhausting memory.
pub const DEFAULT_MAX_STEPS: u64 = 1_000_000_000;

/// The stack evaluation needs for `MAX_DEPTH`; callers run the evaluator on a thread this big.
pub const STACK_SIZE: usize = 1 << 30;

#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// Imports may not leave this directory unless `allow_outside_root` is set.
    pub project_root: Option<PathBuf>,
    pub allow_outside_root: bool,
    /// A budget of evaluation steps (and allocated elements), for callers such as the fuzzer
    /// that must stop on programs which run for very long. `None` is unlimited, as in Nix.
    pub max_steps: Option<u64>,
}

pub struct Eval {
    pub sources: Sources,
    pub options: EvalOptions,
    imports: HashMap<PathBuf, Thunk>,
    globals: crate::fxhash::FxHashMap<Rc<str>, u32>,
    global_values: Vec<Thunk>,
    depth: usize,
    steps: u64,
    /// Recursive environments (`let`, `rec`, defaults): every reference cycle among values
    /// passes through one of their slots, and Rc cannot free cycles, so they are kept here
    /// and emptied when the evaluator is dropped.
    recursive_envs: Vec<Rc<Env>>,
    /// The expression being evaluated most recently: the best position for errors raised
    /// where no syntax is at hand, such as inside a builtin.
    pub here: Span,
}

impl Eval {
    pub fn new(options: EvalOptions) -> Eval {
        let (names, global_values) = builtins::globals();
        let globals = names.into_iter().enumerate().map(|(i, n)| (n, i as u32)).collect();
        Eval {
            sources: Sources::new(),
            options,
            imports: HashMap::new(),
            globals,
            global_values,
            depth: 0,
            steps: 0,
            recursive_envs: Vec::new(),
            here: Span { file: FileId(0), start: 0, end: 0 },
        }
    }

    /// Parses and lowers a file's text; `dir` is where its relative paths point.
    pub fn load(&mut self, path: PathBuf, text: String, dir: &Path) -> EvalResult<ExprRef> {
        let file = self.sources.add(path, text);
        self.lower(file, dir)
    }

    fn lower(&mut self, file: FileId, dir: &Path) -> EvalResult<ExprRef> {
        let root = crate::timing::phase("parse", || crate::syntax::parse(&self.sources, file))
            .map_err(EvalError::from_diagnostics)?;
        crate::timing::phase("lower", || lower::lower_file(&root, file, dir, &self.globals))
            .map_err(EvalError::from_diagnostics)
    }

    /// Evaluates a file to weak head normal form, calling a top-level function with `{}`
    /// when all its arguments have defaults, as `nix-instantiate` does.
    pub fn eval_file(&mut self, path: &Path) -> EvalResult<Value> {
        let v = self.import_path(path, None)?;
        self.auto_call(v)
    }

    /// Evaluates source text that is not a file (`-E`-style), relative to `dir`.
    pub fn eval_text(&mut self, name: &str, text: &str, dir: &Path) -> EvalResult<Value> {
        let expr = self.load(PathBuf::from(name), text.to_string(), dir)?;
        let env = Env::slots(None, Vec::new());
        let v = self.eval(&expr, &env)?;
        self.auto_call(v)
    }

    fn auto_call(&mut self, v: Value) -> EvalResult<Value> {
        let call = match &v {
            Value::Lambda(c) => matches!(c.lambda.param, Param::Pattern { .. }),
            Value::Attrs(a) => a.get("__functor").is_some(),
            _ => false,
        };
        if !call {
            return Ok(v);
        }
        let span = match &v {
            Value::Lambda(c) => c.span,
            _ => self.here,
        };
        let empty = Thunk::value(Value::Attrs(Rc::new(AttrSet::default())));
        self.apply(v, empty, span)
    }

    pub fn force(&mut self, t: &Thunk) -> EvalResult<Value> {
        if let ThunkState::Done(v) = &*t.0.borrow() {
            return Ok(v.clone());
        }
        let state = std::mem::replace(&mut *t.0.borrow_mut(), ThunkState::Blackhole);
        let result = match &state {
            ThunkState::Done(_) => unreachable!("handled above"),
            ThunkState::Blackhole => {
                return Err(EvalError::new("infinite-recursion", "infinite recursion encountered")
                    .hint("a value depends on itself; look for a binding that refers to its own name"));
            }
            ThunkState::Pending(e, env) => self.eval(e, env),
            ThunkState::Native(f) => f(self),
        };
        match &result {
            Ok(v) => t.set(ThunkState::Done(v.clone())),
            // Left as it was, so that `tryEval` callers can force it again and see the same error.
            Err(_) => t.set(state),
        }
        result
    }

    /// A thunk for `e` in `env`, sharing what already exists instead of allocating where it can.
    pub fn thunk(&self, e: &ExprRef, env: &Rc<Env>) -> Thunk {
        match &e.expr {
            Expr::Int(i) => Thunk::value(Value::Int(*i)),
            Expr::Float(f) => Thunk::value(Value::Float(*f)),
            Expr::Str(s) => Thunk::value(Value::String(s.clone())),
            Expr::Path(p) => Thunk::value(Value::Path(p.clone())),
            Expr::Null => Thunk::value(Value::Null),
            Expr::Bool(b) => Thunk::value(Value::Bool(*b)),
            Expr::Var(ir::Var::Local { depth, index }) => env.slot(*depth, *index),
            Expr::Var(ir::Var::Global(g)) => self.global_values[*g as usize].clone(),
            _ => Thunk::pending(e.clone(), env.clone()),
        }
    }

    pub fn eval(&mut self, e: &ExprRef, env: &Rc<Env>) -> EvalResult<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::new(
                "stack-overflow",
                format!("evaluation nested more than {MAX_DEPTH} levels deep"),
            )
            .hint("this is usually unbounded recursion: a function that calls itself without a base case"))
            .at(e.span);
        }
        self.charge(1)?;
        self.depth += 1;
        self.here = e.span;
        let r = self.eval_inner(e, env).at(e.span);
        self.depth -= 1;
        r
    }

    fn recursive_env(&mut self, parent: &Rc<Env>, slots: Vec<Thunk>) -> Rc<Env> {
        let env = Env::slots(Some(parent.clone()), slots);
        self.recursive_envs.push(env.clone());
        env
    }

    /// Spends `n` units of the step budget, if there is one.
    pub fn charge(&mut self, n: usize) -> EvalResult<()> {
        self.steps += n as u64;
        match self.options.max_steps {
            Some(max) if self.steps > max => {
                Err(EvalError::new("step-limit", format!("evaluation took more than {max} steps")))
            }
            _ => Ok(()),
        }
    }

    fn eval_inner(&mut self, node: &ExprRef, env: &Rc<Env>) -> EvalResult<Value> {
        let span = node.span;
        match &node.expr {
            Expr::Null => Ok(Value::Null),
            Expr::Bool(b) => Ok(Value::Bool(*b)),
            Expr::Int(i) => Ok(Value::Int(*i)),
            Expr::Float(f) => Ok(Value::Float(*f)),
            Expr::Str(s) => Ok(Value::String(s.clone())),
            Expr::Path(p) => Ok(Value::Path(p.clone())),
            Expr::Var(ir::Var::Local { depth, index }) => self.force(&env.slot(*depth, *index)),
            Expr::Var(ir::Var::Global(g)) => {
                let t = self.global_values[*g as usize].clone();
                self.force(&t)
            }
            Expr::Var(ir::Var::With(name)) => self.lookup_with(env, name),
            Expr::Attrs(a) => self.build_attrs(a, env),
            Expr::List(items) => Ok(Value::List(Rc::new(items.iter().map(|i| self.thunk(i, env)).collect()))),
            Expr::Select { expr, path, default } => self.select(expr, path, default.as_ref(), env),
            Expr::HasAttr { expr, path } => self.has_attr(expr, path, env),
            Expr::Lambda(l) => {
                Ok(Value::Lambda(Rc::new(Closure { lambda: l.clone(), env: env.clone(), span })))
            }
            Expr::Apply { func, arg } => {
                let f = self.eval(func, env)?;
                let a = self.thunk(arg, env);
                self.apply(f, a, span)
            }
            Expr::Let { slots, body } => {
                let thunks: Vec<Thunk> = slots.iter().map(|_| Thunk::blank()).collect();
                let new_env = self.recursive_env(env, thunks);
                if let EnvKind::Slots(s) = &new_env.kind {
                    for (t, e) in s.iter().zip(slots) {
                        t.set(ThunkState::Pending(e.clone(), new_env.clone()));
                    }
                }
                self.eval(body, &new_env)
            }
            Expr::With { namespace, body } => {
                let ns = self.thunk(namespace, env);
                let new_env = Rc::new(Env { parent: Some(env.clone()), kind: EnvKind::With(ns) });
                self.eval(body, &new_env)
            }
            Expr::If { cond, then, else_ } => {
                if self.eval_bool(cond, env)? {
                    self.eval(then, env)
                } else {
                    self.eval(else_, env)
                }
            }
            Expr::Assert { cond, body } => {
                if self.eval_bool(cond, env)? {
                    self.eval(body, env)
                } else {
                    let text = self.source_text(cond.span);
                    Err(EvalError::new("assertion-failed", format!("assertion '{text}' failed"))
                        .with_kind(ErrorKind::Assert))
                    .at(cond.span)
                }
            }
            Expr::BinOp { op, lhs, rhs } => self.binop(*op, lhs, rhs, env, span),
            Expr::Not(inner) => Ok(Value::Bool(!self.eval_bool(inner, env)?)),
            Expr::Neg(inner) => {
                let v = self.eval(inner, env)?;
                ops::arith(ir::BinOp::Sub, Value::Int(0), v)
            }
            Expr::Concat { parts, force_string } => self.concat(parts, *force_string, env),
            Expr::CurPos => Ok(self.pos_attrs(span)),
            Expr::Unsupported(msg) => Err(EvalError::new("unsupported", msg.to_string())),
        }
    }

    fn source_text(&self, span: Span) -> String {
        let text = &self.sources.get(span.file).text;
        text.get(span.start as usize..span.end as usize).unwrap_or("").to_string()
    }

    /// `{ file; line; column; }` as `builtins.unsafeGetAttrPos` and `__curPos` give it.
    pub fn pos_attrs(&self, span: Span) -> Value {
        let file = self.sources.get(span.file);
        let (line, column) = file.line_col(span.start);
        let attrs = vec![
            Attr { name: "column".into(), value: Thunk::value(Value::Int(column.into())), span: None },
            Attr {
                name: "file".into(),
                value: Thunk::value(Value::str(file.path.to_string_lossy().as_ref())),
                span: None,
            },
            Attr { name: "line".into(), value: Thunk::value(Value::Int(line.into())), span: None },
        ];
        Value::Attrs(Rc::new(AttrSet::from_sorted(attrs)))
    }

    fn eval_bool(&mut self, e: &ExprRef, env: &Rc<Env>) -> EvalResult<bool> {
        match self.eval(e, env)? {
            Value::Bool(b) => Ok(b),
            other => Err(type_error(&other, "a Boolean")).at(e.span),
        }
    }

    fn lookup_with(&mut self, env: &Rc<Env>, name: &str) -> EvalResult<Value> {
        let mut cur = Some(env.clone());
        while let Some(e) = cur {
            if let EnvKind::With(ns) = &e.kind {
                let attrs = self.force_attrs(ns)?;
                if let Some(a) = attrs.get(name) {
                    let t = a.value.clone();
                    return self.force(&t);
                }
            }
            cur = e.parent.clone();
        }
        Err(EvalError::new("undefined-variable", format!("undefined variable '{name}'")))
    }

    pub fn force_attrs(&mut self, t: &Thunk) -> EvalResult<Rc<AttrSet>> {
        match self.force(t)? {
            Value::Attrs(a) => Ok(a),
            other => Err(type_error(&other, "a set")),
        }
    }

    fn build_attrs(&mut self, a: &AttrsExpr, env: &Rc<Env>) -> EvalResult<Value> {
        let (mut attrs, dyn_env): (Vec<Attr>, Rc<Env>) = if a.rec {
            let thunks: Vec<Thunk> = a.attrs.iter().map(|_| Thunk::blank()).collect();
            let new_env = self.recursive_env(env, thunks.clone());
            let attrs = a
                .attrs
                .iter()
                .zip(thunks)
                .map(|(def, t)| {
                    t.set(ThunkState::Pending(def.value.clone(), new_env.clone()));
                    Attr { name: def.name.clone(), value: t, span: Some(def.name_span) }
                })
                .collect();
            (attrs, new_env)
        } else {
            let attrs = a
                .attrs
                .iter()
                .map(|def| Attr {
                    name: def.name.clone(),
                    value: self.thunk(&def.value, env),
                    span: Some(def.name_span),
                })
                .collect();
            (attrs, env.clone())
        };
        if a.dynamic.is_empty() {
            return Ok(Value::Attrs(Rc::new(AttrSet::from_sorted(attrs))));
        }
        for d in &a.dynamic {
            let name = match self.eval(&d.name, &dyn_env)? {
                Value::Null => continue,
                Value::String(s) => s,
                other => return Err(type_error(&other, "a string")).at(d.name.span),
            };
            if let Some(prev) = attrs.iter().find(|x| x.name == name) {
                let mut err = EvalError::new(
                    "duplicate-attribute",
                    format!("dynamic attribute '{name}' already defined"),
                );
                if let Some(first) = prev.span {
                    err.diag = err.diag.with_label(first, "first defined here");
                }
                return Err(err).at(d.span);
            }
            attrs.push(Attr { name, value: self.thunk(&d.value, &dyn_env), span: Some(d.span) });
        }
        attrs.sort_by(|x, y| x.name.cmp(&y.name));
        Ok(Value::Attrs(Rc::new(AttrSet::from_sorted(attrs))))
    }

    fn attr_name(&mut self, name: &AttrName, env: &Rc<Env>) -> EvalResult<Rc<str>> {
        match name {
            AttrName::Static(s) => Ok(s.clone()),
            AttrName::Dynamic(e) => match self.eval(e, env)? {
                Value::String(s) => Ok(s),
                other => Err(type_error(&other, "a string")).at(e.span),
            },
        }
    }

    fn select(
        &mut self,
        expr: &ExprRef,
        path: &[AttrName],
        default: Option<&ExprRef>,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        let mut v = self.eval(expr, env)?;
        for name in path {
            let name = self.attr_name(name, env)?;
            let found = match &v {
                Value::Attrs(a) => a.get(&name).map(|a| a.value.clone()),
                other if default.is_none() => return Err(type_error(other, "a set")),
                _ => None,
            };
            match (found, default) {
                (Some(t), _) => v = self.force(&t)?,
                (None, Some(d)) => return self.eval(d, env),
                (None, None) => {
                    let Value::Attrs(a) = &v else { unreachable!("checked above") };
                    return Err(missing_attr(&name, a));
                }
            }
        }
        Ok(v)
    }

    fn has_attr(&mut self, expr: &ExprRef, path: &[AttrName], env: &Rc<Env>) -> EvalResult<Value> {
        let mut v = self.eval(expr, env)?;
        for name in path {
            let name = self.attr_name(name, env)?;
            let next = match &v {
                Value::Attrs(a) => a.get(&name).map(|a| a.value.clone()),
                _ => None,
            };
            match next {
                Some(t) => v = self.force(&t)?,
                None => return Ok(Value::Bool(false)),
            }
        }
        Ok(Value::Bool(true))
    }

    pub fn apply(&mut self, f: Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::new(
                "stack-overflow",
                format!("function calls nested more than {MAX_DEPTH} levels deep"),
            ))
            .at(span);
        }
        self.depth += 1;
        let r = self.apply_inner(f, arg, span).at(span);
        self.depth -= 1;
        r
    }

    fn apply_inner(&mut self, f: Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        match f {
            Value::Lambda(c) => self.call_lambda(&c, arg, span),
            Value::Builtin(p) => {
                let mut args = p.args.clone();
                args.push(arg);
                if std::ptr::fn_addr_eq(p.builtin.func, builtins::unsupported_fn as builtins::BuiltinFn) {
                    Err(builtins::unsupported_error(p.builtin.name))
                } else if args.len() == p.builtin.arity {
                    (p.builtin.func)(self, &args, span)
                } else {
                    Ok(Value::Builtin(Rc::new(PartialBuiltin { builtin: p.builtin, args })))
                }
            }
            Value::Attrs(ref a) if a.get("__functor").is_some() => {
                let functor = a.get("__functor").map(|x| x.value.clone()).expect("checked");
                let functor = self.force(&functor)?;
                let g = self.apply(functor, Thunk::value(f.clone()), span)?;
                self.apply(g, arg, span)
            }
            other => Err(EvalError::new(
                "type-error",
                format!("attempt to call something which is not a function but {}", other.show_type()),
            )),
        }
    }

    fn call_lambda(&mut self, c: &Closure, arg: Thunk, span: Span) -> EvalResult<Value> {
        let lambda = &c.lambda;
        let env = match &lambda.param {
            Param::Ident => Env::slots(Some(c.env.clone()), vec![arg]),
            Param::Pattern { formals, ellipsis, bind } => {
                let attrs = self.force_attrs(&arg)?;
                let mut slots: Vec<Thunk> = Vec::with_capacity(formals.len() + 1);
                let mut defaults = Vec::new();
                for (i, formal) in formals.iter().enumerate() {
                    match (attrs.get(&formal.name), &formal.default) {
                        (Some(a), _) => slots.push(a.value.clone()),
                        (None, Some(d)) => {
                            slots.push(Thunk::blank());
                            defaults.push((i, d.clone()));
                        }
                        (None, None) => {
                            return Err(call_error(
                                "missing-argument",
                                format!(
                                    "function 'anonymous lambda' called without required argument '{}'",
                                    formal.name
                                ),
                                "pass the argument, or give it a default with `name ? value`",
                                span,
                                c.span,
                            ));
                        }
                    }
                }
                if !ellipsis
                    && attrs.len() > formals.len() - defaults.len()
                    && let Some(extra) =
                        attrs.attrs.iter().find(|a| !formals.iter().any(|f| f.name == a.name))
                {
                    return Err(call_error(
                        "unexpected-argument",
                        format!(
                            "function 'anonymous lambda' called with unexpected argument '{}'",
                            extra.name
                        ),
                        "remove the argument, or add `...` to the function's pattern",
                        span,
                        c.span,
                    ));
                }
                if *bind {
                    slots.push(arg.clone());
                }
                let env = if defaults.is_empty() {
                    Env::slots(Some(c.env.clone()), slots)
                } else {
                    self.recursive_env(&c.env, slots)
                };
                if let EnvKind::Slots(s) = &env.kind {
                    for (i, d) in defaults {
                        s[i].set(ThunkState::Pending(d, env.clone()));
                    }
                }
                env
            }
        };
        self.eval(&lambda.body, &env)
    }

    fn binop(
        &mut self,
        op: ir::BinOp,
        lhs: &ExprRef,
        rhs: &ExprRef,
        env: &Rc<Env>,
        span: Span,
    ) -> EvalResult<Value> {
        use ir::BinOp::*;
        match op {
            And => Ok(Value::Bool(self.eval_bool(lhs, env)? && self.eval_bool(rhs, env)?)),
            Or => Ok(Value::Bool(self.eval_bool(lhs, env)? || self.eval_bool(rhs, env)?)),
            Impl => Ok(Value::Bool(!self.eval_bool(lhs, env)? || self.eval_bool(rhs, env)?)),
            Eq | NotEq => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                let eq = self.equal(&a, &b)?;
                Ok(Value::Bool(eq == (op == Eq)))
            }
            Less | LessEq | Greater | GreaterEq => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                // Nix rewrites all four into `lessThan`, with the operands swapped for > and <=.
                let r = match op {
                    Less => self.less_than(&a, &b)?,
                    GreaterEq => !self.less_than(&a, &b)?,
                    Greater => self.less_than(&b, &a)?,
                    _ => !self.less_than(&b, &a)?,
                };
                Ok(Value::Bool(r))
            }
            Update => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                match (&a, &b) {
                    (Value::Attrs(x), Value::Attrs(y)) => {
                        if y.is_empty() {
                            Ok(a.clone())
                        } else if x.is_empty() {
                            Ok(b.clone())
                        } else {
                            Ok(Value::Attrs(Rc::new(x.update(y))))
                        }
                    }
                    (Value::Attrs(_), other) => Err(type_error(other, "a set")).at(rhs.span),
                    (other, _) => Err(type_error(other, "a set")).at(lhs.span),
                }
            }
            Concat => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                match (&a, &b) {
                    (Value::List(x), Value::List(y)) => {
                        self.charge(x.len() + y.len())?;
                        let mut out = Vec::with_capacity(x.len() + y.len());
                        out.extend(x.iter().cloned());
                        out.extend(y.iter().cloned());
                        Ok(Value::List(Rc::new(out)))
                    }
                    (Value::List(_), other) => Err(type_error(other, "a list")).at(rhs.span),
                    (other, _) => Err(type_error(other, "a list")).at(lhs.span),
                }
            }
            Add => self.concat(&[lhs.clone(), rhs.clone()], false, env),
            Sub | Mul | Div => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                ops::arith(op, a, b).at(span)
            }
        }
    }

    /// `+` and interpolation: the first operand decides between numbers, paths and strings.
    fn concat(&mut self, parts: &[ExprRef], force_string: bool, env: &Rc<Env>) -> EvalResult<Value> {
        let Some(first_expr) = parts.first() else { return Ok(Value::str("")) };
        let first = self.eval(first_expr, env)?;
        match (&first, force_string) {
            (Value::Int(_) | Value::Float(_), false) => {
                let mut acc = first;
                for p in &parts[1..] {
                    let v = self.eval(p, env)?;
                    acc = ops::add_numbers(acc, v).at(p.span)?;
                }
                Ok(acc)
            }
            (Value::Path(p), false) => {
                let mut s = p.to_string();
                for part in &parts[1..] {
                    let v = self.eval(part, env)?;
                    s.push_str(&self.coerce(&v, Coerce::Interpolate { copy_paths: false }).at(part.span)?);
                }
                Ok(Value::Path(paths::canon_path(&s).into()))
            }
            _ => {
                let mode = Coerce::Interpolate { copy_paths: true };
                let mut s = self.coerce(&first, mode).at(first_expr.span)?.to_string();
                for part in &parts[1..] {
                    let v = self.eval(part, env)?;
                    s.push_str(&self.coerce(&v, mode).at(part.span)?);
                }
                self.charge(s.len())?;
                Ok(Value::str(s))
            }
        }
    }

    /// Forces a value all the way down, as `--strict` and `deepSeq` do.
    pub fn deep_force(&mut self, v: &Value) -> EvalResult<()> {
        match v {
            Value::Attrs(a) => {
                for attr in &a.attrs {
                    let inner = self.force(&attr.value)?;
                    self.deep_force_nested(&inner)?;
                }
            }
            Value::List(l) => {
                for t in l.iter() {
                    let inner = self.force(t)?;
                    self.deep_force_nested(&inner)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn deep_force_nested(&mut self, v: &Value) -> EvalResult<()> {
        if !matches!(v, Value::Attrs(_) | Value::List(_)) {
            return Ok(());
        }
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::new("stack-overflow", "value nested too deeply to force"));
        }
        self.depth += 1;
        let r = self.deep_force(v);
        self.depth -= 1;
        r
    }
}

impl Drop for Eval {
    fn drop(&mut self) {
        for env in self.recursive_envs.drain(..) {
            if let EnvKind::Slots(slots) = &env.kind {
                for t in slots.iter() {
                    t.set(ThunkState::Blackhole);
                }
            }
        }
        // `builtins.builtins` is the builtins set itself.
        for t in &self.global_values {
            t.set(ThunkState::Blackhole);
        }
    }
}

/// An error in calling a function: at the call, with the function's definition as a label.
fn call_error(code: &'static str, message: String, hint: &str, call: Span, lambda: Span) -> Box<EvalError> {
    let mut e = EvalError::new(code, message).hint(hint);
    e.diag = e.diag.at(call).with_label(lambda, "the function is defined here");
    e
}

fn missing_attr(name: &str, attrs: &AttrSet) -> Box<EvalError> {
    let err = EvalError::new("missing-attribute", format!("attribute '{name}' missing"));
    match crate::suggest::nearest(name, attrs.attrs.iter().map(|a| &*a.name)) {
        Some(s) => err.hint(format!("did you mean '{s}'?")),
        None => err,
    }
}

/// `nix-instantiate --eval --strict --json FILE`: the JSON text, or the rendered error.
/// Imports may not leave the file's project root unless `allow_outside_root`.
pub fn eval_to_json(file: &Path, allow_outside_root: bool) -> Result<String, String> {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = abs.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
    let root = import::find_project_root(&dir).unwrap_or(dir);
    let mut eval = Eval::new(EvalOptions {
        project_root: Some(root),
        allow_outside_root,
        max_steps: Some(DEFAULT_MAX_STEPS),
    });
    let result = eval.eval_file(&abs).and_then(|v| {
        eval.deep_force(&v)?;
        eval.to_json(&v)
    });
    result.map_err(|e| render_error(&eval, &e))
}

/// Renders an evaluation error with all its diagnostics.
pub fn render_error(eval: &Eval, err: &EvalError) -> String {
    crate::diagnostic::render_all(&eval.sources, &err.diagnostics())
}

impl Diagnostic {
    pub fn into_eval_error(self) -> Box<EvalError> {
        Box::new(EvalError { kind: ErrorKind::Other, diag: self, more: Vec::new() })
    }
}
