use std::path::PathBuf;

use clap::Args;

use super::exit;
use super::project_args::{ProjectArgs, pattern_arg};
use crate::check::{CheckOptions, check};
use crate::diagnostic::Severity;
use crate::generate::{GenOptions, Target, generate, output};

#[derive(Args, Debug)]
pub struct GenArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[arg(value_enum)]
    pub target: Target,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 with a diff if FILE differs from what would be generated; write nothing.
    #[arg(long, requires = "output")]
    pub check: bool,
    /// Generate even when `portnix check` finds errors.
    #[arg(long)]
    pub force: bool,
    /// env: put this before every variable name.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// Only entries under this dotted path.
    #[arg(long, value_name = "PATTERN")]
    pub only: Option<String>,
}

pub fn run(args: GenArgs) -> u8 {
    let project = match args.project.load_or_report() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let only = match args.only.as_deref().map(pattern_arg).transpose() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let findings = check(&project, &CheckOptions::default());
    let errors: Vec<_> = findings.iter().filter(|f| f.diag.severity == Severity::Error).cloned().collect();
    if !errors.is_empty() && !args.force {
        eprint!("{}", crate::report::human(&project.sources, &errors));
        eprintln!(
            "error: the registry has {} errors; nothing was generated (--force generates anyway)",
            errors.len()
        );
        return exit::FINDINGS;
    }
    let options = GenOptions {
        prefix: args.prefix.clone(),
        only,
        output: args.output.as_ref().map(|p| p.display().to_string()),
    };
    let generated = match generate(&project, args.target, &options) {
        Ok(g) => g,
        Err(diags) => {
            eprint!("{}", crate::diagnostic::render_all(&project.sources, &diags));
            return exit::FAILURE;
        }
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let Some(path) = &args.output else {
        print!("{}", generated.text);
        return exit::OK;
    };
    let want = match output::desired(path, &generated.text, args.target == Target::Markdown) {
        Ok(w) => w,
        Err(msg) => {
            eprintln!("error: {msg}");
            return exit::FAILURE;
        }
    };
    if args.check {
        return match output::drift(path, &want) {
            None => exit::OK,
            Some(diff) => {
                print!("{diff}");
                eprintln!(
                    "error: {} is out of date; run `portnix gen {} -o {}`",
                    path.display(),
                    args.target.name(),
                    path.display()
                );
                exit::FINDINGS
            }
        };
    }
    match output::write_atomic(path, &want) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            exit::FAILURE
        }
    }
}
