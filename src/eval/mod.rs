//! A lazy evaluator for the part of the Nix language that port registries use.
//!
//! Files are parsed with rnix, lowered once into `ir`, and evaluated from there.

mod attrs;
pub(crate) mod builtins;
mod call;
mod coerce;
pub(crate) mod error;
pub(crate) mod import;
mod indented;
mod instantiate;
pub(crate) mod ir;
pub(crate) mod json;
mod lower;
pub(crate) mod memory;
pub(crate) mod nix_cli;
mod ops;
pub(crate) mod paths;
pub(crate) mod value;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use error::{ErrorKind, ResultExt, type_error};
pub(crate) use error::{EvalError, EvalResult};
pub use instantiate::{AutoArg, Instantiate, eval_to_json};
use ir::{Expr, ExprRef, Param};
pub(crate) use value::{Attr, AttrSet, Thunk, Value};
use value::{Closure, Env, EnvKind, ThunkState};

use crate::diagnostic::{Code, Span};
use crate::syntax::{FileId, Sources};

/// How deep evaluation may nest before it is reported as an error instead of overflowing the stack.
pub(crate) const MAX_DEPTH: usize = 100_000;

/// The budget the command line gives an evaluation: a hundred million steps, where a step is
/// one expression evaluated, one list element copied, one string byte built or one node
/// visited by deep forcing and output. A registry of a million entries spends about 5 million;
/// a program that needs 20 times that is runaway (an exponentially growing string, say), and
/// this ends it with an error in a few seconds instead of exhausting memory.
pub(crate) const DEFAULT_MAX_STEPS: u64 = 100_000_000;

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
    /// Files read from here instead of the disk, by absolute path: an edit is evaluated
    /// before it is written.
    pub overlay: std::collections::HashMap<PathBuf, String>,
    /// Resident memory, in bytes, past which evaluation ends with `resource-limit`.
    pub max_memory: Option<u64>,
    /// Directories outside the project root that may be read too: a nixpkgs the user named
    /// for a registry's `lib`.
    pub extra_roots: Vec<PathBuf>,
}

/// What one new lazy element (`genList`, `map`) costs the budget: a thunk and its closure are
/// about 16 times the few bytes a step stands for, and the budget must bound memory too.
pub(crate) const LAZY_ELEMENT_COST: usize = 16;

/// What copying one node of a value out of the evaluator costs the budget, for the same reason.
pub(crate) const COPIED_NODE_COST: usize = 8;

/// How many units of the budget pass between two looks at resident memory: a look costs a
/// read of /proc, a unit a few nanoseconds.
const MEMORY_CHECK_EVERY: u64 = 1 << 20;

pub struct Eval {
    pub(crate) sources: Sources,
    pub(crate) options: EvalOptions,
    imports: HashMap<PathBuf, Thunk>,
    /// The files being imported right now, innermost last, each with the `import` expression
    /// that asked for it: a cycle is reported as the chain of imports that make it.
    importing: Vec<(PathBuf, Option<Span>)>,
    globals: crate::fxhash::FxHashMap<Rc<str>, u32>,
    global_values: Vec<Thunk>,
    depth: usize,
    steps: u64,
    next_memory_check: u64,
    /// Recursive environments (`let`, `rec`, defaults): every reference cycle among values
    /// passes through one of their slots, and Rc cannot free cycles, so they are kept here
    /// and emptied when the evaluator is dropped.
    recursive_envs: Vec<Rc<Env>>,
    /// `match` and `split` patterns, each translated and built once.
    pub(crate) regexes: crate::fxhash::FxHashMap<Rc<str>, Rc<builtins::regexp::Compiled>>,
    /// The expression being evaluated most recently: the best position for errors raised
    /// where no syntax is at hand, such as inside a builtin.
    pub(crate) here: Span,
}

impl Eval {
    pub fn new(options: EvalOptions) -> Eval {
        let (names, global_values) = builtins::globals();
        let globals = names.into_iter().enumerate().map(|(i, n)| (n, i as u32)).collect();
        Eval {
            sources: Sources::new(),
            options,
            imports: HashMap::new(),
            importing: Vec::new(),
            globals,
            global_values,
            depth: 0,
            steps: 0,
            next_memory_check: MEMORY_CHECK_EVERY,
            recursive_envs: Vec::new(),
            regexes: Default::default(),
            here: Span { file: FileId(0), start: 0, end: 0 },
        }
    }

    /// Parses and lowers a file's text; `dir` is where its relative paths point.
    pub fn load(&mut self, path: PathBuf, text: String, dir: &Path) -> EvalResult<ExprRef> {
        let file = self.sources.add(path, text);
        self.lower(file, dir)
    }

    /// The IR of `text` from each front end, printed: the fast parser's (`None` when it
    /// declines) and rnix's (`None` on errors). Tests and the fuzzer hold them equal.
    #[doc(hidden)]
    pub fn both_front_ends(&mut self, text: &str, dir: &Path) -> (Option<String>, Option<String>) {
        let file = self.sources.add(PathBuf::from("«both»"), text.to_string());
        let fast = lower::lower_fast(text, file, dir, &self.globals).map(|e| format!("{e:#?}"));
        let rnix = crate::syntax::parse(&self.sources, file)
            .ok()
            .and_then(|root| lower::lower_file(&root, file, dir, &self.globals).ok())
            .map(|e| format!("{e:#?}"));
        (fast, rnix)
    }

    fn lower(&mut self, file: FileId, dir: &Path) -> EvalResult<ExprRef> {
        if let Some(expr) = lower::lower_fast(&self.sources.get(file).text, file, dir, &self.globals) {
            return Ok(expr);
        }
        let root = crate::timing::phase("parse", || crate::syntax::parse(&self.sources, file))
            .map_err(EvalError::from_diagnostics)?;
        crate::timing::phase("lower", || lower::lower_file(&root, file, dir, &self.globals))
            .map_err(EvalError::from_diagnostics)
    }

    /// Evaluates a file to weak head normal form, calling a top-level function with `{}`
    /// when all its arguments have defaults, as `nix-instantiate` does.
    pub(crate) fn eval_file(&mut self, path: &Path) -> EvalResult<Value> {
        let v = self.import_path(path, None)?;
        self.call_with(v, &[])
    }

    /// Evaluates source text that is not a file (`-E`-style), relative to `dir`.
    pub fn eval_text(&mut self, name: &str, text: &str, dir: &Path) -> EvalResult<Value> {
        let expr = self.load(PathBuf::from(name), text.to_string(), dir)?;
        let env = Env::slots(None, Vec::new());
        let v = self.eval(&expr, &env)?;
        self.call_with(v, &[])
    }

    /// Calls a top-level function as `nix-instantiate` does with `--arg`: a function of a set
    /// gets the arguments its pattern names (all of them when it has `...`), and a required
    /// one nobody gives is an error at its name. Anything else is returned as it is.
    pub(crate) fn call_with(&mut self, v: Value, args: &[(Rc<str>, Thunk)]) -> EvalResult<Value> {
        let given = |name: &str| args.iter().find(|(n, _)| &**n == name).map(|(_, t)| t.clone());
        let mut attrs = Vec::new();
        let span = match &v {
            Value::Lambda(c) => {
                let Param::Pattern { formals, ellipsis, .. } = &c.lambda.param else { return Ok(v) };
                for f in formals.iter() {
                    match given(&f.name) {
                        Some(t) => attrs.push(Attr { name: f.name.clone(), value: t, span: None }),
                        None if f.default.is_none() => {
                            return Err(missing_auto_arg(&f.name, f.span.or(Some(c.span))));
                        }
                        None => {}
                    }
                }
                if *ellipsis {
                    for (n, t) in args {
                        if !formals.iter().any(|f| f.name == *n) {
                            attrs.push(Attr { name: n.clone(), value: t.clone(), span: None });
                        }
                    }
                }
                c.span
            }
            Value::Attrs(a) if a.get("__functor").is_some() => {
                attrs.extend(args.iter().map(|(n, t)| Attr {
                    name: n.clone(),
                    value: t.clone(),
                    span: None,
                }));
                self.here
            }
            _ => return Ok(v),
        };
        let set = Thunk::value(Value::Attrs(Rc::new(AttrSet::from_unsorted_first_wins(attrs))));
        self.apply(v, set, span)
    }

    pub(crate) fn force(&mut self, t: &Thunk) -> EvalResult<Value> {
        if let ThunkState::Done(v) = &*t.0.borrow() {
            return Ok(v.clone());
        }
        let state = std::mem::replace(&mut *t.0.borrow_mut(), ThunkState::Blackhole);
        let result = match &state {
            ThunkState::Done(_) => unreachable!("handled above"),
            ThunkState::Blackhole => {
                return Err(EvalError::new(Code::InfiniteRecursion, "infinite recursion encountered")
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
    pub(crate) fn thunk(&self, e: &ExprRef, env: &Rc<Env>) -> Thunk {
        match &e.expr {
            Expr::Int(i) => Thunk::value(Value::Int(*i)),
            Expr::Float(f) => Thunk::value(Value::Float(*f)),
            Expr::Str(s) => Thunk::value(Value::String(s.clone())),
            Expr::Path(p) => Thunk::value(Value::Path(p.clone())),
            Expr::Null => Thunk::value(Value::Null),
            Expr::Var(ir::Var::Local { depth, index }) => env.slot(*depth, *index),
            Expr::Var(ir::Var::Global(g)) => self.global_values[*g as usize].clone(),
            _ => Thunk::pending(e.clone(), env.clone()),
        }
    }

    pub(crate) fn eval(&mut self, e: &ExprRef, env: &Rc<Env>) -> EvalResult<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::new(
                Code::StackOverflow,
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

    pub(super) fn recursive_env(&mut self, parent: &Rc<Env>, slots: Vec<Thunk>) -> Rc<Env> {
        let env = Env::slots(Some(parent.clone()), slots);
        self.recursive_envs.push(env.clone());
        env
    }

    /// The budget spent so far.
    pub(crate) fn steps(&self) -> u64 {
        self.steps
    }

    /// Spends `n` units of the budget: expressions evaluated, elements copied, bytes produced,
    /// nodes visited. Now and then it also looks at the memory the process holds, since a
    /// value that shares its parts can unfold into more than any step count foresees.
    pub(crate) fn charge(&mut self, n: usize) -> EvalResult<()> {
        self.steps += n as u64;
        if let Some(max) = self.options.max_steps
            && self.steps > max
        {
            return Err(EvalError::new(
                Code::ResourceLimit,
                format!("evaluation took more than {max} steps (expressions, list elements, string bytes, nodes visited)"),
            )
            .hint("a registry needs far fewer; look for a recursion or a value that doubles"));
        }
        if self.steps >= self.next_memory_check {
            self.next_memory_check = self.steps + MEMORY_CHECK_EVERY;
            if let Some(limit) = memory::address_space_limit()
                && memory::virtual_bytes().is_some_and(|v| v > limit / 10 * 9)
            {
                return Err(EvalError::new(
                    Code::ResourceLimit,
                    format!("evaluation nearly filled the address space limit of {} MiB (ulimit -v)", limit >> 20),
                )
                .hint("a registry needs far less; look for a value that shares and repeats its parts, or raise ulimit -v"));
            }
            if let Some(limit) = self.options.max_memory
                && let Some(rss) = crate::eval::memory::resident_bytes()
                && rss > limit
            {
                return Err(EvalError::new(
                    Code::ResourceLimit,
                    format!("evaluation grew past {} MiB of memory", limit >> 20),
                )
                .hint("a registry needs far less; look for a value that shares and repeats its parts, or raise --max-memory"));
            }
        }
        Ok(())
    }

    fn eval_inner(&mut self, node: &ExprRef, env: &Rc<Env>) -> EvalResult<Value> {
        let span = node.span;
        match &node.expr {
            Expr::Null => Ok(Value::Null),
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
            Expr::Select { expr, path } => self.select(expr, path, None, env),
            Expr::SelectOr(s) => self.select(&s.expr, &s.path, Some(&s.default), env),
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
                    Err(EvalError::new(Code::AssertionFailed, format!("assertion '{text}' failed"))
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
            Expr::Unsupported(msg) => Err(EvalError::new(Code::Unsupported, msg.to_string())),
        }
    }

    fn source_text(&self, span: Span) -> String {
        let text = &self.sources.get(span.file).text;
        text.get(span.start as usize..span.end as usize).unwrap_or("").to_string()
    }

    /// `{ file; line; column; }` as `builtins.unsafeGetAttrPos` and `__curPos` give it.
    pub(crate) fn pos_attrs(&self, span: Span) -> Value {
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

    pub(super) fn eval_bool(&mut self, e: &ExprRef, env: &Rc<Env>) -> EvalResult<bool> {
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
        Err(EvalError::new(Code::UndefinedVariable, format!("undefined variable '{name}'")))
    }

    /// Forces a value all the way down, as `--strict` and `deepSeq` do. Each set and list is
    /// walked once, as Nix walks each value once: a cyclic value is forced, not followed forever
    /// (`let x = { a = x; }; in builtins.deepSeq x 1` is 1).
    pub fn deep_force(&mut self, v: &Value) -> EvalResult<()> {
        let mut seen = crate::fxhash::FxHashSet::default();
        self.deep_force_in(v, &mut seen)
    }

    fn deep_force_in(&mut self, v: &Value, seen: &mut crate::fxhash::FxHashSet<usize>) -> EvalResult<()> {
        match v {
            Value::Attrs(a) if seen.insert(Rc::as_ptr(a) as usize) => {
                let a = a.clone();
                self.charge(a.attrs.len())?;
                for attr in &a.attrs {
                    self.deep_force_item(&attr.value, seen)?;
                }
            }
            Value::List(l) if seen.insert(Rc::as_ptr(l) as usize) => {
                let l = l.clone();
                self.charge(l.len())?;
                for t in l.iter() {
                    self.deep_force_item(t, seen)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn deep_force_item(&mut self, t: &Thunk, seen: &mut crate::fxhash::FxHashSet<usize>) -> EvalResult<()> {
        let inner = self.force(t)?;
        if !matches!(inner, Value::Attrs(_) | Value::List(_)) {
            return Ok(());
        }
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::new(Code::StackOverflow, "value nested too deeply to force"));
        }
        self.depth += 1;
        let r = self.deep_force_in(&inner, seen);
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

/// A required argument of a top-level function that nothing gives.
fn missing_auto_arg(name: &str, span: Option<Span>) -> Box<EvalError> {
    let hint = if name == "lib" {
        "give it one: `--nixpkgs /path/to/nixpkgs`, a nixpkgs on NIX_PATH (`nixpkgs=/path/to/nixpkgs`), \
         `--arg lib EXPR`, or `args.lib = ...;` in the config"
            .to_string()
    } else {
        format!(
            "give it one: `--arg {name} EXPR` or `--argstr {name} VALUE`, or `args.{name} = ...;` in the config"
        )
    };
    let mut e = EvalError::new(
        Code::MissingArgument,
        format!("the file is a function of '{name}', and nothing gives it one"),
    )
    .hint(hint);
    e.diag.span = span;
    e
}

/// Renders an evaluation error with all its diagnostics.
pub fn render_error(eval: &Eval, err: &EvalError) -> String {
    crate::diagnostic::render_all(&eval.sources, &err.diagnostics())
}
