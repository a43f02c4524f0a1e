//! `--evaluator nix`: hands the file to the real `nix-instantiate`, for registries that use
//! more of Nix than portnix evaluates. Its results carry no source locations.

use std::path::Path;
use std::process::Command;

use super::error::{EvalError, EvalResult};
use crate::diagnostic::Code;

pub(crate) fn eval_json(file: &Path, how: &super::Instantiate) -> EvalResult<String> {
    let mut cmd = Command::new("nix-instantiate");
    cmd.args(["--eval", "--strict", "--json"]);
    for (name, arg) in &how.args {
        match arg {
            super::AutoArg::Expr(e) => cmd.args(["--arg", name, e]),
            super::AutoArg::Str(v) => cmd.args(["--argstr", name, v]),
        };
    }
    if let Some(attr) = &how.attr {
        cmd.args(["-A", attr]);
    }
    let out = cmd.arg(file).output().map_err(|e| {
        EvalError::new(Code::NixNotFound, format!("cannot run nix-instantiate: {e}"))
            .hint("install Nix (on Debian: apt-get install nix-bin), or drop `--evaluator nix`")
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(EvalError::new(Code::NixEvalFailed, format!("nix-instantiate failed:\n{}", stderr.trim_end())))
    }
}
