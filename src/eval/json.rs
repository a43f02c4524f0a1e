//! Values as JSON, byte for byte as Nix 2.8 prints them (`--json`, `builtins.toJSON`).

use super::coerce::Coerce;
use super::error::{EvalError, EvalResult};
use super::{Eval, Value};
use crate::diagnostic::Code;

/// C++'s default `ostream << double`: `%g` with six significant digits.
pub(crate) fn format_float(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let sci = format!("{x:.5e}");
    // `{:e}` always writes an integer exponent; were it ever not to, the Rust form stands.
    let Some((mantissa, Ok(exp))) = sci.split_once('e').map(|(m, e)| (m, e.parse::<i32>())) else {
        return sci;
    };
    if !(-4..6).contains(&exp) {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp) as usize;
        strip_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
}

pub(crate) fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        escape_char(out, c);
    }
    out.push('"');
}

/// One character inside a JSON string. YAML's double-quoted strings read the same escapes,
/// so the YAML writer uses this for everything but the characters YAML must escape and JSON
/// need not.
pub(crate) fn escape_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push(c),
    }
}

/// How deep a value `toJSON` prints. Nix 2.8 overflows its stack between 60 465 and 60 937
/// levels (lists and sets alike, at the usual 8 MiB stack), so deeper is an error in both.
const TO_JSON_MAX_DEPTH: usize = 60_000;

impl Eval {
    pub fn to_json(&mut self, v: &Value) -> EvalResult<String> {
        let mut out = String::new();
        self.write_json(v, &mut out, 0)?;
        Ok(out)
    }

    fn write_json(&mut self, v: &Value, out: &mut String, depth: usize) -> EvalResult<()> {
        if depth > TO_JSON_MAX_DEPTH {
            return Err(EvalError::new(Code::StackOverflow, "value nested too deeply to print as JSON"));
        }
        // Each visit of a shared part is printed again, so each is paid for.
        self.charge(1)?;
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&format_float(*f)),
            Value::String(s) => {
                self.charge(s.len())?;
                escape_into(out, s);
            }
            Value::Path(_) => {
                let s = self.coerce(v, Coerce::Interpolate { copy_paths: true })?;
                escape_into(out, &s);
            }
            Value::List(items) => {
                out.push('[');
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let item = self.force(t)?;
                    self.write_json(&item, out, depth + 1)?;
                }
                out.push(']');
            }
            Value::Attrs(a) => {
                if a.get("__toString").is_some() {
                    let s = self.coerce(v, Coerce::Interpolate { copy_paths: false })?;
                    escape_into(out, &s);
                    return Ok(());
                }
                if let Some(o) = a.get("outPath") {
                    let o = o.value.clone();
                    let ov = self.force(&o)?;
                    return self.write_json(&ov, out, depth + 1);
                }
                out.push('{');
                for (i, attr) in a.attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    // The output is paid for as it is written: a set whose parts repeat prints
                    // far more than it holds.
                    self.charge(attr.name.len() + 2)?;
                    escape_into(out, &attr.name);
                    out.push(':');
                    let item = self.force(&attr.value)?;
                    self.write_json(&item, out, depth + 1)?;
                }
                out.push('}');
            }
            Value::Lambda(_) | Value::Builtin(_) => {
                return Err(EvalError::new(Code::TypeError, "cannot convert a function to JSON"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn floats_print_like_cpp_streams() {
        for (x, s) in [
            (1.0, "1"),
            (0.1, "0.1"),
            (123456789.0, "1.23457e+08"),
            (1.5e20, "1.5e+20"),
            (1.0 / 3.0, "0.333333"),
            (-2.5, "-2.5"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (999999.5, "1e+06"),
            (100000.0, "100000"),
        ] {
            assert_eq!(format_float(x), s, "{x}");
        }
    }
}
