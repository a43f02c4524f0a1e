use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::{Evaluator, exit};
use crate::eval::{eval_to_json, nix_cli};
use crate::registry::load::find_registry;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The file to evaluate; defaults to the registry (lib/ports.nix here or above).
    pub file: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub evaluator: Evaluator,
    /// Allow `import` of files outside the project root (the nearest directory with flake.nix or .git).
    #[arg(long)]
    pub allow_outside_root: bool,
}

pub fn run(args: EvalArgs) -> u8 {
    let file = match find_registry(args.file.as_deref()) {
        Ok(f) => f,
        Err(msg) => {
            crate::stdio::errln!("error: {msg}");
            return exit::FAILURE;
        }
    };
    let result = match args.evaluator {
        Evaluator::Nix => nix_cli::eval_json(&file).map_err(|e| e.diag.message.clone()),
        Evaluator::Portnix => eval_to_json(&file, args.allow_outside_root),
    };
    match result {
        Ok(json) => {
            let mut out = std::io::stdout().lock();
            // nix-instantiate ends its JSON without a newline; keep that for pipes, but not for people.
            let nl = if std::io::stdout().is_terminal() { "\n" } else { "" };
            let _ = write!(out, "{json}{nl}");
            exit::OK
        }
        Err(rendered) => {
            crate::stdio::err!("{rendered}");
            exit::FAILURE
        }
    }
}
