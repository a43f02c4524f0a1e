//! `match` and `split`, Nix's POSIX extended regular expressions (libstdc++'s `std::regex` with
//! `extended`), on the `regex` crate. A pattern is translated only where the two engines are
//! known to give the same answer; everything else is declined, never approximated:
//!
//! - `match` is a whole-string match, where libstdc++'s POSIX mode keeps the first path of its
//!   depth-first search that reaches the end: the regex crate's leftmost-first captures of the
//!   anchored pattern are that path.
//! - `split` finds, like `std::regex_iterator`, the leftmost match and, POSIX-style, the
//!   longest one there; the captures are those of the first path with that length. portnix
//!   finds the start with the regex crate, then the longest end by anchored tests.
//!
//!   A repeated group that holds captures reports its last iteration in both engines, and
//!   neither clears a group inside it that the last iteration skipped.
//!
//! Declined: non-ASCII patterns or subjects (libstdc++ matches bytes), escapes of ordinary
//! characters, collating elements, quantifiers on nothing or on quantifiers, a repeated group
//! that can match empty, empty groups and alternatives, and for `split`, anchors and repeated
//! groups that hold captures: once one choice of a quantifier has reached a match, libstdc++
//! tries no other, so its match there is not always the longest (`[a]?a(a(b)?)*` on `aab`
//! gives `aa`).

use ::regex::Regex;

use super::Builtin;
use crate::diagnostic::{Code, Span};
use crate::eval::error::{EvalError, EvalResult};
use crate::eval::{Eval, Thunk, Value};

pub(crate) const BUILTINS: &[Builtin] = &[Builtin::new("match", 2, match_), Builtin::new("split", 2, split)];

/// Why a pattern is not translated: an error of Nix's too, or a case portnix declines.
enum NotTranslated {
    Invalid,
    Declined(&'static str),
}

struct Translated {
    /// The pattern in the regex crate's syntax, unanchored.
    body: String,
    anchors: bool,
    /// A group that holds a capture is repeated.
    repeated_captures: bool,
}

const SPECIAL: &[u8] = b".[]()*+?{}|^$\\";
const CLASSES: &[&str] = &[
    "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper",
    "xdigit",
];

struct Parser<'a> {
    p: &'a [u8],
    i: usize,
    out: String,
    anchors: bool,
    repeated_captures: bool,
}

/// What a parsed piece of the pattern is, for the checks on quantifiers.
#[derive(Clone, Copy, Default)]
struct Shape {
    /// It can match the empty string.
    nullable: bool,
    /// It holds a capturing group.
    captures: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }

    fn alternation(&mut self) -> Result<Shape, NotTranslated> {
        let mut shape = self.concatenation()?;
        while self.peek() == Some(b'|') {
            self.i += 1;
            self.out.push('|');
            let next = self.concatenation()?;
            shape = Shape {
                nullable: shape.nullable || next.nullable,
                captures: shape.captures || next.captures,
            };
        }
        Ok(shape)
    }

    fn concatenation(&mut self) -> Result<Shape, NotTranslated> {
        let mut shape = Shape { nullable: true, captures: false };
        let mut pieces = 0;
        while let Some(c) = self.peek() {
            if c == b'|' || c == b')' {
                break;
            }
            let piece = self.piece()?;
            shape = Shape {
                nullable: shape.nullable && piece.nullable,
                captures: shape.captures || piece.captures,
            };
            pieces += 1;
        }
        if pieces == 0 {
            return Err(NotTranslated::Declined("an empty alternative or group"));
        }
        Ok(shape)
    }

    fn piece(&mut self) -> Result<Shape, NotTranslated> {
        let start = self.out.len();
        let (mut shape, quantifiable) = self.atom()?;
        let Some(q) = self.peek().filter(|c| matches!(c, b'*' | b'+' | b'?' | b'{')) else {
            return Ok(shape);
        };
        if !quantifiable {
            return Err(NotTranslated::Declined("a quantifier on an anchor"));
        }
        let (min, repeats, text) = self.quantifier(q)?;
        self.repeated_captures |= repeats && shape.captures;
        if shape.nullable {
            return Err(NotTranslated::Declined("a quantified part that can match the empty string"));
        }
        if matches!(self.peek(), Some(b'*' | b'+' | b'?' | b'{')) {
            return Err(NotTranslated::Declined("a quantifier on a quantifier"));
        }
        // The atom is wrapped so the quantifier applies to all of it.
        self.out.insert_str(start, "(?:");
        self.out.push(')');
        self.out.push_str(&text);
        shape.nullable = min == 0;
        Ok(shape)
    }

    /// A quantifier: its minimum, whether it may repeat, and its text for the regex crate.
    fn quantifier(&mut self, q: u8) -> Result<(u32, bool, String), NotTranslated> {
        self.i += 1;
        Ok(match q {
            b'*' => (0, true, "*".into()),
            b'+' => (1, true, "+".into()),
            b'?' => (0, false, "?".into()),
            _ => {
                let close = self.p[self.i..].iter().position(|&c| c == b'}').ok_or(NotTranslated::Invalid)?;
                let inner = std::str::from_utf8(&self.p[self.i..self.i + close])
                    .map_err(|_| NotTranslated::Invalid)?;
                self.i += close + 1;
                let num = |s: &str| {
                    (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| s.parse::<u32>().ok())
                        .flatten()
                };
                let (min, max) = match inner.split_once(',') {
                    None => {
                        let n = num(inner).ok_or(NotTranslated::Declined("an unusual interval"))?;
                        (n, Some(n))
                    }
                    Some((a, "")) => (num(a).ok_or(NotTranslated::Declined("an unusual interval"))?, None),
                    Some((a, b)) => {
                        let (a, b) = (num(a), num(b));
                        let (Some(a), Some(b)) = (a, b) else {
                            return Err(NotTranslated::Declined("an unusual interval"));
                        };
                        if a > b {
                            return Err(NotTranslated::Invalid);
                        }
                        (a, Some(b))
                    }
                };
                let text = match max {
                    Some(m) if m == min => format!("{{{min}}}"),
                    Some(m) => format!("{{{min},{m}}}"),
                    None => format!("{{{min},}}"),
                };
                (min, max.is_none_or(|m| m > 1), text)
            }
        })
    }

    /// One atom, and whether a quantifier may follow it.
    fn atom(&mut self) -> Result<(Shape, bool), NotTranslated> {
        let c = self.peek().ok_or(NotTranslated::Invalid)?;
        self.i += 1;
        match c {
            b'(' => {
                self.out.push('(');
                let inner = self.alternation()?;
                if self.peek() != Some(b')') {
                    return Err(NotTranslated::Invalid);
                }
                self.i += 1;
                self.out.push(')');
                Ok((Shape { nullable: inner.nullable, captures: true }, true))
            }
            b')' => Err(NotTranslated::Invalid),
            b'.' => {
                self.out.push_str("(?s:.)");
                Ok((Shape::default(), true))
            }
            b'^' | b'$' => {
                self.anchors = true;
                self.out.push(char::from(c));
                Ok((Shape { nullable: true, captures: false }, false))
            }
            b'[' => {
                self.bracket()?;
                Ok((Shape::default(), true))
            }
            b'*' | b'+' | b'?' | b'{' => Err(NotTranslated::Declined("a quantifier with nothing before it")),
            b'\\' => {
                let e = self.peek().ok_or(NotTranslated::Invalid)?;
                if !SPECIAL.contains(&e) {
                    return Err(NotTranslated::Declined("an escape of an ordinary character"));
                }
                self.i += 1;
                self.literal(e);
                Ok((Shape::default(), true))
            }
            other => {
                self.literal(other);
                Ok((Shape::default(), true))
            }
        }
    }

    fn literal(&mut self, c: u8) {
        self.out.push_str(&format!("\\x{{{c:02X}}}"));
    }

    /// A bracket expression: `\` is literal inside, `]` first is literal, `[:name:]` classes.
    fn bracket(&mut self) -> Result<(), NotTranslated> {
        self.out.push('[');
        if self.peek() == Some(b'^') {
            self.i += 1;
            self.out.push('^');
        }
        let mut first = true;
        loop {
            let c = self.peek().ok_or(NotTranslated::Invalid)?;
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == b'[' && matches!(self.p.get(self.i + 1), Some(b'=' | b'.')) {
                return Err(NotTranslated::Declined("a collating element or equivalence class"));
            }
            if c == b'[' && self.p.get(self.i + 1) == Some(&b':') {
                let rest = &self.p[self.i + 2..];
                let end = rest.windows(2).position(|w| w == b":]").ok_or(NotTranslated::Invalid)?;
                let name = std::str::from_utf8(&rest[..end]).map_err(|_| NotTranslated::Invalid)?;
                if !CLASSES.contains(&name) {
                    return Err(NotTranslated::Invalid);
                }
                self.out.push_str(&format!("[:{name}:]"));
                self.i += 2 + end + 2;
                continue;
            }
            self.i += 1;
            let to = match (self.peek(), self.p.get(self.i + 1)) {
                (Some(b'-'), Some(&d)) if d != b']' => {
                    if d == b'[' {
                        return Err(NotTranslated::Declined("a range ending in a bracket"));
                    }
                    self.i += 2;
                    Some(d)
                }
                _ => None,
            };
            match to {
                Some(d) if d < c => return Err(NotTranslated::Invalid),
                Some(d) => self.out.push_str(&format!("\\x{{{c:02X}}}-\\x{{{d:02X}}}")),
                None => self.out.push_str(&format!("\\x{{{c:02X}}}")),
            }
        }
        self.out.push(']');
        Ok(())
    }
}

fn translate(pattern: &str) -> Result<Translated, NotTranslated> {
    if !pattern.is_ascii() || pattern.contains('\0') {
        return Err(NotTranslated::Declined("a pattern with non-ASCII characters"));
    }
    let mut p =
        Parser { p: pattern.as_bytes(), i: 0, out: String::new(), anchors: false, repeated_captures: false };
    if pattern.is_empty() {
        return Err(NotTranslated::Declined("an empty pattern"));
    }
    p.alternation()?;
    if p.i != p.p.len() {
        return Err(NotTranslated::Invalid);
    }
    Ok(Translated { body: p.out, anchors: p.anchors, repeated_captures: p.repeated_captures })
}

/// A pattern built once per evaluation, as Nix keeps its `regexCache`: nixpkgs' lib calls
/// `match` with the same few patterns over and over.
pub(crate) struct Compiled {
    /// Anchored at both ends: `match`, and `split`'s test of one candidate span.
    whole: Regex,
    /// Unanchored, to find where `split`'s next match starts.
    search: Regex,
    anchors: bool,
    repeated_captures: bool,
}

fn compiled(ev: &mut Eval, pattern: &std::rc::Rc<str>, for_split: bool) -> EvalResult<std::rc::Rc<Compiled>> {
    let c = match ev.regexes.get(pattern) {
        Some(c) => c.clone(),
        None => {
            let t = match translate(pattern) {
                Ok(t) => t,
                Err(NotTranslated::Invalid) => {
                    return Err(EvalError::new(
                        Code::InvalidArgument,
                        format!("invalid regular expression '{pattern}'"),
                    ));
                }
                Err(NotTranslated::Declined(why)) => return Err(declined(pattern, why)),
            };
            let c = std::rc::Rc::new(Compiled {
                whole: regex(&format!("^(?:{})$", t.body))?,
                search: regex(&t.body)?,
                anchors: t.anchors,
                repeated_captures: t.repeated_captures,
            });
            ev.regexes.insert(pattern.clone(), c.clone());
            c
        }
    };
    if for_split && c.anchors {
        return Err(declined(pattern, "an anchor in a pattern for split"));
    }
    if for_split && c.repeated_captures {
        return Err(declined(pattern, "a repeated group that holds a capture, in a pattern for split"));
    }
    Ok(c)
}

fn declined(pattern: &str, why: &str) -> Box<EvalError> {
    EvalError::new(
        Code::Unsupported,
        format!("portnix does not match the regular expression '{pattern}' exactly as Nix does: {why}"),
    )
    .hint("the real Nix evaluates it: --evaluator auto (the default) or nix")
}

fn regex(body: &str) -> EvalResult<Regex> {
    Regex::new(body)
        .map_err(|e| EvalError::new(Code::Unsupported, format!("cannot build the regular expression: {e}")))
}

fn subject(ev: &mut Eval, t: &Thunk, pattern: &str) -> EvalResult<std::rc::Rc<str>> {
    let s = ev.force_string(t)?;
    if !s.is_ascii() {
        return Err(declined(pattern, "a string with non-ASCII characters"));
    }
    ev.charge(s.len())?;
    Ok(s)
}

fn groups(caps: &::regex::Captures) -> Value {
    let items = caps
        .iter()
        .skip(1)
        .map(|g| Thunk::value(g.map_or(Value::Null, |m| Value::str(m.as_str()))))
        .collect();
    super::list_value(items)
}

fn match_(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let pattern = ev.force_string(&a[0])?;
    let re = compiled(ev, &pattern, false)?;
    let s = subject(ev, &a[1], &pattern)?;
    Ok(match re.whole.captures(&s) {
        Some(caps) => groups(&caps),
        None => Value::Null,
    })
}

fn split(ev: &mut Eval, a: &[Thunk], _: Span) -> EvalResult<Value> {
    let pattern = ev.force_string(&a[0])?;
    let re = compiled(ev, &pattern, true)?;
    let s = subject(ev, &a[1], &pattern)?;
    let (search, whole) = (&re.search, &re.whole);
    // The longest match of the pattern that starts at `at` and is at least `min` long.
    let longest = |ev: &mut Eval, at: usize, min: usize| -> EvalResult<Option<(usize, Value)>> {
        for end in (at + min..=s.len()).rev() {
            ev.charge(end - at + 1)?;
            if let Some(caps) = whole.captures(&s[at..end]) {
                return Ok(Some((end, groups(&caps))));
            }
        }
        Ok(None)
    };
    let mut out = Vec::new();
    let (mut prefix_from, mut from) = (0, 0);
    let mut last_empty_at: Option<usize> = None;
    loop {
        let found = match last_empty_at {
            // After an empty match, regex_iterator first tries a non-empty one at the same place.
            Some(at) => match longest(ev, at, 1)? {
                Some((end, caps)) => Some((at, end, caps)),
                None if at >= s.len() => None,
                None => {
                    from = at + 1;
                    last_empty_at = None;
                    continue;
                }
            },
            None => match search.find_at(&s, from) {
                Some(m) => longest(ev, m.start(), 0)?.map(|(end, caps)| (m.start(), end, caps)),
                None => None,
            },
        };
        let Some((start, end, caps)) = found else { break };
        out.push(Thunk::value(Value::str(&s[prefix_from..start])));
        out.push(Thunk::value(caps));
        prefix_from = end;
        if start == end {
            if end >= s.len() {
                break;
            }
            last_empty_at = Some(end);
        } else {
            last_empty_at = None;
            from = end;
        }
    }
    out.push(Thunk::value(Value::str(&s[prefix_from..])));
    Ok(super::list_value(out))
}
