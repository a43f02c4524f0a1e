//! `add`, `rm` and `mv`. Each holds the project's lock from the first read to the last write,
//! proves its edit by evaluating the result, and writes every file it changes together.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use clap::Args;

use super::exit;
use super::project_args::ProjectArgs;
use crate::edit::allocate::{Request, allocate};
use crate::edit::locate::{Confine, File, Overrides, locate};
use crate::edit::references::{self, Kind, Needle, Reference};
use crate::edit::verify::{Change, ConfigChange, verify};
use crate::edit::{Edit, EditError, insert, remove, set_value};
use crate::files::{Lock, Transaction};
use crate::registry::path::split_dotted;
use crate::registry::{PortValue, Project, Protocol};
use crate::stdio::{errln, out, outln};

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The new entry's dotted path, e.g. databases.timescale.
    pub path: String,
    /// Take exactly this port, or fail naming its owner.
    #[arg(long, conflicts_with = "near")]
    pub port: Option<i64>,
    /// Take the free port closest to this one.
    #[arg(long)]
    pub near: Option<i64>,
    /// The protocol the port is checked against.
    #[arg(long, value_enum, default_value = "tcp")]
    pub protocol: Protocol,
    /// Also skip ports bound right now.
    #[arg(long)]
    pub live: bool,
    /// Print the change as a diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    pub path: String,
    /// Also remove the config's references to the entry (its `services` key, list items).
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct SetArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The entry's dotted path.
    pub path: String,
    /// Its new port: refused when another entry, a reservation or its range says no.
    pub port: i64,
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct MvArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    pub old: String,
    pub new: String,
    #[arg(long)]
    pub dry_run: bool,
}

fn segments(path: &str) -> Result<Vec<String>, u8> {
    split_dotted(path).ok_or_else(|| {
        errln!("error: '{path}' is not a dotted path");
        exit::FAILURE
    })
}

/// Prints an edit error once and gives `code` to exit with.
fn report(code: u8) -> impl Fn(EditError) -> u8 + Copy {
    move |e| {
        errln!("error: {e}");
        if let Some(hint) = e.hint() {
            errln!("  = hint: {hint}");
        }
        match e {
            EditError::Write(_) => exit::FAILURE,
            EditError::Refused { .. } => code,
        }
    }
}

/// The lock for the registry's directory, then the project read under it.
fn locked_project(args: &ProjectArgs) -> Result<(Lock, Project), u8> {
    let registry = args.registry_or_report()?;
    let lock = Lock::for_file(&registry).map_err(|e| report(exit::FAILURE)(e.into()))?;
    let project = args.load_or_report()?;
    Ok((lock, project))
}

fn confine(args: &ProjectArgs, project: &Project) -> Confine {
    if args.allow_outside_root {
        return Confine::default();
    }
    Confine { root: project.root.clone().or_else(|| project.registry_file.parent().map(Path::to_path_buf)) }
}

/// Writes every edit together, or prints them as one diff for `--dry-run`.
fn apply(lock: &Lock, edits: &[Edit], dry_run: bool) -> Result<(), EditError> {
    if dry_run {
        for e in edits {
            let name = crate::syntax::display_path(&e.file);
            let diff = similar::TextDiff::from_lines(e.before.as_str(), e.after.as_str());
            out!("{}", diff.unified_diff().header(&name, &name));
        }
        return Ok(());
    }
    let mut tx = Transaction::new();
    for e in edits.iter().filter(|e| e.before != e.after) {
        tx.add(lock, &e.file, e.after.as_bytes(), e.before.as_bytes())?;
    }
    Ok(tx.commit(lock)?)
}

fn entry_path(project: &Project, segs: &[String]) -> Option<usize> {
    project
        .entries
        .iter()
        .position(|e| e.path.len() == segs.len() && e.path.iter().zip(segs).all(|(a, b)| **a == **b))
}

pub fn add(args: AddArgs) -> u8 {
    let run = || -> Result<u8, u8> {
        let segs = segments(&args.path)?;
        let protocol = args.protocol;
        let bound: Vec<i64> = if args.live {
            crate::live::listeners()
                .map_err(|m| {
                    errln!("error: {m}");
                    exit::FAILURE
                })?
                .into_iter()
                .map(|l| i64::from(l.port))
                .collect()
        } else {
            Vec::new()
        };
        let (lock, project) = locked_project(&args.project)?;
        if entry_path(&project, &segs).is_some() {
            errln!("error: {} is already in the registry; `portnix get {}` prints it", args.path, args.path);
            return Err(exit::FINDINGS);
        }
        let path: Vec<Rc<str>> = segs.iter().map(|s| Rc::from(s.as_str())).collect();
        let request = match (args.port, args.near) {
            (Some(p), _) => Request::Exactly(p),
            (None, Some(n)) => Request::Near(n),
            (None, None) => Request::Lowest,
        };
        let port = allocate(&project, &path, protocol, request, &bound).map_err(|m| {
            errln!("error: {m}");
            exit::FINDINGS
        })?;
        let fail = report(exit::FAILURE);
        let root = confine(&args.project, &project);
        let target = locate(&project.registry_file, &segs, &Overrides::new(), &root).map_err(fail)?;
        let edit = insert(&target, &port.to_string()).map_err(fail)?;
        let edits = [edit];
        let change = Change::Add { path: &segs, value: PortValue::Port(port) };
        verify(&args.project.options(), &project, &edits, &change, None).map_err(fail)?;
        apply(&lock, &edits, args.dry_run).map_err(fail)?;
        outln!("{port}");
        if protocol != Protocol::Tcp {
            errln!(
                "note: add services.\"{}\".protocol = \"{}\"; to the config",
                args.path,
                protocol.as_str()
            );
        }
        Ok(exit::OK)
    };
    run().unwrap_or_else(|c| c)
}

/// The entry's references in the config: the needle, and what was found.
fn config_references(
    project: &Project,
    segs: &[String],
    env: Option<&str>,
) -> Result<Option<(File, Vec<Reference>)>, EditError> {
    let Some(config) = &project.config_file else { return Ok(None) };
    let file = File::read(config, &Confine::default())?;
    let refs = references::find(&file, &Needle { path: segs, env }, &project.registry_file);
    Ok(Some((file, refs)))
}

/// The variable portnix names after the entry, when the config does not name it.
fn derived_env(project: &Project, i: usize) -> Option<String> {
    let e = &project.entries[i];
    e.meta.env.is_none().then(|| crate::generate::derived_env_name(&e.path))
}

fn location(file: &File, offset: usize) -> String {
    let index = crate::syntax::LineIndex::new(&file.text);
    let (line, col) = index.line_col_in(&file.text, offset as u32);
    format!("{}:{line}:{col}", crate::syntax::display_path(&file.path))
}

/// Notes for the project's other Nix files that still select the old path.
fn note_other_selections(project: &Project, segs: &[String], new: Option<&[String]>) {
    let Some(root) = &project.root else { return };
    let own: Vec<PathBuf> = project.sources.paths().map(Path::to_path_buf).collect();
    let old = crate::edit::key_text(segs);
    for path in references::project_nix_files(root, &own) {
        let Ok(file) = File::read(&path, &Confine::default()) else { continue };
        for r in references::find(&file, &Needle { path: segs, env: None }, &project.registry_file) {
            if r.kind == Kind::Selection {
                let advice = match new {
                    Some(n) => format!("change it to ports.{}", crate::edit::key_text(n)),
                    None => "it will fail to evaluate".into(),
                };
                errln!("note: {} still selects ports.{old}; {advice}", location(&file, r.start));
            }
        }
    }
}

pub fn rm(args: RmArgs) -> u8 {
    let run = || -> Result<u8, u8> {
        let segs = segments(&args.path)?;
        let (lock, project) = locked_project(&args.project)?;
        let fail = report(exit::FINDINGS);
        let root = confine(&args.project, &project);
        let target = locate(&project.registry_file, &segs, &Overrides::new(), &root).map_err(fail)?;
        let (edit, _) = remove(&target).map_err(fail)?;
        let env = entry_path(&project, &segs).and_then(|i| derived_env(&project, i));
        let mut edits = vec![edit];
        if let Some((file, refs)) = config_references(&project, &segs, env.as_deref()).map_err(fail)?
            && !refs.is_empty()
        {
            let removable: Vec<Option<(usize, usize)>> =
                refs.iter().map(|r| references::removal(&file.text, r)).collect();
            if !args.force || removable.iter().any(Option::is_none) {
                errln!("error: the config still names {}:", args.path);
                for (r, how) in refs.iter().zip(&removable) {
                    let by_hand = if args.force && how.is_none() { " (edit this by hand)" } else { "" };
                    errln!("  --> {}: {}{by_hand}", location(&file, r.start), r.kind.describe());
                }
                let hint = if args.force {
                    "remove or change the references marked above, then run again"
                } else {
                    "remove them first, or pass --force to remove the config's references too"
                };
                errln!("  = hint: {hint}");
                return Err(exit::FINDINGS);
            }
            let cuts = removable.into_iter().flatten().map(|(s, e)| (s, e, String::new())).collect();
            let after = references::apply(&file.text, cuts);
            if file.path == edits[0].file {
                return Err(fail(EditError::new(
                    "the config and the entry are in the same file: edit it by hand",
                )));
            }
            edits.push(Edit { file: file.path.clone(), before: file.text.clone(), after });
        }
        let from = crate::edit::key_text(&segs);
        let config = ConfigChange { from, to: None, env: None };
        verify(&args.project.options(), &project, &edits, &Change::Remove { path: &segs }, Some(&config))
            .map_err(fail)?;
        apply(&lock, &edits, args.dry_run).map_err(fail)?;
        note_other_selections(&project, &segs, None);
        Ok(exit::OK)
    };
    run().unwrap_or_else(|c| c)
}

pub fn mv(args: MvArgs) -> u8 {
    let run = || -> Result<u8, u8> {
        let (old, new) = (segments(&args.old)?, segments(&args.new)?);
        let (lock, project) = locked_project(&args.project)?;
        let fail = report(exit::FINDINGS);
        let Some(index) = entry_path(&project, &old) else {
            return Err(fail(EditError::new(format!("{} is not in the registry", args.old))));
        };
        if entry_path(&project, &new).is_some() {
            return Err(fail(EditError::new(format!("{} is already in the registry", args.new))));
        }
        let root = confine(&args.project, &project);
        let (removed, value) =
            remove(&locate(&project.registry_file, &old, &Overrides::new(), &root).map_err(fail)?)
                .map_err(fail)?;
        let mut overrides = Overrides::new();
        overrides.insert(removed.file.clone(), removed.after.clone());
        let added = insert(&locate(&project.registry_file, &new, &overrides, &root).map_err(fail)?, &value)
            .map_err(fail)?;
        // The insertion is written first: a run killed between the two writes leaves the
        // entry in both files, never in neither.
        let mut edits = if added.file == removed.file {
            vec![Edit { file: removed.file.clone(), before: removed.before, after: added.after }]
        } else {
            vec![added, removed]
        };
        let old_env = derived_env(&project, index);
        let new_env = old_env.as_ref().map(|_| crate::generate::derived_env_name(&new));
        if let Some((file, refs)) = config_references(&project, &old, old_env.as_deref()).map_err(fail)?
            && !refs.is_empty()
        {
            if edits.iter().any(|e| e.file == file.path) {
                return Err(fail(EditError::new(
                    "the config and the entry are in the same file: edit it by hand",
                )));
            }
            let to = Needle { path: &new, env: new_env.as_deref() };
            let changes = refs.iter().map(|r| (r.start, r.end, references::replacement(r, &to))).collect();
            let after = references::apply(&file.text, changes);
            edits.push(Edit { file: file.path.clone(), before: file.text.clone(), after });
        }
        let config = ConfigChange {
            from: crate::edit::key_text(&old),
            to: Some(crate::edit::key_text(&new)),
            env: old_env.as_deref().zip(new_env.as_deref()),
        };
        let change = Change::Move { from: &old, to: &new };
        let after =
            verify(&args.project.options(), &project, &edits, &change, Some(&config)).map_err(fail)?;
        apply(&lock, &edits, args.dry_run).map_err(fail)?;
        if let Some(j) = entry_path(&after, &new)
            && after.entries[j].meta != project.entries[index].meta
        {
            errln!(
                "note: {} does not get the metadata {} had: a `services` pattern matched the old path only",
                args.new,
                args.old
            );
        }
        note_other_selections(&project, &old, Some(&new));
        Ok(exit::OK)
    };
    run().unwrap_or_else(|c| c)
}

pub fn set(args: SetArgs) -> u8 {
    let run = || -> Result<u8, u8> {
        let segs = segments(&args.path)?;
        let (lock, project) = locked_project(&args.project)?;
        let fail = report(exit::FINDINGS);
        let Some(index) = entry_path(&project, &segs) else {
            return Err(fail(EditError::new(format!("{} is not in the registry", args.path))));
        };
        let path = project.entries[index].path.clone();
        let protocol = project.entries[index].meta.protocol;
        let port = allocate(&project, &path, protocol, Request::Exactly(args.port), &[]).map_err(|m| {
            errln!("error: {m}");
            exit::FINDINGS
        })?;
        let root = confine(&args.project, &project);
        let target = locate(&project.registry_file, &segs, &Overrides::new(), &root).map_err(fail)?;
        let (edit, _) = set_value(&target, &port.to_string()).map_err(fail)?;
        let edits = [edit];
        let change = Change::Set { path: &segs, value: PortValue::Port(port) };
        verify(&args.project.options(), &project, &edits, &change, None).map_err(fail)?;
        apply(&lock, &edits, args.dry_run).map_err(fail)?;
        Ok(exit::OK)
    };
    run().unwrap_or_else(|c| c)
}
