//! The registry: `lib/ports.nix` evaluated and flattened into entries, plus its config.

pub mod compose;
pub(crate) mod config;
pub(crate) mod data;
pub(crate) mod env;
pub(crate) mod layout;
pub(crate) mod leaf;
pub mod load;
pub(crate) mod meta;
mod nix_eval;
pub mod path;
mod port;
pub mod processes;
mod reader;
pub mod snapshot;
pub mod sync_targets;
mod words;

pub use config::{Config, Protocol, ServiceMeta};
pub use load::{LoadError, LoadOptions, Project, load};

use std::rc::Rc;

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
    /// Its place in the list, when the leaf is a list of ports (`[ 22000 21027 ]`): the
    /// entries of one list share their path, and their names end in `[0]`, `[1]`, ...
    pub item: Option<u32>,
    /// Whether the port is the `port` field of a set with metadata (`{ port = 53; ... }`).
    pub(crate) in_set: bool,
    /// Shared: entries of one service, and all entries without one, hold the same metadata.
    pub meta: Rc<ServiceMeta>,
}

impl Entry {
    /// The ports the entry claims, when its value is valid.
    pub fn interval(&self) -> Option<(i64, i64)> {
        self.value.interval()
    }

    /// The Nix expression that selects the port from the imported registry: `ports.a.b`,
    /// `ports.a.b.port`, `builtins.elemAt ports.a.b 1`.
    pub(crate) fn nix_selector(&self) -> String {
        let base = format!("ports.{}", path::dotted(&self.path));
        match (self.item, self.in_set) {
            (None, false) => base,
            (None, true) => format!("{base}.port"),
            (Some(i), false) => format!("builtins.elemAt {base} {i}"),
            (Some(i), true) => format!("(builtins.elemAt {base} {i}).port"),
        }
    }

    /// `5432` or `9500-9599`.
    pub fn value_text(&self) -> String {
        self.value.text()
    }
}
