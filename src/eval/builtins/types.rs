use super::{Builtin, int};
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalResult, type_error};
use crate::eval::ir::BinOp;
use crate::eval::ops::{add_numbers, arith};
use crate::eval::{Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin::new("typeOf", 1, type_of),
    Builtin::new("isNull", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::Null)))),
    Builtin::new("isInt", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::Int(_))))),
    Builtin::new("isFloat", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::Float(_))))),
    Builtin::new("isBool", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::Bool(_))))),
    Builtin::new("isString", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::String(_))))),
    Builtin::new("isPath", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::Path(_))))),
    Builtin::new("isList", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::List(_))))),
    Builtin::new("isAttrs", 1, |ev, a, _| Ok(Value::Bool(matches!(ev.force(&a[0])?, Value::Attrs(_))))),
    Builtin::new("isFunction", 1, |ev, a, _| Ok(Value::Bool(ev.force(&a[0])?.is_function()))),
    Builtin::new("add", 2, add),
    Builtin::new("sub", 2, |ev, a, _| numeric(ev, a, BinOp::Sub)),
    Builtin::new("mul", 2, |ev, a, _| numeric(ev, a, BinOp::Mul)),
    Builtin::new("div", 2, |ev, a, _| numeric(ev, a, BinOp::Div)),
    Builtin::new("lessThan", 2, less_than),
    Builtin::new("bitAnd", 2, |ev, a, _| Ok(Value::Int(int(ev, &a[0])? & int(ev, &a[1])?))),
    Builtin::new("bitOr", 2, |ev, a, _| Ok(Value::Int(int(ev, &a[0])? | int(ev, &a[1])?))),
    Builtin::new("bitXor", 2, |ev, a, _| Ok(Value::Int(int(ev, &a[0])? ^ int(ev, &a[1])?))),
    Builtin::new("floor", 1, |ev, a, _| rounding(ev, a, f64::floor)),
    Builtin::new("ceil", 1, |ev, a, _| rounding(ev, a, f64::ceil)),
];

fn type_of(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    Ok(Value::str(ev.force(&a[0])?.type_of()))
}

fn number(ev: &mut Eval, t: &Thunk) -> EvalResult<Value> {
    match ev.force(t)? {
        v @ (Value::Int(_) | Value::Float(_)) => Ok(v),
        other => Err(type_error(&other, "an integer")),
    }
}

fn add(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let x = number(ev, &a[0])?;
    let y = number(ev, &a[1])?;
    add_numbers(x, y)
}

fn numeric(ev: &mut Eval, a: &[Thunk], op: BinOp) -> EvalResult<Value> {
    let x = number(ev, &a[0])?;
    let y = number(ev, &a[1])?;
    arith(op, x, y)
}

fn less_than(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let x = ev.force(&a[0])?;
    let y = ev.force(&a[1])?;
    Ok(Value::Bool(ev.less_than(&x, &y)?))
}

fn rounding(ev: &mut Eval, a: &[Thunk], f: fn(f64) -> f64) -> EvalResult<Value> {
    match number(ev, &a[0])? {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Float(x) => {
            let r = f(x);
            if r.is_finite() && r >= i64::MIN as f64 && r < i64::MAX as f64 {
                Ok(Value::Int(r as i64))
            } else {
                Err(crate::eval::EvalError::new(
                    Code::IntegerOverflow,
                    format!("{x} does not fit in an integer"),
                ))
            }
        }
        _ => unreachable!("number() returns numbers"),
    }
}
