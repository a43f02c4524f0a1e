//! The registry: `lib/ports.nix` evaluated and flattened into entries, plus its config.

pub(crate) mod config;
pub(crate) mod data;
pub(crate) mod env;
pub mod load;
pub mod path;
mod port;
pub mod processes;
mod reader;
pub mod snapshot;
mod words;

pub use config::{Config, Protocol, ServiceMeta};
pub use load::{LoadError, LoadOptions, Project, load};

use std::rc::Rc;

use data::{Data, Node};

use crate::diagnostic::Span;

pub use port::{Invalid, Port, PortRange, PortValue};

#[derive(Clone, Debug)]
pub struct Entry {
    pub path: Vec<Rc<str>>,
    /// The dotted path, quoted where Nix needs quotes.
    pub name: String,
    pub value: PortValue,
    /// Where the entry's attribute is defined.
    pub(crate) span: Option<Span>,
    /// Shared: entries of one service, and all entries without one, hold the same metadata.
    pub meta: Rc<ServiceMeta>,
}

impl Entry {
    /// The ports the entry claims, when its value is valid.
    pub fn interval(&self) -> Option<(i64, i64)> {
        self.value.interval()
    }

    /// `5432` or `9500-9599`.
    pub fn value_text(&self) -> String {
        self.value.text()
    }
}

/// Flattens the registry's value into entries, in attribute order.
pub(crate) fn entries(root: &Node) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    let meta = Rc::new(ServiceMeta::default());
    walk(root, &mut path, &meta, &mut out);
    out
}

fn walk(node: &Node, path: &mut Vec<Rc<str>>, meta: &Rc<ServiceMeta>, out: &mut Vec<Entry>) {
    let value = match &node.data {
        Data::Int(i) => PortValue::of_int(*i),
        Data::Set(attrs) if is_range(attrs) => range_value(&node.data),
        Data::Set(attrs) => {
            for (name, child) in attrs {
                path.push(name.clone());
                walk(child, path, meta, out);
                path.pop();
            }
            return;
        }
        other => PortValue::Invalid(Invalid::Other(other.describe())),
    };
    out.push(Entry {
        name: path::dotted(path),
        path: path.clone(),
        value,
        span: node.span,
        meta: meta.clone(),
    });
}

/// A set with `from` or `to` is meant as a range, the shape `networking.firewall` uses.
fn is_range(attrs: &[(Rc<str>, Node)]) -> bool {
    attrs.iter().any(|(n, _)| &**n == "from" || &**n == "to")
}

fn range_value(d: &Data) -> PortValue {
    let Data::Set(attrs) = d else { unreachable!("called on sets") };
    match (d.get("from").map(|n| &n.data), d.get("to").map(|n| &n.data)) {
        (Some(Data::Int(from)), Some(Data::Int(to))) if attrs.len() == 2 => PortValue::of_range(*from, *to),
        _ => PortValue::Invalid(Invalid::Other(
            "a range that is not exactly { from = <int>; to = <int>; }".into(),
        )),
    }
}
