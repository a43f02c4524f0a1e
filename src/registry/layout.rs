//! Which directories of a tree hold a project of their own: a repository of examples,
//! templates or test data keeps other teams' registries, and a walk for this project's
//! references (lint, `mv`'s notes, renumber's checklist) must not report theirs.

use std::path::{Path, PathBuf};

/// Whether `dir` holds another project's registry: a `lib/ports.nix` or a `ports.nix` that is
/// none of `own` (this project's registry and the files it imports, canonical paths).
pub(crate) fn is_other_project(dir: &Path, own: &[PathBuf]) -> bool {
    [dir.join("lib/ports.nix"), dir.join("ports.nix")].iter().any(|candidate| {
        candidate.is_file() && std::fs::canonicalize(candidate).is_ok_and(|real| !own.contains(&real))
    })
}

/// The canonical paths of `files`, for `is_other_project`.
pub(crate) fn canonical(files: impl IntoIterator<Item = impl AsRef<Path>>) -> Vec<PathBuf> {
    files.into_iter().filter_map(|p| std::fs::canonicalize(p.as_ref()).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_with_its_own_registry_is_another_project_and_ours_is_not() {
        let root = std::env::temp_dir().join(format!("portnix-layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::create_dir_all(root.join("examples/a")).unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("lib/ports.nix"), "{ }").unwrap();
        std::fs::write(root.join("examples/a/ports.nix"), "{ }").unwrap();
        let own = canonical([root.join("lib/ports.nix")]);
        assert!(!is_other_project(&root, &own));
        assert!(!is_other_project(&root.join("lib"), &own));
        assert!(is_other_project(&root.join("examples/a"), &own));
        assert!(!is_other_project(&root.join("docs"), &own));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
