//! The real Nix as portnix's fallback: positions recovered from `builtins.unsafeGetAttrPos`
//! must be the ones portnix's own evaluator gives, on every fixture and example; a registry
//! portnix declines is evaluated by Nix automatically, said once; Nix runs confined to the
//! project root with a time limit; and registries that are functions get their arguments.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};

use common::{portnix, project};
use portnix::check::{CheckOptions, check};
use portnix::registry::load::Evaluator;
use portnix::registry::{LoadOptions, load};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each finding as (code, message, every location as file:line:col).
fn findings(dir: &Path, evaluator: Evaluator) -> Vec<(String, String, Vec<String>)> {
    let project = load(&LoadOptions {
        registry: Some(dir.join("ports.nix")),
        evaluator,
        allow_outside_root: true,
        ..LoadOptions::default()
    })
    .unwrap_or_else(|e| panic!("{}: {}", dir.display(), e.render()));
    let json = portnix::report::json(&project.sources, &check(&project, &CheckOptions::default()));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let locations = f["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| format!("{}:{}:{}", l["file"].as_str().unwrap(), l["line"], l["column"]))
                .collect();
            (f["code"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string(), locations)
        })
        .collect()
}

#[test]
fn positions_from_nix_are_the_positions_portnix_gives_on_every_fixture_and_example() {
    if !common::nix_available() {
        return;
    }
    let (mut compared, mut located) = (0, 0);
    for dir in common::registry_cases() {
        let ours = findings(&dir, Evaluator::Portnix);
        let nix = findings(&dir, Evaluator::Nix);
        assert_eq!(nix, ours, "{}", dir.display());
        compared += 1;
        located += ours.iter().map(|f| f.2.len()).sum::<usize>();
    }
    eprintln!("{compared} registries, {located} locations, every one the same from Nix");
    assert!(compared >= 40 && located >= 100, "{compared} registries, {located} locations");
}

const DECLINED: &str = r#"{
  web = builtins.fromJSON (builtins.unsafeDiscardStringContext "{\"port\": 8080}");
  api = 8080;
  db = { port = 5432; protocl = "tcp"; };
}
"#;

#[test]
fn a_registry_portnix_declines_is_evaluated_by_nix_with_positions_and_said_once() {
    if !common::nix_available() {
        return;
    }
    let dir = project("fallback-auto", DECLINED, None);
    let out = portnix(&dir, &["check", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("note: ").count(), 1, "{stderr}");
    assert!(
        stderr
            .contains("builtins.unsafeDiscardStringContext is not supported by portnix (lib/ports.nix:2:28)"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let located: Vec<(String, u64, u64)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["locations"][0];
            (
                f["code"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
                l["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        located,
        [("duplicate-port".to_string(), 2, 3), ("invalid-metadata".to_string(), 4, 23)],
        "{json}"
    );
    // --evaluator portnix forbids the fallback: portnix's own error, exit 2.
    let out = portnix(&dir, &["check", "--evaluator", "portnix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[unsupported-builtin]"));
}

#[test]
fn nix_runs_confined_to_the_project_root_and_stops_at_its_time_limit() {
    if !common::nix_available() {
        return;
    }
    let outside = std::env::temp_dir().join(format!("portnix-outside-{}.nix", std::process::id()));
    std::fs::write(&outside, "{ x = 1234; }\n").unwrap();
    let cases = [
        ("read", "{ a.port = builtins.fromJSON (builtins.readFile /etc/hostname); }".to_string()),
        ("import", format!("{{ a = import {}; }}", outside.display())),
    ];
    for (name, text) in cases {
        let dir = project(&format!("confined-{name}"), &text, None);
        let out = portnix(&dir, &["check", "--evaluator", "nix"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("forbidden in restricted mode") && stderr.contains("--allow-outside-root"),
            "{stderr}"
        );
    }
    // portnix's own evaluator keeps the same bounds: reading outside is an error, and a path
    // outside exists for no one.
    let dir =
        project("confined-own", "{ a.port = builtins.fromJSON (builtins.readFile /etc/hostname); }", None);
    let out = portnix(&dir, &["check", "--evaluator", "portnix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[import-outside-root]"));
    let dir = project("confined-exists", "{ a = if builtins.pathExists /etc/hostname then 1 else 2; }", None);
    assert_eq!(
        String::from_utf8_lossy(&portnix(&dir, &["get", "a", "--evaluator", "portnix"]).stdout),
        "2\n"
    );
    // Widened on request, as for portnix's evaluator.
    let dir = project("confined-widened", &format!("{{ a = import {}; }}", outside.display()), None);
    let out = portnix(&dir, &["get", "a.x", "--evaluator", "nix", "--allow-outside-root"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1234\n");
    // The caller's environment does not reach the findings.
    let dir = project("confined-env", r#"{ a = builtins.getEnv "HOME"; }"#, None);
    let out = portnix(&dir, &["check", "--evaluator", "nix"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#"it is the string """#));

    let slow = "{ a = builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 1000000000); }";
    let dir = project("confined-slow", slow, None);
    let started = std::time::Instant::now();
    let out = portnix(&dir, &["check", "--evaluator", "nix", "--nix-timeout", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not finish within 1 s"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

const FUNCTION: &str = r#"{ lib, env ? "dev", ... }:
{
  web = if env == "prod" then 8443 else 8080;
  api = lib.add 9000 1;
}
"#;

#[test]
fn a_registry_that_is_a_function_gets_its_arguments_from_flags_config_and_nixpkgs() {
    let dir = project("function-args", FUNCTION, None);
    // Nothing gives `lib`: one error at its name, exit 2.
    let out = portnix(&dir, &["check", "--evaluator", "portnix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the file is a function of 'lib'") && stderr.contains("lib/ports.nix:1:3"),
        "{stderr}"
    );

    let nixpkgs = dir.join("nixpkgs");
    std::fs::create_dir_all(nixpkgs.join("lib")).unwrap();
    std::fs::write(nixpkgs.join("lib/default.nix"), "{ add = a: b: a + b; }\n").unwrap();
    let get = |args: &[&str], env: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_portnix"));
        cmd.args(args).current_dir(&dir).env_remove("NIX_PATH");
        if let Some(e) = env {
            cmd.env("NIX_PATH", e);
        }
        let out = cmd.output().unwrap();
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let lib = "{ add = a: b: a + b; }";
    let n = nixpkgs.display().to_string();
    for evaluator in ["portnix", "nix"] {
        if evaluator == "nix" && !common::nix_available() {
            continue;
        }
        let web = |extra: &[&str], env: Option<&str>| {
            let args: Vec<&str> =
                ["get", "web", "--evaluator", evaluator].iter().chain(extra).copied().collect();
            get(&args, env)
        };
        assert_eq!(web(&["--arg", "lib", lib], None).0, "8080\n", "{evaluator}");
        assert_eq!(web(&["--arg", "lib", lib, "--argstr", "env", "prod"], None).0, "8443\n", "{evaluator}");
        assert_eq!(web(&["--nixpkgs", &n], None).0, "8080\n", "{evaluator}");
        assert_eq!(web(&[], Some(&format!("nixpkgs={n}"))).0, "8080\n", "{evaluator}");
        let (out, err) = get(&["get", "api", "--evaluator", evaluator, "--nixpkgs", &n], None);
        assert_eq!(out, "9001\n", "{evaluator}: {err}");
    }
    // The config's `args`, which --argstr overrides.
    std::fs::write(
        dir.join("lib/portnix.nix"),
        format!("{{ args = {{ lib = {lib}; env = \"prod\"; }}; }}\n"),
    )
    .unwrap();
    assert_eq!(get(&["get", "web"], None).0, "8443\n");
    assert_eq!(get(&["get", "web", "--argstr", "env", "dev"], None).0, "8080\n");
    let (out, err) = get(&["check"], None);
    assert!(out.contains("0 errors"), "{out}{err}");

    // A function of one argument (an overlay) cannot be called: one clear error, exit 2.
    let dir = project("function-overlay", "final: prev: { web = 1; }\n", None);
    let out = portnix(&dir, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("not a function") || stderr.contains("takes a single argument"), "{stderr}");
    assert!(stderr.contains("lib/ports.nix:1:1"), "{stderr}");
}

const MODULE: &str = r#"{ config, lib, ... }:
{
  options.ports = lib.mkOption { type = lib.types.attrs; default = { }; };
  config.ports = {
    web.api = 8080;
    web.admin = lib.mkIf true 8080;
    dns = { port = 53; protocol = "udp"; };
  };
}
"#;

#[test]
fn a_module_registry_is_evaluated_by_nix_with_the_positions_of_its_definitions() {
    if !common::nix_available() {
        return;
    }
    let dir = project("fallback-module", MODULE, None);
    // Without a nixpkgs there is no lib.evalModules: Nix's error says what to give.
    let out = portnix(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs lib.evalModules"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // nixpkgs cannot be fetched here: the tests' stand-in module system plays its part.
    let nixpkgs = dir.join("nixpkgs");
    std::fs::create_dir_all(nixpkgs.join("lib")).unwrap();
    std::fs::copy(root().join("tests/nixpkgs-standin/lib.nix"), nixpkgs.join("lib/default.nix")).unwrap();
    let out = portnix(&dir, &["check", "--format", "json", "--nixpkgs", &nixpkgs.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the registry is a NixOS module"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dup = json.as_array().unwrap().iter().find(|f| f["code"] == "duplicate-port").unwrap();
    let at: Vec<(u64, u64)> = dup["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(at, [(5, 9), (6, 9)], "{dup}");
    let out = portnix(&dir, &["ls", "--nixpkgs", &nixpkgs.display().to_string()]);
    let ls = String::from_utf8_lossy(&out.stdout);
    assert!(ls.contains("53    udp    dns"), "{ls}");
}
