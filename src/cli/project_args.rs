use std::path::PathBuf;

use clap::Args;

use super::Evaluator;
use super::error::CliError;
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
    /// End evaluation with an error past this much resident memory, in MiB (default: a quarter
    /// of the machine's).
    #[arg(long, value_name = "MIB", global = true)]
    pub(crate) max_memory: Option<u64>,
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
            use_nix: self.evaluator == Evaluator::Nix,
            overlay: Default::default(),
            max_memory: self.max_memory.map(|m| m << 20).or_else(crate::eval::memory::default_limit),
        }
    }

    pub(crate) fn load(&self) -> Result<Project, LoadError> {
        load(&self.options())
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
