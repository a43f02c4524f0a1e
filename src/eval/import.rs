//! `import`: each file evaluated once, and none from outside the project unless allowed.

use std::path::{Path, PathBuf};

use super::error::{EvalError, EvalResult, ResultExt};
use super::paths::canon_path;
use super::value::Env;
use super::{Eval, Thunk, Value};
use crate::diagnostic::Code;

/// The nearest ancestor of `start` (a directory) holding `flake.nix` or `.git`.
pub(crate) fn find_project_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|d| d.join("flake.nix").exists() || d.join(".git").exists()).map(Path::to_path_buf)
}

impl Eval {
    pub(crate) fn import_path(
        &mut self,
        path: &Path,
        span: Option<crate::diagnostic::Span>,
    ) -> EvalResult<Value> {
        let path = file_key(path);
        if let Some(at) = self.importing.iter().position(|(p, _)| *p == path) {
            return Err(self.import_cycle(at, span));
        }
        if let Some(t) = self.imports.get(&path) {
            let t = t.clone();
            return self.force(&t);
        }
        self.check_inside_root(&path)?;
        let file = path.clone();
        let thunk = Thunk::native(move |eval: &mut Eval| {
            let overlaid = eval.options.overlay.get(&file).cloned();
            let text = match overlaid {
                Some(text) => text,
                None => {
                    let here = eval.importing.last().and_then(|(_, s)| *s);
                    match here {
                        Some(span) => eval.read_text(&file).at(span)?,
                        None => eval.read_text(&file)?,
                    }
                }
            };
            let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
            let expr = eval.load(file.clone(), text, &dir)?;
            let env = Env::slots(None, Vec::new());
            eval.eval(&expr, &env)
        });
        self.imports.insert(path.clone(), thunk.clone());
        self.importing.push((path, span));
        let result = self.force(&thunk);
        self.importing.pop();
        result
    }

    /// The cycle from `importing[at]` back to itself, one label per `import` in it.
    fn import_cycle(&self, at: usize, span: Option<crate::diagnostic::Span>) -> Box<EvalError> {
        let chain: Vec<(PathBuf, Option<crate::diagnostic::Span>)> = self.importing[at + 1..]
            .iter()
            .cloned()
            .chain(std::iter::once((self.importing[at].0.clone(), span)))
            .collect();
        let names: Vec<String> = std::iter::once(&self.importing[at].0)
            .chain(chain.iter().map(|(p, _)| p))
            .map(|p| crate::syntax::display_path(p))
            .collect();
        let mut diag = crate::diagnostic::Diagnostic::new(
            Code::ImportCycle,
            format!("import cycle: {}", names.join(" imports ")),
        )
        .with_hint("a file cannot import itself, directly or through others: break the cycle");
        for (i, (path, span)) in chain.iter().enumerate() {
            let Some(span) = span else { continue };
            let what = format!("imports {}", crate::syntax::display_path(path));
            // The import that closes the cycle is the error's own position.
            diag = if i + 1 == chain.len() { diag.at(*span) } else { diag.with_label(*span, what) };
        }
        EvalError::from_diagnostics(vec![diag])
    }

    pub(crate) fn check_inside_root(&self, path: &Path) -> EvalResult<()> {
        let Some(root) = &self.options.project_root else { return Ok(()) };
        if self.options.allow_outside_root {
            return Ok(());
        }
        let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let path = real(path);
        if path.starts_with(real(root)) || self.options.extra_roots.iter().any(|r| path.starts_with(real(r)))
        {
            return Ok(());
        }
        Err(EvalError::new(
            Code::ImportOutsideRoot,
            format!("import of '{}' leaves the project root '{}'", path.display(), root.display()),
        )
        .hint("pass --allow-outside-root to allow imports from outside the project"))
    }
}

impl Eval {
    /// A file's text; a file that is not UTF-8 is named with the offset of its first bad byte.
    fn read_text(&mut self, file: &Path) -> EvalResult<String> {
        let bytes = self.read_bytes(file)?;
        utf8(file, bytes)
    }

    /// A regular file's bytes (`import`, `readFile`, `hashFile`). They are paid from the budget
    /// before they are read, so a file too large to evaluate is refused at once rather than
    /// after it has been read into memory.
    pub(crate) fn read_bytes(&mut self, file: &Path) -> EvalResult<Vec<u8>> {
        let meta = regular_file(file)?;
        if let Some(max) = self.options.max_steps
            && self.steps().saturating_add(meta.len()) > max
        {
            return Err(EvalError::new(
                Code::ResourceLimit,
                format!(
                    "'{}' is {} MiB, more than the evaluation budget of {max} steps allows (one per byte read)",
                    crate::syntax::display_path(file),
                    meta.len() >> 20,
                ),
            )
            .hint("a registry of a million entries is about 30 MiB; split it or look for generated data"));
        }
        self.charge(meta.len() as usize)?;
        read_nonblocking(file)
    }
}

fn failed(file: &Path) -> impl Fn(std::io::Error) -> Box<EvalError> + '_ {
    move |e| {
        EvalError::new(Code::ImportFailed, format!("cannot read '{}': {e}", file.display()))
            .hint("check the path; imports are relative to the importing file")
    }
}

/// A FIFO or a device would block the read or never end it: only regular files are Nix.
fn regular_file(file: &Path) -> EvalResult<std::fs::Metadata> {
    let meta = std::fs::metadata(file).map_err(failed(file))?;
    if !meta.is_file() {
        return Err(EvalError::new(
            Code::ImportFailed,
            format!("'{}' is not a regular file (a FIFO, socket, device or directory)", file.display()),
        )
        .hint("import a .nix file"));
    }
    Ok(meta)
}

/// The file's bytes, opened without blocking: a file swapped for a FIFO after its check
/// cannot stall the read.
fn read_nonblocking(file: &Path) -> EvalResult<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let failed = failed(file);
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(file)
        .map_err(&failed)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(&failed)?;
    Ok(bytes)
}

pub(crate) fn utf8(file: &Path, bytes: Vec<u8>) -> EvalResult<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at - bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        EvalError::new(
            Code::NotUtf8,
            format!(
                "'{}' is not UTF-8 text: byte {at} (line {line}, column {column}) is 0x{:02x}",
                file.display(),
                bytes[at]
            ),
        )
        .hint("Nix files are UTF-8; re-save the file in that encoding")
    })
}

/// The key a file is imported under: absolute and lexically normalised, as Nix does.
pub(crate) fn file_key(path: &Path) -> PathBuf {
    let mut p = PathBuf::from(canon_path(&absolute(path).to_string_lossy()));
    if p.is_dir() {
        p.push("default.nix");
    }
    p
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}
