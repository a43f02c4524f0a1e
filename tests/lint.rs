//! `portnix lint` over real-looking files: a NixOS host, a process-compose file, .env files.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::path::Path;
use std::process::Command;

fn lint(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["lint", "--registry", "tests/test_data/lint/lib/ports.nix"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn finds_exactly_the_hard_coded_registry_ports() {
    let out = lint(&["--format", "json", "tests/test_data/lint"]);
    assert_eq!(out.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, u64, u64, i64)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            let file = l["file"].as_str().unwrap().trim_start_matches("tests/test_data/lint/").to_string();
            (file, l["line"].as_u64().unwrap(), l["column"].as_u64().unwrap(), f["port"].as_i64().unwrap())
        })
        .collect();
    let want: Vec<(String, u64, u64, i64)> = [
        (".env", 1, 8, 5432),
        (".env", 3, 9, 9100),
        ("hosts/web/configuration.nix", 9, 21, 5432),
        ("hosts/web/configuration.nix", 13, 46, 5432),
        ("hosts/web/configuration.nix", 14, 73, 3000),
        ("process-compose.yaml", 4, 34, 6379),
        ("process-compose.yaml", 8, 15, 3000),
        ("process-compose.yaml", 9, 34, 5432),
    ]
    .into_iter()
    .map(|(f, l, c, p)| (f.to_string(), l, c, p))
    .collect();
    assert_eq!(got, want);
    let nix = &findings[2];
    assert_eq!(nix["paths"], serde_json::json!(["databases.postgresql"]));
    assert_eq!(nix["suggestion"], "ports.databases.postgresql");
    assert_eq!(findings[7]["suggestion"], "${PGPORT}");
    assert_eq!(findings[0]["suggestion"], "a file written by `portnix gen env`");
}

#[test]
fn human_output_names_file_line_col_and_the_reference() {
    let out = lint(&["tests/test_data/lint/hosts"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("lint_host_human", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn clean_files_pass() {
    let dir = std::env::temp_dir().join(format!("portnix-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("host.nix"),
        "{ ... }: let ports = import ./ports.nix; in { services.postgresql.settings.port = ports.databases.postgresql; }\n",
    )
    .unwrap();
    let out = lint(&[dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(Path::new(&dir).exists());
}

/// A tree built to hang or fool a naive walk: symlink loops, a link out of the tree, a FIFO,
/// `/dev/zero` under a linted name, a 100 MB file, a file that does not parse.
#[test]
fn a_hostile_tree_is_walked_once_in_seconds_and_every_skip_is_said() {
    let dir = std::env::temp_dir().join(format!("portnix-lint-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let outside = std::env::temp_dir().join(format!("portnix-lint-outside-{}", std::process::id()));
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("leak.yaml"), "port: 6379\n").unwrap();
    std::fs::create_dir_all(dir.join("src/a")).unwrap();
    std::fs::write(dir.join("src/a/ports.yaml"), "port: 5432\n").unwrap();
    std::os::unix::fs::symlink(".", dir.join("src/a/x")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("src/a/y")).unwrap();
    std::os::unix::fs::symlink("../..", dir.join("src/a/up")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("out")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.json")).unwrap();
    assert!(Command::new("mkfifo").arg(dir.join("fifo.nix")).status().unwrap().success());
    let big = std::fs::File::create(dir.join("big.yaml")).unwrap();
    big.set_len(100 << 20).unwrap();
    std::fs::write(dir.join("bad.nix"), "{ port = 5432 ").unwrap();
    std::fs::write(dir.join("deep.nix"), "[".repeat(100_000)).unwrap();
    std::fs::write(dir.join("sum.nix"), vec!["a"; 400_000].join("+")).unwrap();
    let start = std::time::Instant::now();
    let out = lint(&["--format", "json", dir.to_str().unwrap()]);
    // A hang guard, not a timing: scripts/bench-hostile measures the walk.
    assert!(start.elapsed() < std::time::Duration::from_secs(60), "took {:?}", start.elapsed());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> =
        findings.as_array().unwrap().iter().map(|f| f["location"]["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 1, "the same place once, however many links lead to it: {files:?}");
    assert!(files[0].ends_with("src/a/ports.yaml"), "{files:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    for (name, why) in [
        ("fifo.nix", "not a regular file"),
        ("zero.json", "out of the tree"),
        ("out", "out of the tree"),
        ("big.yaml", "over the 10485760-byte limit"),
        ("bad.nix", "does not parse as Nix"),
        ("deep.nix", "does not parse as Nix"),
        ("sum.nix", "does not parse as Nix"),
    ] {
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(&format!("/{name}:"))).collect();
        assert_eq!(lines.len(), 1, "{name}: {err}");
        assert!(lines[0].starts_with("warning: skipped") && lines[0].contains(why), "{name}: {}", lines[0]);
    }
    // The cap can be raised.
    let out = lint(&["--max-file-size", "200000000", dir.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("big.yaml"));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=portnix",
            "-c",
            "user.email=portnix@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn since_a_revision_finds_what_moving_a_block_left_behind() {
    // Seed 003 moves NEURECTOMY from the 16000 block to 17000; the checklist is every file
    // that still says an old port.
    let dir = std::env::temp_dir().join(format!("portnix-lint-since-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/003-project-blocks");
    let ports = std::fs::read_to_string(example.join("ports.nix")).unwrap();
    let config = std::fs::read_to_string(example.join("portnix.nix")).unwrap();
    std::fs::write(dir.join("lib/ports.nix"), &ports).unwrap();
    std::fs::write(dir.join("lib/portnix.nix"), &config).unwrap();
    git(&dir, &["init", "-q", "."]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "the 16000 block"]);
    git(&dir, &["tag", "before-move"]);
    // The move: each NEURECTOMY port 1000 higher, in the registry and the config's ranges.
    let shift = |text: &str| -> String {
        let mut out = String::new();
        let mut digits = String::new();
        for c in text.chars().chain(std::iter::once('\n')) {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            match digits.strip_prefix("16") {
                Some(rest) if digits.len() == 5 => out.push_str(&format!("17{rest}")),
                _ => out.push_str(&digits),
            }
            digits.clear();
            out.push(c);
        }
        out.pop();
        out
    };
    std::fs::write(dir.join("lib/ports.nix"), shift(&ports)).unwrap();
    std::fs::write(dir.join("lib/portnix.nix"), shift(&config)).unwrap();
    git(&dir, &["commit", "-q", "-am", "the 17000 block"]);
    // What the checklist must name: compose, .env, YAML, JSON and Nix that kept old ports...
    let planted: &[(&str, &str, i64)] = &[
        ("docker-compose.yml", "services:\n  gateway:\n    ports:\n      - \"16080:16080\"\n", 16080),
        (".env", "NEURECTOMY_DATABASES_POSTGRESQL_PORT=16432\n", 16432),
        (
            "k8s/deployment.yaml",
            "spec:\n  containers:\n    - ports:\n        - containerPort: 16500\n",
            16500,
        ),
        ("web/config.json", "{ \"graphql\": \"http://localhost:16010/graphql\" }\n", 16010),
        ("hosts/ml.nix", "{ ... }: { services.ml.port = 16081; }\n", 16081),
    ];
    // ...and what it must not: the unmoved project's ports, and the new ones.
    let quiet = [("hosts/sigma.nix", "{ ... }: { a = 26080; b = 17080; }\n")];
    for (file, text, _) in planted {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    for (file, text) in quiet {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["lint", "--since", "before-move", "--format", "json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, i64)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["location"]["file"].as_str().unwrap().to_string(), f["port"].as_i64().unwrap()))
        .collect();
    got.sort();
    let mut want: Vec<(String, i64)> = planted.iter().map(|(f, _, p)| (f.to_string(), *p)).collect();
    // The compose mapping names its port twice.
    want.push(("docker-compose.yml".into(), 16080));
    want.sort();
    assert_eq!(got, want);
    let gateway = findings.as_array().unwrap().iter().find(|f| f["port"] == 16080).unwrap();
    assert_eq!(
        gateway["suggestion"],
        "neurectomy.api.gateway was 16080 at before-move, and is 17080 now (ports.neurectomy.api.gateway)"
    );
    // Without --since, the old numbers are nobody's: lint finds only today's ports.
    let now = Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["lint", "--format", "json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let now: serde_json::Value = serde_json::from_slice(&now.stdout).unwrap();
    let mut ports: Vec<i64> = now.as_array().unwrap().iter().map(|f| f["port"].as_i64().unwrap()).collect();
    ports.sort();
    assert_eq!(ports, [17080, 26080]);
    // A revision that does not exist is an error, not an empty checklist.
    let bad = Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["lint", "--since", "no-such-tag"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'no-such-tag' is not a revision"), "{bad:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// With no paths, lint looks through the project's own files: what git tracks or would track
/// (an ignored file is not the project's), without directories that hold another project's
/// registry, and without what `lint.exclude` names. Outside git, the same tree rules hold.
#[test]
fn with_no_paths_lint_reads_the_projects_own_files() {
    let dir = std::env::temp_dir().join(format!("portnix-lint-scope-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("flake.nix", "{ }\n");
    write("lib/ports.nix", "{ db.pg = 5432; }\n");
    write("lib/portnix.nix", "{ lint.exclude = [ \"vendor\" \"gen/*.json\" ]; }\n");
    write("app/tracked.yaml", "port: 5432\n");
    write("app/new.env", "PG=5432\n");
    write("build/out.json", "{ \"port\": 5432 }\n");
    write(".gitignore", "build/\n");
    write("examples/other/ports.nix", "{ db.pg = 5432; }\n");
    write("examples/other/app.yaml", "port: 5432\n");
    write("templates/t/lib/ports.nix", "{ db.pg = 5432; }\n");
    write("templates/t/app.env", "PG=5432\n");
    write("vendor/lib.json", "{ \"port\": 5432 }\n");
    write("gen/a.json", "{ \"port\": 5432 }\n");
    write("gen/keep.yaml", "port: 5432\n");
    let files = |out: &std::process::Output| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut f: Vec<String> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["location"]["file"].as_str().unwrap().to_string())
            .collect();
        f.sort();
        f
    };
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_portnix"))
            .args(["lint", "--format", "json"])
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    // Outside git: the tree, less other projects and what the config excludes.
    let out = run();
    assert_eq!(
        files(&out),
        ["app/new.env", "app/tracked.yaml", "build/out.json", "gen/keep.yaml"],
        "{out:?}"
    );
    // In git: the ignored build output goes too; the untracked new file stays.
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "app/tracked.yaml", "lib", "flake.nix"]);
    let out = run();
    assert_eq!(files(&out), ["app/new.env", "app/tracked.yaml", "gen/keep.yaml"], "{out:?}");
    // Named paths are read whole, other projects included.
    let out = Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["lint", "--format", "json", "examples"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(files(&out), ["examples/other/app.yaml", "examples/other/ports.nix"], "{out:?}");
}

/// Linear in the matches of one line: a 10 MB one-line JSON of ports is read in one pass
/// (it did not finish in 60 s when each match counted its line's characters again).
#[test]
fn a_ten_megabyte_one_line_json_is_read_in_one_pass() {
    let dir = std::env::temp_dir().join(format!("portnix-lint-wide-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    std::fs::write(dir.join("lib/ports.nix"), "{ db.pg = 5432; }\n").unwrap();
    let item = "{\"a\":5432,\"b\":\"é\"},";
    let n = (10 << 20) / item.len();
    let json = format!("[{}{{}}]", item.repeat(n));
    std::fs::write(dir.join("wide.json"), &json).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_portnix"))
        .args(["lint", "--format", "json", "--max-file-size", "20000000", "wide.json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    assert_eq!(findings.len(), n);
    // Columns count characters: the last match is where its characters put it.
    let last = &findings[n - 1]["location"];
    assert_eq!(last["line"], 1);
    let chars_before = (n - 1) * item.chars().count() + 1 + "{\"a\":".len();
    assert_eq!(last["column"].as_u64().unwrap() as usize, chars_before + 1);
}
