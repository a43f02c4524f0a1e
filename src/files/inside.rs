//! Whether a path a command would write or edit lies inside the project root, as the kernel
//! would resolve it: through symlinks and `..`, for a file that does not exist yet too (its
//! nearest existing ancestor is resolved, then the rest of the path applied to it).

use std::path::{Path, PathBuf};

/// `path` as the kernel would reach it: each component that exists is resolved through its
/// links, `..` steps back from where that left off, and what does not exist yet is appended.
pub(crate) fn resolved(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    let mut exists = true;
    for c in absolute.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
                // Back on a path that exists, its links count again.
                exists = std::fs::symlink_metadata(&out).is_ok();
            }
            Component::Normal(name) => {
                out.push(name);
                if exists && std::fs::symlink_metadata(&out).is_ok() {
                    out = std::fs::canonicalize(&out).unwrap_or(out);
                } else {
                    exists = false;
                }
            }
        }
    }
    out
}

/// Whether `path` resolves inside `root`.
pub(crate) fn is_inside(path: &Path, root: &Path) -> bool {
    resolved(path).starts_with(resolved(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_links_and_dot_dot_of_paths_that_do_not_exist_yet() {
        let root = std::env::temp_dir().join(format!("portnix-inside-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::os::unix::fs::symlink(std::env::temp_dir(), root.join("out")).unwrap();
        assert!(is_inside(&root.join("a/new.env"), &root));
        assert!(is_inside(&root.join("a/missing/../x"), &root));
        assert!(!is_inside(&root.join("a/missing/../../../x"), &root));
        assert!(!is_inside(&root.join("out/x"), &root));
        assert!(!is_inside(&root.join("missing/../out/x"), &root));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
