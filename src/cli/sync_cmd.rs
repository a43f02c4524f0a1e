use clap::Args;

use super::error::{CliError, CliResult};
use super::exit;
use super::project_args::ProjectArgs;
use crate::files::{Lock, Transaction};
use crate::stdio::{errln, out};

#[derive(Args, Debug)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// Write nothing; exit 1 with a diff when any target is out of date (for CI).
    #[arg(long, conflicts_with = "dry_run")]
    pub(crate) check: bool,
    /// Write nothing; print the diff of what would change.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

pub(crate) fn run(args: SyncArgs) -> CliResult {
    // The same lock as the edit commands: the registry is read and the targets rewritten
    // without another portnix changing either in between.
    let registry = args.project.registry_file()?;
    let lock = Lock::for_file(&registry)?;
    let mut project = args.project.load()?;
    if project.config.sync.is_empty() {
        return Err(CliError::failure(
            "the config lists no `sync` targets: sync = [ { file = \"...\"; key = \"...\"; port = \"registry.path\"; } ];"
                .to_string(),
        ));
    }
    let mut sources = std::mem::take(&mut project.sources);
    let files = match crate::sync::plan::plan(&project, &mut sources, args.project.allow_outside_root) {
        Ok(files) => files,
        Err(diags) => {
            crate::stdio::write_err_rendered(&crate::diagnostic::render_all_with(
                &sources,
                &diags,
                crate::diagnostic::colour(),
            ));
            return Ok(exit::FAILURE);
        }
    };
    let stale: Vec<_> = files.iter().filter(|f| f.before != f.after).collect();
    if args.check || args.dry_run {
        for f in &stale {
            let diff = similar::TextDiff::from_lines(f.before.as_str(), f.after.as_str());
            out!(
                "{}",
                diff.unified_diff().context_radius(2).header(&f.shown, &format!("{} (synced)", f.shown))
            );
        }
        if args.check && !stale.is_empty() {
            errln!(
                "error: {} of {} synced files are out of date; run `portnix sync`",
                stale.len(),
                files.len()
            );
            return Ok(exit::FINDINGS);
        }
        return Ok(exit::OK);
    }
    let mut tx = Transaction::new();
    for f in &stale {
        tx.add(&lock, &f.path, f.after.as_bytes(), f.before.as_bytes())?;
    }
    tx.commit(&lock)?;
    for f in &stale {
        for c in &f.changes {
            errln!("synced {}: {c}", f.shown);
        }
    }
    if stale.is_empty() {
        errln!("all {} synced files are up to date", files.len());
    }
    Ok(exit::OK)
}
