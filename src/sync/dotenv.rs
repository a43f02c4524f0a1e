//! `.env`: `NAME=value` lines (`export NAME=value` too), the value bare or in quotes, as
//! docker compose, python-dotenv and a shell read them. Comments and other lines are left alone.

use super::{LocateError, Slot, number};

pub(crate) fn locate(text: &str, key: &str) -> Result<Slot, LocateError> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        let rest = &body[indent..];
        let (rest, skipped) = match rest.strip_prefix("export ") {
            Some(r) => {
                let r2 = r.trim_start();
                (r2, indent + 7 + (r.len() - r2.len()))
            }
            None => (rest, indent),
        };
        let Some(eq) = rest.find('=') else { continue };
        if rest[..eq].trim_end() != key {
            continue;
        }
        let value = &rest[eq + 1..];
        let lead = value.len() - value.trim_start().len();
        let value = value.trim_start();
        // A comment after the value is the shell's and dotenv's: ` # ...`.
        let len = match value.as_bytes().first() {
            Some(b'"' | b'\'') => value[1..].find(value.as_bytes()[0] as char).map_or(value.len(), |i| i + 2),
            _ => value.find(" #").unwrap_or(value.len()).min(value.trim_end().len()),
        };
        let vstart = start + skipped + eq + 1 + lead;
        return number(text, vstart, vstart + len);
    }
    Err(LocateError::Missing { key: key.to_string(), at: None })
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
}
