//! Dotted attribute paths (`databases.postgresql`) and patterns over them (`hosts.*`).

use std::fmt;
use std::rc::Rc;

const KEYWORDS: &[&str] = &["assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"];

/// Whether `name` can stand unquoted in a Nix attribute path.
pub(crate) fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !KEYWORDS.contains(&name)
}

/// One segment as Nix would write it: bare, or quoted with escapes.
pub fn quote_segment(name: &str) -> String {
    if is_plain_ident(name) { name.to_string() } else { nix_string(name) }
}

/// A Nix string literal that reads back as `text`.
pub(crate) fn nix_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The dotted form of a path: `databases.postgresql`, `hosts."web-1.lan".ssh`.
pub(crate) fn dotted(segments: &[Rc<str>]) -> String {
    segments.iter().map(|s| quote_segment(s)).collect::<Vec<_>>().join(".")
}

/// Splits a dotted path, honouring quoted segments; `None` if the quoting is broken.
pub(crate) fn split_dotted(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted_seg = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if cur.is_empty() && !quoted_seg => {
                quoted_seg = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => cur.push(chars.next()?),
                        c => cur.push(c),
                    }
                }
            }
            '.' => {
                if cur.is_empty() && !quoted_seg {
                    return None;
                }
                out.push(std::mem::take(&mut cur));
                quoted_seg = false;
            }
            _ if quoted_seg => return None,
            c => cur.push(c),
        }
    }
    if cur.is_empty() && !quoted_seg {
        return None;
    }
    out.push(cur);
    Some(out)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Segment {
    Name(String),
    /// `*`: any one name.
    Any,
}

/// `a.b[1]` as the path `a.b` and the list item 1; any other text as itself.
pub(crate) fn split_item(path: &str) -> (&str, Option<u32>) {
    let Some(open) = path.strip_suffix(']').and_then(|p| p.rfind('[').map(|i| (i, p))) else {
        return (path, None);
    };
    let (i, inner) = open;
    match inner[i + 1..].parse::<u32>() {
        Ok(n) if !inner[i + 1..].starts_with('+') => (&path[..i], Some(n)),
        _ => (path, None),
    }
}

/// A dotted pattern; it matches a path when it matches the path's first segments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub text: String,
    pub(crate) segments: Vec<Segment>,
}

impl Pattern {
    pub(crate) fn parse(text: &str) -> Option<Pattern> {
        let segments = split_dotted(text)?
            .into_iter()
            .map(|s| if s == "*" { Segment::Any } else { Segment::Name(s) })
            .collect();
        Some(Pattern { text: text.to_string(), segments })
    }

    /// Whether the pattern covers `path` (the path itself or anything below it).
    pub(crate) fn matches_prefix(&self, path: &[Rc<str>]) -> bool {
        self.segments.len() <= path.len()
            && self.segments.iter().zip(path).all(|(seg, name)| match seg {
                Segment::Any => true,
                Segment::Name(n) => n == &**name,
            })
    }

    /// Whether the pattern names exactly `path`.
    pub(crate) fn matches_exact(&self, path: &[Rc<str>]) -> bool {
        self.segments.len() == path.len() && self.matches_prefix(path)
    }

    /// Whether every path this pattern covers is also covered by `outer`.
    pub(crate) fn is_inside(&self, outer: &Pattern) -> bool {
        outer.segments.len() <= self.segments.len()
            && outer.segments.iter().zip(&self.segments).all(|(o, s)| match (o, s) {
                (Segment::Any, _) => true,
                (Segment::Name(a), Segment::Name(b)) => a == b,
                (Segment::Name(_), Segment::Any) => false,
            })
    }

    /// Whether some path is covered by both patterns.
    pub(crate) fn intersects(&self, other: &Pattern) -> bool {
        self.segments.iter().zip(&other.segments).all(|(a, b)| match (a, b) {
            (Segment::Any, _) | (_, Segment::Any) => true,
            (Segment::Name(x), Segment::Name(y)) => x == y,
        })
    }

    /// Whether the pattern has no wildcard: it names one path.
    pub(crate) fn is_literal(&self) -> bool {
        self.segments.iter().all(|s| matches!(s, Segment::Name(_)))
    }

    /// Orders patterns from least to most specific: more segments, then fewer wildcards.
    pub(crate) fn specificity(&self) -> (usize, usize) {
        let literal = self.segments.iter().filter(|s| matches!(s, Segment::Name(_))).count();
        (self.segments.len(), literal)
    }

    /// The part of `path` this pattern matched, as a scope name.
    pub(crate) fn matched_prefix(&self, path: &[Rc<str>]) -> String {
        dotted(&path[..self.segments.len()])
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &[&str]) -> Vec<Rc<str>> {
        p.iter().map(|s| Rc::from(*s)).collect()
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(dotted(&path(&["databases", "postgresql"])), "databases.postgresql");
        assert_eq!(dotted(&path(&["hosts", "web-1.lan", "ssh"])), "hosts.\"web-1.lan\".ssh");
        assert_eq!(dotted(&path(&["x", "in", "9p"])), "x.\"in\".\"9p\"");
    }

    #[test]
    fn splits_quoted_segments() {
        assert_eq!(split_dotted("a.\"b.c\".d"), Some(vec!["a".into(), "b.c".into(), "d".into()]));
        assert_eq!(split_dotted("a..b"), None);
        assert_eq!(split_dotted("a.\"b"), None);
    }

    #[test]
    fn patterns_match_prefixes_and_nest() {
        let hosts = Pattern::parse("hosts.*").unwrap();
        assert!(hosts.matches_prefix(&path(&["hosts", "a", "ssh"])));
        assert!(!hosts.matches_prefix(&path(&["hosts"])));
        let web = Pattern::parse("hosts.web").unwrap();
        assert!(web.is_inside(&hosts));
        assert!(!hosts.is_inside(&web));
        assert!(web.specificity() > hosts.specificity());
    }
}
