//! nixpkgs' `lib` evaluated by portnix's own evaluator, against Nix 2.8, when
//! `PORTNIX_NIXPKGS_LIB` names a nixpkgs checkout (or nix-community/nixpkgs.lib, its `lib`
//! alone); neither is part of this repository. Two parts:
//!
//! - lib's own tests (`lib/tests/misc.nix`, one `{ expr; expected; }` per test, for
//!   lib.strings, lib.lists, lib.attrsets and the rest): each test's `expr` and `expected` are
//!   evaluated by both, one test at a time, since Nix 2.8 stops on a test that needs a newer
//!   Nix. The checkout is copied first: the copy of misc.nix gives the tests as a set instead
//!   of handing them to `runTests`.
//! - `lib.evalModules` on small modules written for this test, the shapes module registries
//!   use.
//!
//! Each is sorted into agree, declined by portnix (a derivation, the store, getEnv), fails in
//! this Nix, or wrong; any wrong value fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, PartialEq)]
enum Outcome {
    Agree,
    Declined,
    NixFails,
    Wrong(String),
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else if ty.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn nix(file: &Path) -> Result<serde_json::Value, String> {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(file)
        .env("NIX_PATH", "")
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

fn compare(file: &Path) -> Outcome {
    let Ok(theirs) = nix(file) else { return Outcome::NixFails };
    match common::portnix_eval(file) {
        Ok(ours) if serde_json::from_str::<serde_json::Value>(&ours).unwrap() == theirs => Outcome::Agree,
        Ok(ours) => Outcome::Wrong(format!("portnix {ours}\n    nix     {theirs}")),
        Err(e) if e.contains("error[unsupported") => Outcome::Declined,
        Err(e) => Outcome::Wrong(format!("portnix failed: {}", e.lines().next().unwrap_or(""))),
    }
}

/// The small modules: (name, the module list, what to print of the result).
const MODULES: &[(&str, &str, &str)] = &[
    (
        "ports as attrsOf port, with a default and a definition",
        r#"[ ({ lib, ... }: { options.ports = lib.mkOption { type = lib.types.attrsOf lib.types.port; default = { }; }; })
            { ports.web = 8080; } { ports.db = lib.mkDefault 5432; } ]"#,
        "config",
    ),
    (
        "priorities: mkForce beats a plain definition, which beats mkDefault",
        r#"[ { options.p = lib.mkOption { type = lib.types.int; }; }
            { p = lib.mkDefault 1; } { p = 2; } { p = lib.mkForce 3; } ]"#,
        "config",
    ),
    (
        "mkIf and mkMerge",
        r#"[ { options.a = lib.mkOption { type = lib.types.attrsOf lib.types.int; default = { }; };
               options.on = lib.mkOption { type = lib.types.bool; default = false; }; }
             ({ config, ... }: { a = lib.mkMerge [ { x = 1; } (lib.mkIf config.on { y = 2; }) ]; })
             { on = true; } ]"#,
        "config",
    ),
    (
        "a submodule per service, with defaults",
        r#"[ { options.services = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule {
                 options.port = lib.mkOption { type = lib.types.port; };
                 options.protocol = lib.mkOption { type = lib.types.enum [ "tcp" "udp" ]; default = "tcp"; };
               }); default = { }; }; }
             { services.dns = { port = 53; protocol = "udp"; }; }
             { services.web.port = 80; } ]"#,
        "config",
    ),
    (
        "lists of ports merge in order",
        r#"[ { options.open = lib.mkOption { type = lib.types.listOf lib.types.port; default = [ ]; }; }
             { open = [ 22 ]; } { open = lib.mkBefore [ 80 ]; } { open = lib.mkAfter [ 443 ]; } ]"#,
        "config",
    ),
    (
        "a bad port is a type error caught by tryEval",
        r#"[ { options.p = lib.mkOption { type = lib.types.port; }; } { p = 70000; } ]"#,
        "(builtins.tryEval (builtins.deepSeq config config)).success",
    ),
    (
        "options with descriptions, read back",
        r#"[ { options.p = lib.mkOption { type = lib.types.port; default = 8080; description = "the web port"; }; } ]"#,
        "{ inherit config; description = options.p.description; isDefined = options.p.isDefined; }",
    ),
];

#[test]
fn nixpkgs_lib_agrees_with_nix() {
    let Some(src) = std::env::var_os("PORTNIX_NIXPKGS_LIB").map(PathBuf::from) else {
        eprintln!("PORTNIX_NIXPKGS_LIB is not set: nixpkgs' lib not compared");
        return;
    };
    assert!(common::nix_available(), "lib is compared with nix-instantiate");
    let dir = std::env::temp_dir().join(format!("portnix-nixpkgs-lib-{}", std::process::id()));
    copy_dir(&src.join("lib"), &dir.join("lib"));
    // The copy is its own project root, so portnix reads it as a project's files.
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let misc = std::fs::read_to_string(dir.join("lib/tests/misc.nix")).unwrap();
    assert!(misc.contains("\nrunTests {\n"), "lib/tests/misc.nix no longer ends in `runTests {{ ... }}`");
    std::fs::write(dir.join("lib/tests/misc-tests.nix"), misc.replacen("\nrunTests {\n", "\n{\n", 1))
        .unwrap();

    let names = dir.join("names.nix");
    std::fs::write(&names, "builtins.attrNames (import ./lib/tests/misc-tests.nix)").unwrap();
    let names: Vec<String> = serde_json::from_value(nix(&names).unwrap()).unwrap();
    let case = dir.join("case.nix");
    let mut results = Vec::new();
    for name in &names {
        std::fs::write(
            &case,
            format!(
                "let t = (import ./lib/tests/misc-tests.nix).{}; in {{ expr = t.expr; expected = t.expected; }}",
                serde_json::json!(name).to_string().replace('$', "\\$")
            ),
        )
        .unwrap();
        results.push((name.clone(), compare(&case)));
    }
    for (name, modules, out) in MODULES {
        std::fs::write(
            &case,
            format!(
                "let lib = import ./lib; inherit (lib.evalModules {{ modules = {modules}; }}) config options; in {out}"
            ),
        )
        .unwrap();
        results.push((format!("evalModules: {name}"), compare(&case)));
    }
    std::fs::remove_dir_all(&dir).ok();

    let count = |want: &Outcome| results.iter().filter(|(_, o)| o == want).count();
    let modules_agree =
        results.iter().filter(|(n, o)| n.starts_with("evalModules: ") && *o == Outcome::Agree).count();
    eprintln!(
        "nixpkgs lib: {} of lib/tests/misc.nix's tests and {} small evalModules cases: {} agree \
         ({modules_agree} of the modules), {} declined by portnix, {} fail in this Nix",
        names.len(),
        MODULES.len(),
        count(&Outcome::Agree),
        count(&Outcome::Declined),
        count(&Outcome::NixFails),
    );
    let wrong: Vec<String> = results
        .iter()
        .filter_map(|(n, o)| match o {
            Outcome::Wrong(why) => Some(format!("{n}:\n    {why}")),
            _ => None,
        })
        .collect();
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!(modules_agree, MODULES.len(), "every small module evaluates natively");
}
