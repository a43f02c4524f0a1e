//! `import`: each file evaluated once, and none from outside the project unless allowed.

use std::path::{Path, PathBuf};

use super::error::{EvalError, EvalResult};
use super::paths::canon_path;
use super::value::Env;
use super::{Eval, Thunk, Value};

/// The nearest ancestor of `start` (a directory) holding `flake.nix` or `.git`.
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|d| d.join("flake.nix").exists() || d.join(".git").exists()).map(Path::to_path_buf)
}

impl Eval {
    pub fn import_path(&mut self, path: &Path, _span: Option<crate::diagnostic::Span>) -> EvalResult<Value> {
        let path = file_key(path);
        if let Some(t) = self.imports.get(&path) {
            let t = t.clone();
            return self.force(&t);
        }
        self.check_inside_root(&path)?;
        let file = path.clone();
        let thunk = Thunk::native(move |eval: &mut Eval| {
            let overlaid = eval.options.overlay.get(&file).cloned();
            let text = overlaid.map(Ok).unwrap_or_else(|| std::fs::read_to_string(&file)).map_err(|e| {
                EvalError::new("import-failed", format!("cannot read '{}': {e}", file.display()))
                    .hint("check the path; imports are relative to the importing file")
            })?;
            let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
            let expr = eval.load(file.clone(), text, &dir)?;
            let env = Env::slots(None, Vec::new());
            eval.eval(&expr, &env)
        });
        self.imports.insert(path, thunk.clone());
        self.force(&thunk)
    }

    fn check_inside_root(&self, path: &Path) -> EvalResult<()> {
        let Some(root) = &self.options.project_root else { return Ok(()) };
        if self.options.allow_outside_root {
            return Ok(());
        }
        let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        if real(path).starts_with(real(root)) {
            return Ok(());
        }
        Err(EvalError::new(
            "import-outside-root",
            format!("import of '{}' leaves the project root '{}'", path.display(), root.display()),
        )
        .hint("pass --allow-outside-root to allow imports from outside the project"))
    }
}

/// The key a file is imported under: absolute and lexically normalised, as Nix does.
pub fn file_key(path: &Path) -> PathBuf {
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
