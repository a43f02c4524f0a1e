use std::path::PathBuf;

use clap::Args;

use super::error::{CliError, CliResult};
use super::project_args::ProjectArgs;
use super::{Format, exit};
use crate::lint::{IGNORE, lint};

#[derive(Args, Debug)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// Files or directories to look through. By default the project's own files: those git
    /// tracks or would track, without directories that hold another project's registry or
    /// that the config's `lint.exclude` names.
    pub(crate) paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
    /// Skip files larger than this many bytes (each skip is reported).
    #[arg(long, value_name = "BYTES", default_value_t = crate::lint::DEFAULT_MAX_FILE)]
    pub(crate) max_file_size: u64,
    /// Look for the old ports of entries that moved or went away since this git revision
    /// (a tag, a branch, HEAD~3): what a renumbering left behind.
    #[arg(long, value_name = "REV")]
    pub(crate) since: Option<String>,
}

pub(crate) fn run(args: LintArgs) -> CliResult {
    let project = args.project.load()?;
    // With no paths, the project's own files (see `lint::project_files`); named paths are
    // looked through whole.
    let (paths, scope) = if args.paths.is_empty() {
        crate::lint::project_files(&project, true)
    } else {
        (args.paths.clone(), None)
    };
    if let Some(missing) = paths.iter().find(|p| std::fs::symlink_metadata(p).is_err()) {
        return Err(CliError::failure(format!("{}: no such file or directory", missing.display())));
    }
    let moved = match &args.since {
        Some(rev) => Some(
            crate::lint::since::moved_since(&project, rev, &args.project.options())
                .map_err(CliError::failure)?,
        ),
        None => None,
    };
    let (findings, skipped) = lint(&project, &paths, scope, args.max_file_size, moved.as_ref());
    for s in &skipped {
        crate::stdio::errln!("warning: skipped {}: {}", crate::stdio::escape(&s.file), s.reason);
    }
    match args.format {
        Format::Json => {
            crate::stdio::out!("{}", crate::report::pretty_json(&findings))
        }
        Format::Human => {
            for f in &findings {
                match &args.since {
                    Some(_) => {
                        crate::stdio::houtln!("{}: stale port {}: {}", f.location, f.port, f.suggestion)
                    }
                    None => crate::stdio::houtln!(
                        "{}: hard-coded port {} ({}): use {} instead",
                        f.location,
                        f.port,
                        f.paths.join(", "),
                        f.suggestion
                    ),
                }
            }
            if !findings.is_empty() && args.since.is_some() {
                crate::stdio::errln!(
                    "{} stale ports: numbers the registry gave before it changed",
                    findings.len()
                );
            } else if !findings.is_empty() {
                crate::stdio::errln!(
                    "{} hard-coded ports; mark an intended one with a `{IGNORE}` comment",
                    findings.len()
                );
            }
        }
    }
    Ok(if findings.is_empty() { exit::OK } else { exit::FINDINGS })
}
