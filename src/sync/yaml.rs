//! YAML, read by yaml-rust2's event parser, whose events carry the position where each scalar
//! starts: the key's path is followed through mappings (a number indexes a sequence), in the
//! first document.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{LocateError, Slot, number, segments};

/// Deeper than any config; a guard against hostile nesting.
const MAX_DEPTH: usize = 256;

#[derive(Default)]
struct Find {
    want: Vec<String>,
    /// Per open collection: is it a mapping, is the next scalar a key, the next index, and
    /// whether it lies on the wanted path (so far).
    stack: Vec<Frame>,
    /// The wanted value's event: a scalar's text, style and position, or what else it is.
    found: Option<Found>,
    /// Where the deepest wanted parent was.
    parent: Option<usize>,
    done: bool,
    too_deep: Option<usize>,
    /// Where the found value's key was, and where a second one was: the same path given twice.
    found_key: Option<usize>,
    duplicate: Option<(usize, usize)>,
}

struct Frame {
    mapping: bool,
    expect_key: bool,
    index: usize,
    /// The key just read, for the value that follows, and where it was.
    key: Option<String>,
    key_at: usize,
    on_path: bool,
}

enum Found {
    Scalar { style: TScalarStyle, at: usize, text: String },
    Other { what: &'static str, at: usize },
}

impl Find {
    /// Whether the value about to start is the wanted one, or a container on its path.
    fn position(&self) -> (bool, bool) {
        let Some(top) = self.stack.last() else { return (false, self.want.is_empty()) };
        if !top.on_path {
            return (false, false);
        }
        let depth = self.stack.len();
        let name = if top.mapping { top.key.clone() } else { Some(top.index.to_string()) };
        let matches = name.as_deref() == self.want.get(depth - 1).map(String::as_str);
        (matches && depth < self.want.len(), matches && depth == self.want.len())
    }

    /// Records the wanted value; a second one is a duplicate key, and the search ends.
    fn found(&mut self, found: Found, at: usize) {
        let key_at = self.stack.last().filter(|t| t.mapping).map_or(at, |t| t.key_at);
        match self.found_key {
            Some(first) => {
                self.duplicate = Some((first, key_at));
                self.done = true;
            }
            None => {
                self.found = Some(found);
                self.found_key = Some(key_at);
            }
        }
    }

    fn value_done(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            if top.mapping {
                top.expect_key = true;
                top.key = None;
            } else {
                top.index += 1;
            }
        }
    }
}

impl MarkedEventReceiver for Find {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.done {
            return;
        }
        let at = mark.index();
        match ev {
            Event::DocumentEnd => self.done = true,
            Event::Scalar(text, style, _, _) => {
                if let Some(top) = self.stack.last_mut()
                    && top.mapping
                    && top.expect_key
                {
                    top.key = Some(text);
                    top.key_at = at;
                    top.expect_key = false;
                    return;
                }
                let (_, is_it) = self.position();
                if is_it {
                    self.found(Found::Scalar { style, at, text }, at);
                }
                self.value_done();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let mapping = matches!(ev, Event::MappingStart(..));
                let (on_path, is_it) = self.position();
                if is_it {
                    let what = if mapping { "a mapping" } else { "a sequence" };
                    self.found(Found::Other { what, at }, at);
                }
                if on_path {
                    self.parent = Some(at);
                }
                if self.stack.len() >= MAX_DEPTH {
                    self.too_deep = Some(at);
                    self.done = true;
                    return;
                }
                let root = self.stack.is_empty();
                self.stack.push(Frame {
                    mapping,
                    expect_key: mapping,
                    index: 0,
                    key: None,
                    key_at: at,
                    on_path: (on_path || root) && !is_it,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            Event::Alias(_) => {
                if let Some(top) = self.stack.last_mut()
                    && top.mapping
                    && top.expect_key
                {
                    top.expect_key = false;
                    return;
                }
                let (_, is_it) = self.position();
                if is_it {
                    self.found(Found::Other { what: "an alias", at }, at);
                }
                self.value_done();
            }
            _ => {}
        }
    }
}

/// yaml-rust2's markers count characters; the file is rewritten by bytes.
fn byte_at(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(b, _)| b)
}

pub(crate) fn locate(text: &str, key: &str) -> Result<Slot, LocateError> {
    let mut find = Find { want: segments(key), ..Find::default() };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut find, false)
        && find.found.is_none()
    {
        return Err(LocateError::Unreadable {
            message: format!("not valid YAML: {e}"),
            at: Some(byte_at(text, e.marker().index())),
        });
    }
    if let Some(at) = find.too_deep {
        return Err(LocateError::Unreadable {
            message: "YAML nested too deeply".into(),
            at: Some(byte_at(text, at)),
        });
    }
    if let Some((first, second)) = find.duplicate {
        return Err(LocateError::Duplicate {
            key: key.to_string(),
            first: byte_at(text, first),
            second: byte_at(text, second),
        });
    }
    match find.found {
        None => Err(LocateError::Missing { key: key.to_string(), at: find.parent.map(|p| byte_at(text, p)) }),
        Some(Found::Other { what, at }) => {
            Err(LocateError::NotANumber { what: what.to_string(), at: byte_at(text, at) })
        }
        Some(Found::Scalar { style, at, text: value }) => {
            let at = byte_at(text, at);
            let len = match style {
                TScalarStyle::Plain => value.len(),
                TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => value.len() + 2,
                _ => return Err(LocateError::NotANumber { what: "a block scalar".into(), at }),
            };
            // The scalar as written must be the value as read: no escapes, no folding.
            let end = at + len;
            if text.get(at..end).is_none_or(|raw| raw.trim_matches(['"', '\'']) != value) {
                return Err(LocateError::NotANumber { what: value.chars().take(40).collect(), at });
            }
            number(text, at, end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn follows_mappings_and_sequences_keeping_everything_else() {
        let t = "# é comment\nserver:\n  host: \"0.0.0.0\" # not this\n  port: 9050   # the port\nlist:\n  - name: a\n    port: '11'\n  - { name: b, port: \"12\" }\nother: { port: 1 }\n";
        let s = locate(t, "server.port").unwrap();
        assert_eq!((&t[s.start..s.end], s.value), ("9050", 9050));
        assert_eq!(locate(t, "list.0.port").unwrap().value, 11);
        let b = locate(t, "list.1.port").unwrap();
        assert_eq!(&t[b.start..b.end], "12");
        assert_eq!(locate(t, "other.port").unwrap().value, 1);
        assert!(matches!(locate(t, "server.host"), Err(super::LocateError::NotANumber { .. })));
        assert!(matches!(locate(t, "server"), Err(super::LocateError::NotANumber { .. })));
        assert!(matches!(locate(t, "server.tls"), Err(super::LocateError::Missing { at: Some(_), .. })));
        assert!(locate(&"[".repeat(100_000), "0").is_err());
    }

    #[test]
    fn a_key_given_twice_is_refused_with_both_places() {
        let t = "server:\n  port: 1\n  host: a\n  port: 2\n";
        let e = locate(t, "server.port").unwrap_err();
        assert_eq!(e, super::LocateError::Duplicate { key: "server.port".into(), first: 10, second: 30 });
        let t = "server:\n  port: 1\nserver:\n  port: 2\n";
        assert!(matches!(locate(t, "server.port"), Err(super::LocateError::Duplicate { .. })));
        assert_eq!(locate("a: 1\na: 2\nport: 5\n", "port").unwrap().value, 5);
    }
}
