//! TOML, read by toml_edit, which keeps the byte range of every value it parsed.

use super::{LocateError, Slot, number, segments};

pub(crate) fn locate(text: &str, key: &str) -> Result<Slot, LocateError> {
    let doc = toml_edit::ImDocument::parse(text).map_err(|e| LocateError::Unreadable {
        message: format!("not valid TOML: {}", e.message()),
        at: e.span().map(|s| s.start),
    })?;
    let mut item = doc.as_item();
    let mut parent = None;
    for seg in segments(key) {
        let next = match (item, seg.parse::<usize>()) {
            (
                toml_edit::Item::ArrayOfTables(_) | toml_edit::Item::Value(toml_edit::Value::Array(_)),
                Ok(i),
            ) => item.get(i),
            _ => item.get(seg.as_str()),
        };
        match next {
            Some(n) => {
                parent = item.span().map(|s| s.start).or(parent);
                item = n;
            }
            None => {
                return Err(LocateError::Missing {
                    key: key.to_string(),
                    at: item.span().map(|s| s.start).or(parent),
                });
            }
        }
    }
    let span = item.span();
    match (item, span) {
        (toml_edit::Item::Value(toml_edit::Value::Integer(_) | toml_edit::Value::String(_)), Some(s)) => {
            number(text, s.start, s.end)
        }
        (other, s) => Err(LocateError::NotANumber {
            what: other.type_name().to_string(),
            at: s.map(|s| s.start).or(parent).unwrap_or(0),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn finds_tables_inline_tables_and_arrays() {
        let t = "# config\n[server]\nhost = \"x\"\nport = 9050 # main\n\n[[backends]]\nport = \"11\"\n\n[db]\nconn = { port = 5432 }\n";
        let s = locate(t, "server.port").unwrap();
        assert_eq!((&t[s.start..s.end], s.value), ("9050", 9050));
        assert_eq!(locate(t, "backends.0.port").unwrap().value, 11);
        assert_eq!(locate(t, "db.conn.port").unwrap().value, 5432);
        assert!(matches!(locate(t, "server.host"), Err(super::LocateError::NotANumber { .. })));
        assert!(matches!(locate(t, "server.nope"), Err(super::LocateError::Missing { .. })));
        assert!(locate("a = [", "a").is_err());
    }
}
