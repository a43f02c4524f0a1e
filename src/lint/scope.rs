//! What `portnix lint` looks through when it is given no paths: the project's own files. In a
//! git work tree, the files git tracks or would track (untracked but not ignored, so a new
//! file is linted before it is added); elsewhere, the tree under the project root. Either way
//! without the directories of other projects (examples, templates and test data with a
//! registry of their own) and without what the config's `lint.exclude` names.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::registry::Project;

/// Whether `rel` (a path relative to the root, `/`-separated) is `pattern` or lies under it;
/// `*` in a pattern's segment matches any run of characters within one segment.
fn excluded_by(pattern: &str, rel: &str) -> bool {
    let want: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let have: Vec<&str> = rel.split('/').collect();
    !want.is_empty() && want.len() <= have.len() && want.iter().zip(&have).all(|(w, h)| segment(w, h))
}

fn segment(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (0..=name.len() - head.len())
                    .any(|i| name.is_char_boundary(head.len() + i) && segment(tail, &name[head.len() + i..]))
        }
    }
}

/// Decides, once per directory, whether the default lint looks inside it.
#[derive(Clone)]
pub(crate) struct Scope {
    root: PathBuf,
    own: Vec<PathBuf>,
    exclude: Vec<String>,
    dirs: HashMap<PathBuf, bool>,
}

impl Scope {
    pub(crate) fn new(project: &Project, root: &Path) -> Scope {
        let own = crate::registry::layout::canonical(project.sources.paths());
        Scope {
            root: root.to_path_buf(),
            own,
            exclude: project.config.lint_exclude.clone(),
            dirs: HashMap::new(),
        }
    }

    /// Whether `path` (under the root) is left out.
    pub(crate) fn skips(&mut self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else { return false };
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        if self.exclude.iter().any(|p| excluded_by(p, &rel_text)) {
            return true;
        }
        // Each directory between the root and the path, the root itself excepted.
        let mut dir = path.parent();
        let mut chain = Vec::new();
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            chain.push(d.to_path_buf());
            dir = d.parent();
        }
        if path.is_dir() {
            chain.insert(0, path.to_path_buf());
        }
        chain.into_iter().any(|d| {
            let own = &self.own;
            *self.dirs.entry(d.clone()).or_insert_with(|| crate::registry::layout::is_other_project(&d, own))
        })
    }
}

/// The files git tracks or would track under `root`, or `None` when it is not in a work tree
/// (or git cannot be run).
pub(crate) fn git_files(root: &Path) -> Option<Vec<PathBuf>> {
    let out = std::process::Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let mut files: Vec<PathBuf> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .filter_map(|s| std::str::from_utf8(s).ok())
        .map(|s| root.join(s))
        // A file deleted but not yet staged is still listed.
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect();
    files.sort();
    files.dedup();
    Some(files)
}

#[cfg(test)]
mod tests {
    use super::excluded_by;

    #[test]
    fn exclude_patterns_name_a_path_or_what_is_under_it() {
        assert!(excluded_by("examples", "examples/001/ports.nix"));
        assert!(excluded_by("./examples/", "examples"));
        assert!(!excluded_by("examples", "examples2/x.nix"));
        assert!(excluded_by("tests/*_data", "tests/test_data/a.json"));
        assert!(excluded_by("*.json", "a.json"));
        assert!(!excluded_by("*.json", "dir/a.json"));
        assert!(!excluded_by("", "a"));
    }
}
