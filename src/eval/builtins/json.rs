use std::rc::Rc;

use super::{Builtin, list_value};
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::{Attr, AttrSet, Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] =
    &[Builtin::new("toJSON", 1, to_json), Builtin::new("fromJSON", 1, from_json)];

fn to_json(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    Ok(Value::str(ev.to_json(&v)?))
}

fn from_json(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let s = ev.force_string(&a[0])?;
    let parsed: serde_json::Value = serde_json::from_str(&s)
        .map_err(|e| EvalError::new(Code::InvalidJson, format!("fromJSON: invalid JSON: {e}")))?;
    convert(&parsed)
}

fn convert(j: &serde_json::Value) -> EvalResult<Value> {
    Ok(match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(_)) if n.is_u64() => {
                return Err(EvalError::new(
                    Code::IntegerOverflow,
                    format!("fromJSON: {n} does not fit in an integer"),
                ));
            }
            (None, Some(f)) => Value::Float(f),
            (None, None) => {
                return Err(EvalError::new(Code::InvalidJson, format!("fromJSON: bad number {n}")));
            }
        },
        // Nix strings are C strings: 2.8 cuts one at a NUL, later Nix refuses it. Refused
        // here, so no value differs silently from what Nix reads.
        serde_json::Value::String(s) if s.contains('\0') => {
            return Err(EvalError::new(
                Code::InvalidJson,
                "fromJSON: a string with a NUL byte (\\u0000), which a Nix string cannot hold",
            ));
        }
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(Thunk::value(convert(i)?));
            }
            list_value(out)
        }
        serde_json::Value::Object(map) => {
            let mut attrs = Vec::with_capacity(map.len());
            for (k, v) in map {
                attrs.push(Attr { name: k.as_str().into(), value: Thunk::value(convert(v)?), span: None });
            }
            Value::Attrs(Rc::new(AttrSet::from_unsorted_first_wins(attrs)))
        }
    })
}
