//! The environment variable each entry is exported as, and the two ways a set of names can
//! be unusable: a name no shell accepts, or two entries on one name. `check` reports both
//! with their locations; `gen env` refuses to write them.

use std::hash::Hasher;

use crate::fxhash::FxHasher;

use super::{Entry, PortValue};
use crate::diagnostic::{Code, Diagnostic};

/// The variable for an entry: its `env` from the config, or its path in upper snake case:
/// `databases.postgresql` → `DATABASES_POSTGRESQL_PORT`, `nodeExporter` → `NODE_EXPORTER`.
pub fn env_name(e: &Entry) -> String {
    let mut out = String::new();
    write_env_name(e, &mut out);
    out
}

/// The variable an entry at `path` gets when the config names none.
pub fn derived_env_name<S: AsRef<str>>(path: &[S]) -> String {
    let mut out = String::new();
    write_derived(path, &mut out);
    out
}

/// `env_name`, appended to `out`: `check` names every entry, so it reuses one buffer.
fn write_env_name(e: &Entry, out: &mut String) {
    match &e.meta.env {
        Some(name) => out.push_str(name),
        None => {
            write_derived(&e.path, out);
            // The items of a list leaf share a path; each gets its place in the list.
            if let Some(item) = e.item {
                use std::fmt::Write;
                let _ = write!(out, "_{item}");
            }
        }
    }
}

fn write_derived<S: AsRef<str>>(path: &[S], out: &mut String) {
    let start = out.len();
    for seg in path.iter().map(AsRef::as_ref) {
        if out.len() > start {
            out.push('_');
        }
        let mut prev_lower = false;
        // Bytes, not chars: `check` names every entry. A character beyond ASCII becomes one `_`,
        // written at its first byte.
        for &b in seg.as_bytes().iter().filter(|&&b| b & 0xC0 != 0x80) {
            if b.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
            out.push(if b.is_ascii_alphanumeric() { char::from(b.to_ascii_uppercase()) } else { '_' });
        }
    }
    out.push_str("_PORT");
    if out[start..].starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(start, '_');
    }
}

pub(crate) fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A variable name that cannot be written, and the entries that have it.
#[derive(Debug)]
pub(crate) struct Unusable {
    pub(crate) diagnostic: Diagnostic,
    pub(crate) paths: Vec<String>,
}

/// One variable: `NAME=PORT`, a range's `NAME_FROM` or `NAME_TO`.
#[derive(Debug)]
pub(crate) struct Variable<'e> {
    pub(crate) name: String,
    pub(crate) value: i64,
    pub(crate) entry: &'e Entry,
}

/// The values an entry exports and the suffix of each: a port as itself, a range as two.
fn lines(e: &Entry) -> &'static [&'static str] {
    match e.value {
        PortValue::Port(_) => &[""],
        PortValue::Range(_) => &["_FROM", "_TO"],
        PortValue::Invalid(_) => &[],
    }
}

fn value(e: &Entry, line: usize) -> i64 {
    e.interval().map_or(0, |(from, to)| [from, to][line])
}

fn write_name(e: &Entry, prefix: &str, line: usize, out: &mut String) {
    out.clear();
    out.push_str(prefix);
    write_env_name(e, out);
    out.push_str(lines(e)[line]);
}

/// The variables for `entries`, a range as `NAME_FROM` and `NAME_TO`, in no particular order;
/// or every name that cannot be written, each as a diagnostic at its entry.
///
/// `check` runs this on every registry, so it keeps no names unless asked (`keep`). When every
/// path maps to its name one to one it is one scan; else each name is written into one buffer
/// and only its hash is kept, the hashes are sorted, and only names whose hashes meet are
/// written again and compared.
pub(crate) fn variables<'e>(
    entries: &[&'e Entry],
    prefix: &str,
    keep: bool,
) -> Result<Vec<Variable<'e>>, Vec<Unusable>> {
    // A derived name is valid by construction (it starts with a letter or `_`), so only the
    // config's names, or a prefix that is not, need the check.
    let prefix_valid = prefix.is_empty() || valid_name(prefix);
    // A registry's paths are distinct, and paths of lowercase letters and digits map to names
    // one to one (`_` joins segments and occurs nowhere else; a leading `_` only before a digit
    // no such path starts with), so when every entry has one, no two names meet and each is
    // valid: `check` is done in one scan.
    let one_to_one = |e: &&Entry| {
        e.meta.env.is_none()
            && e.item.is_none()
            && e.path
                .iter()
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    };
    if !keep && prefix_valid && entries.iter().all(one_to_one) {
        return Ok(Vec::new());
    }
    let mut errors = Vec::new();
    // (hash of a valid name, its entry, its line), in entry order.
    let mut hashed: Vec<(u64, u32, u8)> = Vec::with_capacity(entries.len());
    let mut name = String::new();
    for (i, &e) in entries.iter().enumerate() {
        for line in 0..lines(e).len() {
            write_name(e, prefix, line, &mut name);
            if (prefix_valid && e.meta.env.is_none()) || valid_name(&name) {
                let mut h = FxHasher::default();
                h.write(name.as_bytes());
                hashed.push((h.finish(), i as u32, line as u8));
                continue;
            }
            let mut d =
                Diagnostic::new(Code::EnvName, format!("'{name}' ({}) is not a valid variable name", e.name))
                    .with_hint("set services.\"PATH\".env to a name of letters, digits and _");
            d.span = e.span;
            errors.push(Unusable { diagnostic: d, paths: vec![e.name.clone()] });
        }
    }
    hashed.sort_unstable();
    let mut clashes: Vec<(u32, Unusable)> = Vec::new();
    for group in hashed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        // Equal hashes, and almost always equal names: each against the first with its name.
        let named: Vec<(String, u32)> = group
            .iter()
            .map(|&(_, i, line)| {
                write_name(entries[i as usize], prefix, line.into(), &mut name);
                (name.clone(), i)
            })
            .collect();
        for (k, (n, i)) in named.iter().enumerate() {
            let Some((_, first)) = named[..k].iter().find(|(m, _)| m == n) else { continue };
            let (other, e) = (entries[*first as usize], entries[*i as usize]);
            let mut d =
                Diagnostic::new(Code::EnvName, format!("{} and {} both map to {n}", other.name, e.name))
                    .with_hint("give one of them its own services.\"PATH\".env");
            d.span = e.span;
            if let Some(s) = other.span {
                d = d.with_label(s, format!("{} is {n} too", other.name));
            }
            let mut paths = vec![other.name.clone(), e.name.clone()];
            paths.sort();
            clashes.push((*i, Unusable { diagnostic: d, paths }));
        }
    }
    clashes.sort_by_key(|(i, _)| *i);
    errors.extend(clashes.into_iter().map(|(_, u)| u));
    if !errors.is_empty() {
        return Err(errors);
    }
    if !keep {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(hashed.len());
    for &(_, i, line) in &hashed {
        let e = entries[i as usize];
        write_name(e, prefix, line.into(), &mut name);
        out.push(Variable { name: name.clone(), value: value(e, line.into()), entry: e });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::rc::Rc;

    use proptest::prelude::*;

    use super::*;
    use crate::registry::ServiceMeta;

    fn entry(path: &[String], value: PortValue, env: Option<String>) -> Entry {
        Entry {
            path: path.iter().map(|s| Rc::from(s.as_str())).collect(),
            name: path.join("."),
            value,
            span: None,
            item: None,
            in_set: false,
            meta: Rc::new(ServiceMeta { env, ..ServiceMeta::default() }),
        }
    }

    /// The plain way: every name in a sorted map, a clash when one is there already.
    fn reference(entries: &[&Entry]) -> Result<BTreeMap<String, i64>, usize> {
        let mut names = BTreeMap::new();
        let mut errors = 0;
        for e in entries {
            let base = env_name(e);
            let lines = match (&e.value, e.interval()) {
                (PortValue::Port(_), Some((p, _))) => vec![(base, p)],
                (PortValue::Range(_), Some((from, to))) => {
                    vec![(format!("{base}_FROM"), from), (format!("{base}_TO"), to)]
                }
                _ => vec![],
            };
            for (name, v) in lines {
                if !valid_name(&name) || names.contains_key(&name) {
                    errors += 1;
                } else {
                    names.insert(name, v);
                }
            }
        }
        if errors == 0 { Ok(names) } else { Err(errors) }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Short names over a few letters, `-`, `_` and case, so that clashes (`a-b` and `a.b`,
        /// `aB` and `a_b`) are common.
        #[test]
        fn hashed_names_find_what_a_sorted_map_finds(
            specs in prop::collection::vec(
                (prop::collection::vec("[abAB_-]{1,3}", 1..3), 1i64..100, any::<bool>(), prop::option::of("[A-Z_-]{1,3}")),
                0..12,
            )
        ) {
            let entries: Vec<Entry> = specs
                .iter()
                .map(|(path, v, range, env)| {
                    let value = if *range { PortValue::of_range(*v, v + 1) } else { PortValue::of_int(*v) };
                    entry(path, value, env.clone())
                })
                .collect();
            let refs: Vec<&Entry> = entries.iter().collect();
            let got = variables(&refs, "", true);
            match reference(&refs) {
                Ok(want) => {
                    let got: BTreeMap<String, i64> =
                        got.unwrap_or_else(|e| panic!("{e:?}")).into_iter().map(|v| (v.name, v.value)).collect();
                    prop_assert_eq!(got, want);
                }
                Err(n) => prop_assert_eq!(got.err().map(|e| e.len()), Some(n)),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// `check`'s way (no names kept, one scan when every path maps one to one) finds the
        /// same errors: registries of lowercase-and-digit paths, some with one other entry.
        #[test]
        fn the_one_scan_finds_what_a_sorted_map_finds(
            simple in prop::collection::vec((prop::collection::vec("[a1]{1,2}", 1..3), 1i64..100, any::<bool>()), 0..10),
            other in prop::option::of((prop::collection::vec("[a1A_-]{1,3}", 1..3), prop::option::of("[A1_]{1,3}"))),
        ) {
            // A registry's paths are distinct (a set's names are).
            let mut paths = std::collections::BTreeSet::new();
            let mut entries: Vec<Entry> = simple
                .iter()
                .filter(|(path, _, _)| paths.insert(path.clone()))
                .map(|(path, v, range)| {
                    let value = if *range { PortValue::of_range(*v, v + 1) } else { PortValue::of_int(*v) };
                    entry(path, value, None)
                })
                .collect();
            if let Some((path, env)) = other.iter().find(|(path, _)| paths.insert(path.clone())) {
                entries.push(entry(path, PortValue::of_int(1), env.clone()));
            }
            let refs: Vec<&Entry> = entries.iter().collect();
            let got = variables(&refs, "", false).map(|v| v.len()).map_err(|e| e.len());
            prop_assert_eq!(got, reference(&refs).map(|_| 0));
        }
    }

    #[test]
    fn names_that_meet_across_the_one_to_one_paths_are_found() {
        let seg = |s: &str| s.to_string();
        let pairs: [(Vec<String>, Vec<String>); 5] = [
            (vec![seg("a"), seg("b")], vec![seg("a_b")]),
            (vec![seg("a"), seg("b")], vec![seg("aB")]),
            (vec![seg("a"), seg("b")], vec![seg("a-b")]),
            (vec![seg("ab")], vec![seg("AB")]),
            (vec![seg("1")], vec![seg("_1")]),
        ];
        for (simple, other) in pairs {
            let a = entry(&simple, PortValue::of_int(1), None);
            let b = entry(&other, PortValue::of_int(2), None);
            assert_eq!(variables(&[&a, &b], "", false).map_err(|e| e.len()).err(), Some(1), "{other:?}");
        }
    }

    #[test]
    fn a_clash_names_both_entries_and_a_range_names_both_ends() {
        let a = entry(&["web-api".into()], PortValue::of_int(1), None);
        let b = entry(&["web".into(), "api".into()], PortValue::of_int(2), None);
        let r = entry(&["pool".into()], PortValue::of_range(5, 9), None);
        let errors = variables(&[&a, &b, &r], "", true).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].diagnostic.message, "web-api and web.api both map to WEB_API_PORT");
        assert_eq!(errors[0].paths, ["web-api", "web.api"]);
        let ok = variables(&[&a, &r], "X_", true).unwrap();
        let names: Vec<_> = ok.iter().map(|v| (v.name.as_str(), v.value)).collect();
        assert!(
            names.contains(&("X_POOL_PORT_FROM", 5)) && names.contains(&("X_POOL_PORT_TO", 9)),
            "{names:?}"
        );
    }
}
