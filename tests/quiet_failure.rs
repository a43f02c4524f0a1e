//! Failing quietly and clearly: a reader that goes away ends every command without a panic
//! and with the command's own exit status; bad arguments are usage errors; a registry that
//! cannot be read says where and why, in every output format.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs portnix with its stdout a pipe whose read end is closed before it writes.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = common::project(
        "pipe",
        &std::fs::read_to_string(root.join("lib/ports.nix")).unwrap(),
        Some(&std::fs::read_to_string(root.join("lib/portnix.nix")).unwrap()),
    );
    std::fs::write(dir.join("hardcoded.yaml"), "port: 5432\n").unwrap();
    let mut commands: Vec<(Vec<&str>, i32)> = vec![
        (vec!["ls"], 0),
        (vec!["ls", "--json"], 0),
        (vec!["which", "5432"], 0),
        (vec!["which", "5433"], 0),
        (vec!["get", "databases.postgresql"], 0),
        (vec!["free", "databases", "-n", "50"], 0),
        (vec!["doctor"], 0),
        (vec!["doctor", "--format", "json"], 0),
        (vec!["lint"], 1),
        (vec!["lint", "--format", "json"], 1),
        (vec!["eval", "lib/ports.nix"], 0),
        (vec!["add", "databases.x", "--dry-run"], 0),
        (vec!["mv", "databases.redis", "cache.redis", "--dry-run"], 0),
        (vec!["--help"], 0),
        (vec!["--version"], 0),
    ];
    for format in ["human", "json", "github", "sarif"] {
        commands.push((vec!["check", "--format", format], 0));
    }
    for target in ["nixos-firewall", "nftables", "process-compose", "compose", "env", "json", "markdown"] {
        commands.push((vec!["gen", target], 0));
    }
    for (args, code) in &commands {
        for _ in 0..3 {
            let (got, err) = with_closed_stdout(&dir, args);
            assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
            // doctor's status depends on what listens on this machine; the rest are fixed.
            if args[0] != "doctor" {
                assert_eq!(got, Some(*code), "{args:?}: {err}");
            }
        }
    }
}

#[test]
fn ports_outside_1_to_65535_are_usage_errors() {
    let dir = common::project("usage", "{ a = 8000; }\n", None);
    for port in ["0", "70000", "65536", "http"] {
        let out = common::portnix(&dir, &["which", port]);
        assert_eq!(out.status.code(), Some(2), "which {port}");
        assert!(stderr(&out).contains("invalid value"), "which {port}: {}", stderr(&out));
    }
    assert_eq!(common::portnix(&dir, &["which", "65535"]).status.code(), Some(0));
}

#[test]
fn a_registry_that_is_not_a_set_is_an_error_at_its_expression() {
    for (text, what, line) in [
        ("# ports\n\n[ 1 2 ]\n", "a list", 3),
        ("final: prev: { }\n", "a function", 1),
        ("42\n", "the integer 42", 1),
        ("{ from = 1; to = 2; }\n", "a single { from; to; } range", 1),
    ] {
        let dir = common::project("not-a-set", text, None);
        let out = common::portnix(&dir, &["check"]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = stderr(&out);
        assert!(err.contains(&format!("the registry must be an attribute set, not {what}")), "{err}");
        assert!(err.contains(&format!("--> lib/ports.nix:{line}:1")), "{err}");
    }
}

#[test]
fn load_errors_are_machine_readable_in_the_machine_formats() {
    let dir = common::project("machine-errors", "{ a = 1 +; }\n", None);
    let out = common::portnix(&dir, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json[0]["code"], "syntax-error");
    assert_eq!(json[0]["locations"][0]["file"], "lib/ports.nix");
    assert_eq!(json[0]["locations"][0]["line"], 1);
    let out = common::portnix(&dir, &["check", "--format", "github"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("::error file=lib/ports.nix,line=1,col=10,title=syntax-error::"), "{text}");
    let out = common::portnix(&dir, &["check", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF on stdout");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "syntax-error");
    // Human output stays on stderr, as before.
    let out = common::portnix(&dir, &["check"]);
    assert!(out.stdout.is_empty() && stderr(&out).contains("error[syntax-error]"));
}

#[test]
fn an_import_cycle_names_the_imports_that_make_it() {
    let dir = common::project("cycle", "(import ./b.nix) // { a = 1; }\n", None);
    std::fs::write(dir.join("lib/b.nix"), "# b\nimport ./ports.nix\n").unwrap();
    let out = common::portnix(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("import cycle: lib/ports.nix imports lib/b.nix imports lib/ports.nix"), "{err}");
    assert!(err.contains("--> lib/b.nix:2:1") && err.contains("::: lib/ports.nix:1:2"), "{err}");
    assert!(err.contains("imports lib/b.nix"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_its_first_bad_byte() {
    let dir = common::project("utf8", "{\n  a = 1;\n}\n", None);
    std::fs::write(dir.join("lib/ports.nix"), b"{\n  a = \"\xff\";\n}\n").unwrap();
    let out = common::portnix(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not UTF-8 text: byte 9 (line 2, column 8) is 0xff"),
        "{}",
        stderr(&out)
    );
    let out = common::portnix(&dir, &["rm", "a"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn lint_reports_a_missing_path_and_what_it_skipped() {
    let dir = common::project("lint-skip", "{ db = 5432; }\n", None);
    let out = common::portnix(&dir, &["lint", "no-such-dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-dir: no such file or directory"), "{}", stderr(&out));
    std::fs::write(dir.join("notes.toml"), "port = 5432\n").unwrap();
    std::fs::write(dir.join("bad.yaml"), b"port: \xff 5432\n").unwrap();
    let out = common::portnix(&dir, &["lint", "notes.toml", "bad.yaml"]);
    let err = stderr(&out);
    assert!(err.contains("skipped notes.toml: lint reads .nix, YAML, JSON and .env files"), "{err}");
    assert!(err.contains("skipped bad.yaml: not UTF-8 text (invalid byte at offset 6)"), "{err}");
}

#[test]
fn free_and_add_agree_under_scopes() {
    let dir = common::project(
        "scopes-agree",
        "{\n  hosts = {\n    a = {\n      web = 20000;\n    };\n    b = {\n      web = 20001;\n      pool = { from = 20005; to = 20008; };\n    };\n  };\n}\n",
        Some("{ scopes = [ \"hosts.*\" ]; ranges.hosts = { from = 20000; to = 20010; }; }\n"),
    );
    let free = |pattern: &str, n: &str| {
        let out = common::portnix(&dir, &["free", pattern, "-n", n]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(|p| p.parse::<i64>().unwrap())
            .collect::<Vec<_>>()
    };
    // hosts.b's 20001 is another machine's: hosts.a may take it.
    assert_eq!(free("hosts.a.x", "2"), vec![20001, 20002]);
    assert_eq!(free("hosts.b.x", "2"), vec![20000, 20002]);
    // A range entry lists its own ports, not "0 free".
    assert_eq!(free("hosts.b.pool", "4"), vec![20005, 20006, 20007, 20008]);
    for (path, want) in [("hosts.a.x", 20001), ("hosts.b.x", 20000), ("hosts.a.y", 20002)] {
        let predicted = free(path, "1");
        let out = common::portnix(&dir, &["add", path]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let port: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert_eq!((port, predicted), (want, vec![want]), "{path}");
    }
}

#[test]
fn control_characters_in_names_never_reach_the_terminal_raw() {
    // An ESC sequence that would clear the screen, and a carriage return that would hide a line.
    let dir = common::project("escapes", "{ \"evil\u{1b}[2J\" = 8000; \"cr\rname\" = 8000; }\n", None);
    for args in [&["check"][..], &["ls"], &["which", "8000"], &["doctor"], &["check", "--format", "github"]] {
        let out = common::portnix(&dir, args);
        let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
        assert!(
            !all.contains(&0x1b) && !all.contains(&b'\r'),
            "{args:?}: {:?}",
            String::from_utf8_lossy(&all)
        );
        if args[0] != "doctor" {
            let text = String::from_utf8_lossy(&all);
            assert!(
                text.contains("\\u{1b}") || text.contains("%0D") || text.contains("\\u{d}"),
                "{args:?}: {text}"
            );
        }
    }
    // Machine formats keep the name exact, in their own escaping.
    let out = common::portnix(&dir, &["ls", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.as_array().unwrap().iter().any(|e| e["path"].as_str().unwrap().contains('\u{1b}')));
}

#[test]
fn an_import_of_a_fifo_or_a_device_is_an_error_where_it_is_imported() {
    let dir =
        common::project("fifo-import", "{\n  a = import ./fifo.nix;\n  b = import /dev/zero;\n}\n", None);
    assert!(std::process::Command::new("mkfifo").arg(dir.join("lib/fifo.nix")).status().unwrap().success());
    let out = common::portnix(&dir, &["check", "--allow-outside-root"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("fifo.nix' is not a regular file") && err.contains("--> lib/ports.nix:2:7"),
        "{err}"
    );
    std::fs::write(dir.join("lib/ports.nix"), "{ b = import /dev/zero; }\n").unwrap();
    let out = common::portnix(&dir, &["check", "--allow-outside-root"]);
    assert!(stderr(&out).contains("'/dev/zero' is not a regular file"), "{}", stderr(&out));
}
