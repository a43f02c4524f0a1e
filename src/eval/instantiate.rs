//! `nix-instantiate --eval --strict --json` as `portnix eval` does it: the file, the arguments
//! of `--arg`/`--argstr`, and the selection of `-A`, with nix-instantiate's own rules for when
//! a function is called.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::error::{EvalError, EvalResult};
use super::{DEFAULT_MAX_STEPS, Eval, EvalOptions, Thunk, Value, import, memory};
use crate::diagnostic::Code;

/// One argument for a file that is a function, as nix-instantiate takes them.
#[derive(Clone, Debug)]
pub enum AutoArg {
    /// `--arg NAME EXPR`: a Nix expression, evaluated relative to the working directory.
    Expr(String),
    /// `--argstr NAME VALUE`: a string.
    Str(String),
}

/// What `portnix eval` is asked to do besides reading the file.
#[derive(Clone, Debug, Default)]
pub struct Instantiate {
    /// Imports may leave the file's project root.
    pub allow_outside_root: bool,
    pub args: Vec<(String, AutoArg)>,
    /// `-A`: a dotted path into the value (a number indexes a list).
    pub attr: Option<String>,
}

impl Eval {
    /// The values of `--arg`/`--argstr`; an expression is read relative to the working directory.
    pub(crate) fn auto_args(&mut self, args: &[(String, AutoArg)]) -> EvalResult<Vec<(Rc<str>, Thunk)>> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let mut out: Vec<(Rc<str>, Thunk)> = Vec::new();
        for (name, arg) in args {
            let value = match arg {
                AutoArg::Str(s) => Value::String(s.as_str().into()),
                AutoArg::Expr(e) => self.eval_text(&format!("«--arg {name}»"), e, &cwd)?,
            };
            // The last of one name wins, as in nix-instantiate.
            out.retain(|(n, _)| **n != **name);
            out.push((name.as_str().into(), Thunk::value(value)));
        }
        Ok(out)
    }

    /// nix-instantiate's `findAlongAttrPath`: before each step a function is called with the
    /// arguments, then the step selects a name, or an index when it is a number.
    fn select_path(&mut self, mut v: Value, path: &str, args: &[(Rc<str>, Thunk)]) -> EvalResult<Value> {
        for step in split_attr_path(path)? {
            v = self.call_with(v, args)?;
            let next = match (&v, step.parse::<usize>()) {
                (Value::List(items), Ok(i)) => items.get(i).cloned().ok_or_else(|| {
                    EvalError::new(
                        Code::IndexOutOfBounds,
                        format!("list index {i} in selection path '{path}' is out of range"),
                    )
                })?,
                (_, Ok(_)) => {
                    return Err(EvalError::new(
                        Code::TypeError,
                        format!(
                            "the expression selected by the selection path '{path}' should be a list but is {}",
                            v.show_type()
                        ),
                    ));
                }
                (Value::Attrs(set), Err(_)) => match set.get(&step) {
                    Some(a) => a.value.clone(),
                    None => {
                        return Err(EvalError::new(
                            Code::MissingAttribute,
                            format!("attribute '{step}' in selection path '{path}' not found"),
                        ));
                    }
                },
                (_, Err(_)) => {
                    return Err(EvalError::new(
                        Code::TypeError,
                        format!(
                            "the expression selected by the selection path '{path}' should be a set but is {}",
                            v.show_type()
                        ),
                    ));
                }
            };
            v = self.force(&next)?;
        }
        Ok(v)
    }
}

/// `a.b."c.d".0` into its steps, as Nix's `parseAttrPath` reads it.
fn split_attr_path(path: &str) -> EvalResult<Vec<String>> {
    let mut steps = Vec::new();
    if path.is_empty() {
        return Ok(steps);
    }
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '.' => steps.push(std::mem::take(&mut cur)),
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => cur.push(c),
                    None => {
                        return Err(EvalError::new(
                            Code::InvalidArgument,
                            format!("missing closing quote in selection path '{path}'"),
                        ));
                    }
                }
            },
            c => cur.push(c),
        }
    }
    steps.push(cur);
    if steps.iter().any(String::is_empty) {
        return Err(EvalError::new(
            Code::InvalidArgument,
            format!("empty attribute name in selection path '{path}'"),
        ));
    }
    Ok(steps)
}

/// `nix-instantiate --eval --strict --json [--arg ...] [-A PATH] FILE`: the JSON text, or why
/// not. As there, the result is called with the arguments only when some are given.
pub fn eval_to_json(file: &Path, how: &Instantiate) -> Result<String, crate::diagnostic::Failure> {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = abs.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
    let root = import::find_project_root(&dir).unwrap_or(dir);
    let mut eval = Eval::new(EvalOptions {
        project_root: Some(root),
        allow_outside_root: how.allow_outside_root,
        max_steps: Some(DEFAULT_MAX_STEPS),
        max_memory: memory::default_limit(),
        ..EvalOptions::default()
    });
    let result = (|| {
        let args = eval.auto_args(&how.args)?;
        let v = eval.import_path(&abs, None)?;
        let mut v = eval.select_path(v, how.attr.as_deref().unwrap_or(""), &args)?;
        if !args.is_empty() {
            v = eval.call_with(v, &args)?;
        }
        eval.deep_force(&v)?;
        eval.to_json(&v)
    })();
    result.map_err(|e| crate::diagnostic::Failure {
        diagnostics: e.diagnostics(),
        sources: std::mem::take(&mut eval.sources),
    })
}

#[cfg(test)]
mod tests {
    use super::split_attr_path;

    #[test]
    fn attr_paths_split_as_nix_reads_them() {
        assert_eq!(split_attr_path("a.b.0").unwrap(), ["a", "b", "0"]);
        assert_eq!(split_attr_path(r#"a."b.c".d"#).unwrap(), ["a", "b.c", "d"]);
        assert!(split_attr_path("").unwrap().is_empty());
        assert!(split_attr_path("a..b").is_err());
        assert!(split_attr_path(r#"a."b"#).is_err());
    }
}
