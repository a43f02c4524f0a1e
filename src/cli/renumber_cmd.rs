//! `portnix renumber PATTERN --to BASE`: moves a block, then prints the migration checklist:
//! every file that still says an old port, every generated file and sync target now out of
//! date (seed 003's checklist of compose files, .env files, CORS and manifests).

use std::collections::{HashMap, HashSet};

use clap::{Args, Parser};

use super::error::{CliError, CliResult};
use super::exit;
use super::project_args::{ProjectArgs, pattern_arg};
use crate::edit::plan::Context;
use crate::edit::renumber::{Renumbered, renumber};
use crate::files::{Lock, Transaction};
use crate::lint::since::Moved;
use crate::registry::Project;
use crate::report::counted;
use crate::stdio::{errln, out, outln};

#[derive(Args, Debug)]
pub(crate) struct RenumberArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The block: every entry under this dotted path (and the config's ranges inside it).
    pub(crate) pattern: String,
    /// Where the block starts after the move: its range's `from`, or its lowest port.
    #[arg(long, value_name = "BASE")]
    pub(crate) to: i64,
    /// Print the change as a diff and the checklist; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// A generated file's regenerate line, parsed as the command line it is.
#[derive(Parser, Debug)]
struct GenLine {
    #[command(subcommand)]
    command: GenOnly,
}

#[derive(clap::Subcommand, Debug)]
enum GenOnly {
    Gen(super::gen_cmd::GenArgs),
}

pub(crate) fn run(args: RenumberArgs) -> CliResult {
    let pattern = pattern_arg(&args.pattern)?;
    let registry = args.project.registry_file()?;
    let lock = Lock::for_file(&registry)?;
    let project = args.project.load()?;
    let options = args.project.options();
    let cx = Context::new(&project, &options);
    let mut done = renumber(&cx, &pattern, args.to).map_err(CliError::edit)?;
    if args.dry_run {
        for e in &done.plan.edits {
            let name = crate::syntax::display_path(&e.file);
            let diff = similar::TextDiff::from_lines(e.before.as_str(), e.after.as_str());
            out!("{}", diff.unified_diff().header(&name, &name));
        }
    } else {
        let mut tx = Transaction::new();
        for e in done.plan.edits.iter().filter(|e| e.before != e.after) {
            tx.add(&lock, &e.file, e.after.as_bytes(), e.before.as_bytes())?;
        }
        tx.commit(&lock)?;
    }
    let verb = if args.dry_run { "would move" } else { "moved" };
    errln!(
        "{pattern} {verb} from {} to {} ({:+}): {}, {}, {}",
        done.from,
        done.from + done.delta,
        done.delta,
        counted(
            project.entries.iter().filter(|e| pattern.matches_prefix(&e.path)).count(),
            "entry",
            "entries"
        ),
        counted(done.ranges, "range", "ranges"),
        counted(done.plan.edits.len(), "file", "files"),
    );
    let items = checklist(&project, &mut done, args.project.allow_outside_root);
    if items.is_empty() {
        errln!("checklist: nothing else in the project mentions the old ports");
    } else {
        errln!(
            "checklist: {} still {} the old ports",
            counted(items.len(), "place", "places"),
            if items.len() == 1 { "says" } else { "say" }
        );
        for item in &items {
            outln!("{item}");
        }
    }
    Ok(exit::OK)
}

/// What is left to do by hand, or by another portnix command, one line each.
fn checklist(before: &Project, done: &mut Renumbered, anywhere: bool) -> Vec<String> {
    let mut sources = std::mem::take(&mut done.after.sources);
    let synced = crate::sync::plan::plan(&done.after, &mut sources, anywhere).unwrap_or_default();
    done.after.sources = sources;
    let after = &done.after;
    let claimed = crate::lint::port_index(after);
    let mut moved: HashMap<i64, Vec<Moved>> = HashMap::new();
    for (old, new, name, selector) in &done.moved {
        if !claimed.contains_key(old) {
            let when = "before `portnix renumber`".to_string();
            moved.entry(*old).or_default().push(Moved {
                name: name.clone(),
                when,
                now: Some((*new, selector.clone())),
            });
        }
    }
    // The registry's own files are what renumber rewrote; sync targets are for `portnix sync`.
    let own: HashSet<String> = before.sources.paths().map(crate::syntax::display_path).collect();
    let mut synced_lines: HashSet<(String, u32)> = HashSet::new();
    let mut out = Vec::new();
    for f in synced.iter().filter(|f| f.before != f.after) {
        let name = crate::syntax::display_path(&f.path);
        for (i, (a, b)) in f.before.lines().zip(f.after.lines()).enumerate() {
            if a != b {
                synced_lines.insert((name.clone(), i as u32 + 1));
            }
        }
        out.push(format!("{}: a sync target out of date; run `portnix sync`", f.shown));
    }
    // Every file of the project once (git is asked once): lint passes over what it does not
    // read, and the generated files are looked for among all of them.
    let (files, scope) = crate::lint::project_files(after, false);
    let (findings, _) =
        crate::lint::lint(after, &files, scope.clone(), crate::lint::DEFAULT_MAX_FILE, Some(&moved));
    let mut refs: Vec<String> = findings
        .iter()
        .filter(|f| !own.contains(&f.location.file))
        .filter(|f| !synced_lines.contains(&(f.location.file.clone(), f.location.line)))
        .map(|f| format!("{}: {}: {}", f.location, f.port, f.suggestion))
        .collect();
    for (path, words) in crate::lint::generated_files(&files, scope) {
        let command = words.join(" ");
        let stale = match GenLine::try_parse_from(&words) {
            Ok(GenLine { command: GenOnly::Gen(gen_args) }) => super::gen_cmd::stale(after, &gen_args, &path),
            Err(_) => None,
        };
        let name = crate::syntax::display_path(&path);
        match stale {
            Some(false) => {}
            Some(true) => out.push(format!("{name}: generated, out of date; run `{command}`")),
            None => out.push(format!("{name}: generated by `{command}`; run it again")),
        }
    }
    refs.append(&mut out);
    refs
}
