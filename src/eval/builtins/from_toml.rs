//! `fromTOML`, read by the `toml` crate at TOML 1.0, the version Nix 2.8's toml11 reads.

use std::rc::Rc;

use super::{Builtin, list_value};
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::{Attr, AttrSet, Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[Builtin::new("fromTOML", 1, from_toml)];

fn invalid(message: impl std::fmt::Display) -> Box<EvalError> {
    EvalError::new(Code::InvalidArgument, format!("while parsing a TOML string: {message}"))
}

fn from_toml(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let s = ev.force_string(&a[0])?;
    ev.charge(s.len())?;
    let table: toml::Table = s.parse().map_err(|e: toml::de::Error| invalid(e.message()))?;
    convert(&toml::Value::Table(table))
}

fn convert(v: &toml::Value) -> EvalResult<Value> {
    Ok(match v {
        // Nix strings are C strings: 2.8 cuts one at a NUL, later Nix refuses it. Refused
        // here, so no value differs silently from what Nix reads.
        toml::Value::String(s) if s.contains('\0') => {
            return Err(invalid("a string with a NUL byte (\\u0000), which a Nix string cannot hold"));
        }
        toml::Value::String(s) => Value::str(s.as_str()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        // Nix has no type for them, and Nix 2.8 refuses them.
        toml::Value::Datetime(_) => return Err(invalid("Dates and times are not supported")),
        toml::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(Thunk::value(convert(i)?));
            }
            list_value(out)
        }
        toml::Value::Table(t) => {
            let mut attrs = Vec::with_capacity(t.len());
            for (k, v) in t {
                attrs.push(Attr { name: k.as_str().into(), value: Thunk::value(convert(v)?), span: None });
            }
            Value::Attrs(Rc::new(AttrSet::from_unsorted_first_wins(attrs)))
        }
    })
}
