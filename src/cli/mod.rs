//! The `portnix` command line.

mod check_cmd;
mod doctor_cmd;
mod edit_cmd;
mod error;
mod eval_cmd;
mod explain_cmd;
mod gen_cmd;
mod lease_cmd;
mod lease_run;
mod lint_cmd;
mod project_args;
mod query_cmd;
mod renumber_cmd;
mod serve_cmd;
mod shell_cmd;
mod sync_cmd;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "portnix", version, about = "Checked service ports from a Nix registry")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Check the registry: duplicates, ranges, reserved and invalid ports.
    Check(check_cmd::CheckArgs),
    /// List the entries, sorted by port.
    Ls(query_cmd::LsArgs),
    /// Who claims a port; if nobody, which range it falls in.
    Which(query_cmd::WhichArgs),
    /// Print one entry's port, for scripts: PGPORT=$(portnix get databases.postgresql).
    Get(query_cmd::GetArgs),
    /// The next free ports inside a range.
    Free(query_cmd::FreeArgs),
    /// Add an entry on a free port, written into the registry in its block's style.
    Add(edit_cmd::AddArgs),
    /// Remove an entry; every other byte of the file stays.
    Rm(edit_cmd::RmArgs),
    /// Move an entry to another path, keeping its value; the config's references move with it.
    Mv(edit_cmd::MvArgs),
    /// Give an entry another port, checked like `add --port`.
    Set(edit_cmd::SetArgs),
    /// Move a whole block to a new base (a let-bound base once, literals one by one, its
    /// ranges with it) and list what still says the old ports.
    Renumber(renumber_cmd::RenumberArgs),
    /// Find port numbers written out by hand where the registry should be referenced.
    Lint(lint_cmd::LintArgs),
    /// What is really listening on the registry's ports right now.
    Doctor(doctor_cmd::DoctorArgs),
    /// Generate files other tools read: firewall rules, process-compose, .env, JSON, Markdown.
    Gen(gen_cmd::GenArgs),
    /// Write registry ports into existing files (the config's `sync`), changing nothing else.
    Sync(sync_cmd::SyncArgs),
    /// Evaluate a Nix file and print it as JSON, as `nix-instantiate --eval --strict --json` does.
    Eval(eval_cmd::EvalArgs),
    /// Ports leased at run time from the config's pools: allocate, release, heartbeat, run...
    Lease(lease_cmd::LeaseArgs),
    /// Serve the lease API over HTTP (seed 004's REST API under /ports/).
    Serve(serve_cmd::ServeArgs),
    /// What a diagnostic code means, why it matters and an example; every code without one.
    Explain(explain_cmd::ExplainArgs),
    /// Print a completion script: `portnix completions bash > /etc/bash_completion.d/portnix`.
    Completions(shell_cmd::CompletionsArgs),
    /// Print the man page (roff): `portnix man > portnix.1`.
    Man,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Evaluator {
    /// portnix's own evaluator, with source locations.
    #[default]
    Portnix,
    /// The real `nix-instantiate`, for files outside portnix's subset; no source locations.
    Nix,
}

/// `--format` for commands with a report for people and one for programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Format {
    #[default]
    Human,
    Json,
}

/// Exit codes shared by every command.
pub(crate) mod exit {
    pub(crate) const OK: u8 = 0;
    pub(crate) const FINDINGS: u8 = 1;
    pub(crate) const FAILURE: u8 = 2;
}

pub fn run(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::FAILURE } else { exit::OK });
        }
    };
    let result: error::CliResult = match cli.command {
        Command::Check(args) => check_cmd::run(args),
        Command::Ls(args) => query_cmd::ls(args),
        Command::Which(args) => query_cmd::which(args),
        Command::Get(args) => query_cmd::get(args),
        Command::Free(args) => query_cmd::free(args),
        Command::Gen(args) => gen_cmd::run(args),
        Command::Doctor(args) => doctor_cmd::run(args),
        Command::Lint(args) => lint_cmd::run(args),
        Command::Add(args) => edit_cmd::add(args),
        Command::Rm(args) => edit_cmd::rm(args),
        Command::Mv(args) => edit_cmd::mv(args),
        Command::Set(args) => edit_cmd::set(args),
        Command::Renumber(args) => renumber_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Sync(args) => sync_cmd::run(args),
        Command::Lease(args) => lease_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Explain(args) => explain_cmd::run(args),
        Command::Completions(args) => shell_cmd::completions(args),
        Command::Man => shell_cmd::man(),
    };
    let code = result.unwrap_or_else(|e| {
        e.report();
        e.exit_code()
    });
    if let Some(e) = crate::stdio::finish() {
        crate::stdio::errln!("error: cannot write the output: {e}");
        return ExitCode::from(exit::FAILURE);
    }
    ExitCode::from(code)
}
