//! Nix's own language tests (`tests/functional/lang` of the Nix repository), when
//! `PORTNIX_NIX_LANG_TESTS` names that folder; the suite is not part of this repository. Each
//! `eval-okay-*.nix` is evaluated by portnix and by the `nix-instantiate` here, and sorted into:
//! portnix agrees; portnix declines (an unsupported builtin or construct, which it says);
//! Nix itself fails (the suite is newer than Nix 2.8); portnix differs from Nix 2.8 but gives
//! the suite's own expected value (`.exp`, what today's Nix gives, where 2.8 had a bug); portnix
//! stops at its own depth or step limit, saying so; the test needs flags portnix has no use for
//! (`.flags` beyond `--arg`, `--argstr`, `-A`: lints, `-I`, experimental features); or portnix
//! is wrong (another value, or an error where Nix has a value). The table is printed, and any
//! wrong value fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, PartialEq)]
enum Outcome {
    Agree,
    Declined,
    NixFails,
    NeedsFlags,
    AgreesWithSuite,
    Limit,
    Wrong(String),
}

fn run(cmd: &mut Command, dir: &Path) -> Result<serde_json::Value, String> {
    // The suite's own harness sets these.
    let out = cmd.current_dir(dir).env("TEST_VAR", "foo").env("NIX_PATH", "").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_str(&stdout).map_err(|e| format!("not JSON ({e}): {stdout}"))
}

/// A test's `.flags`, when it has them: portnix takes `--arg`, `--argstr` and `-A` as
/// nix-instantiate does, and nothing else.
fn flags(file: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(file.with_extension("flags")).ok()?;
    Some(text.split_whitespace().map(String::from).collect())
}

fn portnix_takes(flags: &[String]) -> bool {
    let mut rest = flags.iter();
    while let Some(f) = rest.next() {
        let values = match f.as_str() {
            "--arg" | "--argstr" => 2,
            "-A" => 1,
            _ => return false,
        };
        if rest.by_ref().take(values).count() != values {
            return false;
        }
    }
    true
}

fn classify(file: &Path) -> Outcome {
    let flags = flags(file);
    // The suite runs a test with flags from its parent folder: they name files as `lang/...`.
    let dir = match flags {
        Some(_) => file.parent().unwrap().parent().unwrap(),
        None => file.parent().unwrap(),
    };
    let flags = flags.unwrap_or_default();
    let theirs = run(
        Command::new("nix-instantiate").args(&flags).args(["--eval", "--strict", "--json"]).arg(file),
        dir,
    );
    let Ok(theirs) = theirs else { return Outcome::NixFails };
    if !portnix_takes(&flags) {
        return Outcome::NeedsFlags;
    }
    // The suite reads its own neighbours (`./..`), as Nix runs it, unconfined: the comparison
    // is of the evaluators, not of portnix's project-root confinement.
    let ours = run(
        Command::new(env!("CARGO_BIN_EXE_portnix"))
            .args(["eval", "--allow-outside-root"])
            .args(&flags)
            .arg(file),
        dir,
    );
    match ours {
        Ok(ours) if ours == theirs => Outcome::Agree,
        Ok(ours) if expected(file).is_some_and(|want| want == ours) => Outcome::AgreesWithSuite,
        Ok(ours) => Outcome::Wrong(format!("portnix {ours}\n    nix     {theirs}")),
        Err(e) if e.contains("error[unsupported") => Outcome::Declined,
        Err(e) if e.contains("error[stack-overflow]") || e.contains("error[resource-limit]") => {
            Outcome::Limit
        }
        Err(e) => Outcome::Wrong(format!("portnix failed: {}", e.lines().next().unwrap_or(""))),
    }
}

/// The suite's expected value: its `.exp` file is a Nix value, written with `/pwd/lang` for
/// the suite's folder.
fn expected(file: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(file.with_extension("exp")).ok()?;
    let dir = file.parent()?;
    let text = text.replace("/pwd/lang", &dir.display().to_string());
    run(Command::new("nix-instantiate").args(["--eval", "--strict", "--json", "--expr"]).arg(text), dir).ok()
}

#[test]
fn nix_language_suite() {
    let Some(dir) = std::env::var_os("PORTNIX_NIX_LANG_TESTS").map(PathBuf::from) else {
        eprintln!("PORTNIX_NIX_LANG_TESTS is not set: Nix's language suite not run");
        return;
    };
    assert!(common::nix_available(), "the suite is compared with nix-instantiate");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("eval-okay-") && name.ends_with(".nix")
        })
        .collect();
    files.sort();
    let results: Vec<(PathBuf, Outcome)> = files.into_iter().map(|f| (f.clone(), classify(&f))).collect();
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|(_, o)| f(o)).count();
    let wrong: Vec<String> = results
        .iter()
        .filter_map(|(f, o)| match o {
            Outcome::Wrong(why) => Some(format!("{}:\n    {why}", f.file_name().unwrap().to_string_lossy())),
            _ => None,
        })
        .collect();
    eprintln!(
        "Nix's language suite, {} eval-okay tests: {} agree, {} declined by portnix, {} fail in this Nix, \
         {} agree with the suite where this Nix differs, {} stop at portnix's limits, {} need other flags, {} wrong",
        results.len(),
        count(|o| *o == Outcome::Agree),
        count(|o| *o == Outcome::Declined),
        count(|o| *o == Outcome::NixFails),
        count(|o| *o == Outcome::AgreesWithSuite),
        count(|o| *o == Outcome::Limit),
        count(|o| *o == Outcome::NeedsFlags),
        wrong.len()
    );
    for (f, o) in &results {
        let kind = match o {
            Outcome::Declined => "declined",
            Outcome::AgreesWithSuite => "agrees with the suite, not this Nix",
            Outcome::Limit => "portnix's limit",
            _ => continue,
        };
        eprintln!("  {kind}: {}", f.file_name().unwrap().to_string_lossy());
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}
