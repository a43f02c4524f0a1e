//! Walking a tree someone else wrote: no symlink is followed out of the tree or around a loop
//! (directories and files are known by device and inode, so each is read once however many
//! links lead to it), only regular files are read, each up to a size cap, and everything
//! passed over is said once, with why.

use std::collections::HashSet;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{Skipped, kind_of};

/// Files larger than this are skipped unless `--max-file-size` says otherwise.
pub(crate) const DEFAULT_MAX_FILE: u64 = 10 << 20;

const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", "result", ".direnv"];

/// A file to lint, and its text.
pub(crate) struct LintFile {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
}

pub(crate) struct Walk {
    /// The trees being walked, by their real paths: a link may point anywhere inside them.
    roots: Vec<PathBuf>,
    seen: HashSet<(u64, u64)>,
    max_file: u64,
    /// Every file, not only the kinds lint reads (for finding generated files).
    every: bool,
    /// The default walk's scope: directories of other projects and `lint.exclude` left out.
    scope: Option<super::scope::Scope>,
    pub(crate) skipped: Vec<Skipped>,
}

impl Walk {
    pub(crate) fn new(paths: &[PathBuf], max_file: u64) -> Walk {
        let roots = paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
        Walk { roots, seen: HashSet::new(), max_file, every: false, scope: None, skipped: Vec::new() }
    }

    pub(crate) fn within(self, scope: Option<super::scope::Scope>) -> Walk {
        Walk { scope, ..self }
    }

    pub(crate) fn every_file(paths: &[PathBuf], max_file: u64) -> Walk {
        Walk { every: true, ..Walk::new(paths, max_file) }
    }

    fn skip(&mut self, path: &Path, reason: impl Into<String>) {
        self.skipped.push(Skipped { file: crate::syntax::display_path(path), reason: reason.into() });
    }

    /// Every lintable file under `paths`, sorted, each once; `each` is called with its text,
    /// one file at a time, so memory holds one file.
    pub(crate) fn run(&mut self, paths: &[PathBuf], mut each: impl FnMut(LintFile)) {
        let mut files = Vec::new();
        for p in paths {
            self.visit(p, true, &mut files);
        }
        files.sort();
        for f in files {
            if let Some(r) = self.read(&f) {
                each(r);
            }
        }
    }

    fn inside(&self, real: &Path) -> bool {
        self.roots.iter().any(|r| real.starts_with(r))
    }

    fn visit(&mut self, path: &Path, named: bool, files: &mut Vec<PathBuf>) {
        if !named && self.scope.as_mut().is_some_and(|s| s.skips(path)) {
            return;
        }
        let Ok(link) = std::fs::symlink_metadata(path) else {
            self.skip(path, "cannot be read");
            return;
        };
        if link.file_type().is_symlink() {
            match std::fs::canonicalize(path) {
                Ok(real) if self.inside(&real) || named => {}
                Ok(_) => {
                    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) || kind_of(path).is_some() {
                        self.skip(path, "a symlink out of the tree, not followed");
                    }
                    return;
                }
                Err(_) => {
                    if kind_of(path).is_some() {
                        self.skip(path, "a symlink to nothing");
                    }
                    return;
                }
            }
        }
        let Ok(meta) = std::fs::metadata(path) else {
            self.skip(path, "cannot be read");
            return;
        };
        if meta.is_dir() {
            let skip =
                !named && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| SKIP_DIRS.contains(&n));
            if skip || !self.seen.insert((meta.dev(), meta.ino())) {
                return;
            }
            let Ok(rd) = std::fs::read_dir(path) else {
                self.skip(path, "a directory that cannot be listed");
                return;
            };
            let mut children: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            children.sort();
            for c in children {
                self.visit(&c, false, files);
            }
            return;
        }
        if kind_of(path).is_none() && !self.every {
            if named {
                self.skip(path, "lint reads .nix, YAML, JSON and .env files");
            }
            return;
        }
        if !meta.is_file() {
            self.skip(path, "not a regular file (a FIFO, socket or device)");
            return;
        }
        if !self.seen.insert((meta.dev(), meta.ino())) {
            return;
        }
        files.push(path.to_path_buf());
    }

    fn read(&mut self, path: &Path) -> Option<LintFile> {
        // Opened without blocking, so a FIFO put in place after the walk cannot hang the read.
        use std::os::unix::fs::OpenOptionsExt;
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(path);
        let file = match opened {
            Ok(f) => f,
            Err(e) => {
                self.skip(path, format!("cannot be read: {e}"));
                return None;
            }
        };
        match file.metadata() {
            Ok(m) if !m.is_file() => {
                self.skip(path, "not a regular file (a FIFO, socket or device)");
                return None;
            }
            Ok(m) if m.len() > self.max_file => {
                self.skip(
                    path,
                    format!("{} bytes, over the {}-byte limit (--max-file-size)", m.len(), self.max_file),
                );
                return None;
            }
            Err(e) => {
                self.skip(path, format!("cannot be read: {e}"));
                return None;
            }
            Ok(_) => {}
        }
        let mut bytes = Vec::new();
        // The cap holds even for a file that grows while it is read.
        if let Err(e) = file.take(self.max_file + 1).read_to_end(&mut bytes) {
            self.skip(path, format!("cannot be read: {e}"));
            return None;
        }
        if bytes.len() as u64 > self.max_file {
            self.skip(path, format!("over the {}-byte limit (--max-file-size)", self.max_file));
            return None;
        }
        match String::from_utf8(bytes) {
            Ok(text) => Some(LintFile { path: path.to_path_buf(), text }),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                self.skip(path, format!("not UTF-8 text (invalid byte at offset {at})"));
                None
            }
        }
    }
}
