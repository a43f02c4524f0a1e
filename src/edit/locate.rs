//! Finding where an entry lives in a hand-written registry: the literal attribute set that
//! holds it, following `import ./file.nix` into other files, and refusing computed values.

use std::path::{Path, PathBuf};

use rnix::ast::{self, HasEntry};
use rowan::ast::AstNode;

use super::EditError;

/// A parsed registry file.
pub(crate) struct File {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) root: rnix::Root,
}

impl File {
    pub(crate) fn read(path: &Path, root: &Confine) -> Result<File, EditError> {
        root.check(path)?;
        let bytes = std::fs::read(path)
            .map_err(|e| EditError::new(format!("cannot read {}: {e}", path.display())))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            EditError::new(format!(
                "{} is not UTF-8 text (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        File::parse(path, text)
    }

    pub(crate) fn parse(path: &Path, text: String) -> Result<File, EditError> {
        let Some(parsed) = crate::syntax::parse_guarded(&text) else {
            return Err(EditError::new(format!(
                "{} nests deeper than portnix reads; run `portnix check` for the place",
                path.display()
            )));
        };
        if !parsed.errors().is_empty() {
            return Err(EditError::new(format!(
                "{} does not parse; run `portnix check` for the errors",
                path.display()
            )));
        }
        Ok(File { path: path.to_path_buf(), root: parsed.tree(), text })
    }
}

/// Where an entry goes: a literal set, and the path segments left below it.
pub struct Target {
    pub(crate) file: File,
    pub(crate) set: ast::AttrSet,
    /// Segments not yet matched by a nested literal block, the leaf last.
    pub(crate) rest: Vec<String>,
}

/// The text of an attribute name, for static names only.
pub(crate) fn attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(id) => Some(id.syntax().text().to_string()),
        ast::Attr::Str(s) => {
            let parts = s.normalized_parts();
            let mut out = String::new();
            for p in parts {
                match p {
                    ast::InterpolPart::Literal(t) => out.push_str(&t),
                    ast::InterpolPart::Interpolation(_) => return None,
                }
            }
            Some(out)
        }
        ast::Attr::Dynamic(_) => None,
    }
}

pub(crate) fn attrpath_names(apv: &ast::AttrpathValue) -> Option<Vec<String>> {
    apv.attrpath()?.attrs().map(|a| attr_name(&a)).collect()
}

pub(crate) fn strip(e: ast::Expr) -> ast::Expr {
    match e {
        ast::Expr::Paren(p) => p.expr().map(strip).unwrap_or(ast::Expr::Paren(p)),
        ast::Expr::LetIn(l) => l.body().map(strip).unwrap_or(ast::Expr::LetIn(l)),
        ast::Expr::With(w) => w.body().map(strip).unwrap_or(ast::Expr::With(w)),
        ast::Expr::Lambda(l) if matches!(l.param(), Some(ast::Param::Pattern(_))) => {
            l.body().map(strip).unwrap_or(ast::Expr::Lambda(l))
        }
        other => other,
    }
}

/// `import ./x.nix` → the imported file's path.
pub(crate) fn import_target(e: &ast::Expr, from: &Path) -> Option<PathBuf> {
    let ast::Expr::Apply(app) = e else { return None };
    let ast::Expr::Ident(f) = app.lambda()? else { return None };
    if f.syntax().text() != "import" {
        return None;
    }
    let ast::Expr::PathRel(p) = app.argument()? else { return None };
    Some(crate::eval::import::file_key(&from.parent()?.join(p.syntax().text().to_string())))
}

fn literal_set(e: ast::Expr, file: &File, what: &str) -> Result<ast::AttrSet, EditError> {
    match strip(e) {
        ast::Expr::AttrSet(s) => Ok(s),
        other => Err(EditError::new(format!(
            "{what} in {} is computed (`{}`), not a literal attribute set: edit it by hand",
            file.path.display(),
            short(&other.syntax().text().to_string())
        ))),
    }
}

fn short(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        format!("{}...", one_line.chars().take(57).collect::<String>())
    } else {
        one_line
    }
}

/// Files already edited in memory, read instead of the disk (for `mv`).
pub type Overrides = std::collections::HashMap<PathBuf, String>;

/// The directory edits may not leave, the same one evaluation keeps imports in; through
/// symlinks too, since a write goes to the link's target.
#[derive(Clone, Debug, Default)]
pub struct Confine {
    /// `None`: anywhere (`--allow-outside-root`, or no project root).
    pub(crate) root: Option<PathBuf>,
}

impl Confine {
    pub(crate) fn check(&self, path: &Path) -> Result<(), EditError> {
        let Some(root) = &self.root else { return Ok(()) };
        if crate::files::inside::is_inside(path, root) {
            return Ok(());
        }
        Err(EditError::new(format!(
            "{} is outside the project root {}; portnix edits only files inside it",
            path.display(),
            root.display()
        ))
        .with_hint("pass --allow-outside-root to edit it anyway"))
    }
}

fn open(path: &Path, overrides: &Overrides, root: &Confine) -> Result<File, EditError> {
    match overrides.get(path) {
        Some(text) => File::parse(path, text.clone()),
        None => File::read(path, root),
    }
}

/// Walks `segments` (the parent path of the entry, plus the leaf) down literal sets.
pub fn locate(
    registry: &Path,
    segments: &[String],
    overrides: &Overrides,
    root: &Confine,
) -> Result<Target, EditError> {
    let mut file = open(registry, overrides, root)?;
    let top = file.root.expr().ok_or_else(|| EditError::new("the registry is empty"))?;
    let mut set = literal_set(top, &file, "the registry")?;
    let mut i = 0;
    while i + 1 < segments.len() {
        let seg = &segments[i];
        let nested = set
            .attrpath_values()
            .find(|apv| attrpath_names(apv).is_some_and(|n| n.len() == 1 && n[0] == *seg));
        let value = match nested {
            Some(apv) => apv.value().ok_or_else(|| EditError::new("incomplete attribute"))?,
            // `inherit web;`: the category is the binding it copies.
            None => match inherited(&set, seg) {
                Some(value) => value,
                None => break,
            },
        };
        let what = segments[..=i].join(".");
        if let Some(path) = import_target(&strip(value.clone()), &file.path) {
            file = open(&path, overrides, root)?;
            let top =
                file.root.expr().ok_or_else(|| EditError::new(format!("{} is empty", path.display())))?;
            set = literal_set(top, &file, &what)?;
        } else {
            set = literal_set(value, &file, &what)?;
        }
        i += 1;
    }
    Ok(Target { file, set, rest: segments[i..].to_vec() })
}

/// The expression that gives the value at `segments`: the binding of the whole path when every
/// set on the way is literal, or else the computed value of the first prefix that is not (an
/// `environment 9000` that makes a whole category). Renumber traces it; the proof decides.
pub(crate) fn value_expr(
    registry: &Path,
    segments: &[String],
    root: &Confine,
) -> Result<(File, ast::Expr), EditError> {
    let mut file = open(registry, &Overrides::new(), root)?;
    let mut expr = file.root.expr().ok_or_else(|| EditError::new("the registry is empty"))?;
    let mut i = 0;
    while i < segments.len() {
        let stripped = strip(expr.clone());
        if let Some(path) = import_target(&stripped, &file.path) {
            file = open(&path, &Overrides::new(), root)?;
            expr = file.root.expr().ok_or_else(|| EditError::new(format!("{} is empty", path.display())))?;
            continue;
        }
        let ast::Expr::AttrSet(set) = stripped else { return Ok((file, expr)) };
        // A binding whose dotted key is the next segments (`testing.ephemeral = ...`).
        let found = set.attrpath_values().find_map(|apv| {
            let names = attrpath_names(&apv)?;
            (!names.is_empty() && segments[i..].starts_with(&names)).then_some((names.len(), apv))
        });
        match found {
            Some((n, apv)) => {
                expr = apv.value().ok_or_else(|| EditError::new("incomplete attribute"))?;
                i += n;
            }
            None => match inherited(&set, &segments[i]) {
                Some(value) => {
                    expr = value;
                    i += 1;
                }
                None => {
                    return Err(EditError::no(format!(
                        "no entry {} in {}",
                        segments.join("."),
                        file.path.display()
                    )));
                }
            },
        }
    }
    Ok((file, expr))
}

/// The value bound to `name` where `at` sees it: a `let` or `rec` binding around it.
pub(crate) fn binding(at: &rnix::SyntaxNode, name: &str) -> Option<ast::Expr> {
    for node in at.ancestors() {
        let bindings: Option<Vec<ast::AttrpathValue>> = if let Some(l) = ast::LetIn::cast(node.clone()) {
            Some(l.attrpath_values().collect())
        } else if let Some(s) = ast::AttrSet::cast(node.clone()).filter(|s| s.rec_token().is_some()) {
            Some(s.attrpath_values().collect())
        } else if let Some(l) = ast::Lambda::cast(node.clone())
            && let Some(ast::Param::Pattern(p)) = l.param()
            && p.pat_entries().any(|e| e.ident().is_some_and(|i| i.syntax().text() == name))
        {
            // A function's argument: its value is the caller's, not in this file.
            return None;
        } else {
            None
        };
        let Some(bindings) = bindings else { continue };
        let found = bindings.into_iter().find(|apv| attrpath_names(apv).is_some_and(|n| n == [name]));
        if let Some(apv) = found {
            return apv.value();
        }
    }
    None
}

/// The attribute `names` of a literal set, stepping through nested sets.
pub(crate) fn member(set: ast::Expr, names: &[String]) -> Option<ast::Expr> {
    if names.is_empty() {
        return Some(set);
    }
    let set = match set {
        ast::Expr::Paren(p) => p.expr()?,
        other => other,
    };
    let ast::Expr::AttrSet(s) = set else { return None };
    for (key, node) in super::entries(&s) {
        if key.len() <= names.len() && key[..] == names[..key.len()] {
            let value = ast::AttrpathValue::cast(node)?.value()?;
            return member(value, &names[key.len()..]);
        }
    }
    None
}

/// The value `inherit name;` or `inherit (from) name;` in `set` gives `name`: the binding it
/// copies, when that is in this file.
pub(crate) fn inherited(set: &ast::AttrSet, name: &str) -> Option<ast::Expr> {
    for inherit in set.inherits() {
        if !inherit.attrs().any(|a| attr_name(&a).as_deref() == Some(name)) {
            continue;
        }
        return match inherit.from().and_then(|f| f.expr()) {
            // The name as the set's surroundings see it (a `let` around it).
            None => binding(&set.syntax().parent()?, name),
            Some(from) => {
                let from = match strip(from) {
                    ast::Expr::Ident(id) => binding(id.syntax(), &id.syntax().text().to_string())?,
                    other => other,
                };
                member(from, &[name.to_string()])
            }
        };
    }
    None
}
