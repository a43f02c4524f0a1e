//! The `portnix` command line.

mod eval_cmd;
mod locate;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "portnix", version, about = "Checked service ports from a Nix registry")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Evaluate a Nix file and print it as JSON, as `nix-instantiate --eval --strict --json` does.
    Eval(eval_cmd::EvalArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Evaluator {
    /// portnix's own evaluator, with source locations.
    #[default]
    Portnix,
    /// The real `nix-instantiate`, for files outside portnix's subset; no source locations.
    Nix,
}

/// Exit codes shared by every command.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const FAILURE: u8 = 2;
}

pub fn run(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::FAILURE } else { exit::OK });
        }
    };
    let code = match cli.command {
        Command::Eval(args) => eval_cmd::run(args),
    };
    ExitCode::from(code)
}
