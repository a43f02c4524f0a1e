//! Attribute paths in source text (`a.b."c.d" = ...`), read from a position: how Nix's
//! positions and portnix's meet. Nix 2.8 gives every attribute of a binding's path the position
//! of the path's first name; portnix keeps each name's own, which findings point at.

/// Whether `c` may appear in an identifier after its first character.
fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'\'' || c == b'-'
}

/// The names of the attribute path that starts at `start`, each with its byte range; a name
/// that is not static (`${...}`) ends the list.
pub(crate) fn segments_from(text: &str, start: usize) -> Vec<(String, std::ops::Range<usize>)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let from = i;
        let name = if b.get(i) == Some(&b'"') {
            let mut name = String::new();
            i += 1;
            loop {
                match b.get(i) {
                    None => return out,
                    Some(b'"') => break,
                    Some(b'$') if b.get(i + 1) == Some(&b'{') => return out,
                    Some(b'\\') => {
                        let Some(c) = text[i + 1..].chars().next() else { return out };
                        name.push(match c {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            other => other,
                        });
                        i += 1 + c.len_utf8();
                    }
                    Some(_) => {
                        let Some(c) = text[i..].chars().next() else { return out };
                        name.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            i += 1;
            name
        } else {
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            text[from..i].to_string()
        };
        if name.is_empty() && b.get(from) != Some(&b'"') {
            return out;
        }
        out.push((name, from..i));
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'.') {
            return out;
        }
        i += 1;
    }
}

/// Where the attribute path holding the name at `name_start` begins: Nix 2.8's position for
/// every attribute of a dotted binding.
pub(crate) fn path_start(text: &str, name_start: usize) -> usize {
    let b = text.as_bytes();
    let mut start = name_start.min(b.len());
    loop {
        let mut i = start;
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        if i == 0 || b[i - 1] != b'.' {
            return start;
        }
        i -= 1;
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        let end = i;
        if i > 0 && b[i - 1] == b'"' {
            // A quoted name: back to its opening quote, past escaped ones.
            i -= 1;
            loop {
                if i == 0 {
                    return start;
                }
                i -= 1;
                if b[i] == b'"' && (i == 0 || b[i - 1] != b'\\') {
                    break;
                }
            }
        } else {
            while i > 0 && ident_char(b[i - 1]) {
                i -= 1;
            }
            // `...` and a name that starts with a digit or `'` are no attribute names.
            if i == end || !(b[i].is_ascii_alphabetic() || b[i] == b'_') {
                return start;
            }
        }
        start = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_read_name_by_name() {
        let text = r#"{ web . "a.b\"c" .api = 1; }"#;
        let segs = segments_from(text, 2);
        let names: Vec<&str> = segs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["web", "a.b\"c", "api"]);
        assert_eq!(&text[segs[2].1.clone()], "api");
        assert_eq!(segments_from("{ ${x}.a = 1; }", 2), vec![]);
        assert_eq!(segments_from("gitea-ssh = 22;", 0), vec![("gitea-ssh".to_string(), 0..9)]);
    }

    #[test]
    fn every_name_of_a_path_starts_where_the_path_does() {
        let text = r#"{ x = 1; web . "a.b\"c" .api = 1; }"#;
        let web = text.find("web").unwrap();
        assert_eq!(path_start(text, text.find("api").unwrap()), web);
        assert_eq!(path_start(text, text.find("\"a.b").unwrap()), web);
        assert_eq!(path_start(text, web), web);
        assert_eq!(path_start(text, text.find('x').unwrap()), text.find('x').unwrap());
        // Not a path: a formal after `...`, a name after a number.
        assert_eq!(path_start("{ ..., a }: a", 7), 7);
        assert_eq!(path_start("1.a", 2), 2);
    }
}
