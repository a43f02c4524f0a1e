use std::rc::Rc;

use super::{Builtin, attrs_value, call, function, lazy_call, list, list_value};
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::ir::Param;
use crate::eval::{Attr, AttrSet, Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin::new("attrNames", 1, attr_names),
    Builtin::new("attrValues", 1, attr_values),
    Builtin::new("hasAttr", 2, has_attr),
    Builtin::new("getAttr", 2, get_attr),
    Builtin::new("removeAttrs", 2, remove_attrs),
    Builtin::new("listToAttrs", 1, list_to_attrs),
    Builtin::new("mapAttrs", 2, map_attrs),
    Builtin::new("intersectAttrs", 2, intersect_attrs),
    Builtin::new("catAttrs", 2, cat_attrs),
    Builtin::new("zipAttrsWith", 2, zip_attrs_with),
    Builtin::new("groupBy", 2, group_by),
    Builtin::new("unsafeGetAttrPos", 2, unsafe_get_attr_pos),
    Builtin::new("functionArgs", 1, function_args),
];

fn set(attrs: Vec<Attr>) -> Value {
    Value::Attrs(Rc::new(AttrSet::from_sorted(attrs)))
}

fn attr_names(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let s = ev.force_attrs(&a[0])?;
    Ok(list_value(s.attrs.iter().map(|x| Thunk::value(Value::String(x.name.clone()))).collect()))
}

fn attr_values(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let s = ev.force_attrs(&a[0])?;
    Ok(list_value(s.attrs.iter().map(|x| x.value.clone()).collect()))
}

fn has_attr(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let name = ev.force_string(&a[0])?;
    let s = ev.force_attrs(&a[1])?;
    Ok(Value::Bool(s.get(&name).is_some()))
}

fn get_attr(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let name = ev.force_string(&a[0])?;
    let s = ev.force_attrs(&a[1])?;
    match s.get(&name) {
        Some(x) => {
            let t = x.value.clone();
            ev.force(&t)
        }
        None => Err(EvalError::new(Code::MissingAttribute, format!("attribute '{name}' missing"))),
    }
}

fn remove_attrs(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let s = ev.force_attrs(&a[0])?;
    let names = list(ev, &a[1])?;
    let mut remove = Vec::with_capacity(names.len());
    for n in names.iter() {
        remove.push(ev.force_string(n)?);
    }
    remove.sort();
    let kept = s.attrs.iter().filter(|x| remove.binary_search(&x.name).is_err()).cloned().collect();
    Ok(set(kept))
}

fn list_to_attrs(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let items = list(ev, &a[0])?;
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter() {
        let pair = ev.force_attrs(item)?;
        let name = pair
            .get("name")
            .ok_or_else(|| EvalError::new(Code::MissingAttribute, "attribute 'name' missing"))?
            .value
            .clone();
        let name = ev.force_string(&name)?;
        let value = pair
            .get("value")
            .ok_or_else(|| EvalError::new(Code::MissingAttribute, "attribute 'value' missing"))?
            .value
            .clone();
        out.push(Attr { name, value, span: None });
    }
    Ok(Value::Attrs(Rc::new(AttrSet::from_unsorted_first_wins(out))))
}

fn map_attrs(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    let s = ev.force_attrs(&a[1])?;
    let attrs = s
        .attrs
        .iter()
        .map(|x| Attr {
            name: x.name.clone(),
            value: lazy_call(&a[0], vec![Thunk::value(Value::String(x.name.clone())), x.value.clone()], span),
            span: x.span,
        })
        .collect();
    Ok(set(attrs))
}

fn intersect_attrs(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let left = ev.force_attrs(&a[0])?;
    let right = ev.force_attrs(&a[1])?;
    Ok(set(right.attrs.iter().filter(|x| left.get(&x.name).is_some()).cloned().collect()))
}

fn cat_attrs(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let name = ev.force_string(&a[0])?;
    let items = list(ev, &a[1])?;
    let mut out = Vec::new();
    for item in items.iter() {
        if let Some(x) = ev.force_attrs(item)?.get(&name) {
            out.push(x.value.clone());
        }
    }
    Ok(list_value(out))
}

fn zip_attrs_with(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let sets = list(ev, &a[1])?;
    let mut groups: std::collections::BTreeMap<Rc<str>, Vec<Thunk>> = Default::default();
    for s in sets.iter() {
        for x in ev.force_attrs(s)?.attrs.iter() {
            groups.entry(x.name.clone()).or_default().push(x.value.clone());
        }
    }
    let attrs = groups
        .into_iter()
        .map(|(name, values)| Attr {
            name: name.clone(),
            value: lazy_call(
                &a[0],
                vec![Thunk::value(Value::String(name)), Thunk::value(list_value(values))],
                span,
            ),
            span: None,
        })
        .collect();
    Ok(set(attrs))
}

fn group_by(ev: &mut Eval, a: &[Thunk], span: Span) -> EvalResult<Value> {
    function(ev, &a[0])?;
    let items = list(ev, &a[1])?;
    let mut groups: std::collections::BTreeMap<Rc<str>, Vec<Thunk>> = Default::default();
    for item in items.iter() {
        let key = call(ev, &a[0], std::slice::from_ref(item), span)?;
        let key = match key {
            Value::String(s) => s,
            other => return Err(crate::eval::error::type_error(&other, "a string")),
        };
        groups.entry(key).or_default().push(item.clone());
    }
    let attrs = groups
        .into_iter()
        .map(|(name, values)| Attr { name, value: Thunk::value(list_value(values)), span: None })
        .collect();
    Ok(set(attrs))
}

fn unsafe_get_attr_pos(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let name = ev.force_string(&a[0])?;
    let s = ev.force_attrs(&a[1])?;
    Ok(match s.get(&name).and_then(|x| x.span) {
        // Nix 2.8 gives each name of a dotted binding (`a.b.c = 1;`) the path's first position.
        Some(span) => {
            let text = &ev.sources.get(span.file).text;
            let start = crate::syntax::attrpath::path_start(text, span.start as usize) as u32;
            ev.pos_attrs(Span { start, ..span })
        }
        None => Value::Null,
    })
}

fn function_args(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    match ev.force(&a[0])? {
        Value::Lambda(c) => match &c.lambda.param {
            Param::Ident(_) => Ok(attrs_value(Vec::new())),
            Param::Pattern { formals, .. } => {
                let attrs = formals
                    .iter()
                    .map(|f| Attr {
                        name: f.name.clone(),
                        value: Thunk::value(Value::Bool(f.default.is_some())),
                        span: f.span,
                    })
                    .collect();
                Ok(Value::Attrs(Rc::new(AttrSet::from_unsorted_first_wins(attrs))))
            }
        },
        Value::Builtin(_) => Ok(attrs_value(Vec::new())),
        other => Err(crate::eval::error::type_error(&other, "a function")),
    }
}
