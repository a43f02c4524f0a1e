//! Source files, their line indexes, and parsing with rnix.

pub(crate) mod attrpath;
pub mod fast;
mod guard;
mod line_index;
mod parse;

pub(crate) use line_index::LineIndex;
pub(crate) use parse::{parse, parse_guarded};

use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FileId(pub(crate) u32);

#[derive(Debug)]
pub(crate) struct SourceFile {
    /// Absolute path for files on disk; a pseudo name such as `«string»` otherwise.
    pub(crate) path: PathBuf,
    /// The name diagnostics show: relative to the working directory where possible.
    pub(crate) display: String,
    pub(crate) text: String,
    pub(crate) line_index: LineIndex,
}

impl SourceFile {
    pub(crate) fn line_col(&self, offset: u32) -> (u32, u32) {
        self.line_index.line_col_in(&self.text, offset)
    }

    pub(crate) fn display_name(&self) -> String {
        self.display.clone()
    }
}

/// Every file the evaluator has read, addressed by `FileId`.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let display = display_path(&path);
        let line_index = LineIndex::new(&text);
        self.files.push(SourceFile { path, display, text, line_index });
        FileId(self.files.len() as u32 - 1)
    }

    pub(crate) fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The paths of the files read from disk.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path()).filter(|p| p.is_absolute())
    }

    pub(crate) fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(|i| FileId(i as u32))
    }
}

/// A path as diagnostics show it: relative to the working directory when inside it.
pub(crate) fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    cwd.and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| path.display().to_string())
}
