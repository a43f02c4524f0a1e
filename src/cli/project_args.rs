use std::path::PathBuf;

use clap::Args;

use super::Evaluator;
use crate::registry::{LoadError, LoadOptions, Project, load};

/// Where the registry and config are, and how to evaluate them: shared by every command.
#[derive(Args, Debug, Clone)]
pub struct ProjectArgs {
    /// The registry; defaults to lib/ports.nix here or in the nearest parent directory.
    #[arg(long, global = true)]
    pub registry: Option<PathBuf>,
    /// The config; defaults to portnix.nix beside the registry, when it exists.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Allow `import` of files outside the project root (the nearest directory with flake.nix or .git).
    #[arg(long, global = true)]
    pub allow_outside_root: bool,
    /// Which Nix evaluator reads the files.
    #[arg(long, value_enum, default_value_t, global = true)]
    pub evaluator: Evaluator,
}

impl ProjectArgs {
    pub fn load(&self) -> Result<Project, LoadError> {
        load(&LoadOptions {
            registry: self.registry.clone(),
            config: self.config.clone(),
            allow_outside_root: self.allow_outside_root,
            use_nix: self.evaluator == Evaluator::Nix,
        })
    }
}
