//! Source files, their line indexes, and parsing with rnix.

pub mod fast;
mod guard;
mod line_index;
mod parse;

pub use line_index::LineIndex;
pub use parse::{parse, parse_guarded};

use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Debug)]
pub struct SourceFile {
    /// Absolute path for files on disk; a pseudo name such as `«string»` otherwise.
    pub path: PathBuf,
    /// The name diagnostics show: relative to the working directory where possible.
    pub display: String,
    pub text: String,
    pub line_index: LineIndex,
}

impl SourceFile {
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.line_index.line_col_in(&self.text, offset)
    }

    pub fn display_name(&self) -> String {
        self.display.clone()
    }
}

/// Every file the evaluator has read, addressed by `FileId`.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let display = display_path(&path);
        let line_index = LineIndex::new(&text);
        self.files.push(SourceFile { path, display, text, line_index });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The paths of the files read from disk.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path()).filter(|p| p.is_absolute())
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(|i| FileId(i as u32))
    }
}

/// A path as diagnostics show it: relative to the working directory when inside it.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    cwd.and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| path.display().to_string())
}
