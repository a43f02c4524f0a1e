//! JSON: a reader that only finds where values are (serde_json keeps no positions). It follows
//! the key's path through objects (a number indexes an array) and checks the rest of the text
//! only as far as it reads it.

use super::{LocateError, Slot, number, segments};

/// Deeper than any config; a guard against a stack overflow on hostile input.
const MAX_DEPTH: usize = 256;

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

fn bad(message: &str, at: usize) -> LocateError {
    LocateError::Unreadable { message: format!("not valid JSON: {message}"), at: Some(at) }
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Result<String, LocateError> {
        let start = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.b.get(self.i) {
                None => return Err(bad("a string that does not end", start)),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    // Keys with escapes are compared as written after the backslash.
                    self.i += 1;
                    let c = self.text[self.i..]
                        .chars()
                        .next()
                        .ok_or_else(|| bad("an escape at the end", start))?;
                    out.push(c);
                    self.i += c.len_utf8();
                }
                Some(_) => {
                    let c =
                        self.text[self.i..].chars().next().ok_or_else(|| bad("a broken string", start))?;
                    out.push(c);
                    self.i += c.len_utf8();
                }
            }
        }
    }

    /// Skips one value, returning its byte range.
    fn value(&mut self, depth: usize) -> Result<(usize, usize), LocateError> {
        if depth > MAX_DEPTH {
            return Err(bad("nested too deeply", self.i));
        }
        self.ws();
        let start = self.i;
        match self.b.get(self.i) {
            Some(b'{') | Some(b'[') => {
                let close = if self.b[self.i] == b'{' { b'}' } else { b']' };
                let object = close == b'}';
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&close) {
                    self.i += 1;
                    return Ok((start, self.i));
                }
                loop {
                    if object {
                        self.ws();
                        if self.b.get(self.i) != Some(&b'"') {
                            return Err(bad("a key that is not a string", self.i));
                        }
                        self.string()?;
                        self.ws();
                        if self.b.get(self.i) != Some(&b':') {
                            return Err(bad("a key without `:`", self.i));
                        }
                        self.i += 1;
                    }
                    self.value(depth + 1)?;
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(c) if *c == close => {
                            self.i += 1;
                            return Ok((start, self.i));
                        }
                        _ => return Err(bad("a missing `,`", self.i)),
                    }
                }
            }
            Some(b'"') => {
                self.string()?;
                Ok((start, self.i))
            }
            Some(_) => {
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
                {
                    self.i += 1;
                }
                if self.i == start {
                    return Err(bad("a missing value", start));
                }
                Ok((start, self.i))
            }
            None => Err(bad("the end, where a value was expected", start)),
        }
    }

    /// Inside the value at the cursor, the member `name` (or item, for an array): its range.
    fn member(&mut self, name: &str) -> Result<Option<(usize, usize)>, LocateError> {
        self.ws();
        match self.b.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                // The member's key and value, once found: the rest of the object is read for
                // a second one, which readers disagree on.
                let mut found: Option<(usize, usize, usize)> = None;
                let done = |r: &mut Self, found: Option<(usize, usize, usize)>| {
                    Ok(found.map(|(_, at, end)| {
                        r.i = at;
                        (at, end)
                    }))
                };
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b'}') => return done(self, found),
                        Some(b'"') => {}
                        _ => return Err(bad("a key that is not a string", self.i)),
                    }
                    let key_at = self.i;
                    let key = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Err(bad("a key without `:`", self.i));
                    }
                    self.i += 1;
                    self.ws();
                    let at = self.i;
                    let range = self.value(1)?;
                    if key == name {
                        if let Some((first, ..)) = found {
                            return Err(LocateError::Duplicate {
                                key: name.to_string(),
                                first,
                                second: key_at,
                            });
                        }
                        found = Some((key_at, at, range.1));
                    }
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => return done(self, found),
                        _ => return Err(bad("a missing `,`", self.i)),
                    }
                }
            }
            Some(b'[') => {
                let Ok(want) = name.parse::<usize>() else { return Ok(None) };
                self.i += 1;
                for n in 0.. {
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        return Ok(None);
                    }
                    let at = self.i;
                    let range = self.value(1)?;
                    if n == want {
                        self.i = at;
                        return Ok(Some(range));
                    }
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => return Ok(None),
                        _ => return Err(bad("a missing `,`", self.i)),
                    }
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}

pub(crate) fn locate(text: &str, key: &str) -> Result<Slot, LocateError> {
    let mut r = Reader { text, b: text.as_bytes(), i: 0 };
    let mut parent = None;
    for seg in segments(key) {
        match r.member(&seg)? {
            Some(_) => parent = Some(r.i),
            None => return Err(LocateError::Missing { key: key.to_string(), at: parent }),
        }
    }
    let (start, end) = r.value(0)?;
    number(text, start, end)
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn follows_objects_and_arrays() {
        let t = r#"{ "name": "x", "server": { "ports": [ 1, { "port": 9050 } ], "port" : "8080" } }"#;
        let s = locate(t, "server.ports.1.port").unwrap();
        assert_eq!((&t[s.start..s.end], s.value), ("9050", 9050));
        assert_eq!(locate(t, "server.port").unwrap().value, 8080);
        assert!(matches!(locate(t, "server.host"), Err(super::LocateError::Missing { .. })));
        assert!(matches!(locate(t, "name"), Err(super::LocateError::NotANumber { .. })));
        assert!(locate(&format!("{{\"a\": {}", "[".repeat(100_000)), "b").is_err());
    }

    #[test]
    fn a_key_given_twice_is_refused_with_both_places() {
        let t = r#"{ "port": 1, "x": 2, "port": 3 }"#;
        let e = locate(t, "port").unwrap_err();
        assert_eq!(e, super::LocateError::Duplicate { key: "port".into(), first: 2, second: 21 });
        // On the way to the value too.
        let t = r#"{ "server": { "port": 1 }, "server": { "port": 2 } }"#;
        assert!(matches!(locate(t, "server.port"), Err(super::LocateError::Duplicate { .. })));
        // Elsewhere, a repeated key is none of sync's business.
        assert_eq!(locate(r#"{ "a": 1, "a": 2, "port": 5 }"#, "port").unwrap().value, 5);
    }
}
