//! Reading config values, for the config (`config.rs`) and its `processes` (`processes.rs`):
//! each reader checks one shape and turns a wrong one into a `config-error` at the value, with
//! one wording and one "did you mean" for both. Each file adds its own readers to `Reader`.

use std::rc::Rc;

use super::data::{Data, Node};
use super::path::Pattern;
use crate::diagnostic::{Code, Diagnostic, Span};

pub(crate) type Attrs<'a> = &'a [(Rc<str>, Node)];

pub(crate) struct Reader {
    pub(crate) errors: Vec<Diagnostic>,
    /// The code of every error: `config-error`, or `invalid-metadata` for a registry leaf's own.
    code: Code,
    /// Position to fall back on for values without their own (list items).
    pub(crate) file_span: Option<Span>,
}

/// The value of `key` in a set, if it is there.
pub(crate) fn field<'a>(attrs: Attrs<'a>, key: &str) -> Option<&'a Node> {
    attrs.iter().find(|(n, _)| &**n == key).map(|(_, v)| v)
}

impl Reader {
    pub(crate) fn new(file_span: Option<Span>) -> Reader {
        Reader { errors: Vec::new(), code: Code::ConfigError, file_span }
    }

    /// A reader of metadata inside the registry, whose errors are findings of `check`.
    pub(crate) fn for_leaves() -> Reader {
        Reader { errors: Vec::new(), code: Code::InvalidMetadata, file_span: None }
    }

    /// An error at `span` (or the file when the value has no position of its own).
    pub(crate) fn fail_at(&mut self, span: Option<Span>, message: String, hint: &str) {
        let mut d = Diagnostic::new(self.code, message);
        if !hint.is_empty() {
            d = d.with_hint(hint);
        }
        d.span = span.or(self.file_span);
        self.errors.push(d);
    }

    pub(crate) fn fail(&mut self, node: &Node, message: String, hint: &str) {
        self.fail_at(node.span, message, hint);
    }

    pub(crate) fn set<'a>(&mut self, node: &'a Node, what: &str) -> Option<Attrs<'a>> {
        match &node.data {
            Data::Set(attrs) => Some(attrs),
            other => {
                self.fail(
                    node,
                    format!("{what} must be an attribute set, not {}", other.describe()),
                    "see the config reference in the README",
                );
                None
            }
        }
    }

    /// A set whose keys must be among `known`.
    pub(crate) fn keyed<'a>(&mut self, node: &'a Node, what: &str, known: &[&str]) -> Option<Attrs<'a>> {
        let attrs = self.set(node, what)?;
        self.unknown_keys(attrs, known, what);
        Some(attrs)
    }

    pub(crate) fn unknown_keys(&mut self, attrs: Attrs, known: &[&str], what: &str) {
        for (name, node) in attrs {
            if !known.contains(&&**name) {
                let hint = match crate::suggest::nearest(name, known.iter().copied()) {
                    Some(s) => format!("did you mean '{s}'? Known keys: {}", known.join(", ")),
                    None => format!("known keys: {}", known.join(", ")),
                };
                self.fail(node, format!("unknown key '{name}' in {what}"), &hint);
            }
        }
    }

    pub(crate) fn list<'a>(&mut self, node: &'a Node, what: &str) -> Option<&'a [Node]> {
        match &node.data {
            Data::List(items) => Some(items),
            other => {
                self.fail(
                    node,
                    format!("{what} must be a list, not {}", other.describe()),
                    "write it as [ ... ]",
                );
                None
            }
        }
    }

    /// Any integer: a port, a bound; what it must be besides is the caller's to check.
    pub(crate) fn int(&mut self, node: &Node, what: &str) -> Option<i64> {
        match node.data {
            Data::Int(i) => Some(i),
            ref other => {
                self.fail(
                    node,
                    format!("{what} must be an integer, not {}", other.describe()),
                    "write a port number",
                );
                None
            }
        }
    }

    /// A count or a duration: a non-negative integer.
    pub(crate) fn count(&mut self, node: &Node, what: &str) -> Option<i64> {
        match node.data {
            Data::Int(i) if i >= 0 => Some(i),
            ref other => {
                self.fail(
                    node,
                    format!("{what} must be a non-negative integer, not {}", other.describe()),
                    "write a whole number of seconds or times",
                );
                None
            }
        }
    }

    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.data {
            Data::Str(s) => Some(s.clone()),
            other => {
                self.fail(node, format!("{what} must be a string, not {}", other.describe()), "quote it");
                None
            }
        }
    }

    pub(crate) fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.data {
            Data::Bool(b) => Some(b),
            ref other => {
                self.fail(
                    node,
                    format!("{what} must be true or false, not {}", other.describe()),
                    "write true or false",
                );
                None
            }
        }
    }

    /// One of a closed set of words, or an error naming them all and the nearest.
    pub(crate) fn one_of<W: Copy>(
        &mut self,
        node: &Node,
        what: &str,
        all: &[W],
        word: fn(W) -> &'static str,
    ) -> Option<W> {
        let s = self.string(node, what)?;
        if let Some(&w) = all.iter().find(|&&w| word(w) == s) {
            return Some(w);
        }
        let words: Vec<&str> = all.iter().map(|&w| word(w)).collect();
        let hint = match crate::suggest::nearest(&s, words.iter().copied()) {
            Some(near) => format!("did you mean '{near}'?"),
            None => String::new(),
        };
        self.fail(node, format!("{what} '{s}' is not one of: {}", words.join(", ")), &hint);
        None
    }

    pub(crate) fn pattern(&mut self, node: &Node, text: &str, what: &str) -> Option<Pattern> {
        let p = Pattern::parse(text);
        if p.is_none() {
            self.fail(
                node,
                format!("{what} '{text}' is not a dotted attribute path"),
                "write names separated by dots, `*` for any one name, and quote names that contain dots",
            );
        }
        p
    }

    pub(crate) fn patterns(&mut self, node: &Node, what: &str) -> Vec<Pattern> {
        let Some(items) = self.list(node, what) else { return Vec::new() };
        let mut out = Vec::new();
        for item in items {
            if let Some(s) = self.string(item, what)
                && let Some(p) = self.pattern(item, &s, what)
            {
                out.push(p);
            }
        }
        out
    }
}
