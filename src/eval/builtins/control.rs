use super::{Builtin, attrs_value};
use crate::diagnostic::{Code, Span};
use crate::eval::coerce::Coerce;
use crate::eval::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin::new("seq", 2, seq),
    Builtin::new("addErrorContext", 2, add_error_context),
    Builtin::new("deepSeq", 2, deep_seq),
    Builtin::new("trace", 2, trace),
    Builtin::new("throw", 1, throw),
    Builtin::new("abort", 1, abort),
    Builtin::new("tryEval", 1, try_eval),
    Builtin::new("import", 1, import),
];

fn seq(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    ev.force(&a[0])?;
    ev.force(&a[1])
}

/// Its value is the second argument's; the first is what Nix adds to an error's trace, which
/// portnix does not print, so it is never forced (Nix forces it only on an error, too).
fn add_error_context(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    ev.force(&a[1])
}

fn deep_seq(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    ev.deep_force(&v)?;
    ev.force(&a[1])
}

fn trace(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let msg = ev.force(&a[0])?;
    let text = match &msg {
        Value::String(s) => s.to_string(),
        other => ev.to_json(other).unwrap_or_else(|_| format!("<{}>", other.type_of())),
    };
    crate::stdio::errln!("trace: {text}");
    ev.force(&a[1])
}

fn message(ev: &mut Eval, t: &Thunk) -> EvalResult<String> {
    let v = ev.force(t)?;
    Ok(ev.coerce(&v, Coerce::Interpolate { copy_paths: false })?.to_string())
}

fn throw(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    Err(EvalError::throw(message(ev, &a[0])?))
}

fn abort(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let msg = message(ev, &a[0])?;
    Err(EvalError::new(Code::Abort, format!("evaluation aborted with the following error message: '{msg}'"))
        .with_kind(ErrorKind::Abort))
}

fn try_eval(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    match ev.force(&a[0]) {
        Ok(v) => Ok(attrs_value(vec![("success", Value::Bool(true)), ("value", v)])),
        Err(e) if e.catchable() => {
            Ok(attrs_value(vec![("success", Value::Bool(false)), ("value", Value::Bool(false))]))
        }
        Err(e) => Err(e),
    }
}

fn import(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    let path = super::path_arg(ev, &a[0]).map_err(|e| match e.diag.code {
        Code::InvalidArgument => e.hint("import a path literal such as ./ports.nix"),
        _ => e,
    })?;
    ev.import_path(&path, Some(span))
}
