use super::{Builtin, int, list};
use crate::diagnostic::{Code, Span};
use crate::eval::coerce::Coerce;
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::paths::{base_name_of, dir_of};
use crate::eval::{Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin::new("stringLength", 1, string_length),
    Builtin::new("substring", 3, substring),
    Builtin::new("replaceStrings", 3, replace_strings),
    Builtin::new("concatStringsSep", 2, concat_strings_sep),
    Builtin::new("toString", 1, to_string),
    Builtin::new("baseNameOf", 1, base_name),
    Builtin::new("dirOf", 1, dir_name),
];

const STRICT: Coerce = Coerce::Interpolate { copy_paths: true };
const NO_COPY: Coerce = Coerce::Interpolate { copy_paths: false };

fn coerced(ev: &mut Eval, t: &Thunk, mode: Coerce) -> EvalResult<std::rc::Rc<str>> {
    let v = ev.force(t)?;
    ev.coerce(&v, mode)
}

fn string_length(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    Ok(Value::Int(coerced(ev, &a[0], STRICT)?.len() as i64))
}

fn substring(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let start = int(ev, &a[0])?;
    let len = int(ev, &a[1])?;
    let s = coerced(ev, &a[2], STRICT)?;
    if start < 0 {
        return Err(EvalError::new(Code::InvalidArgument, "negative start position in 'substring'"));
    }
    let start = (start as usize).min(s.len());
    // A negative length means "to the end", as the size_t it becomes in Nix does.
    let end = if len < 0 { s.len() } else { start.saturating_add(len as usize).min(s.len()) };
    match s.get(start..end) {
        Some(sub) => Ok(Value::str(sub)),
        None => Err(EvalError::new(
            Code::Unsupported,
            "substring would split a multi-byte UTF-8 character, which portnix does not support",
        )),
    }
}

fn replace_strings(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let from_list = list(ev, &a[0])?;
    let to_list = list(ev, &a[1])?;
    if from_list.len() != to_list.len() {
        return Err(EvalError::new(
            Code::InvalidArgument,
            "'from' and 'to' arguments to 'replaceStrings' have different lengths",
        ));
    }
    let mut from = Vec::with_capacity(from_list.len());
    for t in from_list.iter() {
        from.push(ev.force_string(t)?);
    }
    let mut to = Vec::with_capacity(to_list.len());
    for t in to_list.iter() {
        to.push(ev.force_string(t)?);
    }
    let s = ev.force_string(&a[2])?;
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut p = 0;
    while p <= bytes.len() {
        let found = from.iter().position(|f| bytes[p..].starts_with(f.as_bytes()));
        match found {
            Some(i) => {
                // Paid for as it grows, so a replacement that multiplies the string stops at
                // the budget instead of at the end of memory.
                ev.charge(to[i].len())?;
                out.extend_from_slice(to[i].as_bytes());
                if from[i].is_empty() {
                    if p < bytes.len() {
                        out.push(bytes[p]);
                    }
                    p += 1;
                } else {
                    p += from[i].len();
                }
            }
            None => {
                if p < bytes.len() {
                    out.push(bytes[p]);
                }
                p += 1;
            }
        }
    }
    ev.charge(bytes.len())?;
    String::from_utf8(out).map(Value::str).map_err(|_| {
        EvalError::new(
            Code::Unsupported,
            "replaceStrings would produce invalid UTF-8, which portnix does not support",
        )
    })
}

fn concat_strings_sep(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let sep = ev.force_string(&a[0])?;
    let items = list(ev, &a[1])?;
    let mut out = String::new();
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            ev.charge(sep.len())?;
            out.push_str(&sep);
        }
        let piece = coerced(ev, t, STRICT)?;
        ev.charge(piece.len())?;
        out.push_str(&piece);
    }
    Ok(Value::str(out))
}

fn to_string(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    Ok(Value::String(coerced(ev, &a[0], Coerce::ToString)?))
}

fn base_name(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let s = coerced(ev, &a[0], NO_COPY)?;
    Ok(Value::str(base_name_of(&s)))
}

fn dir_name(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let is_path = matches!(v, Value::Path(_));
    let s = ev.coerce(&v, NO_COPY)?;
    let dir = dir_of(&s);
    Ok(if is_path { Value::Path(dir.into()) } else { Value::str(dir) })
}
