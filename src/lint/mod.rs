//! `portnix lint`: port numbers written out by hand where the registry should be referenced
//! (seed 001's anti-patterns). A number counts only when it is a registry port.

pub mod scan;
pub(crate) mod scope;
pub(crate) mod since;
mod walk;

pub(crate) use walk::DEFAULT_MAX_FILE;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnostic::Location;
use crate::registry::Project;

/// A literal that should be a reference.
#[derive(Debug, Serialize, PartialEq)]
pub(crate) struct Finding {
    pub(crate) location: Location,
    pub(crate) port: i64,
    /// The entries that claim the port.
    pub paths: Vec<String>,
    /// What to write instead.
    pub(crate) suggestion: String,
}

/// The comment that marks an intentional literal, on its line or the line above.
pub(crate) const IGNORE: &str = "portnix: ignore";

/// Registry ports (single ports only), with the entries claiming each.
pub(crate) fn port_index(project: &Project) -> HashMap<i64, Vec<&crate::registry::Entry>> {
    let mut map: HashMap<i64, Vec<&crate::registry::Entry>> = HashMap::new();
    for e in &project.entries {
        if let Some((from, to)) = e.interval()
            && from == to
        {
            map.entry(from).or_default().push(e);
        }
    }
    map
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nix,
    /// YAML, JSON and .env: text, where the variable name is the reference.
    Text,
}

fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_string_lossy();
    if name.ends_with(".nix") {
        Some(Kind::Nix)
    } else if name.ends_with(".yaml")
        || name.ends_with(".yml")
        || name.ends_with(".json")
        || name == ".env"
        || name.starts_with(".env.")
        || name.ends_with(".env")
    {
        Some(Kind::Text)
    } else {
        None
    }
}

/// A file lint passed over, and why.
#[derive(Debug, Serialize, PartialEq)]
pub(crate) struct Skipped {
    pub(crate) file: String,
    pub(crate) reason: String,
}

/// With `since`, the numbers looked for are the old ports of entries that moved or went
/// away (`lint --since REV`), instead of today's ports.
/// What a lint with no paths looks through: git's list of the project's files, without other
/// projects' directories and `lint.exclude` (no scope left to apply), or, outside a work
/// tree, the project's directory with the scope the walk applies as it goes.
/// `lintable`: only the kinds of file lint reads (git lists every file).
pub(crate) fn project_files(project: &Project, lintable: bool) -> (Vec<PathBuf>, Option<scope::Scope>) {
    // The project is the directory that owns the registry (`X` for `X/lib/ports.nix`, the
    // registry's own directory otherwise), not the whole repository it may sit in.
    let dir = project.registry_file.parent().map(PathBuf::from).unwrap_or_default();
    let owner = match dir.file_name() {
        Some(n) if n == "lib" => dir.parent().map(PathBuf::from).unwrap_or(dir),
        _ => dir,
    };
    let root = std::fs::canonicalize(&owner).unwrap_or(owner);
    let mut scope = scope::Scope::new(project, &root);
    match scope::git_files(&root) {
        Some(files) => {
            let inside = |p: &PathBuf| std::fs::canonicalize(p).is_ok_and(|r| r.starts_with(&root));
            let kind = |f: &PathBuf| !lintable || kind_of(f).is_some();
            (files.into_iter().filter(|f| kind(f) && inside(f) && !scope.skips(f)).collect(), None)
        }
        None => (vec![root], Some(scope)),
    }
}

pub(crate) fn lint(
    project: &Project,
    paths: &[PathBuf],
    scope: Option<scope::Scope>,
    max_file: u64,
    since: Option<&HashMap<i64, Vec<since::Moved>>>,
) -> (Vec<Finding>, Vec<Skipped>) {
    let index = port_index(project);
    let own: Vec<PathBuf> = std::iter::once(&project.registry_file)
        .chain(project.config_file.iter())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut out = Vec::new();
    let mut walk = walk::Walk::new(paths, max_file).within(scope);
    let mut unparsed = Vec::new();
    walk.run(paths, |walk::LintFile { path: file, text }| {
        if std::fs::canonicalize(&file).is_ok_and(|c| own.contains(&c)) {
            return;
        }
        // Generated files say so in their first lines; `portnix gen` keeps them in sync.
        if text.lines().take(3).any(|l| l.contains(crate::files::guard::MARK)) {
            return;
        }
        let Some(kind) = kind_of(&file) else { return };
        let display = crate::syntax::display_path(&file);
        let Some(numbers) = scan::numbers(&text, kind) else {
            let reason = "does not parse as Nix; `portnix eval` on it shows the errors".into();
            unparsed.push(Skipped { file: display, reason });
            return;
        };
        let lines = crate::syntax::LineIndex::new(&text);
        // Linear in the text however many numbers a line holds (a one-line JSON of 10 MB):
        // columns are counted on from the last number, and each line is looked at once.
        let mut numbers = numbers;
        numbers.sort_unstable_by_key(|(offset, _)| *offset);
        let mut cursor = lines.cursor(&text);
        let mut ignored_line: Option<(u32, bool)> = None;
        for (offset, port) in numbers {
            let stale = since.and_then(|m| m.get(&port));
            let owners = index.get(&port);
            if since.is_some() && stale.is_none() || since.is_none() && owners.is_none() {
                continue;
            }
            let (line, column) = cursor.line_col(offset as u32);
            let this = lines.line_text(&text, line);
            let ignored = match ignored_line {
                Some((l, ignored)) if l == line => ignored,
                _ => {
                    // The comment marks its own line, or the line below when it stands alone.
                    let above = if line > 1 { lines.line_text(&text, line - 1).trim_start() } else { "" };
                    let above_is_comment = above.starts_with('#') || above.starts_with("//");
                    let ignored = this.contains(IGNORE) || above_is_comment && above.contains(IGNORE);
                    ignored_line = Some((line, ignored));
                    ignored
                }
            };
            if ignored {
                continue;
            }
            let location = Location { file: display.clone(), line, column };
            if let Some(moved) = stale {
                out.push(Finding {
                    location,
                    port,
                    paths: moved.iter().map(|m| m.name.clone()).collect(),
                    suggestion: moved
                        .iter()
                        .map(|m| match &m.now {
                            Some((p, selector)) => {
                                format!("{} was {port} {}, and is {p} now ({selector})", m.name, m.when)
                            }
                            None => {
                                format!("{} was {port} {}, and is gone from the registry", m.name, m.when)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                });
                continue;
            }
            let Some(owners) = owners else { continue };
            // `PGPORT=5432` in a .env defines the variable the other suggestions point to.
            let defines = |name: &str| {
                this.trim_start().strip_prefix(name).is_some_and(|r| r.trim_start().starts_with('='))
            };
            let suggestion = owners
                .iter()
                .map(|e| match kind {
                    Kind::Nix => e.nix_selector(),
                    Kind::Text if defines(&crate::generate::env_name(e)) => {
                        "a file written by `portnix gen env`".into()
                    }
                    Kind::Text => format!("${{{}}}", crate::generate::env_name(e)),
                })
                .collect::<Vec<_>>()
                .join(" or ");
            out.push(Finding {
                location,
                port,
                paths: owners.iter().map(|e| e.name.clone()).collect(),
                suggestion,
            });
        }
    });
    let mut skipped = walk.skipped;
    skipped.extend(unparsed);
    (out, skipped)
}

/// The files under `paths` that portnix generated, each with the command its header says
/// regenerates it (split into words as a shell would split that simple line).
pub(crate) fn generated_files(paths: &[PathBuf], scope: Option<scope::Scope>) -> Vec<(PathBuf, Vec<String>)> {
    const SAYS: &str = "Regenerate with: ";
    let mut out = Vec::new();
    let mut walk = walk::Walk::every_file(paths, DEFAULT_MAX_FILE).within(scope);
    walk.run(paths, |walk::LintFile { path, text }| {
        if !text.contains(crate::files::guard::MARK) {
            return;
        }
        let Some(at) = text.find(SAYS) else { return };
        let line = text[at + SAYS.len()..].lines().next().unwrap_or("");
        // The rest of the comment or JSON string the header sits in.
        let command =
            line.trim_end().trim_end_matches("-->").trim_end().trim_end_matches(['"', ',']).trim_end();
        out.push((path, shell_words(command)));
    });
    out
}

/// Words split at spaces, with single quotes grouping (`--per '*'`).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let (mut word, mut quoted, mut any) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}
