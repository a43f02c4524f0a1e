use std::path::PathBuf;

use clap::Args;

use super::error::CliError;
use crate::registry::load::AutoArg;
use crate::registry::load::Evaluator;
use crate::registry::{LoadError, LoadOptions, Project, load};

/// Where the registry and config are, and how to evaluate them: shared by every command.
#[derive(Args, Debug, Clone)]
pub(crate) struct ProjectArgs {
    /// The registry; defaults to lib/ports.nix here or in the nearest parent directory.
    #[arg(long, global = true)]
    pub(crate) registry: Option<PathBuf>,
    /// The config; defaults to portnix.nix beside the registry, when it exists.
    #[arg(long, global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Allow `import` of files outside the project root (the nearest directory with flake.nix or .git).
    #[arg(long, global = true)]
    pub(crate) allow_outside_root: bool,
    /// Which Nix evaluator reads the files.
    #[arg(long, value_enum, default_value_t, global = true)]
    pub(crate) evaluator: Evaluator,
    /// How long the real nix-instantiate may run, in seconds, when it evaluates the files.
    #[arg(long, value_name = "SECS", global = true)]
    pub(crate) nix_timeout: Option<u64>,
    /// End evaluation with an error past this much resident memory, in MiB (default: a quarter
    /// of the machine's).
    #[arg(long, value_name = "MIB", global = true)]
    pub(crate) max_memory: Option<u64>,
    /// For a registry that is a function ({ lib, env ? "dev", ... }:): the argument NAME is the
    /// Nix expression EXPR, as nix-instantiate's --arg. Takes the place of the config's `args.NAME`.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"], action = clap::ArgAction::Append, global = true)]
    pub(crate) arg: Vec<String>,
    /// Like --arg, with VALUE as a string.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "VALUE"], action = clap::ArgAction::Append, global = true)]
    pub(crate) argstr: Vec<String>,
    /// The nixpkgs whose `lib` a `{ lib, ... }:` registry gets (default: `<nixpkgs>` from
    /// NIX_PATH); it may be read though it lies outside the project root.
    #[arg(long, value_name = "DIR", global = true)]
    pub(crate) nixpkgs: Option<PathBuf>,
}

impl ProjectArgs {
    /// The registry file: given, or lib/ports.nix here or above.
    pub(crate) fn registry_file(&self) -> Result<std::path::PathBuf, CliError> {
        crate::registry::load::find_registry(self.registry.as_deref()).map_err(CliError::failure)
    }

    pub(crate) fn options(&self) -> LoadOptions {
        LoadOptions {
            registry: self.registry.clone(),
            config: self.config.clone(),
            allow_outside_root: self.allow_outside_root,
            evaluator: self.evaluator,
            nix_timeout: self.nix_timeout.map(std::time::Duration::from_secs),
            overlay: Default::default(),
            max_memory: self.max_memory.map(|m| m << 20).or_else(crate::eval::memory::default_limit),
            args: auto_args(&self.arg, &self.argstr),
            nixpkgs: self.nixpkgs.clone(),
        }
    }

    /// The project, saying once on stderr when the real Nix had to evaluate it.
    pub(crate) fn load(&self) -> Result<Project, LoadError> {
        let project = load(&self.options())?;
        if let Some(why) = &project.fallback {
            crate::stdio::errln!(
                "note: portnix's evaluator declined the registry: {}; nix-instantiate evaluated it instead \
                 (--evaluator portnix forbids this)",
                crate::stdio::escape(why)
            );
        }
        Ok(project)
    }
}

/// For `--live`: the ports bound right now.
pub(crate) fn live_ports(live: bool) -> Result<Vec<i64>, CliError> {
    if !live {
        return Ok(Vec::new());
    }
    let listeners = crate::live::listeners().map_err(CliError::failure)?;
    Ok(listeners.into_iter().map(|l| i64::from(l.port)).collect())
}

/// A dotted path from the command line.
pub(crate) fn pattern_arg(text: &str) -> Result<crate::registry::path::Pattern, CliError> {
    crate::registry::path::Pattern::parse(text).ok_or_else(|| {
        CliError::failure(format!(
            "'{text}' is not a dotted path (names separated by dots, `*` for any one name)"
        ))
    })
}

/// `--arg NAME EXPR` and `--argstr NAME VALUE` pairs, as clap collects them flat.
pub(crate) fn auto_args(arg: &[String], argstr: &[String]) -> Vec<(String, AutoArg)> {
    let pairs = |v: &[String], make: fn(String) -> AutoArg| -> Vec<(String, AutoArg)> {
        v.chunks_exact(2).map(|p| (p[0].clone(), make(p[1].clone()))).collect()
    };
    let mut out = pairs(arg, AutoArg::Expr);
    out.extend(pairs(argstr, AutoArg::Str));
    out
}
