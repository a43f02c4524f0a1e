//! The places a project names an entry by its path: in the config (`services."a.b"`, `allow`,
//! `ignore`, `shareWith`, `serves`, `ports.a.b` selections, the `$A_B_PORT` variable a
//! generated file gives it) and in the project's other Nix files. `mv` rewrites them in the
//! file's own style; `rm` lists them, or removes the ones it can.

use std::path::{Path, PathBuf};

use rnix::SyntaxKind;
use rnix::ast;
use rowan::ast::AstNode;

use super::locate::{File, attr_name, import_target, strip};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A key of `services`.
    ServiceKey,
    /// A string that is exactly the path: an `allow`, `ignore`, `shareWith` or `serves` item.
    PathString,
    /// `ports.a.b`: a selection from the registry.
    Selection,
    /// The variable a generated file names after the path, inside a string.
    EnvName,
}

impl Kind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Kind::ServiceKey => "a services key",
            Kind::PathString => "the path as a string",
            Kind::Selection => "a selection from the registry",
            Kind::EnvName => "the variable portnix names after it",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Reference {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: Kind,
    node: rnix::SyntaxNode,
}

/// What to look for: the path's segments, and the variable named after it when the config
/// gives the entry no `env` of its own.
pub(crate) struct Needle<'a> {
    pub(crate) path: &'a [String],
    pub(crate) env: Option<&'a str>,
}

impl Needle<'_> {
    fn dotted(&self) -> String {
        super::key_text(self.path)
    }
}

/// Names bound to the registry in `file`: `x` in `x = import ./ports.nix`, and `ports` (a
/// module's argument, say) unless the file binds `ports` to another file.
fn registry_names(file: &File, registry: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut ports_is_other = false;
    for apv in file.root.syntax().descendants().filter_map(ast::AttrpathValue::cast) {
        let (Some(value), Some(path)) = (apv.value(), super::locate::attrpath_names(&apv)) else { continue };
        let [name] = path.as_slice() else { continue };
        match import_target(&strip(value), &file.path) {
            Some(t) if same_file(&t, registry) => names.push(name.clone()),
            Some(_) if name == "ports" => ports_is_other = true,
            _ => {}
        }
    }
    if !ports_is_other && !names.iter().any(|n| n == "ports") {
        names.push("ports".to_string());
    }
    names
}

fn same_file(a: &Path, b: &Path) -> bool {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    real(a) == real(b)
}

/// Whether `attr` is a direct key of a `services` set: `services.X` or `services = { X = ...; }`.
fn is_services_key(attr: &rnix::SyntaxNode) -> bool {
    let Some(path) = attr.parent().and_then(ast::Attrpath::cast) else { return false };
    let attrs: Vec<ast::Attr> = path.attrs().collect();
    let Some(i) = attrs.iter().position(|a| a.syntax() == attr) else { return false };
    if i > 0 {
        return attr_name(&attrs[i - 1]).as_deref() == Some("services");
    }
    let outer = path
        .syntax()
        .parent()
        .and_then(|apv| apv.parent())
        .filter(|set| set.kind() == SyntaxKind::NODE_ATTR_SET)
        .and_then(|set| set.parent())
        .and_then(ast::AttrpathValue::cast);
    outer
        .and_then(|apv| super::locate::attrpath_names(&apv))
        .is_some_and(|n| n.last().map(String::as_str) == Some("services"))
}

fn literal(s: &ast::Str) -> Option<String> {
    let mut out = String::new();
    for p in s.normalized_parts() {
        match p {
            ast::InterpolPart::Literal(t) => out.push_str(&t),
            ast::InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// The keys of the bindings a node sits in, outermost first: `[sync, port]` for a string in
/// `sync = [ { port = "..."; } ]`.
fn binding_keys(node: &rnix::SyntaxNode) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for apv in node.ancestors().filter_map(ast::AttrpathValue::cast) {
        // A `let` binding names a variable, not a key of the config.
        if apv.syntax().parent().is_some_and(|p| p.kind() == SyntaxKind::NODE_LET_IN) {
            break;
        }
        let mut names = super::locate::attrpath_names(&apv).unwrap_or_default();
        names.extend(keys);
        keys = names;
    }
    keys
}

/// Whether a string that equals the path, at `keys` (the config's bindings it sits in,
/// outermost first), is a reference to the entry: an item of `serves`, `uses`, `shareWith`,
/// a reservation's `allow`, an `ignore` list, or a sync target's `port`. Free text (a
/// description, an owner, an environment value that happens to say the path) is not, and
/// `mv` leaves it as written. The text rewrite and its proof both ask this.
pub(crate) fn names_a_path<S: AsRef<str>>(keys: &[S]) -> bool {
    let (first, last) = (keys.first().map(AsRef::as_ref), keys.last().map(AsRef::as_ref));
    matches!(last, Some("serves" | "uses" | "shareWith" | "allow"))
        || first == Some("ignore")
        || (first == Some("sync") && last == Some("port"))
}

fn word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Every reference to `needle` in `file`.
pub(crate) fn find(file: &File, needle: &Needle, registry: &Path) -> Vec<Reference> {
    let dotted = needle.dotted();
    let names = registry_names(file, registry);
    let mut out = Vec::new();
    let mut push = |node: &rnix::SyntaxNode, start: usize, end: usize, kind: Kind| {
        out.push(Reference { start, end, kind, node: node.clone() });
    };
    for node in file.root.syntax().descendants() {
        let range = node.text_range();
        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
        if let Some(s) = ast::Str::cast(node.clone()) {
            let is_attr = node.parent().is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTRPATH);
            if literal(&s).as_deref() == Some(dotted.as_str()) {
                if !is_attr {
                    if names_a_path(&binding_keys(&node)) {
                        push(&node, start, end, Kind::PathString);
                    }
                } else if is_services_key(&node) {
                    push(&node, start, end, Kind::ServiceKey);
                }
            }
            if let Some(env) = needle.env {
                for tok in node.children_with_tokens().filter_map(|t| t.into_token()) {
                    if tok.kind() != SyntaxKind::TOKEN_STRING_CONTENT {
                        continue;
                    }
                    let text = tok.text().as_bytes();
                    let base = usize::from(tok.text_range().start());
                    let mut from = 0;
                    while let Some(i) = tok.text()[from..].find(env).map(|i| i + from) {
                        let j = i + env.len();
                        if (i == 0 || !word_char(text[i - 1])) && (j == text.len() || !word_char(text[j])) {
                            push(&node, base + i, base + j, Kind::EnvName);
                        }
                        from = j;
                    }
                }
            }
        } else if node.kind() == SyntaxKind::NODE_IDENT
            && node.parent().is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTRPATH)
            && needle.path.len() == 1
            && node.text() == needle.path[0].as_str()
            && is_services_key(&node)
        {
            push(&node, start, end, Kind::ServiceKey);
        } else if let Some(sel) = ast::Select::cast(node.clone()) {
            let (Some(ast::Expr::Ident(base)), Some(path)) = (sel.expr(), sel.attrpath()) else { continue };
            let attrs: Vec<ast::Attr> = path.attrs().collect();
            let mut full = vec![Some(base.syntax().text().to_string())];
            full.extend(attrs.iter().map(attr_name));
            let n = needle.path.len();
            for i in 0..full.len().saturating_sub(n) {
                let bound = full[i].as_ref().is_some_and(|b| names.contains(b));
                let matches =
                    full[i + 1..=i + n].iter().zip(needle.path).all(|(a, b)| a.as_deref() == Some(b));
                if bound && matches {
                    let s = usize::from(attrs[i].syntax().text_range().start());
                    let e = usize::from(attrs[i + n - 1].syntax().text_range().end());
                    push(&node, s, e, Kind::Selection);
                }
            }
        }
    }
    out.sort_by_key(|r| (r.start, r.end));
    out.dedup_by_key(|r| (r.start, r.end));
    out
}

/// The text `reference` becomes when the entry moves to `to`.
pub(crate) fn replacement(reference: &Reference, to: &Needle) -> String {
    match reference.kind {
        Kind::PathString => crate::registry::path::nix_string(&to.dotted()),
        Kind::ServiceKey => crate::registry::path::quote_segment(&to.dotted()),
        Kind::Selection => super::key_text(to.path),
        Kind::EnvName => to.env.unwrap_or_default().to_string(),
    }
}

/// The text to delete to remove `reference` from the config with what it configures: a
/// `services` binding, a list item, a binding whose value is the path. `None` for what cannot
/// be removed without knowing what the user meant (a selection, a variable in a command).
pub(crate) fn removal(text: &str, reference: &Reference) -> Option<(usize, usize)> {
    let node = &reference.node;
    let parent = node.parent()?;
    match (reference.kind, parent.kind()) {
        (Kind::ServiceKey, SyntaxKind::NODE_ATTRPATH) => {
            let binding = parent.parent().filter(|b| b.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)?;
            Some(super::removal_range(text, &binding))
        }
        (Kind::PathString, SyntaxKind::NODE_LIST) => Some(super::removal_range(text, node)),
        (Kind::PathString, SyntaxKind::NODE_ATTRPATH_VALUE) => Some(super::removal_range(text, &parent)),
        _ => None,
    }
}

/// Applies `(start, end, replacement)` edits to `text`; an edit inside an earlier, larger one
/// is dropped with it.
pub(crate) fn apply(text: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e, with) in edits {
        if s < at {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(&with);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// The project's Nix files other than `skip`, for the notes about selections left behind:
/// not following symlinks, and skipping build output, version control and the directories
/// of other projects.
pub(crate) fn project_nix_files(root: &Path, skip: &[PathBuf]) -> Vec<PathBuf> {
    const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", "result", ".direnv"];
    const MAX_FILES: usize = 20_000;
    let skip: Vec<PathBuf> = crate::registry::layout::canonical(skip);
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        // Examples, templates and test data with registries of their own select their own.
        if crate::registry::layout::is_other_project(&dir, &skip) {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            let name = e.file_name();
            if ft.is_dir() && !SKIP_DIRS.iter().any(|s| name == *s) {
                stack.push(path);
            } else if ft.is_file()
                && name.to_string_lossy().ends_with(".nix")
                && !skip.iter().any(|s| std::fs::canonicalize(&path).is_ok_and(|c| &c == s))
            {
                out.push(path);
                if out.len() >= MAX_FILES {
                    return out;
                }
            }
        }
    }
    out.sort();
    out
}
