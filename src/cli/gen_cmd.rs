use std::path::PathBuf;

use clap::Args;

use super::error::CliResult;
use super::exit;
use super::project_args::{ProjectArgs, pattern_arg};
use crate::check::{CheckOptions, check};
use crate::diagnostic::Severity;
use crate::files::{self, Lock, WriteError, guard};
use crate::generate::{GenOptions, Target, generate, output};

#[derive(Args, Debug)]
pub(crate) struct GenArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[arg(value_enum)]
    pub(crate) target: Target,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exit 1 with a diff if FILE differs from what would be generated; write nothing.
    #[arg(long, requires = "output")]
    pub(crate) check: bool,
    /// Generate even when `portnix check` finds errors, and replace FILE even when portnix did
    /// not generate it (never the registry, the config or their imports).
    #[arg(long)]
    pub(crate) force: bool,
    /// env: put this before every variable name.
    #[arg(long, default_value = "")]
    pub(crate) prefix: String,
    /// Only entries under this dotted path.
    #[arg(long, value_name = "PATTERN")]
    pub(crate) only: Option<String>,
    /// nftables: a complete firewall table that drops what is not open, instead of
    /// definitions to include in your own table.
    #[arg(long)]
    pub(crate) standalone: bool,
    /// nftables --standalone: generate even though no SSH port is open.
    #[arg(long, requires = "standalone")]
    pub(crate) without_ssh: bool,
    /// compose: the address published ports listen on (default 127.0.0.1, loopback only).
    #[arg(long, value_name = "ADDR")]
    pub(crate) host: Option<String>,
    /// compose: write each port as the variable `portnix gen env` exports (`${API_PORT:?...}`),
    /// for compose to substitute from .env.
    #[arg(long)]
    pub(crate) env_vars: bool,
    /// env: one file per part of the registry PATTERN matches (`--per '*'`: each environment),
    /// with the same variable names in each; FILE names them with {} (`-o '.env.{}'`).
    /// With `gen compose --env-vars`, the compose file references those same names, so one
    /// file serves every environment's .env (`docker compose --env-file .env.development`).
    #[arg(long, value_name = "PATTERN")]
    pub(crate) per: Option<String>,
}

impl GenArgs {
    fn options(&self) -> Result<GenOptions, super::error::CliError> {
        Ok(GenOptions {
            prefix: self.prefix.clone(),
            only: self.only.as_deref().map(pattern_arg).transpose()?,
            output: self.output.as_ref().map(|p| p.display().to_string()),
            standalone: self.standalone,
            without_ssh: self.without_ssh,
            host: self.host.clone(),
            env_vars: self.env_vars,
            per: self.per.as_deref().map(pattern_arg).transpose()?,
        })
    }
}

/// Whether `path`, which `args` generated, differs from what they generate from `project`;
/// `None` when they cannot generate it (the caller then only names the command).
pub(crate) fn stale(
    project: &crate::registry::Project,
    args: &GenArgs,
    path: &std::path::Path,
) -> Option<bool> {
    let options = args.options().ok()?;
    let text = if options.per.is_some() && args.target == Target::Env {
        let template = args.output.as_ref()?.file_name()?.to_string_lossy().to_string();
        let name = path.file_name()?.to_string_lossy().to_string();
        let parts = crate::generate::generate_env_per(project, &options).ok()?;
        parts.into_iter().find(|(part, _)| template.replace("{}", &file_part(part)) == name)?.1
    } else {
        generate(project, args.target, &options).ok()?.text
    };
    let old = std::fs::read(path).ok()?;
    let want = output::desired(path, Some(&old), &text, args.target == Target::Markdown, true).ok()?;
    Some(want.as_bytes() != old.as_slice())
}

pub(crate) fn run(args: GenArgs) -> CliResult {
    let per = args.per.as_deref().map(pattern_arg).transpose()?;
    if per.is_some() && !(args.target == Target::Env || args.target == Target::Compose && args.env_vars) {
        return Err(super::error::CliError::failure(
            "--per is for `gen env`, and `gen compose --env-vars` (which then names the variables as it does)".to_string(),
        ));
    }
    if per.is_some()
        && args.target == Target::Env
        && !args.output.as_ref().is_some_and(|o| o.to_string_lossy().contains("{}"))
    {
        return Err(super::error::CliError::failure(
            "--per writes one file per part: name them with {} in -o, as -o '.env.{}'".to_string(),
        ));
    }
    let project = args.project.load()?;
    let findings = check(&project, &CheckOptions::default());
    let errors: Vec<_> = findings.iter().filter(|f| f.diag.severity() == Severity::Error).cloned().collect();
    // The map draws the findings: errors are what it is for.
    if !errors.is_empty() && !args.force && args.target != Target::Html {
        crate::stdio::write_err_rendered(&crate::report::human_with(
            &project.sources,
            &errors,
            crate::diagnostic::colour(),
        ));
        crate::stdio::errln!(
            "error: the registry has {}; nothing was generated (--force generates anyway)",
            crate::report::counted(errors.len(), "error", "errors")
        );
        return Ok(exit::FINDINGS);
    }
    let options = args.options()?;
    if let Some(only) = &options.only
        && !project.entries.iter().any(|e| only.matches_prefix(&e.path))
    {
        crate::stdio::errln!("warning: --only {only} matches no entry; the output holds no ports");
    }
    if options.per.is_some() && args.target == Target::Env {
        let files = crate::generate::generate_env_per(&project, &options).map_err(|diags| {
            super::error::CliError::Rendered(crate::diagnostic::render_all_with(
                &project.sources,
                &diags,
                crate::diagnostic::colour(),
            ))
        })?;
        let template = args.output.as_ref().map(|o| o.to_string_lossy().to_string()).unwrap_or_default();
        let mut code = exit::OK;
        for (part, text) in &files {
            let path = PathBuf::from(template.replace("{}", &file_part(part)));
            code = code.max(write_output(&project, &args, &path, text)?);
        }
        if files.is_empty() {
            crate::stdio::errln!("warning: --per matched no part of the registry; nothing was written");
        }
        return Ok(code);
    }
    let generated = match generate(&project, args.target, &options) {
        Ok(g) => g,
        Err(diags) => {
            crate::stdio::write_err_rendered(&crate::diagnostic::render_all_with(
                &project.sources,
                &diags,
                crate::diagnostic::colour(),
            ));
            return Ok(exit::FAILURE);
        }
    };
    for w in &generated.warnings {
        crate::stdio::errln!("warning: {w}");
    }
    let Some(path) = &args.output else {
        crate::stdio::out!("{}", generated.text);
        return Ok(exit::OK);
    };
    Ok(write_output(&project, &args, path, &generated.text)?)
}

/// A part of the registry's name as one component of a file name: a name can hold anything
/// a Nix string can, and `../../x` or `a/b` must not choose where the file goes. `/`, `%`
/// and NUL are written `%2F`, `%25`, `%00`; `.` and `..` as `%2E`, `%2E%2E`.
pub(crate) fn file_part(part: &str) -> String {
    match part {
        "" => "%".into(),
        "." => "%2E".into(),
        ".." => "%2E%2E".into(),
        _ => part.replace('%', "%25").replace('/', "%2F").replace('\0', "%00"),
    }
}

/// Whether `path` (to be written) lies inside the project root, through symlinks and `..`.
fn inside_root(project: &crate::registry::Project, path: &std::path::Path) -> Result<(), WriteError> {
    let root = project.root.clone().or_else(|| project.registry_file.parent().map(PathBuf::from));
    match root {
        Some(root) if !crate::files::inside::is_inside(path, &root) => {
            Err(WriteError::OutsideRoot { path: path.to_path_buf(), root })
        }
        _ => Ok(()),
    }
}

/// Writes (or with `--check`, compares) FILE under its directory's lock, so two runs never
/// interleave and the file is always the old version or the new one.
fn write_output(
    project: &crate::registry::Project,
    args: &GenArgs,
    path: &std::path::Path,
    text: &str,
) -> Result<u8, WriteError> {
    let inputs: Vec<(PathBuf, &str)> = project
        .sources
        .paths()
        .map(|p| {
            let what = if *p == project.registry_file {
                "the registry"
            } else if project.config_file.as_deref() == Some(p) {
                "the config"
            } else {
                "a file the registry or config imports"
            };
            (p.to_path_buf(), what)
        })
        .collect();
    guard::not_an_input(path, &inputs)?;
    if !args.project.allow_outside_root {
        inside_root(project, path)?;
    }
    let lock = Lock::for_file(path)?;
    let old = match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
            return Err(WriteError::NotAFile { path: path.into() });
        }
        Err(e) => return Err(WriteError::Io { path: path.into(), source: e }),
    };
    let splice = args.target == Target::Markdown;
    // `--check` refuses what `-o` would refuse: a diff that replaces a hand-written README
    // whole is not the drift anyone asked about.
    let want = output::desired(path, old.as_deref(), text, splice, args.force)?;
    if args.check {
        return Ok(match output::drift(path, old.as_deref(), &want) {
            None => exit::OK,
            Some(diff) => {
                crate::stdio::out!("{diff}");
                crate::stdio::errln!(
                    "error: {} is out of date; run `portnix gen {} -o {}`",
                    path.display(),
                    args.target.name(),
                    path.display()
                );
                exit::FINDINGS
            }
        });
    }
    if old.as_deref() == Some(want.as_bytes()) {
        return Ok(exit::OK);
    }
    files::replace(&lock, path, want.as_bytes(), old.as_deref())?;
    Ok(exit::OK)
}
