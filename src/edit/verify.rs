//! An edit is proven before it is written: the new files must parse (with rnix, as Nix would
//! read them) and evaluate to the old registry plus exactly the intended change, with a config
//! that says what it said before about every other entry.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::references::names_a_path;
use super::{Edit, EditError};
use crate::registry::data::{Data, Node};
use crate::registry::path::Pattern;
use crate::registry::{LoadOptions, PortValue, Project, ServiceMeta, load};

/// What the edit is meant to do to the registry.
pub(crate) enum Change<'a> {
    Add {
        path: &'a [String],
        value: PortValue,
        protocol: crate::registry::Protocol,
    },
    Remove {
        path: &'a [String],
    },
    Move {
        from: &'a [String],
        to: &'a [String],
    },
    Set {
        path: &'a [String],
        item: Option<u32>,
        value: PortValue,
    },
    /// Every entry under the pattern, and every range inside it, moved by `delta`.
    Shift {
        pattern: &'a Pattern,
        delta: i64,
    },
}

/// How the config's own text changes with it: strings and `services` keys naming the path,
/// and the variable named after it (`None` when the config sets `env` itself).
pub(crate) struct ConfigChange<'a> {
    pub(crate) from: String,
    /// The new path's dotted form; `None`: references are removed.
    pub(crate) to: Option<String>,
    pub(crate) env: Option<(&'a str, &'a str)>,
}

/// Each entry, by its path and place in its list, with its value and metadata: an edit that
/// changed a leaf's protocol, or one item of a list, is caught as surely as a changed port.
type Entries = BTreeMap<(Vec<String>, Option<u32>), (PortValue, ServiceMeta)>;

fn entries(p: &Project, without_config_fields: bool) -> Entries {
    p.entries
        .iter()
        .map(|e| {
            let mut meta = (*e.meta).clone();
            // A fallback is compared as the entry it is (`path.fallback`), not twice.
            meta.fallback = None;
            if without_config_fields {
                meta.share_with.clear();
                meta.env = None;
            }
            ((e.path.iter().map(|s| s.to_string()).collect(), e.item), (e.value.clone(), meta))
        })
        .collect()
}

/// The keys of the entries at `path`: one, or each item of a list, and the entry's fallback
/// (`path.fallback`), which goes where the entry goes.
fn keys_at(entries: &Entries, path: &[String]) -> Vec<(Vec<String>, Option<u32>)> {
    let fallback =
        |p: &[String]| p.len() == path.len() + 1 && p.starts_with(path) && p[path.len()] == "fallback";
    entries.keys().filter(|(p, _)| p == path || fallback(p)).cloned().collect()
}

fn refuse(why: String) -> EditError {
    EditError::new(format!("{why}; nothing was written")).with_hint(
        "this layout is one portnix cannot edit safely yet: make the change by hand, and please report the layout",
    )
}

/// The project as it would be after `edits`, or why the edit is refused.
pub(crate) fn verify(
    options: &LoadOptions,
    before: &Project,
    edits: &[Edit],
    change: &Change,
    config: Option<&ConfigChange>,
) -> Result<Project, EditError> {
    for e in edits {
        let Some(parsed) = crate::syntax::parse_guarded(&e.after) else {
            return Err(refuse(format!("the edit would nest {} too deeply", e.file.display())));
        };
        if let Some(err) = parsed.errors().first() {
            return Err(refuse(format!("the edit would leave {} unparsable ({err})", e.file.display())));
        }
    }
    let mut opts = options.clone();
    // Only portnix's evaluator reads the edited text from memory; the comparison is of paths
    // and values, which both evaluators agree on.
    opts.evaluator = crate::registry::load::Evaluator::Portnix;
    opts.overlay = edits.iter().map(|e| (e.file.clone(), e.after.clone())).collect();
    let after = load(&opts)
        .map_err(|e| refuse(format!("the edited registry would not evaluate:\n{}", e.render().trim_end())))?;
    // The config's own rewrite (a renamed `shareWith` item, a renamed variable) is proven
    // below, against the config itself: the entries' copies of those fields are left out.
    let from_config = config.is_some();
    let got = entries(&after, from_config);
    let mut want = entries(before, from_config);
    // What the config's rules give a new or moved path is theirs to say: only the values of
    // those entries are predicted.
    let meta_at =
        |key: &(Vec<String>, Option<u32>), or: ServiceMeta| got.get(key).map_or(or, |(_, m)| m.clone());
    match change {
        Change::Add { path, value, protocol } => {
            let key = (path.to_vec(), None);
            let meta = meta_at(&key, ServiceMeta::default());
            if meta.protocol != *protocol {
                return Err(refuse(format!(
                    "{} would be read as {}, not {}",
                    super::key_text(path),
                    meta.protocol.as_str(),
                    protocol.as_str()
                )));
            }
            want.insert(key, (value.clone(), meta));
        }
        Change::Remove { path } => {
            for key in keys_at(&want, path) {
                want.remove(&key);
            }
        }
        Change::Set { path, item, value } => {
            if let Some((v, _)) = want.get_mut(&(path.to_vec(), *item)) {
                *v = value.clone();
            }
        }
        Change::Shift { pattern, delta } => {
            for ((path, _), (v, _)) in want.iter_mut() {
                let path: Vec<Rc<str>> = path.iter().map(|s| Rc::from(s.as_str())).collect();
                if pattern.matches_prefix(&path) {
                    *v = shifted(v, *delta);
                }
            }
        }
        Change::Move { from, to } => {
            for key in keys_at(&want, from) {
                if let Some((v, m)) = want.remove(&key) {
                    let new = ([to, &key.0[from.len()..]].concat(), key.1);
                    let meta = meta_at(&new, m);
                    want.insert(new, (v, meta));
                }
            }
        }
    }
    if got != want {
        return Err(refuse(format!(
            "the edit would change more than intended: {}",
            first_difference(&want, &got)
        )));
    }
    let want_config = match change {
        // A config that reads the registry (`${toString ports.databases.redis}`) must change
        // when the registry does, and only through those references: the config's own old
        // text, evaluated against the edited registry, is what it should say. Ranges under a
        // moved block move once, from their old bounds.
        Change::Set { .. } | Change::Shift { .. } | Change::Add { .. } => {
            let reread = old_config_against(&opts, before, &after, edits)?;
            match (change, reread, before.config_data.as_ref()) {
                (Change::Shift { pattern, delta }, Some(now), Some(was)) => {
                    Some(shift_ranges(&now, was, pattern, *delta))
                }
                (Change::Add { path, .. }, Some(now), _) => {
                    Some(with_service_of(&now, after.config_data.as_ref(), path))
                }
                // A fallback the config gives is the one config value `set` changes itself.
                (Change::Set { path: [parent @ .., last], item: None, value }, Some(now), _)
                    if last == "fallback" =>
                {
                    Some(with_fallback(&now, &super::key_text(parent), value))
                }
                (_, now, _) => now,
            }
        }
        // A move or removal changes no value, so the config's values stay, with the names
        // rewritten.
        Change::Move { .. } | Change::Remove { .. } => before.config_data.as_ref().map(|c| match config {
            Some(change) => rewrite(c, change, true),
            None => c.clone(),
        }),
    };
    if !same_opt(want_config.as_ref(), after.config_data.as_ref()) {
        return Err(refuse("the edit would change the config beyond the references to the entry".into()));
    }
    Ok(after)
}

/// The config's old text evaluated against the edited registry: every edit but the config's
/// own applied. `None` without a config. When no edit touches the config, that is what the
/// edited project `after` already read.
fn old_config_against(
    opts: &LoadOptions,
    before: &Project,
    after: &Project,
    edits: &[Edit],
) -> Result<Option<Node>, EditError> {
    let Some(config_file) = &before.config_file else { return Ok(None) };
    let config_key = crate::eval::import::file_key(config_file);
    let others: Vec<&Edit> =
        edits.iter().filter(|e| crate::eval::import::file_key(&e.file) != config_key).collect();
    if others.len() == edits.len() {
        return Ok(after.config_data.clone());
    }
    let mut opts = opts.clone();
    opts.overlay = others.into_iter().map(|e| (e.file.clone(), e.after.clone())).collect();
    load(&opts).map(|p| p.config_data).map_err(|e| {
        refuse(format!(
            "the config's old text would not evaluate against the edited registry:\n{}",
            e.render().trim_end()
        ))
    })
}

/// `want` with `services."key".fallback` set to `value`, where the config gives it.
fn with_fallback(want: &Node, key: &str, value: &PortValue) -> Node {
    let Some(n) = value.interval().filter(|(a, b)| a == b).map(|(a, _)| a) else { return want.clone() };
    let map = |node: &Node, name: &str, f: &dyn Fn(&Node) -> Node| match &node.data {
        Data::Set(attrs) => Node {
            data: Data::Set(
                attrs.iter().map(|(k, v)| (k.clone(), if &**k == name { f(v) } else { v.clone() })).collect(),
            ),
            span: node.span,
        },
        _ => node.clone(),
    };
    map(want, "services", &|services| {
        map(services, key, &|service| {
            map(service, "fallback", &|old| Node { data: Data::Int(n), span: old.span })
        })
    })
}

/// `want` with the `services."path"` binding that `got` gives a new entry (its protocol, say):
/// what `add` writes there is proven against the entry's metadata, not here.
fn with_service_of(want: &Node, got: Option<&Node>, path: &[String]) -> Node {
    let key = super::key_text(path);
    let Some(service) = got.and_then(|g| g.data.get("services")).and_then(|s| s.data.get(&key)) else {
        return want.clone();
    };
    let Data::Set(attrs) = &want.data else { return want.clone() };
    let mut attrs = attrs.clone();
    let services = match attrs.iter().position(|(k, _)| &**k == "services") {
        Some(i) => &mut attrs[i].1,
        None => {
            attrs.push((Rc::from("services"), Node { data: Data::Set(Vec::new()), span: want.span }));
            sort_attrs(&mut attrs);
            let i = attrs.iter().position(|(k, _)| &**k == "services").unwrap_or_default();
            &mut attrs[i].1
        }
    };
    if let Data::Set(s) = &mut services.data {
        s.retain(|(k, _)| **k != *key);
        s.push((Rc::from(key.as_str()), service.clone()));
        sort_attrs(s);
    }
    Node { data: Data::Set(attrs), span: want.span }
}

fn shifted(v: &PortValue, delta: i64) -> PortValue {
    match v.interval() {
        Some((from, to)) if matches!(v, PortValue::Port(_)) && from == to => PortValue::of_int(from + delta),
        Some((from, to)) => PortValue::of_range(from + delta, to + delta),
        None => v.clone(),
    }
}

/// `now` (the config read against the edited registry) with each range inside `pattern` as
/// it was in `was`, its bounds moved by `delta`: once, whether the config wrote them as
/// literals or read them from the registry.
fn shift_ranges(now: &Node, was: &Node, pattern: &Pattern, delta: i64) -> Node {
    fn shift(range: &Node, delta: i64) -> Node {
        let data = match &range.data {
            Data::Set(attrs) => Data::Set(
                attrs
                    .iter()
                    .map(|(k, b)| match &b.data {
                        Data::Int(n) if matches!(&**k, "from" | "to" | "port") => {
                            (k.clone(), Node { data: Data::Int(n + delta), span: b.span })
                        }
                        _ => (k.clone(), b.clone()),
                    })
                    .collect(),
            ),
            Data::List(items) => Data::List(items.iter().map(|i| shift(i, delta)).collect()),
            other => other.clone(),
        };
        Node { data, span: range.span }
    }
    let (Data::Set(top), Some(old_ranges)) = (&now.data, was.data.get("ranges")) else { return now.clone() };
    let top = top
        .iter()
        .map(|(k, v)| {
            let (true, Data::Set(ranges)) = (&**k == "ranges", &v.data) else {
                return (k.clone(), v.clone());
            };
            let ranges = ranges
                .iter()
                .map(|(name, r)| match (Pattern::parse(name), old_ranges.data.get(name)) {
                    (Some(p), Some(old)) if p.is_inside(pattern) => (name.clone(), shift(old, delta)),
                    _ => (name.clone(), r.clone()),
                })
                .collect();
            (k.clone(), Node { data: Data::Set(ranges), span: v.span })
        })
        .collect();
    Node { data: Data::Set(top), span: now.span }
}

fn first_difference(want: &Entries, got: &Entries) -> String {
    let show = |(p, item): &(Vec<String>, Option<u32>)| match item {
        Some(i) => format!("{}[{i}]", super::key_text(p)),
        None => super::key_text(p),
    };
    for (k, v) in want {
        match got.get(k) {
            None => return format!("{} would be missing", show(k)),
            Some(g) if g.0 != v.0 => {
                return format!("{} would change from {} to {}", show(k), v.0.text(), g.0.text());
            }
            Some(g) if g.1 != v.1 => {
                return format!("{}'s metadata would change from {:?} to {:?}", show(k), v.1, g.1);
            }
            _ => {}
        }
    }
    match got.keys().find(|k| !want.contains_key(*k)) {
        Some(k) => format!("{} would appear", show(k)),
        None => "the entries differ".into(),
    }
}

/// The config as it should read after the change: every reference to the path renamed or
/// dropped, `services` keys with it, and the variable renamed inside strings.
fn rewrite(node: &Node, c: &ConfigChange, top: bool) -> Node {
    rewrite_at(node, c, top, &[])
}

fn rewrite_at(node: &Node, c: &ConfigChange, top: bool, keys: &[Rc<str>]) -> Node {
    let reference = |n: &Node| names_a_path(keys) && matches!(&n.data, Data::Str(s) if *s == c.from);
    let data = match &node.data {
        Data::Str(_) if reference(node) => match &c.to {
            Some(to) => Data::Str(to.clone()),
            None => node.data.clone(),
        },
        Data::Str(s) => Data::Str(match (c.env, &c.to) {
            (Some((old, new)), Some(_)) => replace_word(s, old, new),
            _ => s.clone(),
        }),
        Data::List(items) => Data::List(
            items
                .iter()
                .filter(|i| c.to.is_some() || !reference(i))
                .map(|i| rewrite_at(i, c, false, keys))
                .collect(),
        ),
        Data::Set(attrs) => {
            let mut out = Vec::new();
            for (k, v) in attrs {
                let inner: Vec<Rc<str>> = keys.iter().cloned().chain([k.clone()]).collect();
                if c.to.is_none() && names_a_path(&inner) && matches!(&v.data, Data::Str(s) if *s == c.from) {
                    continue;
                }
                let child = if top && &**k == "services" {
                    rewrite_services(v, c)
                } else {
                    rewrite_at(v, c, false, &inner)
                };
                out.push((k.clone(), child));
            }
            sort_attrs(&mut out);
            Data::Set(out)
        }
        other => other.clone(),
    };
    Node { data, span: node.span }
}

fn rewrite_services(node: &Node, c: &ConfigChange) -> Node {
    let Data::Set(attrs) = &node.data else { return rewrite(node, c, false) };
    let mut out = Vec::new();
    for (k, v) in attrs {
        let key = if **k == *c.from {
            match &c.to {
                Some(to) => Rc::from(to.as_str()),
                None => continue,
            }
        } else {
            k.clone()
        };
        out.push((key.clone(), rewrite_at(v, c, false, &[Rc::from("services"), key])));
    }
    sort_attrs(&mut out);
    Node { data: Data::Set(out), span: node.span }
}

/// Nix keeps attributes sorted by name.
fn sort_attrs(attrs: &mut [(Rc<str>, Node)]) {
    attrs.sort_by(|a, b| a.0.cmp(&b.0));
}

/// `text` with every whole-word `old` (letters, digits and `_` make a word) replaced by `new`.
pub(crate) fn replace_word(text: &str, old: &str, new: &str) -> String {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut at = 0;
    while let Some(i) = text[at..].find(old).map(|i| i + at) {
        let j = i + old.len();
        if (i == 0 || !word(bytes[i - 1])) && (j == bytes.len() || !word(bytes[j])) {
            out.push_str(&text[at..i]);
            out.push_str(new);
        } else {
            out.push_str(&text[at..j]);
        }
        at = j;
    }
    out.push_str(&text[at..]);
    out
}

fn same_opt(a: Option<&Node>, b: Option<&Node>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(&without_empty_services(a), &without_empty_services(b)),
        (None, None) => true,
        _ => false,
    }
}

/// The config without an empty `services`: removing the last `services."path".x = ...` binding
/// removes the key itself, which says no more than `services = { }` did.
fn without_empty_services(config: &Node) -> Node {
    match &config.data {
        Data::Set(attrs) => Node {
            data: Data::Set(
                attrs
                    .iter()
                    .filter(|(k, v)| !(&**k == "services" && matches!(&v.data, Data::Set(s) if s.is_empty())))
                    .cloned()
                    .collect(),
            ),
            span: config.span,
        },
        _ => config.clone(),
    }
}

/// Equal as values; positions are expected to move.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.data, &b.data) {
        (Data::List(x), Data::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Data::Set(x), Data::Set(y)) => {
            let sorted = |v: &[(Rc<str>, Node)]| {
                let mut v: Vec<(Rc<str>, Node)> = v.to_vec();
                sort_attrs(&mut v);
                v
            };
            let (x, y) = (sorted(x), sorted(y));
            x.len() == y.len() && x.iter().zip(&y).all(|(a, b)| a.0 == b.0 && same(&a.1, &b.1))
        }
        (Data::Float(x), Data::Float(y)) => x.to_bits() == y.to_bits(),
        (x, y) => x == y,
    }
}
