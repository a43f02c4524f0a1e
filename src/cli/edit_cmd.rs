//! `add`, `rm` and `mv`. Each holds the project's lock from the first read to the last write,
//! proves its edit by evaluating the result, and writes every file it changes together.

use std::rc::Rc;

use clap::Args;

use super::error::{CliError, CliResult};
use super::exit;
use super::project_args::ProjectArgs;
use crate::edit::allocate::{Request, allocate};
use crate::edit::plan::{self, Context, Plan};
use crate::edit::{Edit, EditError};
use crate::files::{Lock, Transaction};
use crate::registry::path::split_dotted;
use crate::registry::{Project, Protocol};
use crate::stdio::{errln, out, outln};

#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The new entry's dotted path, e.g. databases.timescale.
    pub(crate) path: String,
    /// Take exactly this port, or fail naming its owner.
    #[arg(long, conflicts_with = "near")]
    pub(crate) port: Option<i64>,
    /// Take the free port closest to this one.
    #[arg(long)]
    pub(crate) near: Option<i64>,
    /// The protocol the port is checked against.
    #[arg(long, value_enum, default_value = "tcp")]
    pub(crate) protocol: Protocol,
    /// Also skip ports bound right now.
    #[arg(long)]
    pub(crate) live: bool,
    /// Print the change as a diff; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Args, Debug)]
pub(crate) struct RmArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    pub(crate) path: String,
    /// Also remove the config's references to the entry (its `services` key, list items).
    #[arg(long)]
    pub(crate) force: bool,
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Args, Debug)]
pub(crate) struct SetArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The entry's dotted path; `path[1]` for one item of a list leaf.
    pub(crate) path: String,
    /// Its new port: refused when another entry, a reservation or its range says no.
    pub(crate) port: i64,
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Args, Debug)]
pub(crate) struct MvArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    pub(crate) old: String,
    pub(crate) new: String,
    #[arg(long)]
    pub(crate) dry_run: bool,
}

fn segments(path: &str) -> Result<Vec<String>, CliError> {
    split_dotted(path).ok_or_else(|| CliError::failure(format!("'{path}' is not a dotted path")))
}

fn refused(e: EditError) -> CliError {
    CliError::edit(e)
}

/// The lock for the registry's directory, then the project read under it.
fn locked_project(args: &ProjectArgs) -> Result<(Lock, Project), CliError> {
    let registry = args.registry_file()?;
    let lock = Lock::for_file(&registry)?;
    let project = args.load()?;
    Ok((lock, project))
}

/// Writes every edit together, or prints them as one diff for `--dry-run`; then the notes.
fn apply(lock: &Lock, plan: &Plan, dry_run: bool) -> Result<(), EditError> {
    if dry_run {
        for e in &plan.edits {
            let name = crate::syntax::display_path(&e.file);
            let diff = similar::TextDiff::from_lines(e.before.as_str(), e.after.as_str());
            out!("{}", diff.unified_diff().header(&name, &name));
        }
    } else {
        let mut tx = Transaction::new();
        for e in plan.edits.iter().filter(|e: &&Edit| e.before != e.after) {
            tx.add(lock, &e.file, e.after.as_bytes(), e.before.as_bytes())?;
        }
        tx.commit(lock)?;
    }
    for note in &plan.notes {
        errln!("note: {note}");
    }
    Ok(())
}

fn allocated(
    project: &Project,
    path: &[Rc<str>],
    protocol: Protocol,
    request: Request,
    bound: &[i64],
) -> Result<i64, CliError> {
    allocate(project, path, protocol, request, bound).map_err(CliError::refused)
}

pub(crate) fn add(args: AddArgs) -> CliResult {
    {
        let segs = segments(&args.path)?;
        let bound = super::project_args::live_ports(args.live)?;
        let (lock, project) = locked_project(&args.project)?;
        let options = args.project.options();
        let cx = Context::new(&project, &options);
        if cx.entry(&segs).is_some() {
            return Err(CliError::refused(format!(
                "{} is already in the registry; `portnix get {}` prints it",
                args.path, args.path
            )));
        }
        let path: Vec<Rc<str>> = segs.iter().map(|s| Rc::from(s.as_str())).collect();
        let request = match (args.port, args.near) {
            (Some(p), _) => Request::Exactly(p),
            (None, Some(n)) => Request::Near(n),
            (None, None) => Request::Lowest,
        };
        let port = allocated(&project, &path, args.protocol, request, &bound)?;
        let plan = plan::add(&cx, &segs, port, args.protocol).map_err(refused)?;
        apply(&lock, &plan, args.dry_run).map_err(refused)?;
        outln!("{port}");
        Ok(exit::OK)
    }
}

pub(crate) fn set(args: SetArgs) -> CliResult {
    {
        let (path, item) = crate::registry::path::split_item(&args.path);
        let segs = segments(path)?;
        let (lock, project) = locked_project(&args.project)?;
        let options = args.project.options();
        let cx = Context::new(&project, &options);
        let Some(index) = cx.entry_item(&segs, item) else {
            return Err(refused(EditError::no(format!("{} is not in the registry", args.path))));
        };
        let entry = &project.entries[index];
        let port = allocated(&project, &entry.path, entry.meta.protocol, Request::Exactly(args.port), &[])?;
        let plan = plan::set(&cx, &segs, item, port).map_err(refused)?;
        apply(&lock, &plan, args.dry_run).map_err(refused)?;
        Ok(exit::OK)
    }
}

pub(crate) fn rm(args: RmArgs) -> CliResult {
    {
        let segs = segments(&args.path)?;
        let (lock, project) = locked_project(&args.project)?;
        let options = args.project.options();
        let plan = plan::rm(&Context::new(&project, &options), &segs, args.force).map_err(refused)?;
        apply(&lock, &plan, args.dry_run).map_err(refused)?;
        Ok(exit::OK)
    }
}

pub(crate) fn mv(args: MvArgs) -> CliResult {
    {
        let (old, new) = (segments(&args.old)?, segments(&args.new)?);
        let (lock, project) = locked_project(&args.project)?;
        let options = args.project.options();
        let plan = plan::mv(&Context::new(&project, &options), &old, &new).map_err(refused)?;
        apply(&lock, &plan, args.dry_run).map_err(refused)?;
        Ok(exit::OK)
    }
}
