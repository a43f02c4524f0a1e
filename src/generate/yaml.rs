//! Just enough YAML to write process-compose files: block mappings and sequences, every
//! string double-quoted (JSON escapes are valid YAML), so no value is ever misread as a
//! number, a Boolean or a null.

use std::fmt::Write;

pub enum Yaml {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Keys in the order given.
    Map(Vec<(String, Yaml)>),
    List(Vec<Yaml>),
}

pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    crate::eval::json::escape_into(&mut out, s);
    out
}

fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !k.starts_with('-')
        && !matches!(k, "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n")
        && k.parse::<f64>().is_err();
    if plain { k.to_string() } else { quote(k) }
}

fn scalar(v: &Yaml) -> Option<String> {
    match v {
        Yaml::Str(s) => Some(quote(s)),
        Yaml::Int(i) => Some(i.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Map(m) if m.is_empty() => Some("{}".into()),
        Yaml::List(l) if l.is_empty() => Some("[]".into()),
        _ => None,
    }
}

pub fn write(out: &mut String, v: &Yaml, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Yaml::Map(entries) => {
            for (k, val) in entries {
                match scalar(val) {
                    Some(s) => {
                        let _ = writeln!(out, "{pad}{}: {s}", key(k));
                    }
                    None => {
                        let _ = writeln!(out, "{pad}{}:", key(k));
                        write(out, val, indent + 2);
                    }
                }
            }
        }
        Yaml::List(items) => {
            for item in items {
                match scalar(item) {
                    Some(s) => {
                        let _ = writeln!(out, "{pad}- {s}");
                    }
                    None => {
                        let mut inner = String::new();
                        write(&mut inner, item, indent + 2);
                        let _ = write!(out, "{pad}- {}", &inner[indent + 2..]);
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other).unwrap_or_default());
        }
    }
}
