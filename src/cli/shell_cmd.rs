//! `portnix completions SHELL` and `portnix man`: what a package installs beside the binary,
//! generated from the same clap definition the command line parses with, so they never drift.

use clap::{Args, CommandFactory};

use super::error::{CliError, CliResult};
use super::{Cli, exit};

#[derive(Args, Debug)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

pub(crate) fn completions(args: CompletionsArgs) -> CliResult {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "portnix", &mut script);
    crate::stdio::write_out(&String::from_utf8_lossy(&script));
    Ok(exit::OK)
}

pub(crate) fn man() -> CliResult {
    let mut page = Vec::new();
    // Writing into a Vec cannot fail; an error here would be clap_mangen's own.
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| CliError::failure(format!("cannot render the man page: {e}")))?;
    crate::stdio::write_out(&String::from_utf8_lossy(&page));
    Ok(exit::OK)
}
