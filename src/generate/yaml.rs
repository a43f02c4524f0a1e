//! Just enough YAML to write process-compose files: block mappings and sequences, every
//! string value double-quoted, so no YAML reader of either version (1.2, like process-compose's
//! go-yaml v3; 1.1, like PyYAML and go-yaml v2) takes a value for a number, a Boolean, a date
//! or a null.
//!
//! Why not a crate: yaml_serde, the maintained serde emitter, writes `yes`, `on`, `12:30`,
//! `2001-12-14` and `<<` plain (YAML 1.1 reads a Boolean, a sexagesimal integer, a date and a
//! merge key) and has no way to ask for quotes; yaml-rust2's emitter writes ESC, NEL (U+0085)
//! and BOM raw, which YAML forbids or reads as a line break. One rule, "every string quoted,
//! every unprintable escaped", is shorter than either workaround, and the tests read every
//! written tree back with two real readers, one per YAML version.

use std::fmt::Write;

#[derive(Clone, Debug)]
pub(crate) enum Yaml {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Keys in the order given.
    Map(Vec<(String, Yaml)>),
    List(Vec<Yaml>),
}

/// A double-quoted YAML scalar. YAML's printable set is narrower than JSON's: DEL, the C1
/// controls (NEL among them), the line and paragraph separators, the BOM and the two
/// non-characters must be escaped too, or a reader folds, rejects or drops them.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{7f}'..='\u{9f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{feff}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            // The rest as JSON escapes it: quotes, backslashes and C0 controls.
            c => crate::eval::json::escape_char(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// Words a YAML 1.1 reader resolves to a Boolean or a null in any of their spellings.
const WORDS_1_1: [&str; 9] = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

/// Keys are written plain when they are plain identifiers no YAML version reads as anything
/// but a string (`api-server`, `PGPORT`), so the file stays readable; anything else is quoted.
fn key(k: &str) -> String {
    let mut chars = k.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !WORDS_1_1.iter().any(|w| w.eq_ignore_ascii_case(k));
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

pub(crate) fn write(out: &mut String, v: &Yaml, indent: usize) {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The tree as yaml-rust2 (a YAML 1.2 reader) gives it back.
    fn read_back(text: &str) -> yaml_rust2::Yaml {
        let mut docs = yaml_rust2::YamlLoader::load_from_str(text).unwrap();
        assert_eq!(docs.len(), 1, "{text}");
        docs.remove(0)
    }

    fn expected(v: &Yaml) -> yaml_rust2::Yaml {
        use yaml_rust2::Yaml as Y;
        match v {
            Yaml::Str(s) => Y::String(s.clone()),
            Yaml::Int(i) => Y::Integer(*i),
            Yaml::Bool(b) => Y::Boolean(*b),
            Yaml::Map(m) => Y::Hash(m.iter().map(|(k, v)| (Y::String(k.clone()), expected(v))).collect()),
            Yaml::List(l) => Y::Array(l.iter().map(expected).collect()),
        }
    }

    fn text() -> impl Strategy<Value = String> {
        let tricky = prop::sample::select(vec![
            "True",
            "NULL",
            "~",
            "yes",
            "On",
            "N",
            "0x1F",
            "12:30",
            "1:20:30",
            "2001-12-14",
            "<<",
            "=",
            "-",
            "? x",
            "a: b",
            "#c",
            " lead",
            "trail ",
            "",
            "1_000",
            "0b101",
            ".inf",
            "$HOME",
            "\u{85}",
        ]);
        prop_oneof![tricky.prop_map(String::from), any::<String>(), "[a-zA-Z_][a-zA-Z0-9_-]{0,6}"]
    }

    fn tree() -> impl Strategy<Value = Yaml> {
        let leaf = prop_oneof![
            text().prop_map(Yaml::Str),
            any::<i64>().prop_map(Yaml::Int),
            any::<bool>().prop_map(Yaml::Bool)
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Yaml::List),
                prop::collection::btree_map(text(), inner, 0..5)
                    .prop_map(|m| Yaml::Map(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn every_tree_reads_back_equal(root in prop::collection::btree_map(text(), tree(), 1..6)) {
            let root = Yaml::Map(root.into_iter().collect());
            let mut out = String::new();
            write(&mut out, &root, 0);
            prop_assert_eq!(read_back(&out), expected(&root), "{}", out);
        }
    }

    #[test]
    fn yaml_1_1_words_and_unprintables_are_quoted() {
        let root = Yaml::Map(
            ["True", "NULL", "Off", "y", "api-server", "12:30", "a\u{85}b", "\u{feff}", "<<"]
                .iter()
                .map(|k| (k.to_string(), Yaml::Str(k.to_string())))
                .collect(),
        );
        let mut out = String::new();
        write(&mut out, &root, 0);
        assert_eq!(
            out,
            "\"True\": \"True\"\n\"NULL\": \"NULL\"\n\"Off\": \"Off\"\n\"y\": \"y\"\napi-server: \"api-server\"\n\
             \"12:30\": \"12:30\"\n\"a\\Nb\": \"a\\Nb\"\n\"\\ufeff\": \"\\ufeff\"\n\"<<\": \"<<\"\n"
        );
    }
}
