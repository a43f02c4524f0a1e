//! `.env`: `NAME=value` bindings (`export NAME=value` too), the value bare or in quotes, as
//! docker compose, python-dotenv and a shell read them. A quoted value may span lines, so the
//! file is read binding by binding, never line by line: a line inside a quoted value is text,
//! not a binding. When a name is bound twice, every reader takes the last, and so does sync.

use super::{LocateError, Slot, number};

/// One `NAME=value` binding: the name, and the byte range of its value (inside any quotes).
struct Binding<'a> {
    name: &'a str,
    value: (usize, usize),
}

/// Every binding of the file, in order. A line that is not a binding is skipped to its end,
/// as python-dotenv does.
fn bindings(text: &str) -> Vec<Binding<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |n| from + n + 1);
    let blank = |c: u8| c == b' ' || c == b'\t';
    while i < b.len() {
        let mut j = i;
        while j < b.len() && blank(b[j]) {
            j += 1;
        }
        if text[j..].starts_with("export") && text[j + 6..].starts_with([' ', '\t']) {
            j += 6;
            while j < b.len() && blank(b[j]) {
                j += 1;
            }
        }
        let name_start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'_' | b'.' | b'-')) {
            j += 1;
        }
        let name = &text[name_start..j];
        while j < b.len() && blank(b[j]) {
            j += 1;
        }
        if name.is_empty() || b.get(j) != Some(&b'=') {
            i = line_end(i);
            continue;
        }
        j += 1;
        while j < b.len() && blank(b[j]) {
            j += 1;
        }
        match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                // The closing quote, past backslash escapes; the value may span lines.
                let mut k = j + 1;
                while k < b.len() && b[k] != q {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
                let close = k.min(b.len());
                out.push(Binding { name, value: (j + 1, close) });
                i = line_end(close.min(b.len().saturating_sub(1)).max(j));
            }
            _ => {
                let end = line_end(j);
                let line = &text[j..end];
                let line = line.trim_end_matches(['\n', '\r']);
                // A comment after the value is the shell's and dotenv's: ` # ...`.
                let len = line.find(" #").unwrap_or(line.len());
                let len = line[..len].trim_end().len();
                out.push(Binding { name, value: (j, j + len) });
                i = end;
            }
        }
    }
    out
}

pub(crate) fn locate(text: &str, key: &str) -> Result<Slot, LocateError> {
    match bindings(text).into_iter().rev().find(|b| b.name == key) {
        Some(Binding { value: (start, end), .. }) => number(text, start, end),
        None => Err(LocateError::Missing { key: key.to_string(), at: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn finds_the_value_in_each_spelling() {
        let t = "# ports\nexport API_PORT=\"3000\" # the api\nWEB_PORT = 3001\r\nDB_PORT='5432'\nX=ab\n";
        let api = locate(t, "API_PORT").unwrap();
        assert_eq!((&t[api.start..api.end], api.value), ("3000", 3000));
        assert_eq!(&t[locate(t, "WEB_PORT").unwrap().start..][..4], "3001");
        assert_eq!(locate(t, "DB_PORT").unwrap().value, 5432);
        assert!(locate(t, "X").is_err());
        assert!(locate(t, "NONE").is_err());
    }

    #[test]
    fn a_line_inside_a_quoted_value_is_text_and_the_last_binding_counts() {
        let t = "NOTE=\"line1\nPASSEUR_PORT=9050\nline3\"\nPASSEUR_PORT=9051\n";
        let s = locate(t, "PASSEUR_PORT").unwrap();
        assert_eq!((s.start, s.value), (t.rfind("9051").unwrap(), 9051));
        let t = "A_PORT=1\nB=2\nA_PORT=3 # later\n";
        assert_eq!(locate(t, "A_PORT").unwrap().value, 3);
        let t = "Q='it\\'s\nA_PORT=7'\nA_PORT=8\n";
        assert_eq!(locate(t, "A_PORT").unwrap().value, 8);
        // An unclosed quote runs to the end: nothing after it is a binding.
        assert!(locate("N=\"open\nA_PORT=1\n", "A_PORT").is_err());
    }
}
