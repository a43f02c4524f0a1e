//! `toXML`, written as Nix 2.8's XML writer writes it: two-space indentation, attributes
//! sorted by name, values in attribute quotes with `"`, `<`, `>`, `&` and newlines escaped.

use std::fmt::Write;

use super::Builtin;
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::ir::Param;
use crate::eval::{Eval, MAX_DEPTH, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[Builtin::new("toXML", 1, to_xml)];

fn to_xml(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let mut out = String::from("<?xml version='1.0' encoding='utf-8'?>\n<expr>\n");
    write_value(ev, &v, 1, &mut out)?;
    out.push_str("</expr>\n");
    Ok(Value::str(&*out))
}

fn escaped(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

/// `<name a="x" b="y" />`, or the opening tag without the slash.
fn tag(out: &mut String, depth: usize, name: &str, attrs: &[(&str, &str)], empty: bool) {
    out.push_str(&"  ".repeat(depth));
    out.push('<');
    out.push_str(name);
    for (k, v) in attrs {
        let _ = write!(out, " {k}=\"");
        escaped(v, out);
        out.push('"');
    }
    out.push_str(if empty { " />\n" } else { ">\n" });
}

fn close(out: &mut String, depth: usize, name: &str) {
    let _ = writeln!(out, "{}</{name}>", "  ".repeat(depth));
}

fn write_value(ev: &mut Eval, v: &Value, depth: usize, out: &mut String) -> EvalResult<()> {
    if depth > MAX_DEPTH / 10 {
        return Err(EvalError::new(Code::StackOverflow, "the value is nested too deeply for toXML"));
    }
    ev.charge(1)?;
    match v {
        Value::Null => tag(out, depth, "null", &[], true),
        Value::Bool(b) => tag(out, depth, "bool", &[("value", if *b { "true" } else { "false" })], true),
        Value::Int(i) => tag(out, depth, "int", &[("value", &i.to_string())], true),
        // The writer prints floats as `ostream << double` does, as the JSON printer does.
        Value::Float(f) => tag(out, depth, "float", &[("value", &crate::eval::json::format_float(*f))], true),
        Value::String(s) => tag(out, depth, "string", &[("value", s)], true),
        Value::Path(p) => tag(out, depth, "path", &[("value", p)], true),
        Value::List(items) => {
            tag(out, depth, "list", &[], false);
            for t in items.iter() {
                let item = ev.force(t)?;
                write_value(ev, &item, depth + 1, out)?;
            }
            close(out, depth, "list");
        }
        Value::Attrs(a) => {
            if let Some(t) = a.get("type")
                && matches!(ev.force(&t.value)?, Value::String(s) if &*s == "derivation")
            {
                return Err(EvalError::new(Code::Unsupported, "portnix has no derivations to write as XML"));
            }
            tag(out, depth, "attrs", &[], false);
            for attr in &a.attrs {
                tag(out, depth + 1, "attr", &[("name", &attr.name)], false);
                let item = ev.force(&attr.value)?;
                write_value(ev, &item, depth + 2, out)?;
                close(out, depth + 1, "attr");
            }
            close(out, depth, "attrs");
        }
        Value::Lambda(c) => {
            tag(out, depth, "function", &[], false);
            match &c.lambda.param {
                Param::Ident(name) => tag(out, depth + 1, "varpat", &[("name", name)], true),
                Param::Pattern { formals, ellipsis, bind } => {
                    let mut attrs = Vec::new();
                    if *ellipsis {
                        attrs.push(("ellipsis", "1"));
                    }
                    if let Some(b) = bind {
                        attrs.push(("name", &**b));
                    }
                    tag(out, depth + 1, "attrspat", &attrs, false);
                    let mut names: Vec<&str> = formals.iter().map(|f| &*f.name).collect();
                    names.sort_unstable();
                    for n in names {
                        tag(out, depth + 2, "attr", &[("name", n)], true);
                    }
                    close(out, depth + 1, "attrspat");
                }
            }
            close(out, depth, "function");
        }
        Value::Builtin(_) => tag(out, depth, "unevaluated", &[], true),
    }
    Ok(())
}
