//! Service metadata, the fields `services."path"` in the config and a leaf of its own
//! (`dns = { port = 53; protocol = "udp"; };`) both give. One reader reads both, so a field
//! means the same in either place.

use super::config::{Protocol, ServiceMeta};
use super::data::{Data, Node};
use super::reader::{Attrs, Reader};
use crate::diagnostic::Span;

/// The keys that say where a leaf's ports are, beside its metadata.
pub(crate) const PORT_KEYS: &[&str] = &["port", "from", "to"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Protocol,
    Description,
    OpenFirewall,
    Interfaces,
    Env,
    ShareWith,
    Program,
    Owner,
    Status,
    OutsideRange,
    Fallback,
}

impl Field {
    pub(crate) const ALL: [Field; 11] = [
        Field::Protocol,
        Field::Description,
        Field::OpenFirewall,
        Field::Interfaces,
        Field::Env,
        Field::ShareWith,
        Field::Program,
        Field::Owner,
        Field::Status,
        Field::OutsideRange,
        Field::Fallback,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Field::Protocol => "protocol",
            Field::Description => "description",
            Field::OpenFirewall => "openFirewall",
            Field::Interfaces => "interfaces",
            Field::Env => "env",
            Field::ShareWith => "shareWith",
            Field::Program => "program",
            Field::Owner => "owner",
            Field::Status => "status",
            Field::OutsideRange => "outsideRange",
            Field::Fallback => "fallback",
        }
    }

    pub(crate) fn parse(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// Whether a value has the type this field takes. A set holding one such field is a leaf
    /// with metadata, not a category: `program = 9000;` is a service called `program`, but
    /// `program = "nginx";` can only be metadata.
    pub(crate) fn fits(self, data: &Data) -> bool {
        match (self, data) {
            (
                Field::Protocol
                | Field::Description
                | Field::Env
                | Field::Program
                | Field::Owner
                | Field::Status
                | Field::OutsideRange,
                Data::Str(_),
            ) => true,
            (Field::OpenFirewall, Data::Bool(_)) => true,
            // `{ primary = 5000; fallback = 5001; }` is a category with a service called
            // `fallback`: only beside `port` is it the leaf's second port.
            (Field::Interfaces | Field::ShareWith, Data::List(items)) => {
                items.iter().all(|i| matches!(i.data, Data::Str(_)))
            }
            _ => false,
        }
    }

    /// Whether `a` and `b` say the same for this field.
    pub(crate) fn same(self, a: &ServiceMeta, b: &ServiceMeta) -> bool {
        match self {
            Field::Protocol => a.protocol == b.protocol,
            Field::Description => a.description == b.description,
            Field::OpenFirewall => a.open_firewall == b.open_firewall,
            Field::Interfaces => a.interfaces == b.interfaces,
            Field::Env => a.env == b.env,
            Field::ShareWith => a.share_with.iter().map(|p| &p.text).eq(b.share_with.iter().map(|p| &p.text)),
            Field::Program => a.program == b.program,
            Field::Owner => a.owner == b.owner,
            Field::Status => a.status == b.status,
            Field::OutsideRange => a.outside_range == b.outside_range,
            Field::Fallback => a.fallback == b.fallback,
        }
    }

    /// Copies this field from `from` into `to`.
    pub(crate) fn copy(self, from: &ServiceMeta, to: &mut ServiceMeta) {
        match self {
            Field::Protocol => to.protocol = from.protocol,
            Field::Description => to.description.clone_from(&from.description),
            Field::OpenFirewall => to.open_firewall = from.open_firewall,
            Field::Interfaces => to.interfaces.clone_from(&from.interfaces),
            Field::Env => to.env.clone_from(&from.env),
            Field::ShareWith => to.share_with.clone_from(&from.share_with),
            Field::Program => to.program.clone_from(&from.program),
            Field::Owner => to.owner.clone_from(&from.owner),
            Field::Status => to.status.clone_from(&from.status),
            Field::OutsideRange => to.outside_range.clone_from(&from.outside_range),
            Field::Fallback => to.fallback = from.fallback,
        }
    }
}

/// Metadata as written in one place: the values, and which fields were given where.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fields {
    pub(crate) meta: ServiceMeta,
    pub(crate) given: Vec<(Field, Option<Span>)>,
}

/// Where a field was given, when it was (the position itself may be unknown).
pub(crate) fn given_at(given: &[(Field, Option<Span>)], field: Field) -> Option<Option<Span>> {
    given.iter().find(|(f, _)| *f == field).map(|(_, s)| *s)
}

impl Reader {
    /// Reads the metadata fields of a set; `also` are the other keys the set may have (a
    /// leaf's `port`, `from` and `to`). Anything else is an unknown key with a "did you mean".
    pub(crate) fn meta_fields(&mut self, attrs: Attrs, what: &str, also: &[&str]) -> Fields {
        let known: Vec<&str> = Field::ALL.iter().map(|f| f.key()).chain(also.iter().copied()).collect();
        let has_port = attrs.iter().any(|(k, _)| PORT_KEYS.contains(&&**k));
        let mut out = Fields::default();
        for (key, v) in attrs {
            let Some(field) = Field::parse(key) else {
                if !also.contains(&&**key) {
                    self.unknown_field(key, v, what, &known, also, has_port);
                }
                continue;
            };
            let read = self.meta_field(field, v, &mut out.meta);
            if read {
                out.given.push((field, v.span));
            }
        }
        out
    }

    fn unknown_field(
        &mut self,
        key: &str,
        v: &Node,
        what: &str,
        known: &[&str],
        also: &[&str],
        has_port: bool,
    ) {
        let near = crate::suggest::nearest(key, known.iter().copied());
        let hint = match (near, &v.data) {
            (Some(s), _) => format!("did you mean '{s}'? Known keys: {}", known.join(", ")),
            // `{ number = 22000; protocol = "TCP"; }`: a port under another name.
            (None, Data::Int(n)) if !also.is_empty() && !has_port => {
                format!("a leaf names its port `port`: write {{ port = {n}; ... }}")
            }
            // A number beside `port` is most likely a second service written into this one.
            (None, Data::Int(_) | Data::Set(_) | Data::List(_)) if !also.is_empty() => format!(
                "a set with `port` (or `from`/`to`) is one service with its metadata; if '{key}' is a \
                 port of its own, give it a service of its own, or list several ports as [ A B ]. \
                 Known keys: {}",
                known.join(", ")
            ),
            (None, _) => format!("known keys: {}", known.join(", ")),
        };
        self.fail(v, format!("unknown key '{key}' in {what}"), &hint);
    }

    /// Reads one field into `meta`; false when its value is unusable (reported).
    fn meta_field(&mut self, field: Field, v: &Node, meta: &mut ServiceMeta) -> bool {
        match field {
            Field::Protocol => {
                let Some(word) = self.string(v, "protocol") else { return false };
                // `"TCP"` and `"udp"` are both written in the wild; the case carries nothing.
                match Protocol::parse(&word.to_ascii_lowercase()) {
                    Some(p) => meta.protocol = p,
                    None => {
                        self.fail(
                            v,
                            format!("unknown protocol '{word}'"),
                            "use \"tcp\", \"udp\" or \"both\"",
                        );
                        return false;
                    }
                }
            }
            Field::Description => match self.string(v, "description") {
                Some(d) => meta.description = Some(d),
                None => return false,
            },
            Field::OpenFirewall => match self.bool(v, "openFirewall") {
                Some(b) => meta.open_firewall = b,
                None => return false,
            },
            Field::Interfaces => {
                let Some(items) = self.list(v, "interfaces") else { return false };
                meta.interfaces = items.iter().filter_map(|i| self.string(i, "an interface")).collect();
            }
            Field::Env => match self.string(v, "env") {
                Some(e) => meta.env = Some(e),
                None => return false,
            },
            Field::ShareWith => meta.share_with = self.patterns(v, "shareWith"),
            Field::Program => match self.string(v, "program") {
                Some(p) => meta.program = Some(p),
                None => return false,
            },
            // Free text for people (seed 000: who runs it, "active", "planned", "dev only").
            Field::Owner => match self.string(v, "owner") {
                Some(o) => meta.owner = Some(o),
                None => return false,
            },
            Field::Status => match self.string(v, "status") {
                Some(st) => meta.status = Some(st),
                None => return false,
            },
            // Seed 000's NLP_API_PORT_ALT: a second port the service may take, claimed and
            // checked as an entry of its own (`path.fallback`).
            Field::Fallback => match self.int(v, "fallback") {
                Some(n) => meta.fallback = Some(n),
                None => return false,
            },
            // Why the entry stands outside its category's range (seed 002's legacy ports):
            // `out-of-range` says nothing about it, and the reason is there for the reader.
            Field::OutsideRange => match self.string(v, "outsideRange") {
                Some(why) if !why.trim().is_empty() => meta.outside_range = Some(why),
                None => return false,
                Some(_) => {
                    self.fail_at(
                        v.span,
                        "outsideRange needs a reason".into(),
                        "write outsideRange = \"why it stays where it is\";",
                    );
                    return false;
                }
            },
        }
        true
    }
}
