//! `portnix explain [CODE]`: a code's documentation, or the list of codes, from `Code`'s table.

use clap::Args;

use super::error::{CliError, CliResult};
use super::{Format, exit};
use crate::diagnostic::Code;

#[derive(Args, Debug)]
pub(crate) struct ExplainArgs {
    /// The code, as in `error[duplicate-port]`; without it, every code with one line each.
    pub(crate) code: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
}

pub(crate) fn run(args: ExplainArgs) -> CliResult {
    let codes = match &args.code {
        None => Code::ALL.to_vec(),
        Some(name) => match Code::parse(name) {
            Some(code) => vec![code],
            None => {
                let names = Code::ALL.iter().map(|c| c.as_str());
                let hint = match crate::suggest::nearest(name, names) {
                    Some(near) => format!("did you mean '{near}'?"),
                    None => "`portnix explain` lists every code".to_string(),
                };
                return Err(CliError::failure(format!("there is no code '{name}'")).with_hint(hint));
            }
        },
    };
    match (args.format, &args.code) {
        (Format::Json, _) => {
            let docs: Vec<_> = codes.iter().map(|c| c.doc()).collect();
            crate::stdio::out!("{}", crate::report::pretty_json(&docs));
        }
        (Format::Human, Some(_)) => crate::stdio::out!("{}", codes[0].explain()),
        (Format::Human, None) => {
            let width = codes.iter().map(|c| c.as_str().len()).max().unwrap_or(0);
            for c in codes {
                crate::stdio::outln!(
                    "{:width$}  {:7}  {}",
                    c.as_str(),
                    c.severity().to_string(),
                    c.doc().what
                );
            }
        }
    }
    Ok(exit::OK)
}
