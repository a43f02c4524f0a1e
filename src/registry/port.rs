//! Ports as types, made once when the registry is read: a `Port` is 1 to 65535 and a
//! `PortRange` is non-empty and inside that, so nothing downstream checks either again.

use std::num::NonZeroU16;

/// A TCP or UDP port: 1 to 65535.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(NonZeroU16);

impl Port {
    pub(crate) fn new(n: i64) -> Option<Port> {
        u16::try_from(n).ok().and_then(NonZeroU16::new).map(Port)
    }

    pub(crate) fn get(self) -> u16 {
        self.0.get()
    }
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// `from` to `to`, both included, `from <= to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    from: Port,
    to: Port,
}

impl PortRange {
    pub(crate) fn new(from: Port, to: Port) -> Option<PortRange> {
        (from <= to).then_some(PortRange { from, to })
    }

    /// `from` to `to` as the config gives them, when they make a range of ports.
    pub(crate) fn of_ints(from: i64, to: i64) -> Option<PortRange> {
        PortRange::new(Port::new(from)?, Port::new(to)?)
    }

    pub fn from(self) -> Port {
        self.from
    }

    pub fn to(self) -> Port {
        self.to
    }
}

/// What a leaf of the registry holds: a port, a range, or why it is neither.
#[derive(Clone, Debug, PartialEq)]
pub enum PortValue {
    Port(Port),
    Range(PortRange),
    Invalid(Invalid),
}

/// A leaf that is not a port, kept with what it was so the finding can say so.
#[derive(Clone, Debug, PartialEq)]
pub enum Invalid {
    /// An integer outside 1 to 65535.
    Number(i64),
    /// `{ from; to; }` with `from > to`.
    Empty { from: i64, to: i64 },
    /// `{ from; to; }` reaching outside 1 to 65535.
    Outside { from: i64, to: i64 },
    /// Not an integer or a range at all: what it is instead.
    Other(String),
}

impl PortValue {
    pub fn of_int(n: i64) -> PortValue {
        Port::new(n).map_or(PortValue::Invalid(Invalid::Number(n)), PortValue::Port)
    }

    pub(crate) fn of_range(from: i64, to: i64) -> PortValue {
        match (Port::new(from), Port::new(to)) {
            _ if from > to => PortValue::Invalid(Invalid::Empty { from, to }),
            (Some(f), Some(t)) => {
                PortRange::new(f, t).map_or(PortValue::Invalid(Invalid::Empty { from, to }), PortValue::Range)
            }
            _ => PortValue::Invalid(Invalid::Outside { from, to }),
        }
    }

    /// The ports claimed, a port as a range of one, when the value is valid.
    pub(crate) fn range(&self) -> Option<PortRange> {
        match *self {
            PortValue::Port(p) => Some(PortRange { from: p, to: p }),
            PortValue::Range(r) => Some(r),
            PortValue::Invalid(_) => None,
        }
    }

    /// `range`, as integers.
    pub(crate) fn interval(&self) -> Option<(i64, i64)> {
        self.range().map(|r| (i64::from(r.from().get()), i64::from(r.to().get())))
    }

    /// `5432`, `9500-9599`, or what the value is instead.
    pub(crate) fn text(&self) -> String {
        match self {
            PortValue::Port(p) => p.to_string(),
            PortValue::Range(r) => format!("{}-{}", r.from(), r.to()),
            PortValue::Invalid(Invalid::Number(n)) => n.to_string(),
            PortValue::Invalid(Invalid::Empty { from, to } | Invalid::Outside { from, to }) => {
                format!("{from}-{to}")
            }
            PortValue::Invalid(Invalid::Other(what)) => what.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ports_and_non_empty_ranges_inside_1_to_65535_are_made() {
        assert_eq!(PortValue::of_int(1).interval(), Some((1, 1)));
        assert_eq!(PortValue::of_int(65535).interval(), Some((65535, 65535)));
        for bad in [0, -1, 65536, i64::MAX, i64::MIN] {
            assert_eq!(PortValue::of_int(bad), PortValue::Invalid(Invalid::Number(bad)));
        }
        assert_eq!(PortValue::of_range(9500, 9599).interval(), Some((9500, 9599)));
        assert_eq!(PortValue::of_range(7, 7).interval(), Some((7, 7)));
        assert_eq!(PortValue::of_range(9, 8), PortValue::Invalid(Invalid::Empty { from: 9, to: 8 }));
        assert_eq!(PortValue::of_range(0, 8), PortValue::Invalid(Invalid::Outside { from: 0, to: 8 }));
        assert_eq!(
            PortValue::of_range(60000, 70000),
            PortValue::Invalid(Invalid::Outside { from: 60000, to: 70000 })
        );
        assert_eq!(PortValue::of_range(70001, 70000).text(), "70001-70000");
    }
}
