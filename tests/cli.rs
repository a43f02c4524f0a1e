//! The `portnix` binary as users run it: exit codes, registry discovery, rendered errors.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::PathBuf;
use std::process::Command;

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
    let here = common::portnix(&root(), &["eval"]);
    assert_eq!(here.status.code(), Some(0), "{}", String::from_utf8_lossy(&here.stderr));
    let below = common::portnix(&root().join("tests/test_data"), &["eval"]);
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
    let out = common::portnix(&dir, &["eval", "bad.nix"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[undefined-variable]: undefined variable 'a'"), "{err}");
    assert!(err.contains("--> bad.nix:3:7"), "{err}");
    assert!(err.contains("3 |   b = a;"), "{err}");
}

#[test]
fn a_missing_registry_is_a_clear_error() {
    let dir = temp("none");
    let out = common::portnix(&dir, &["eval"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no lib/ports.nix in"));
    let out = common::portnix(&dir, &["eval", "nope.nix"]);
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
    let out = common::portnix(&project, &["eval"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[import-outside-root]"), "{err}");
    assert!(err.contains("--allow-outside-root"), "{err}");
    assert!(err.contains("--> lib/ports.nix:1:1"), "{err}");
    let out = common::portnix(&project, &["eval", "--allow-outside-root"]);
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
    let out = common::portnix(&dir, &["eval", "main.nix"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[1,1,1]");
    assert_eq!(String::from_utf8_lossy(&out.stderr).matches("evaluated a.nix").count(), 1);
}

#[test]
fn the_nix_evaluator_is_available_for_files_outside_the_subset() {
    if !common::nix_available() {
        return;
    }
    let dir = temp("nixeval");
    std::fs::write(dir.join("f.nix"), "builtins.unsafeDiscardStringContext \"ab\"\n").unwrap();
    let ours = common::portnix(&dir, &["eval", "f.nix"]);
    assert_eq!(ours.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(stderr.contains("builtins.unsafeDiscardStringContext is not supported by portnix"), "{stderr}");
    let theirs = common::portnix(&dir, &["eval", "--evaluator", "nix", "f.nix"]);
    assert_eq!(theirs.status.code(), Some(0), "{}", String::from_utf8_lossy(&theirs.stderr));
    assert_eq!(String::from_utf8_lossy(&theirs.stdout), r#""ab""#);
}

#[test]
fn eval_takes_arg_argstr_and_attr_as_nix_instantiate_does() {
    if !common::nix_available() {
        return;
    }
    let dir = temp("evalargs");
    std::fs::write(dir.join("f.nix"), "{ x ? 1 }: x\n").unwrap();
    std::fs::write(dir.join("g.nix"), "{ a = { x ? 1, ... }: { b = x; }; l = [ 1 { c = 2; } ]; }\n").unwrap();
    std::fs::write(dir.join("h.nix"), "{ name, port ? 80 }: { inherit name port; }\n").unwrap();
    let cases: &[&[&str]] = &[
        // Without arguments a function is not called: it cannot be JSON.
        &["f.nix"],
        // With any argument it is, and only its formals are passed.
        &["--arg", "y", "2", "f.nix"],
        &["--arg", "x", "5", "f.nix"],
        // -A calls a function it passes through, with or without arguments.
        &["-A", "a.b", "g.nix"],
        &["-A", "a", "g.nix"],
        &["--arg", "x", "5", "-A", "a", "g.nix"],
        &["-A", "l.1.c", "g.nix"],
        &["-A", "l.5", "g.nix"],
        &["-A", "a.c", "g.nix"],
        &["-A", "l.c", "g.nix"],
        &["--argstr", "name", "web", "--arg", "port", "8000 + 80", "h.nix"],
        &["--argstr", "name", "web", "--argstr", "name", "api", "h.nix"],
        &["--arg", "port", "1", "h.nix"],
    ];
    for args in cases {
        let ours = common::portnix(&dir, &[&["eval"], *args].concat());
        let theirs = std::process::Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json"])
            .args(*args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(ours.status.success(), theirs.status.success(), "{args:?}: {ours:?}");
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{args:?}"
        );
    }
    let out = common::portnix(&dir, &["eval", "-A", "a.c", "g.nix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("attribute 'c' in selection path 'a.c' not found"), "{stderr}");
}

#[test]
fn check_exit_codes_follow_the_findings() {
    let clean = common::project("clean", "{ a = 8000; b = 8001; }\n", None);
    assert_eq!(common::portnix(&clean, &["check"]).status.code(), Some(0));
    let warned = common::project("warned", "{ web = 80; }\n", None);
    assert_eq!(common::portnix(&warned, &["check"]).status.code(), Some(0));
    assert_eq!(common::portnix(&warned, &["check", "--deny-warnings"]).status.code(), Some(1));
    let dup = common::project("dup", "{\n  a = 8000;\n  b = 8000;\n}\n", None);
    let out = common::portnix(&dup, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[duplicate-port]: port 8000/tcp is claimed by 2 entries: a, b"), "{text}");
    assert!(text.contains("--> lib/ports.nix:2:3") && text.contains("::: lib/ports.nix:3:3"), "{text}");
    assert!(text.contains("lib/ports.nix: 1 error, 0 warnings in 2 entries"), "{text}");
    let broken = common::project("broken", "{ a = ; }\n", None);
    assert_eq!(common::portnix(&broken, &["check"]).status.code(), Some(2));
    let bad_config = common::project("badcfg", "{ a = 8000; }\n", Some("{ rangse = { }; }\n"));
    let out = common::portnix(&bad_config, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean 'ranges'?"));
}

#[test]
fn check_formats_are_machine_readable() {
    let dup = common::project("formats", "{\n  a = 8000;\n  b = 8000;\n}\n", None);
    let json: serde_json::Value =
        serde_json::from_slice(&common::portnix(&dup, &["check", "--format", "json"]).stdout).unwrap();
    assert_eq!(json[0]["code"], "duplicate-port");
    assert_eq!(json[0]["paths"], serde_json::json!(["a", "b"]));
    assert_eq!(
        json[0]["locations"][1],
        serde_json::json!({ "file": "lib/ports.nix", "line": 3, "column": 3 })
    );
    let gh =
        String::from_utf8_lossy(&common::portnix(&dup, &["check", "--format", "github"]).stdout).into_owned();
    assert_eq!(
        gh,
        "::error file=lib/ports.nix,line=2,col=3,title=duplicate-port::port 8000/tcp is claimed by 2 entries: a, b (also at lib/ports.nix:3:3)\n"
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&common::portnix(&dup, &["check", "--format", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "duplicate-port");
    assert_eq!(result["level"], "error");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"], "duplicate-port");
}

#[test]
fn queries_answer_from_the_registry() {
    let dir = common::project(
        "queries",
        "{\n  databases = { postgresql = 5432; redis = 5433; };\n  pool = { from = 9000; to = 9009; };\n  used = 9002;\n}\n",
        Some(
            "{ ranges.databases = { from = 5430; to = 5439; }; reserved = [ { port = 5434; reason = \"held\"; } ]; services.\"databases.postgresql\".description = \"PostgreSQL\"; }\n",
        ),
    );
    let get = common::portnix(&dir, &["get", "databases.postgresql"]);
    assert_eq!(String::from_utf8_lossy(&get.stdout), "5432\n");
    let typo = common::portnix(&dir, &["get", "databases.postgres"]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("did you mean 'databases.postgresql'?"));
    let free = common::portnix(&dir, &["free", "databases", "-n", "3"]);
    assert_eq!(String::from_utf8_lossy(&free.stdout), "5430\n5431\n5435\n");
    let pool = common::portnix(&dir, &["free", "pool", "-n", "3"]);
    assert_eq!(String::from_utf8_lossy(&pool.stdout), "9000\n9001\n9003\n");
    let short = common::portnix(&dir, &["free", "databases", "-n", "20"]);
    assert_eq!(short.status.code(), Some(1));
    let which = String::from_utf8_lossy(&common::portnix(&dir, &["which", "5432"]).stdout).into_owned();
    assert!(which.starts_with("5432  databases.postgresql  5432  lib/ports.nix:2:17"), "{which}");
    let which = String::from_utf8_lossy(&common::portnix(&dir, &["which", "5436"]).stdout).into_owned();
    assert_eq!(which, "5436 is free, in the range for \"databases\" (5430-5439)\n");
    let ls = String::from_utf8_lossy(&common::portnix(&dir, &["ls", "databases"]).stdout).into_owned();
    let lines: Vec<&str> = ls.lines().collect();
    assert_eq!(lines.len(), 3, "{ls}");
    assert!(lines[1].starts_with("5432") && lines[1].contains("PostgreSQL"), "{ls}");
    let json: serde_json::Value =
        serde_json::from_slice(&common::portnix(&dir, &["ls", "--json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert_eq!(json[2]["range"], serde_json::json!({ "from": 9000, "to": 9009 }));
    assert_eq!(json[3]["port"], 9002);
}

#[test]
fn the_repos_process_compose_file_is_up_to_date() {
    let out = common::portnix(&root(), &["gen", "process-compose", "-o", "process-compose.yaml", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn the_readme_port_table_is_up_to_date() {
    let out = common::portnix(&root(), &["gen", "markdown", "-o", "README.md", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

/// The same cause gives the same exit code and the same one error, whichever command meets it:
/// 2 when there is no registry to work on, 1 when the registry says no.
#[test]
fn edits_and_queries_agree_on_exit_codes() {
    let empty = std::env::temp_dir().join(format!("portnix-test-{}-no-registry", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty);
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("flake.nix"), "{ }\n").unwrap();
    let commands: [&[&str]; 6] = [
        &["rm", "a"],
        &["mv", "a", "b"],
        &["set", "a", "8001"],
        &["add", "a", "--port", "8001"],
        &["get", "a"],
        &["ls"],
    ];
    for args in commands {
        let out = common::portnix(&empty, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.matches("error").count(), 1, "{args:?} reports once: {err}");
    }
    let dir = common::project("agree", "{ a = 8000; b = 8001; }\n", None);
    let missing: [&[&str]; 4] =
        [&["rm", "nope"], &["mv", "nope", "c"], &["set", "nope", "8005"], &["get", "nope"]];
    for args in missing {
        let out = common::portnix(&dir, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains("nope"), "{args:?}: {err}");
    }
    let taken = common::portnix(&dir, &["set", "a", "8001"]);
    assert_eq!(taken.status.code(), Some(1), "{}", String::from_utf8_lossy(&taken.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap(), "{ a = 8000; b = 8001; }\n");
}

#[test]
fn lease_commands_report_once_with_the_same_exit_codes() {
    let dir = common::project(
        "lease-codes",
        "{ a = 8000; }\n",
        Some("{ ranges.web = { from = 20000; to = 20009; }; pools = [ \"web\" ]; }\n"),
    );
    let store = dir.join("leases.sqlite");
    let store = store.to_str().unwrap();
    let cases: [(&[&str], i32, &str); 4] = [
        // The lease service's refusals exit 1, as a finding does.
        (&["lease", "get", "nobody", "--store", store], 1, "error[not-found]: "),
        (&["lease", "heartbeat", "no-such-id", "--store", store], 1, "error[not-found]: "),
        // What cannot run at all exits 2.
        (
            &["serve", "--listen", "0.0.0.0:0", "--store", store],
            2,
            "error: 0.0.0.0:0 is not a loopback address",
        ),
        (
            &["serve", "--token-file", "missing-token", "--store", store],
            2,
            "error: cannot read the token file",
        ),
    ];
    for (args, code, first) in cases {
        let out = common::portnix(&dir, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.starts_with(first), "{args:?}: {err}");
        assert_eq!(err.lines().filter(|l| l.starts_with("error")).count(), 1, "{args:?} reports once: {err}");
    }
    let bad = common::project("lease-codes-bad", "{ a = ; }\n", None);
    let out = common::portnix(&bad, &["lease", "ls", "--store", store]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ports.nix:1:"), "a load error keeps its location");
}

/// Only an absent config means "no config": one that is there but cannot be read is an error,
/// never a clean check with no ranges and no reservations.
#[test]
fn a_config_that_is_there_but_cannot_be_read_is_load_failed() {
    let dir = common::project("unreadable-config", "{ a = 80; }\n", None);
    let config = dir.join("lib/portnix.nix");
    let cases: [(&str, &dyn Fn()); 4] = [
        ("is a symlink to nothing", &|| std::os::unix::fs::symlink("nowhere.nix", &config).unwrap()),
        ("is a directory", &|| std::fs::create_dir(&config).unwrap()),
        ("is a symlink loop", &|| std::os::unix::fs::symlink("portnix.nix", &config).unwrap()),
        ("is not a regular file", &|| {
            assert!(Command::new("mkfifo").arg(&config).status().unwrap().success());
        }),
    ];
    for (why, make) in cases {
        let _ = std::fs::remove_file(&config);
        let _ = std::fs::remove_dir(&config);
        make();
        for args in [&["check"][..], &["check", "--format", "json"], &["ls"]] {
            let out = common::portnix(&dir, args);
            let all =
                format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert_eq!(out.status.code(), Some(2), "{why} {args:?}: {all}");
            assert!(all.contains("load-failed") && all.contains(why), "{why} {args:?}: {all}");
        }
    }
    let _ = std::fs::remove_file(&config);
    let _ = std::fs::remove_dir(&config);
    assert_eq!(common::portnix(&dir, &["check"]).status.code(), Some(0), "absent: no config");
}

/// An answer says one thing: a reserved port is not "free", an empty answer says it is
/// empty, and a description's newline does not start a row of its own.
#[test]
fn answers_are_unambiguous_and_never_silently_empty() {
    let dir = common::project(
        "answers",
        "{ web.api = 8080; }\n",
        Some(
            "{ reserved = [ { from = 1; to = 1023; reason = \"system ports\"; } ]; services.\"web.api\".description = \"two\\nlines\"; }\n",
        ),
    );
    let run = |args: &[&str]| {
        let out = common::portnix(&dir, args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(&["which", "80"]);
    assert_eq!((code, out.as_str()), (Some(0), "80 is reserved: system ports\n"));
    let (_, out, _) = run(&["which", "9000"]);
    assert_eq!(out, "9000 is free, and no configured range covers it\n");
    let (code, out, err) = run(&["ls", "db*"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), 1, "the header only: {out}");
    assert!(err.contains("no entry matches 'db*'"), "{err}");
    let (_, out, _) = run(&["ls"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("two\\nlines"), "{out}");
    let (code, _, err) = run(&["gen", "env", "--only", "nothing"]);
    assert_eq!(code, Some(0));
    assert!(err.contains("--only nothing matches no entry"), "{err}");
}
