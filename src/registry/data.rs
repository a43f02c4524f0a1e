//! Plain data: an evaluated Nix value, forced all the way down, with the position of each
//! attribute where one is known. The registry and the config are read from this, whichever
//! evaluator produced it.

use std::rc::Rc;

use crate::diagnostic::{Code, Span};
use crate::eval::{Eval, EvalError, EvalResult, MAX_DEPTH, Value};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Data {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A path, by its absolute location.
    Path(String),
    List(Vec<Node>),
    Set(Vec<(Rc<str>, Node)>),
    Function,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) data: Data,
    /// Where the attribute holding this value was defined.
    pub(crate) span: Option<Span>,
}

impl Data {
    /// The noun for messages: "a string", "a list".
    pub(crate) fn describe(&self) -> String {
        match self {
            Data::Null => "null".into(),
            Data::Bool(b) => format!("the Boolean {b}"),
            Data::Int(i) => format!("the integer {i}"),
            Data::Float(f) => format!("the float {f}"),
            Data::Str(s) => format!("the string {s:?}"),
            Data::Path(p) => format!("the path {p}"),
            Data::List(_) => "a list".into(),
            Data::Set(_) => "an attribute set".into(),
            Data::Function => "a function".into(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Node> {
        match self {
            Data::Set(attrs) => attrs.iter().find(|(n, _)| &**n == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Forces `v` completely and copies it out of the evaluator.
pub(crate) fn from_value(eval: &mut Eval, v: &Value, span: Option<Span>) -> EvalResult<Node> {
    from_value_at(eval, v, span, 0)
}

fn from_value_at(eval: &mut Eval, v: &Value, span: Option<Span>, depth: usize) -> EvalResult<Node> {
    if depth > MAX_DEPTH / 10 {
        return Err(EvalError::new(Code::StackOverflow, "the value is nested too deeply"));
    }
    // Every node copied counts: a value whose parts are shared unfolds here into a tree.
    eval.charge(crate::eval::COPIED_NODE_COST)?;
    let data = match v {
        Value::Null => Data::Null,
        Value::Bool(b) => Data::Bool(*b),
        Value::Int(i) => Data::Int(*i),
        Value::Float(f) => Data::Float(*f),
        Value::String(s) => Data::Str(s.to_string()),
        Value::Path(p) => Data::Path(p.to_string()),
        Value::Lambda(_) | Value::Builtin(_) => Data::Function,
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for t in items.iter() {
                let item = eval.force(t)?;
                // List items have no attribute of their own; a set item is located by its
                // first attribute, so `reserved = [ { port = 8080; ... } ]` points at the item.
                let item_span = match &item {
                    Value::Attrs(a) => {
                        a.attrs.iter().filter_map(|x| x.span).min_by_key(|s| (s.file, s.start))
                    }
                    _ => None,
                };
                out.push(from_value_at(eval, &item, item_span.or(span), depth + 1)?);
            }
            Data::List(out)
        }
        Value::Attrs(attrs) => {
            let mut out = Vec::with_capacity(attrs.len());
            for a in &attrs.attrs {
                let item = eval.force(&a.value)?;
                let node = from_value_at(eval, &item, a.span.or(span), depth + 1)?;
                out.push((a.name.clone(), node));
            }
            Data::Set(out)
        }
    };
    Ok(Node { data, span })
}
