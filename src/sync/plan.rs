//! What `portnix sync` would change: for each target file, its text before and after, every
//! problem a `sync-target` diagnostic at its place (in the config, or in the target file).

use std::path::{Component, Path, PathBuf};

use super::{Format, LocateError, locate, rewrite};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::registry::sync_targets::{Locator, SyncTarget};
use crate::registry::{PortValue, Project};
use crate::syntax::{FileId, Sources};

/// One target file's change; `before == after` when it is up to date.
pub(crate) struct FileChange {
    pub(crate) path: PathBuf,
    /// As the config names it, relative to the project root.
    pub(crate) shown: String,
    pub(crate) before: String,
    pub(crate) after: String,
    /// `server.port: 9050 -> 9000`, one per value that changes.
    pub(crate) changes: Vec<String>,
}

fn error(span: Option<Span>, message: String, hint: &str) -> Diagnostic {
    let mut d = Diagnostic::new(Code::SyncTarget, message);
    if !hint.is_empty() {
        d = d.with_hint(hint);
    }
    d.span = span;
    d
}

/// The registry port a target names: exactly one port.
fn port_of(project: &Project, t: &SyncTarget) -> Result<i64, Diagnostic> {
    let found = crate::query::get(project, &t.port).map_err(|near| {
        let hint = near.map(|n| format!("did you mean '{n}'?")).unwrap_or_default();
        error(t.span, format!("sync names '{}', which is not in the registry", t.port), &hint)
    })?;
    match found.as_slice() {
        [e] => match e.value {
            PortValue::Port(p) => Ok(i64::from(p.get())),
            PortValue::Range(_) => Err(error(
                t.span,
                format!("sync names {}, a range: a file's value is one port", e.name),
                "name one port of the registry",
            )),
            PortValue::Invalid(_) => Err(error(
                t.span,
                format!("sync names {}, which is not a valid port", e.name),
                "run portnix check",
            )),
        },
        many => Err(error(
            t.span,
            format!("sync names {}, a list of {} ports", t.port, many.len()),
            &format!("name one of them, as {}[0]", t.port),
        )),
    }
}

/// The target's file, inside the project root unless `anywhere`.
fn target_path(root: &Path, t: &SyncTarget, anywhere: bool) -> Result<PathBuf, Diagnostic> {
    let rel = Path::new(&t.file);
    let leaves = rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir));
    let path = root.join(rel);
    if !anywhere && (leaves || !crate::files::inside::is_inside(&path, root)) {
        return Err(error(
            t.span,
            format!("sync target {} is outside the project root {}", t.file, root.display()),
            "portnix syncs only files inside the project (pass --allow-outside-root to widen it)",
        ));
    }
    Ok(path)
}

fn format_of(t: &SyncTarget) -> Result<(Format, String), Diagnostic> {
    match &t.locator {
        Locator::Key { key, format } => {
            let f = match format.as_deref() {
                Some("yaml") => Some(Format::Yaml),
                Some("json") => Some(Format::Json),
                Some("toml") => Some(Format::Toml),
                Some("env") => Some(Format::Env),
                _ => Format::of_file(&t.file),
            };
            let f = f.ok_or_else(|| {
                error(
                    t.span,
                    format!("cannot tell the format of {} from its name", t.file),
                    "add format = \"yaml\" (or json, toml, env), or use a `pattern`",
                )
            })?;
            Ok((f, key.clone()))
        }
        Locator::Pattern(p) => match regex::Regex::new(p) {
            Ok(re) if re.captures_len() > 1 => Ok((Format::Pattern(re), p.clone())),
            Ok(_) => Err(error(
                t.span,
                format!("the pattern '{p}' has no group"),
                "put the port in a group: `port: ([0-9]+)`",
            )),
            Err(e) => Err(error(t.span, format!("the pattern '{p}' is not a regular expression: {e}"), "")),
        },
    }
}

fn located_error(file: FileId, text: &str, e: LocateError, key: &str, shown: &str) -> Diagnostic {
    let at = |offset: Option<usize>| {
        offset.map(|o| {
            let o = o.min(text.len()) as u32;
            Span { file, start: o, end: o }
        })
    };
    match e {
        LocateError::Missing { at: near, .. } => {
            let mut d = error(
                at(near),
                format!("{shown} has no `{key}`"),
                "check the key's spelling and nesting, or the file",
            );
            if d.span.is_none() {
                d.span = at(Some(0));
            }
            d
        }
        LocateError::NotANumber { what, at: o } => error(
            at(Some(o)),
            format!("`{key}` in {shown} holds {what}, not a port number"),
            "sync rewrites a number written as digits",
        ),
        LocateError::Duplicate { first, second, .. } => {
            let mut d = error(
                at(Some(second)),
                format!("`{key}` is given twice in {shown}; readers disagree on which one counts"),
                "Python's json and PyYAML read the last, strict readers refuse the file: remove one, then sync",
            );
            if let Some(span) = at(Some(first)) {
                d = d.with_label(span, "given here first");
            }
            d
        }
        LocateError::Unreadable { message, at: o } => {
            let mut d = error(at(o), format!("{shown}: {message}"), "");
            if d.span.is_none() {
                d.span = at(Some(0));
            }
            d
        }
    }
}

/// Every target's file as it is and as sync would leave it, in the config's order; or the
/// problems, with the target files added to `sources` so they can be shown.
pub(crate) fn plan(
    project: &Project,
    sources: &mut Sources,
    anywhere: bool,
) -> Result<Vec<FileChange>, Vec<Diagnostic>> {
    let root = project
        .root
        .clone()
        .or_else(|| project.registry_file.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let inputs: Vec<(PathBuf, &str)> =
        sources.paths().map(|p| (p.to_path_buf(), "an input of the registry")).collect();
    let mut files: Vec<(FileChange, FileId)> = Vec::new();
    let mut errors = Vec::new();
    // (file, start, end, target): the values each target writes, as the file is on disk.
    let mut claimed: Vec<(PathBuf, usize, usize, usize)> = Vec::new();
    for (n, t) in project.config.sync.iter().enumerate() {
        let result = (|| -> Result<(), Diagnostic> {
            let path = target_path(&root, t, anywhere)?;
            let (format, key) = format_of(t)?;
            let port = port_of(project, t)?;
            let index = match files.iter().position(|(f, _)| f.path == path) {
                Some(i) => i,
                None => {
                    if crate::files::guard::not_an_input(&path, &inputs).is_err() {
                        return Err(error(
                            t.span,
                            format!("{} is the registry, its config or one of their imports", t.file),
                            "sync writes other files",
                        ));
                    }
                    let bytes = std::fs::read(&path)
                        .map_err(|e| error(t.span, format!("cannot read {}: {e}", t.file), ""))?;
                    let text = String::from_utf8(bytes)
                        .map_err(|_| error(t.span, format!("{} is not UTF-8 text", t.file), ""))?;
                    let id = sources.add(path.clone(), text.clone());
                    let change = FileChange {
                        path,
                        shown: t.file.clone(),
                        before: text.clone(),
                        after: text,
                        changes: Vec::new(),
                    };
                    files.push((change, id));
                    files.len() - 1
                }
            };
            let (change, id) = &mut files[index];
            // The values as the file is on disk, before any earlier target's rewrite: where a
            // problem is shown, and what each target claims.
            let on_disk = locate(&format, &change.before, &key);
            let slots = locate(&format, &change.after, &key).map_err(|e| {
                let e = on_disk.as_ref().err().cloned().unwrap_or(e);
                located_error(*id, &change.before, e, &key, &t.file)
            })?;
            // Two targets on one value (two patterns that match one number, say): the last
            // would win, and --check would pass on a file that says one of two ports.
            if let Ok(on_disk) = on_disk {
                for slot in on_disk {
                    let other = claimed
                        .iter()
                        .find(|(p, s, e, _)| *p == change.path && *s < slot.end && slot.start < *e);
                    if let Some((_, _, _, other)) = other {
                        let first: &SyncTarget = &project.config.sync[*other];
                        let mut d = error(
                            t.span,
                            format!(
                                "two sync targets write one value of {}: {} and {}",
                                t.file, first.port, t.port
                            ),
                            "a value holds one port: give each target its own file, key or pattern",
                        );
                        if let Some(span) = first.span {
                            d = d.with_label(span, "this target writes it too");
                        }
                        return Err(d);
                    }
                    claimed.push((change.path.clone(), slot.start, slot.end, n));
                }
            }
            let stale: Vec<i64> = slots.iter().map(|s| s.value).filter(|v| *v != port).collect();
            if !stale.is_empty() {
                change.after = rewrite(&change.after, &slots, port);
                for old in stale {
                    change.changes.push(format!("{key}: {old} -> {port} ({})", t.port));
                }
            }
            Ok(())
        })();
        if let Err(d) = result {
            errors.push(d);
        }
    }
    if errors.is_empty() { Ok(files.into_iter().map(|(f, _)| f).collect()) } else { Err(errors) }
}
