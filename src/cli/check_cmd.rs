use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::error::{CliError, CliResult};
use super::exit;
use super::project_args::ProjectArgs;
use crate::check::{CheckOptions, check, services_db::ServicesDb};
use crate::diagnostic::Severity;
use crate::report;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Format {
    /// rustc-style, with the source line.
    #[default]
    Human,
    /// A JSON array of findings.
    Json,
    /// GitHub Actions workflow annotations.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
    /// Warn about ports registered under other names in this file (/etc/services format).
    #[arg(long, value_name = "FILE")]
    pub(crate) services: Option<PathBuf>,
    /// Also list live leases (`portnix lease`) that the registry, as it is now, no longer lets
    /// them hold; they are findings (exit 1). Reads the lease store only when given.
    #[arg(long)]
    pub(crate) leases: bool,
    #[command(flatten)]
    pub(crate) store: super::lease_cmd::StoreArgs,
}

pub(crate) fn run(args: CheckArgs) -> CliResult {
    let project = match args.project.load() {
        Ok(p) => p,
        Err(e) => {
            // CI reads the machine formats: a registry that cannot be read is a finding too.
            if args.format != Format::Human {
                let findings: Vec<crate::check::Finding> = e
                    .diagnostics
                    .iter()
                    .map(|d| crate::check::Finding { diag: d.clone(), paths: Vec::new() })
                    .collect();
                crate::stdio::out!("{}", render(args.format, &e.sources, &findings));
            }
            return Err(e.into());
        }
    };
    let mut options = CheckOptions::default();
    if let Some(file) = &args.services {
        match std::fs::read_to_string(file) {
            Ok(text) => options.services = Some(ServicesDb::parse(&file.display().to_string(), &text)),
            Err(e) => return Err(CliError::failure(format!("cannot read {}: {e}", file.display()))),
        }
    }
    let mut findings = crate::timing::phase("check", || check(&project, &options));
    if args.leases {
        findings.extend(super::lease_cmd::colliding_leases(&project, &args.store)?);
    }
    let sources = &project.sources;
    let text = match args.format {
        Format::Human => {
            let mut t = report::human_with(sources, &findings, crate::diagnostic::colour());
            t.push_str(&format!(
                "{}: {}\n",
                crate::stdio::escape(&crate::syntax::display_path(&project.registry_file)),
                report::summary(&findings, project.entries.len())
            ));
            t
        }
        other => render(other, sources, &findings),
    };
    match args.format {
        Format::Human => crate::stdio::write_out(&text),
        _ => crate::stdio::out!("{text}"),
    }
    let errors = findings.iter().any(|f| f.diag.severity() == Severity::Error);
    let warnings = findings.iter().any(|f| f.diag.severity() == Severity::Warning);
    project.leak();
    Ok(if errors || (args.deny_warnings && warnings) { exit::FINDINGS } else { exit::OK })
}

fn render(format: Format, sources: &crate::syntax::Sources, findings: &[crate::check::Finding]) -> String {
    match format {
        Format::Human => report::human(sources, findings),
        Format::Json => report::json(sources, findings),
        Format::Github => report::github(sources, findings),
        Format::Sarif => report::sarif(sources, findings),
    }
}
