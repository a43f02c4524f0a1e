//! The builtins portnix evaluates, grouped by what they work on. Every other builtin Nix has
//! exists too, but reports that portnix does not support it instead of guessing.

mod attrs;
mod control;
mod files;
mod from_toml;
mod json;
mod lists;
pub(crate) mod regexp;
mod strings;
mod types;
mod versions;
mod xml;

use std::rc::Rc;

use super::error::{EvalError, EvalResult, type_error};
use super::value::PartialBuiltin;
use super::{Attr, AttrSet, Eval, Thunk, Value};
use crate::diagnostic::{Code, Span};

pub(crate) type BuiltinFn = fn(&mut Eval, &[Thunk], Span) -> EvalResult<Value>;

pub(crate) struct Builtin {
    pub(crate) name: &'static str,
    pub(crate) arity: usize,
    pub(crate) func: BuiltinFn,
}

impl Builtin {
    pub(crate) const fn new(name: &'static str, arity: usize, func: BuiltinFn) -> Builtin {
        Builtin { name, arity, func }
    }
}

/// Builtins Nix also binds without the `builtins.` prefix.
const GLOBAL: &[&str] = &[
    "abort",
    "baseNameOf",
    "derivation",
    "derivationStrict",
    "dirOf",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
];

/// Nix 2.8's other builtins: present, so `builtins ? x` answers as Nix does, but not evaluated.
const UNSUPPORTED_FUNCTIONS: &[Builtin] = &[
    Builtin::new("appendContext", 1, unsupported_fn),
    Builtin::new("derivation", 1, unsupported_fn),
    Builtin::new("derivationStrict", 1, unsupported_fn),
    Builtin::new("fetchGit", 1, unsupported_fn),
    Builtin::new("fetchMercurial", 1, unsupported_fn),
    Builtin::new("fetchTarball", 1, unsupported_fn),
    Builtin::new("fetchTree", 1, unsupported_fn),
    Builtin::new("fetchurl", 1, unsupported_fn),
    Builtin::new("filterSource", 1, unsupported_fn),
    Builtin::new("findFile", 1, unsupported_fn),
    Builtin::new("getContext", 1, unsupported_fn),
    Builtin::new("getEnv", 1, unsupported_fn),
    Builtin::new("hasContext", 1, unsupported_fn),
    Builtin::new("path", 1, unsupported_fn),
    Builtin::new("placeholder", 1, unsupported_fn),
    Builtin::new("scopedImport", 1, unsupported_fn),
    Builtin::new("storePath", 1, unsupported_fn),
    Builtin::new("toFile", 1, unsupported_fn),
    Builtin::new("unsafeDiscardOutputDependency", 1, unsupported_fn),
    Builtin::new("unsafeDiscardStringContext", 1, unsupported_fn),
];

const UNSUPPORTED_CONSTANTS: &[&str] =
    &["currentSystem", "currentTime", "langVersion", "nixPath", "nixVersion", "storeDir"];

fn all_builtins() -> Vec<&'static Builtin> {
    [
        attrs::BUILTINS,
        control::BUILTINS,
        files::BUILTINS,
        from_toml::BUILTINS,
        json::BUILTINS,
        lists::BUILTINS,
        regexp::BUILTINS,
        strings::BUILTINS,
        types::BUILTINS,
        versions::BUILTINS,
        xml::BUILTINS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub(crate) fn unsupported_error(name: &str) -> Box<EvalError> {
    EvalError::new(Code::UnsupportedBuiltin, format!("builtins.{name} is not supported by portnix"))
        .hint("keep the registry to plain data, or evaluate it with `--evaluator nix`")
}

/// Stands in for every builtin in `UNSUPPORTED_FUNCTIONS`; `Eval::apply` reports it by name.
pub(crate) fn unsupported_fn(_: &mut Eval, _: &[Thunk], _: Span) -> EvalResult<Value> {
    Err(EvalError::new(Code::UnsupportedBuiltin, "this builtin is not supported by portnix"))
}

/// The global scope: names, and a thunk for each, in matching order.
pub(crate) fn globals() -> (Vec<Rc<str>>, Vec<Thunk>) {
    let mut entries: Vec<(Rc<str>, Thunk)> = Vec::new();
    for b in all_builtins() {
        entries.push((b.name.into(), builtin_value(b)));
    }
    for b in UNSUPPORTED_FUNCTIONS {
        entries.push((b.name.into(), builtin_value(b)));
    }
    for &name in UNSUPPORTED_CONSTANTS {
        entries.push((name.into(), Thunk::native(move |_| Err(unsupported_error(name)))));
    }
    entries.push(("true".into(), Thunk::value(Value::Bool(true))));
    entries.push(("false".into(), Thunk::value(Value::Bool(false))));
    entries.push(("null".into(), Thunk::value(Value::Null)));

    let builtins_thunk = Thunk::blank();
    let mut attrs: Vec<Attr> =
        entries.iter().map(|(n, t)| Attr { name: n.clone(), value: t.clone(), span: None }).collect();
    attrs.push(Attr { name: "builtins".into(), value: builtins_thunk.clone(), span: None });
    attrs.sort_by(|a, b| a.name.cmp(&b.name));
    builtins_thunk.set(super::value::ThunkState::Done(Value::Attrs(Rc::new(AttrSet::from_sorted(attrs)))));

    let mut names = Vec::new();
    let mut thunks = Vec::new();
    for (name, t) in entries {
        let global = matches!(&*name, "true" | "false" | "null") || GLOBAL.contains(&&*name);
        names.push(if global { name } else { format!("__{name}").into() });
        thunks.push(t);
    }
    names.push("builtins".into());
    thunks.push(builtins_thunk);
    (names, thunks)
}

fn builtin_value(b: &'static Builtin) -> Thunk {
    Thunk::value(Value::Builtin(Rc::new(PartialBuiltin { builtin: b, args: Vec::new() })))
}

// Argument helpers shared by the builtin files.

/// A path argument (`import`, `readFile`, ...): a path, or a string holding an absolute one.
pub(super) fn path_arg(ev: &mut Eval, t: &Thunk) -> EvalResult<std::path::PathBuf> {
    match ev.force(t)? {
        Value::Path(p) => Ok(std::path::PathBuf::from(&*p)),
        Value::String(s) if s.starts_with('/') => Ok(std::path::PathBuf::from(&*s)),
        Value::String(s) => Err(EvalError::new(
            Code::InvalidArgument,
            format!("string '{s}' doesn't represent an absolute path"),
        )),
        other => Err(type_error(&other, "a path")),
    }
}

pub(super) fn int(ev: &mut Eval, t: &Thunk) -> EvalResult<i64> {
    match ev.force(t)? {
        Value::Int(i) => Ok(i),
        other => Err(type_error(&other, "an integer")),
    }
}

/// A higher-order builtin's function, forced before anything else as Nix forces it: a
/// non-function is an error even when there is nothing to call it on (`all 1 []`).
pub(super) fn function(ev: &mut Eval, t: &Thunk) -> EvalResult<()> {
    match ev.force(t)? {
        Value::Lambda(_) | Value::Builtin(_) => Ok(()),
        Value::Attrs(a) if a.get("__functor").is_some() => Ok(()),
        other => Err(type_error(&other, "a function")),
    }
}

pub(super) fn list(ev: &mut Eval, t: &Thunk) -> EvalResult<Rc<Vec<Thunk>>> {
    match ev.force(t)? {
        Value::List(l) => Ok(l),
        other => Err(type_error(&other, "a list")),
    }
}

pub(super) fn bool_of(ev: &mut Eval, v: Value) -> EvalResult<bool> {
    let _ = ev;
    match v {
        Value::Bool(b) => Ok(b),
        other => Err(type_error(&other, "a Boolean")),
    }
}

pub(super) fn call(ev: &mut Eval, f: &Thunk, args: &[Thunk], span: Span) -> EvalResult<Value> {
    let mut v = ev.force(f)?;
    for a in args {
        v = ev.apply(v, a.clone(), span)?;
    }
    Ok(v)
}

/// A thunk for `f a b ...`, applied only when someone forces it.
pub(super) fn lazy_call(f: &Thunk, args: Vec<Thunk>, span: Span) -> Thunk {
    let f = f.clone();
    Thunk::native(move |ev| call(ev, &f, &args, span))
}

pub(super) fn attrs_value(attrs: Vec<(&str, Value)>) -> Value {
    let attrs =
        attrs.into_iter().map(|(n, v)| Attr { name: n.into(), value: Thunk::value(v), span: None }).collect();
    Value::Attrs(Rc::new(AttrSet::from_unsorted_first_wins(attrs)))
}

pub(super) fn list_value(items: Vec<Thunk>) -> Value {
    Value::List(Rc::new(items))
}
