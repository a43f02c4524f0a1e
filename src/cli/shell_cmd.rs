//! `portnix completions SHELL` and `portnix man`: what a package installs beside the binary,
//! generated from the same clap definition the command line parses with, so they never drift.

use clap::{Args, CommandFactory};

use super::{Cli, exit};

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn completions(args: CompletionsArgs) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "portnix", &mut script);
    crate::stdio::write_out(&String::from_utf8_lossy(&script));
    exit::OK
}

pub fn man() -> u8 {
    let mut page = Vec::new();
    // Writing into a Vec cannot fail; an error here would be clap_mangen's own.
    match clap_mangen::Man::new(Cli::command()).render(&mut page) {
        Ok(()) => {
            crate::stdio::write_out(&String::from_utf8_lossy(&page));
            exit::OK
        }
        Err(e) => {
            crate::stdio::errln!("error: cannot render the man page: {e}");
            exit::FAILURE
        }
    }
}
