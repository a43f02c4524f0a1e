//! Turning values into strings: interpolation, `toString`, and the JSON printer's needs.

use std::rc::Rc;

use super::error::{EvalError, EvalResult};
use super::{Eval, Thunk, Value};
use crate::diagnostic::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coerce {
    /// `"${x}"`, `+` and most builtins: only strings, paths and sets that know how.
    /// With `copy_paths`, Nix would copy a path to the store; portnix refuses instead.
    Interpolate { copy_paths: bool },
    /// `toString`: also numbers, Booleans, null and lists.
    ToString,
}

/// C's `%f`, which is what Nix's `toString` gives for floats.
pub(crate) fn float_to_string(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf".into() } else { "inf".into() };
    }
    format!("{f:.6}")
}

impl Eval {
    pub(crate) fn coerce(&mut self, v: &Value, mode: Coerce) -> EvalResult<Rc<str>> {
        let more = mode == Coerce::ToString;
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Path(p) => match mode {
                Coerce::Interpolate { copy_paths: true } => Err(EvalError::new(
                    Code::Unsupported,
                    format!("portnix does not copy paths to the Nix store ('{p}')"),
                )
                .hint("use `toString ./path` to get the path as a string")),
                _ => Ok(p.clone()),
            },
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString") {
                    let f = f.value.clone();
                    let func = self.force(&f)?;
                    let r = self.apply(func, Thunk::value(v.clone()), self.here)?;
                    return self.coerce(&r, mode);
                }
                if let Some(out) = a.get("outPath") {
                    let out = out.value.clone();
                    let ov = self.force(&out)?;
                    return self.coerce(&ov, mode);
                }
                Err(cannot_coerce(v))
            }
            Value::Int(i) if more => Ok(i.to_string().into()),
            Value::Float(f) if more => Ok(float_to_string(*f).into()),
            Value::Bool(b) if more => Ok(if *b { "1" } else { "" }.into()),
            Value::Null if more => Ok("".into()),
            Value::List(items) if more => {
                let mut out = String::new();
                for (i, t) in items.iter().enumerate() {
                    let item = self.force(t)?;
                    out.push_str(&self.coerce(&item, mode)?);
                    let empty_list = matches!(&item, Value::List(l) if l.is_empty());
                    if i + 1 < items.len() && !empty_list {
                        out.push(' ');
                    }
                }
                Ok(out.into())
            }
            other => Err(cannot_coerce(other)),
        }
    }

    /// A string argument for a builtin: only real strings (and paths, as strings) are accepted.
    pub(crate) fn force_string(&mut self, t: &Thunk) -> EvalResult<Rc<str>> {
        match self.force(t)? {
            Value::String(s) => Ok(s),
            other => Err(super::error::type_error(&other, "a string")),
        }
    }
}

fn cannot_coerce(v: &Value) -> Box<EvalError> {
    EvalError::new(Code::TypeError, format!("cannot coerce {} to a string", v.show_type()))
        .hint("use `toString` to turn numbers into strings")
}
