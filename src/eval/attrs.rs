//! Attribute sets at run time: building them (with `rec` and dynamic names), `.` and `?`.

use std::rc::Rc;

use super::error::{EvalError, EvalResult, ResultExt, type_error};
use super::ir::{AttrName, AttrsExpr, ExprRef};
use super::value::{Env, ThunkState};
use super::{Attr, AttrSet, Eval, Thunk, Value};
use crate::diagnostic::Code;

impl Eval {
    pub(crate) fn force_attrs(&mut self, t: &Thunk) -> EvalResult<Rc<AttrSet>> {
        match self.force(t)? {
            Value::Attrs(a) => Ok(a),
            other => Err(type_error(&other, "a set")),
        }
    }

    pub(super) fn build_attrs(&mut self, a: &AttrsExpr, env: &Rc<Env>) -> EvalResult<Value> {
        let (mut attrs, dyn_env): (Vec<Attr>, Rc<Env>) = if a.rec {
            let thunks: Vec<Thunk> = a.attrs.iter().map(|_| Thunk::blank()).collect();
            let new_env = self.recursive_env(env, thunks.clone());
            let mut attrs: Vec<Attr> = a
                .attrs
                .iter()
                .zip(thunks)
                .map(|(def, t)| {
                    t.set(ThunkState::Pending(def.value.clone(), new_env.clone()));
                    Attr { name: def.name.clone(), value: t, span: Some(def.name_span) }
                })
                .collect();
            if let Ok(i) = attrs.binary_search_by(|x| (*x.name).cmp("__overrides")) {
                attrs = self.apply_overrides(attrs, i)?;
            }
            (attrs, new_env)
        } else {
            let attrs = a
                .attrs
                .iter()
                .map(|def| Attr {
                    name: def.name.clone(),
                    value: self.thunk(&def.value, env),
                    span: Some(def.name_span),
                })
                .collect();
            (attrs, env.clone())
        };
        if a.dynamic.is_empty() {
            return Ok(Value::Attrs(Rc::new(AttrSet::from_sorted(attrs))));
        }
        for d in &a.dynamic {
            let name = match self.eval(&d.name, &dyn_env)? {
                Value::Null => continue,
                Value::String(s) => s,
                other => return Err(type_error(&other, "a string")).at(d.name.span),
            };
            if let Some(prev) = attrs.iter().find(|x| x.name == name) {
                let mut err = EvalError::new(
                    Code::DuplicateAttribute,
                    format!("dynamic attribute '{name}' already defined"),
                );
                if let Some(first) = prev.span {
                    err.diag = err.diag.with_label(first, "first defined here");
                }
                return Err(err).at(d.span);
            }
            attrs.push(Attr { name, value: self.thunk(&d.value, &dyn_env), span: Some(d.span) });
        }
        attrs.sort_by(|x, y| x.name.cmp(&y.name));
        Ok(Value::Attrs(Rc::new(AttrSet::from_sorted(attrs))))
    }

    /// A `rec` set's `__overrides` (Nix forces it when the set is made): each of its attributes
    /// replaces the set's own of that name, for the set's other attributes too, which see it
    /// through their environment; the rest are added. `attrs` is sorted by name.
    fn apply_overrides(&mut self, mut attrs: Vec<Attr>, at: usize) -> EvalResult<Vec<Attr>> {
        let overrides = self.force_attrs(&attrs[at].value.clone())?;
        let mut added = Vec::new();
        for o in overrides.attrs.iter() {
            match attrs.binary_search_by(|x| x.name.cmp(&o.name)) {
                Ok(j) => {
                    // The slot the other attributes read now gives the override.
                    let to = o.value.clone();
                    attrs[j].value.set(ThunkState::Native(Rc::new(move |ev| ev.force(&to))));
                    attrs[j] = o.clone();
                }
                Err(_) => added.push(o.clone()),
            }
        }
        if !added.is_empty() {
            attrs.extend(added);
            attrs.sort_by(|x, y| x.name.cmp(&y.name));
        }
        Ok(attrs)
    }

    pub(super) fn attr_name(&mut self, name: &AttrName, env: &Rc<Env>) -> EvalResult<Rc<str>> {
        match name {
            AttrName::Static(s) => Ok(s.clone()),
            AttrName::Dynamic(e) => match self.eval(e, env)? {
                Value::String(s) => Ok(s),
                other => Err(type_error(&other, "a string")).at(e.span),
            },
        }
    }

    pub(super) fn select(
        &mut self,
        expr: &ExprRef,
        path: &[AttrName],
        default: Option<&ExprRef>,
        env: &Rc<Env>,
    ) -> EvalResult<Value> {
        let mut v = self.eval(expr, env)?;
        for name in path {
            let name = self.attr_name(name, env)?;
            let found = match &v {
                Value::Attrs(a) => a.get(&name).map(|a| a.value.clone()),
                other if default.is_none() => return Err(type_error(other, "a set")),
                _ => None,
            };
            match (found, default) {
                (Some(t), _) => v = self.force(&t)?,
                (None, Some(d)) => return self.eval(d, env),
                (None, None) => {
                    let Value::Attrs(a) = &v else { unreachable!("checked above") };
                    return Err(missing_attr(&name, a));
                }
            }
        }
        Ok(v)
    }

    pub(super) fn has_attr(&mut self, expr: &ExprRef, path: &[AttrName], env: &Rc<Env>) -> EvalResult<Value> {
        // As Nix: each step forces the value it looks into, never the one it finds last, so
        // `x ? a` inside `x.a` itself is no recursion.
        let mut v = self.eval(expr, env)?;
        let mut found: Option<Thunk> = None;
        for name in path {
            if let Some(t) = found.take() {
                v = self.force(&t)?;
            }
            let name = self.attr_name(name, env)?;
            match &v {
                Value::Attrs(a) => match a.get(&name) {
                    Some(a) => found = Some(a.value.clone()),
                    None => return Ok(Value::Bool(false)),
                },
                _ => return Ok(Value::Bool(false)),
            }
        }
        Ok(Value::Bool(true))
    }
}

fn missing_attr(name: &str, attrs: &AttrSet) -> Box<EvalError> {
    let err = EvalError::new(Code::MissingAttribute, format!("attribute '{name}' missing"));
    match crate::suggest::nearest(name, attrs.attrs.iter().map(|a| &*a.name)) {
        Some(s) => err.hint(format!("did you mean '{s}'?")),
        None => err,
    }
}
