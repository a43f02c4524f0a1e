//! The `portnix` binary as users run it: exit codes, registry discovery, rendered errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn portnix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portnix")).args(args).current_dir(dir).output().expect("portnix runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn eval_defaults_to_the_repo_registry_from_any_subdirectory() {
    let here = portnix(&root(), &["eval"]);
    assert_eq!(here.status.code(), Some(0), "{}", String::from_utf8_lossy(&here.stderr));
    let below = portnix(&root().join("tests/test_data"), &["eval"]);
    assert_eq!(below.stdout, here.stdout);
    let json: serde_json::Value = serde_json::from_slice(&here.stdout).expect("JSON output");
    assert_eq!(json["databases"]["postgresql"], 5432);
    if common::nix_available() {
        let nix = common::nix_eval(&root().join("lib/ports.nix")).expect("nix evaluates the registry");
        assert_eq!(String::from_utf8_lossy(&here.stdout), nix);
    }
}

#[test]
fn errors_exit_2_with_file_line_col() {
    let dir = temp("err");
    std::fs::write(dir.join("bad.nix"), "{\n  a = 1;\n  b = a;\n}\n").unwrap();
    let out = portnix(&dir, &["eval", "bad.nix"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[undefined-variable]: undefined variable 'a'"), "{err}");
    assert!(err.contains("--> bad.nix:3:7"), "{err}");
    assert!(err.contains("3 |   b = a;"), "{err}");
}

#[test]
fn a_missing_registry_is_a_clear_error() {
    let dir = temp("none");
    let out = portnix(&dir, &["eval"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no lib/ports.nix in"));
    let out = portnix(&dir, &["eval", "nope.nix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn imports_stay_inside_the_project_unless_allowed() {
    let dir = temp("root");
    let project = dir.join("project");
    std::fs::create_dir_all(project.join("lib")).unwrap();
    std::fs::write(project.join("flake.nix"), "{ outputs = _: { }; }\n").unwrap();
    std::fs::write(dir.join("shared.nix"), "{ common = 1; }\n").unwrap();
    std::fs::write(project.join("lib/ports.nix"), "import ../../shared.nix\n").unwrap();
    let out = portnix(&project, &["eval"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[import-outside-root]"), "{err}");
    assert!(err.contains("--allow-outside-root"), "{err}");
    assert!(err.contains("--> lib/ports.nix:1:1"), "{err}");
    let out = portnix(&project, &["eval", "--allow-outside-root"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), r#"{"common":1}"#);
}

#[test]
fn each_file_is_imported_once() {
    let dir = temp("once");
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    // A trace in the imported file shows how often it is evaluated.
    std::fs::write(dir.join("a.nix"), "builtins.trace \"evaluated a.nix\" { x = 1; }\n").unwrap();
    std::fs::write(
        dir.join("main.nix"),
        "[ (import ./a.nix).x (import ./a.nix).x (import ./././a.nix).x ]\n",
    )
    .unwrap();
    let out = portnix(&dir, &["eval", "main.nix"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[1,1,1]");
    assert_eq!(String::from_utf8_lossy(&out.stderr).matches("evaluated a.nix").count(), 1);
}

#[test]
fn the_nix_evaluator_is_available_for_files_outside_the_subset() {
    if !common::nix_available() {
        return;
    }
    let dir = temp("nixeval");
    std::fs::write(dir.join("f.nix"), "builtins.match \"a(b)\" \"ab\"\n").unwrap();
    let ours = portnix(&dir, &["eval", "f.nix"]);
    assert_eq!(ours.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ours.stderr).contains("builtins.match is not supported by portnix"));
    let theirs = portnix(&dir, &["eval", "--evaluator", "nix", "f.nix"]);
    assert_eq!(theirs.status.code(), Some(0), "{}", String::from_utf8_lossy(&theirs.stderr));
    assert_eq!(String::from_utf8_lossy(&theirs.stdout), r#"["b"]"#);
}
