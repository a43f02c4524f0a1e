//! Runtime values, thunks and environments.

use std::cell::RefCell;
use std::rc::Rc;

use super::Eval;
use super::builtins::Builtin;
use super::error::EvalResult;
use super::ir::{ExprRef, LambdaExpr};
use crate::diagnostic::Span;

#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Rc<str>),
    Path(Rc<str>),
    Attrs(Rc<AttrSet>),
    List(Rc<Vec<Thunk>>),
    Lambda(Rc<Closure>),
    /// A builtin with the arguments it has been given so far.
    Builtin(Rc<PartialBuiltin>),
}

pub struct Closure {
    pub(crate) lambda: Rc<LambdaExpr>,
    pub(crate) env: Rc<Env>,
    pub(crate) span: Span,
}

pub struct PartialBuiltin {
    pub(crate) builtin: &'static Builtin,
    pub(crate) args: Vec<Thunk>,
}

impl Value {
    pub(crate) fn str(s: impl Into<Rc<str>>) -> Value {
        Value::String(s.into())
    }

    /// `builtins.typeOf`.
    pub(crate) fn type_of(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::Builtin(_) => "lambda",
        }
    }

    /// The noun Nix's error messages use.
    pub(crate) fn show_type(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::Builtin(b) if b.args.is_empty() => "a built-in function",
            Value::Builtin(_) => "a partially applied built-in function",
        }
    }

    /// The names a function's set pattern requires (no default): what calling it needs.
    pub(crate) fn required_formals(&self) -> Vec<Rc<str>> {
        match self {
            Value::Lambda(c) => match &c.lambda.param {
                super::ir::Param::Pattern { formals, .. } => {
                    formals.iter().filter(|f| f.default.is_none()).map(|f| f.name.clone()).collect()
                }
                super::ir::Param::Ident(_) => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    pub(crate) fn is_function(&self) -> bool {
        matches!(self, Value::Lambda(_) | Value::Builtin(_))
    }
}

/// A named attribute with the place that defined it, when there is one.
#[derive(Clone)]
pub(crate) struct Attr {
    pub(crate) name: Rc<str>,
    pub(crate) value: Thunk,
    pub(crate) span: Option<Span>,
}

/// Attributes sorted by name (byte order), which is also the order Nix prints them in.
#[derive(Clone, Default)]
pub struct AttrSet {
    pub(crate) attrs: Vec<Attr>,
}

impl AttrSet {
    pub(crate) fn from_sorted(attrs: Vec<Attr>) -> Self {
        debug_assert!(attrs.windows(2).all(|w| w[0].name < w[1].name));
        AttrSet { attrs }
    }

    /// Sorts and keeps the first of each name, like `listToAttrs`.
    pub(crate) fn from_unsorted_first_wins(mut attrs: Vec<Attr>) -> Self {
        attrs.sort_by(|a, b| a.name.cmp(&b.name));
        attrs.dedup_by(|later, earlier| later.name == earlier.name);
        AttrSet { attrs }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Attr> {
        self.attrs.binary_search_by(|a| (*a.name).cmp(name)).ok().map(|i| &self.attrs[i])
    }

    pub(crate) fn len(&self) -> usize {
        self.attrs.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    /// `a // b` in one linear merge.
    pub(crate) fn update(&self, other: &AttrSet) -> AttrSet {
        let (a, b) = (&self.attrs, &other.attrs);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].name.cmp(&b[j].name) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        AttrSet { attrs: out }
    }
}

/// A lazily computed value shared by everyone who holds it.
#[derive(Clone)]
pub struct Thunk(pub(crate) Rc<RefCell<ThunkState>>);

pub(crate) type NativeFn = Rc<dyn Fn(&mut Eval) -> EvalResult<Value>>;

pub(crate) enum ThunkState {
    Done(Value),
    Pending(ExprRef, Rc<Env>),
    /// A computation a builtin deferred, such as one element of `map f xs`.
    Native(NativeFn),
    /// Being forced right now: forcing it again is infinite recursion.
    Blackhole,
}

impl Thunk {
    pub(crate) fn value(v: Value) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Done(v))))
    }

    pub(crate) fn pending(expr: ExprRef, env: Rc<Env>) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Pending(expr, env))))
    }

    pub(crate) fn native(f: impl Fn(&mut Eval) -> EvalResult<Value> + 'static) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Native(Rc::new(f)))))
    }

    /// A slot to be filled once its environment exists (recursive bindings).
    pub(crate) fn blank() -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Blackhole)))
    }

    pub(crate) fn set(&self, state: ThunkState) {
        *self.0.borrow_mut() = state;
    }

    pub(crate) fn ptr_eq(&self, other: &Thunk) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

pub(crate) struct Env {
    pub(crate) parent: Option<Rc<Env>>,
    pub(crate) kind: EnvKind,
}

pub(crate) enum EnvKind {
    Slots(Box<[Thunk]>),
    /// `with e;`: variables not bound lexically are looked up in `e`.
    With(Thunk),
}

impl Env {
    pub(crate) fn slots(parent: Option<Rc<Env>>, slots: Vec<Thunk>) -> Rc<Env> {
        Rc::new(Env { parent, kind: EnvKind::Slots(slots.into_boxed_slice()) })
    }

    /// Lowering resolved `depth` and `index` against the scopes it built, so a miss here is a
    /// bug in lowering, not in the input.
    #[expect(clippy::expect_used, reason = "an invariant of lowering, checked by its tests")]
    pub(crate) fn slot(self: &Rc<Env>, depth: u32, index: u32) -> Thunk {
        let mut env = self;
        for _ in 0..depth {
            env = env.parent.as_ref().expect("lowering resolved a variable deeper than the environment");
        }
        match &env.kind {
            EnvKind::Slots(s) => s[index as usize].clone(),
            EnvKind::With(_) => unreachable!("lowering never resolves a variable to a `with` environment"),
        }
    }
}
