//! `--evaluator nix`: hands the file to the real `nix-instantiate`, for registries that use
//! more of Nix than portnix evaluates. Its results carry no source locations.

use std::path::Path;
use std::process::Command;

use super::error::{EvalError, EvalResult};
use crate::diagnostic::Code;

pub(crate) fn eval_json(file: &Path) -> EvalResult<String> {
    let out =
        Command::new("nix-instantiate").args(["--eval", "--strict", "--json"]).arg(file).output().map_err(
            |e| {
                EvalError::new(Code::NixNotFound, format!("cannot run nix-instantiate: {e}"))
                    .hint("install Nix (on Debian: apt-get install nix-bin), or drop `--evaluator nix`")
            },
        )?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(EvalError::new(Code::NixEvalFailed, format!("nix-instantiate failed:\n{}", stderr.trim_end())))
    }
}
