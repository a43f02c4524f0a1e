use clap::Args;

use super::error::{CliError, CliResult};
use super::project_args::{ProjectArgs, pattern_arg};
use super::{Format, exit};
use crate::live::{Status, doctor, listeners};

#[derive(Args, Debug)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// Only entries under this dotted path.
    pub(crate) pattern: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
    /// Also list listeners inside a configured range that no entry claims.
    #[arg(long)]
    pub(crate) strays: bool,
}

pub(crate) fn run(args: DoctorArgs) -> CliResult {
    let project = args.project.load()?;
    let pattern = args.pattern.as_deref().map(pattern_arg).transpose()?;
    let live = listeners().map_err(CliError::failure)?;
    let report = doctor(&project, pattern.as_ref(), &live, args.strays);
    match args.format {
        Format::Json => {
            crate::stdio::out!("{}", crate::report::pretty_json(&report))
        }
        Format::Human => {
            for e in &report.entries {
                let who = |l: &crate::live::Listener| {
                    let pid = l.pid.map_or("?".to_string(), |p| p.to_string());
                    let cmd = l.command.clone().unwrap_or_else(|| "unknown".into());
                    format!("{cmd} (pid {pid}) on {}:{}/{}", l.address, l.port, l.protocol.as_str())
                };
                let owners: Vec<String> = e.listeners.iter().map(who).collect();
                match &e.status {
                    Status::Free => crate::stdio::houtln!("free       {:<11} {}", e.ports, e.path),
                    Status::Listening => {
                        crate::stdio::houtln!("listening  {:<11} {}  {}", e.ports, e.path, owners.join(", "))
                    }
                    Status::Taken { expected } => crate::stdio::houtln!(
                        "TAKEN      {:<11} {}  by {}, but {expected} should own it",
                        e.ports,
                        e.path,
                        owners.join(", ")
                    ),
                    Status::UnknownOwner { expected } => crate::stdio::houtln!(
                        "UNKNOWN    {:<11} {}  bound by a process this user cannot see; {expected} should own it (run as root to see who)",
                        e.ports,
                        e.path
                    ),
                }
            }
            for l in &report.strays {
                crate::stdio::houtln!(
                    "stray      {:<11} {} (pid {}) on {}, which no entry claims",
                    l.port,
                    l.command.as_deref().unwrap_or("unknown"),
                    l.pid.map_or("?".to_string(), |p| p.to_string()),
                    l.address
                );
            }
        }
    }
    Ok(if report.conflicts() > 0 { exit::FINDINGS } else { exit::OK })
}
