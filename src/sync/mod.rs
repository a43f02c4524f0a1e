//! `portnix sync`: registry ports written into files portnix did not generate, the config's
//! `sync` targets (a component's YAML config, a JSON or TOML file, a `.env`, or any text by a
//! line pattern). Each target's value is found by a reader of its format that knows where the
//! value's bytes are, and only those bytes change: comments, order, quoting and indentation
//! stay as they were.

mod dotenv;
mod json;
pub(crate) mod plan;
mod toml;
mod yaml;

use regex::Regex;

/// How a target file is read.
#[derive(Clone, Debug)]
pub(crate) enum Format {
    Yaml,
    Json,
    Toml,
    Env,
    /// Any text: every match of the pattern, whose first group holds the port.
    Pattern(Regex),
}

impl Format {
    /// The format a file's name says, for targets that name none.
    pub(crate) fn of_file(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let base = lower.rsplit('/').next().unwrap_or(&lower);
        if base.ends_with(".yaml") || base.ends_with(".yml") {
            Some(Format::Yaml)
        } else if base.ends_with(".json") {
            Some(Format::Json)
        } else if base.ends_with(".toml") {
            Some(Format::Toml)
        } else if base == ".env" || base.starts_with(".env.") || base.ends_with(".env") {
            Some(Format::Env)
        } else {
            None
        }
    }
}

/// Where a port is written in a file: the byte range of its digits (inside any quotes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) value: i64,
}

/// Why a target's value cannot be synced; `at` is a byte offset in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LocateError {
    /// The key is not in the file; `at` is where its nearest parent is, if any.
    Missing { key: String, at: Option<usize> },
    /// The key holds something other than a number.
    NotANumber { what: String, at: usize },
    /// The file is not valid in its format.
    Unreadable { message: String, at: Option<usize> },
    /// The key is given twice where the value is looked for: readers disagree on which counts
    /// (Python's json and PyYAML take the last, strict readers refuse the file), so sync
    /// writes neither. `first` and `second` are where each is.
    Duplicate { key: String, first: usize, second: usize },
}

/// The slots of `key` in `text`: one for a key, every match for a pattern.
pub(crate) fn locate(format: &Format, text: &str, key: &str) -> Result<Vec<Slot>, LocateError> {
    match format {
        Format::Yaml => yaml::locate(text, key).map(|s| vec![s]),
        Format::Json => json::locate(text, key).map(|s| vec![s]),
        Format::Toml => toml::locate(text, key).map(|s| vec![s]),
        Format::Env => dotenv::locate(text, key).map(|s| vec![s]),
        Format::Pattern(re) => {
            let slots: Vec<Slot> = re
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .map(|m| number(text, m.start(), m.end()))
                .collect::<Result<_, _>>()?;
            if slots.is_empty() {
                return Err(LocateError::Missing { key: re.as_str().to_string(), at: None });
            }
            Ok(slots)
        }
    }
}

/// The number in `text[start..end]`, a scalar as written: bare digits, or digits in one pair
/// of quotes (which stay).
pub(crate) fn number(text: &str, start: usize, end: usize) -> Result<Slot, LocateError> {
    let raw = &text[start..end];
    let (s, e) = match raw.as_bytes() {
        [q, .., last] if (*q == b'"' || *q == b'\'') && last == q && raw.len() >= 2 => (start + 1, end - 1),
        _ => (start, end),
    };
    let digits = &text[s..e];
    match digits.parse::<i64>() {
        Ok(value) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Slot { start: s, end: e, value })
        }
        _ => Err(LocateError::NotANumber { what: raw.chars().take(40).collect(), at: start }),
    }
}

/// A dotted key's segments; `"a.b".c` quotes a segment that holds a dot.
pub(crate) fn segments(key: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in key.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(String::new()),
            c => out.last_mut().map_or((), |s| s.push(c)),
        }
    }
    out
}

/// `text` with `slots` replaced by `port`.
pub(crate) fn rewrite(text: &str, slots: &[Slot], port: i64) -> String {
    let mut sorted = slots.to_vec();
    sorted.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in sorted {
        out.push_str(&text[at..s.start]);
        out.push_str(&port.to_string());
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_quotes_and_anything_else_is_refused() {
        let t = r#"a: "9050" b: 9050 c: '12' d: "x1" e: """#;
        assert_eq!(number(t, 3, 9).unwrap(), Slot { start: 4, end: 8, value: 9050 });
        assert_eq!(number(t, 13, 17).unwrap().value, 9050);
        assert_eq!(number(t, 21, 25).unwrap(), Slot { start: 22, end: 24, value: 12 });
        assert!(number(t, 29, 33).is_err());
        assert!(number(t, 37, 39).is_err());
        assert_eq!(segments(r#"server."a.b".port"#), ["server", "a.b", "port"]);
        assert_eq!(
            rewrite(
                "p: 1 q: 22",
                &[Slot { start: 8, end: 10, value: 22 }, Slot { start: 3, end: 4, value: 1 }],
                7
            ),
            "p: 7 q: 7"
        );
    }
}
