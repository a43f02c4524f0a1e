use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::error::{CliError, CliResult};
use super::{Evaluator, exit};
use crate::eval::{Instantiate, eval_to_json, nix_cli};
use crate::registry::load::find_registry;

#[derive(Args, Debug)]
pub(crate) struct EvalArgs {
    /// The file to evaluate; defaults to the registry (lib/ports.nix here or above).
    pub(crate) file: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) evaluator: Evaluator,
    /// Allow `import` of files outside the project root (the nearest directory with flake.nix or .git).
    #[arg(long)]
    pub(crate) allow_outside_root: bool,
    /// Call the file's function with NAME set to the Nix expression EXPR, as nix-instantiate's --arg.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"], action = clap::ArgAction::Append)]
    pub(crate) arg: Vec<String>,
    /// Like --arg, with VALUE as a string.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "VALUE"], action = clap::ArgAction::Append)]
    pub(crate) argstr: Vec<String>,
    /// Print only this attribute path of the value (`databases.postgresql`; a number indexes a list).
    #[arg(short = 'A', long = "attr", value_name = "PATH")]
    pub(crate) attr: Option<String>,
}

pub(crate) fn run(args: EvalArgs) -> CliResult {
    let file = find_registry(args.file.as_deref()).map_err(CliError::failure)?;
    let how = Instantiate {
        allow_outside_root: args.allow_outside_root,
        args: super::project_args::auto_args(&args.arg, &args.argstr),
        attr: args.attr.clone(),
    };
    let json = match args.evaluator {
        // nix-instantiate's own words, as it wrote them.
        Evaluator::Nix => {
            nix_cli::eval_json(&file, &how).map_err(|e| CliError::Rendered(e.diag.message.clone()))?
        }
        Evaluator::Portnix => eval_to_json(&file, &how)?,
    };
    // nix-instantiate ends its JSON without a newline; keep that for pipes, but not for people.
    let nl = if std::io::stdout().is_terminal() { "\n" } else { "" };
    crate::stdio::out!("{json}{nl}");
    Ok(exit::OK)
}
