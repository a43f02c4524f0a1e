//! Path arithmetic the way Nix does it: lexical, never touching the file system.

/// Nix's `canonPath`: drops `.` and empty segments and resolves `..` lexically.
pub(crate) fn canon_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `builtins.baseNameOf`.
pub(crate) fn base_name_of(path: &str) -> &str {
    if path.is_empty() {
        return "";
    }
    let mut last = path.len() - 1;
    if path.as_bytes()[last] == b'/' && last > 0 {
        last -= 1;
    }
    let start = path[..=last].rfind('/').map_or(0, |p| p + 1);
    &path[start..=last]
}

/// `builtins.dirOf`.
pub(crate) fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        None => ".",
        Some(0) => "/",
        Some(p) => &path[..p],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canon_path_is_lexical() {
        assert_eq!(canon_path("/a/./b//c/../d"), "/a/b/d");
        assert_eq!(canon_path("/.."), "/");
        assert_eq!(canon_path("/a/b/"), "/a/b");
    }

    #[test]
    fn base_and_dir_names_match_nix() {
        assert_eq!(base_name_of("/a/b.nix"), "b.nix");
        assert_eq!(base_name_of("/a/b/"), "b");
        assert_eq!(base_name_of("x"), "x");
        assert_eq!(base_name_of("/"), "");
        assert_eq!(dir_of("/a/b"), "/a");
        assert_eq!(dir_of("/a"), "/");
        assert_eq!(dir_of("a"), ".");
    }
}
