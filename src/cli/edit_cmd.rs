//! `add`, `rm` and `mv`.

use std::rc::Rc;

use clap::Args;

use super::exit;
use super::project_args::ProjectArgs;
use crate::edit::allocate::{Request, allocate};
use crate::edit::locate::{Overrides, locate};
use crate::edit::{Edit, insert, remove};
use crate::generate::output;
use crate::registry::Protocol;
use crate::registry::path::split_dotted;

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
    /// The protocol the port is checked against (tcp, udp, both).
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
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
        eprintln!("error: '{path}' is not a dotted path");
        exit::FAILURE
    })
}

/// Prints an edit error and gives `code` to exit with.
fn report(code: u8) -> impl Fn(crate::edit::EditError) -> u8 + Copy {
    move |e| {
        eprintln!("error: {}", e.0);
        code
    }
}

/// Writes every edit atomically, or prints their diffs for `--dry-run`.
fn apply(edits: &[Edit], dry_run: bool) -> Result<(), u8> {
    for e in edits {
        if dry_run {
            let name = crate::syntax::display_path(&e.file);
            let diff = similar::TextDiff::from_lines(e.before.as_str(), e.after.as_str());
            print!("{}", diff.unified_diff().header(&name, &name));
        } else if let Err(err) = output::write_atomic(&e.file, &e.after) {
            eprintln!("error: cannot write {}: {err}", e.file.display());
            return Err(exit::FAILURE);
        }
    }
    Ok(())
}

pub fn add(args: AddArgs) -> u8 {
    let run = || -> Result<u8, u8> {
        let project = args.project.load_or_report()?;
        let segs = segments(&args.path)?;
        let path: Vec<Rc<str>> = segs.iter().map(|s| Rc::from(s.as_str())).collect();
        if project.entries.iter().any(|e| e.path == path) {
            eprintln!(
                "error: {} is already in the registry; `portnix get {}` prints it",
                args.path, args.path
            );
            return Err(exit::FINDINGS);
        }
        let protocol = match args.protocol.as_str() {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "both" => Protocol::Both,
            other => {
                eprintln!("error: unknown protocol '{other}': use tcp, udp or both");
                return Err(exit::FAILURE);
            }
        };
        let bound: Vec<i64> = if args.live {
            crate::live::listeners()
                .map_err(|m| {
                    eprintln!("error: {m}");
                    exit::FAILURE
                })?
                .into_iter()
                .map(|l| i64::from(l.port))
                .collect()
        } else {
            Vec::new()
        };
        let request = match (args.port, args.near) {
            (Some(p), _) => Request::Exactly(p),
            (None, Some(n)) => Request::Near(n),
            (None, None) => Request::Lowest,
        };
        let port = allocate(&project, &path, protocol, request, &bound).map_err(|m| {
            eprintln!("error: {m}");
            exit::FINDINGS
        })?;
        let target =
            locate(&project.registry_file, &segs, &Overrides::new()).map_err(report(exit::FAILURE))?;
        let edit = insert(&target, &port.to_string()).map_err(report(exit::FAILURE))?;
        apply(&[edit], args.dry_run)?;
        println!("{port}");
        if protocol != Protocol::Tcp {
            eprintln!("note: add services.\"{}\".protocol = \"{}\"; to the config", args.path, args.protocol);
        }
        Ok(exit::OK)
    };
    run().unwrap_or_else(|c| c)
}

pub fn rm(args: RmArgs) -> u8 {
    let run = || -> Result<u8, u8> {
        let registry = args.project.registry_or_report()?;
        let segs = segments(&args.path)?;
        let target = locate(&registry, &segs, &Overrides::new()).map_err(report(exit::FAILURE))?;
        let (edit, _) = remove(&target).map_err(report(exit::FINDINGS))?;
        apply(&[edit], args.dry_run)?;
        Ok(exit::OK)
    };
    run().unwrap_or_else(|c| c)
}

pub fn mv(args: MvArgs) -> u8 {
    let run = || -> Result<u8, u8> {
        let registry = args.project.registry_or_report()?;
        let fail = report(exit::FINDINGS);
        let (old, new) = (segments(&args.old)?, segments(&args.new)?);
        let (removed, value) =
            remove(&locate(&registry, &old, &Overrides::new()).map_err(fail)?).map_err(fail)?;
        let mut overrides = Overrides::new();
        overrides.insert(removed.file.clone(), removed.after.clone());
        let added = insert(&locate(&registry, &new, &overrides).map_err(fail)?, &value).map_err(fail)?;
        let edits = if added.file == removed.file {
            vec![Edit { file: removed.file.clone(), before: removed.before, after: added.after }]
        } else {
            vec![removed, added]
        };
        apply(&edits, args.dry_run)?;
        Ok(exit::OK)
    };
    run().unwrap_or_else(|c| c)
}
