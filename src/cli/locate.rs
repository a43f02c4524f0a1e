//! Finding the registry: `--registry`, else `lib/ports.nix` here or in the nearest ancestor.

use std::path::{Path, PathBuf};

pub const REGISTRY: &str = "lib/ports.nix";

pub fn find_registry(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    cwd.ancestors().map(|d| d.join(REGISTRY)).find(|p| p.is_file()).ok_or_else(|| {
        format!(
            "no {REGISTRY} in {} or any parent directory; pass the file, or --registry PATH",
            cwd.display()
        )
    })
}
