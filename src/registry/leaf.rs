//! What a leaf of the registry is, in the shapes registries are written in: a port (`5432`), a
//! range (`{ from; to; }`), either with metadata of its own (`{ port = 53; protocol = "udp"; }`),
//! or a list of those (`[ 22000 21027 ]`: one service, several claims). Any other set is a
//! category of entries.

use std::rc::Rc;

use super::data::{Data, Node};
use super::meta::{Field, Fields, PORT_KEYS};
use super::reader::{Attrs, Reader};
use super::{Entry, Invalid, PortValue, ServiceMeta, path};
use crate::diagnostic::Diagnostic;

/// The registry flattened: entries in attribute order, the metadata leaves gave themselves
/// (by entry index), and what was wrong with that metadata.
#[derive(Default)]
pub(crate) struct Flat {
    pub(crate) entries: Vec<Entry>,
    pub(crate) inline: Vec<(usize, Fields)>,
    /// `invalid-metadata` errors, each with the entry it concerns.
    pub(crate) errors: Vec<(Diagnostic, String)>,
}

/// `extra`: the config's `extraFields`, fields a leaf may carry that portnix reads nothing from.
pub(crate) fn flatten(root: &Node, extra: &[String]) -> Flat {
    let mut flat = Flat::default();
    let mut path = Vec::new();
    let meta = Rc::new(ServiceMeta::default());
    let also: Vec<&str> = PORT_KEYS.iter().copied().chain(extra.iter().map(String::as_str)).collect();
    walk(root, &mut path, &meta, &also, &mut flat);
    flat
}

/// Whether a set is a category of entries rather than one leaf: it has no key that says where
/// a leaf's ports are, and no metadata field with a value of that field's type.
pub(crate) fn is_category(attrs: Attrs) -> bool {
    !attrs.iter().any(|(n, v)| PORT_KEYS.contains(&&**n) || Field::parse(n).is_some_and(|f| f.fits(&v.data)))
}

/// What a value means once the module system's wrappers are taken off: `lib.mkDefault 8081`
/// (and mkForce, mkOverride) is `{ _type = "override"; content = 8081; ... }`, which means
/// 8081; `lib.mkIf c x` is x when c is true and nothing when it is false.
fn unwrapped(node: &Node) -> Option<Node> {
    let mut cur = node;
    while let Some(Data::Str(kind)) = cur.data.get("_type").map(|t| &t.data) {
        match (kind.as_str(), cur.data.get("content"), cur.data.get("condition").map(|c| &c.data)) {
            ("override", Some(content), _) | ("if", Some(content), Some(Data::Bool(true))) => cur = content,
            ("if", Some(_), Some(Data::Bool(false))) => return None,
            _ => break,
        }
    }
    // The value keeps the position of the attribute that holds it.
    Some(Node { data: cur.data.clone(), span: node.span })
}

fn walk(node: &Node, path: &mut Vec<Rc<str>>, meta: &Rc<ServiceMeta>, also: &[&str], flat: &mut Flat) {
    // Only a set can be a wrapper; the common leaf, an int, is never copied.
    let owned;
    let node = if matches!(node.data, Data::Set(_)) && node.data.get("_type").is_some() {
        match unwrapped(node) {
            Some(n) => {
                owned = n;
                &owned
            }
            None => return,
        }
    } else {
        node
    };
    match &node.data {
        Data::Set(attrs) if is_category(attrs) => {
            for (name, child) in attrs {
                path.push(name.clone());
                walk(child, path, meta, also, flat);
                path.pop();
            }
        }
        Data::List(items) if !items.is_empty() => {
            let name = path::dotted(path);
            for (i, item) in items.iter().enumerate() {
                let item_name = format!("{name}[{i}]");
                let value = match &item.data {
                    Data::List(_) => PortValue::Invalid(Invalid::Other("a list inside a list".into())),
                    _ => claim(item, &item_name, also, flat),
                };
                push(flat, path, item_name, value, item, Some(i as u32), meta);
            }
        }
        Data::List(_) => {
            let value = PortValue::Invalid(Invalid::Other("an empty list".into()));
            push(flat, path, path::dotted(path), value, node, None, meta);
        }
        _ => {
            let name = path::dotted(path);
            let value = claim(node, &name, also, flat);
            push(flat, path, name, value, node, None, meta);
        }
    }
}

fn push(
    flat: &mut Flat,
    path: &[Rc<str>],
    name: String,
    value: PortValue,
    node: &Node,
    item: Option<u32>,
    meta: &Rc<ServiceMeta>,
) {
    let in_set = matches!(&node.data, Data::Set(_)) && node.data.get("port").is_some();
    flat.entries.push(Entry {
        name,
        path: path.to_vec(),
        value,
        span: node.span,
        item,
        in_set,
        meta: meta.clone(),
    });
}

/// The ports one leaf claims; a set's metadata goes to `flat.inline` for the entry about to
/// be pushed.
fn claim(node: &Node, name: &str, also: &[&str], flat: &mut Flat) -> PortValue {
    let attrs = match &node.data {
        Data::Int(i) => return PortValue::of_int(*i),
        Data::Set(attrs) => attrs,
        other => return PortValue::Invalid(Invalid::Other(other.describe())),
    };
    let d = &node.data;
    let value = match (d.get("port"), d.get("from"), d.get("to")) {
        (None, None, None) => {
            PortValue::Invalid(Invalid::Other("a set with metadata but no `port`, or `from` and `to`".into()))
        }
        (Some(p), None, None) => match p.data {
            Data::Int(i) => PortValue::of_int(i),
            ref other => {
                PortValue::Invalid(Invalid::Other(format!("a set whose port is {}", other.describe())))
            }
        },
        (None, Some(from), Some(to)) => match (&from.data, &to.data) {
            (Data::Int(f), Data::Int(t)) => PortValue::of_range(*f, *t),
            _ => PortValue::Invalid(Invalid::Other(
                "a range whose `from` and `to` are not both integers".into(),
            )),
        },
        (Some(_), _, _) => PortValue::Invalid(Invalid::Other(
            "a set with both `port` and `from`/`to`: one port or one range".into(),
        )),
        (None, _, _) => PortValue::Invalid(Invalid::Other(
            "a range that is not exactly { from = <int>; to = <int>; }".into(),
        )),
    };
    // A plain `{ from; to; }` range, the common case, has no metadata to read.
    if attrs.iter().any(|(k, _)| !PORT_KEYS.contains(&&**k)) {
        let mut reader = Reader::for_leaves();
        let fields = reader.meta_fields(attrs, &format!("the metadata of {name}"), also);
        flat.errors.extend(reader.errors.into_iter().map(|mut e| {
            if !e.message.ends_with(&format!(" of {name}")) {
                e.message = format!("{name}: {}", e.message);
            }
            (e, name.to_string())
        }));
        if !fields.given.is_empty() {
            flat.inline.push((flat.entries.len(), fields));
        }
    }
    value
}
