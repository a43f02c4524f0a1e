//! The flake with the real Nix (2.8, offline): the pure check fails on conflicts and passes
//! on a clean registry, the template works, and `nix flake check` runs both checks with
//! nixpkgs replaced by the labelled stand-in in tests/nixpkgs-standin.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn nix(dir: &Path, args: &[&str]) -> Output {
    Command::new("nix")
        .args(["--extra-experimental-features", "nix-command flakes", "--option", "substituters", ""])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("nix runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of what the flake needs, in a fresh directory, with `lib/ports.nix` replaced if asked.
fn repo_copy(name: &str, ports: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-flake-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Everything Cargo.toml names must be there for the package to build.
    for d in ["nix", "lib", "src", "benches"] {
        copy_dir(&root().join(d), &dir.join(d));
    }
    for f in ["flake.nix", "flake.lock", "Cargo.toml", "Cargo.lock"] {
        std::fs::copy(root().join(f), dir.join(f)).unwrap();
    }
    if let Some(p) = ports {
        std::fs::write(dir.join("lib/ports.nix"), p).unwrap();
    }
    dir
}

fn standin() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-standin-{}", std::process::id()));
    copy_dir(&root().join("tests/nixpkgs-standin"), &dir);
    let cargo = String::from_utf8(Command::new("which").arg("cargo").output().unwrap().stdout).unwrap();
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{home}/.cargo"));
    let host = format!(
        "{{ cargo = \"{}\"; home = \"{home}\"; cargoHome = \"{cargo_home}\"; targetDir = \"{}\"; }}\n",
        cargo.trim(),
        root().join("target/nix-standin").display()
    );
    std::fs::write(dir.join("host.nix"), host).unwrap();
    dir
}

/// The repository's registry with one conflict put in: (name, edit, words the failure names).
const CONFLICTS: [(&str, (&str, &str), &[&str]); 3] = [
    ("dup", ("redis = 6379;", "redis = 5432;"), &["databases.postgresql", "databases.redis", "port 5432"]),
    (
        "range",
        ("api = 3000;", "api = 4000;"),
        &["development.api", "out-of-range", "\"development\" (3000-3999)"],
    ),
    (
        "reserved",
        ("ssh = 22;", "ssh = 22;\n    telnet = 23;"),
        &["infrastructure.telnet", "reserved-port", "system ports"],
    ),
];

/// The repository's config with one error put in: (name, edit, words the failure names).
const CONFIG_ERRORS: [(&str, (&str, &str), &[&str]); 4] = [
    (
        "typo",
        ("\"infrastructure.ssh\" = {", "\"infrastructure.shh\" = {"),
        &["unknown-service", "services.\"infrastructure.shh\" names no entry"],
    ),
    (
        "invalid",
        ("development = { from = 3000; to = 3999; };", "development = { from = 3999; to = 3000; };"),
        &["invalid-range", "\"development\" (3999-3000)"],
    ),
    (
        "outside",
        (
            "databases = { from = 5000; to = 6999; };",
            "databases = { from = 5000; to = 6999; };\n    \"databases.cache\" = { from = 7000; to = 7100; };",
        ),
        &["range-outside-parent", "\"databases.cache\" (7000-7100) is not inside"],
    ),
    (
        "overlap",
        ("otel = { from = 4000; to = 4999; };", "otel = { from = 3500; to = 4999; };"),
        &["range-overlap", "\"development\" (3000-3999) and \"otel\" (3500-4999)"],
    ),
];

fn conflicted(edit: (&str, &str)) -> String {
    let ports = std::fs::read_to_string(root().join("lib/ports.nix")).unwrap();
    assert!(ports.contains(edit.0), "lib/ports.nix no longer has `{}`", edit.0);
    ports.replacen(edit.0, edit.1, 1)
}

#[test]
fn the_pure_check_fails_on_conflicts_and_passes_when_clean() {
    if !common::nix_available() {
        return;
    }
    let clean = repo_copy("clean", None);
    let out = nix(&clean, &["build", "--no-link", "path:.#checks.x86_64-linux.ports"]);
    assert!(out.status.success(), "{}", text(&out));
    for (name, edit, words) in CONFLICTS {
        let dir = repo_copy(name, Some(&conflicted(edit)));
        let out = nix(&dir, &["build", "--no-link", "path:.#checks.x86_64-linux.ports"]);
        assert!(!out.status.success(), "{name} built");
        let msg = text(&out);
        for w in words {
            assert!(msg.contains(w), "{name}: no '{w}' in:\n{msg}");
        }
        assert!(msg.contains("lib/ports.nix:"), "{name}: no position in:\n{msg}");
    }
    let config = std::fs::read_to_string(root().join("lib/portnix.nix")).unwrap();
    for (name, (from, to), words) in CONFIG_ERRORS {
        assert!(config.contains(from), "lib/portnix.nix no longer has `{from}`");
        let dir = repo_copy(name, None);
        std::fs::write(dir.join("lib/portnix.nix"), config.replacen(from, to, 1)).unwrap();
        let out = nix(&dir, &["build", "--no-link", "path:.#checks.x86_64-linux.ports"]);
        assert!(!out.status.success(), "{name} built");
        let msg = text(&out);
        for w in words {
            assert!(msg.contains(w), "{name}: no '{w}' in:\n{msg}");
        }
        assert!(msg.contains("lib/portnix.nix:"), "{name}: no position in:\n{msg}");
    }
}

#[test]
fn the_template_starts_a_checked_registry() {
    if !common::nix_available() {
        return;
    }
    let portnix = repo_copy("for-template", None);
    let dir = std::env::temp_dir().join(format!("portnix-template-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = nix(&dir, &["flake", "init", "-t", &format!("path:{}", portnix.display())]);
    assert!(out.status.success(), "{}", text(&out));
    for f in ["flake.nix", "lib/ports.nix", "lib/portnix.nix"] {
        assert!(dir.join(f).is_file(), "template lacks {f}");
    }
    let over = format!("path:{}", portnix.display());
    let build = |dir: &Path| {
        nix(
            dir,
            &["build", "--no-link", "--override-input", "portnix", &over, "path:.#checks.x86_64-linux.ports"],
        )
    };
    let out = build(&dir);
    assert!(out.status.success(), "{}", text(&out));
    let ports = std::fs::read_to_string(dir.join("lib/ports.nix")).unwrap();
    std::fs::write(dir.join("lib/ports.nix"), ports.replace("redis = 6379;", "redis = 5432;")).unwrap();
    let out = build(&dir);
    assert!(!out.status.success());
    assert!(text(&out).contains("databases.redis"), "{}", text(&out));
}

#[test]
fn flake_check_runs_both_checks_with_the_standin() {
    if !common::nix_available() {
        return;
    }
    let standin = format!("path:{}", standin().display());
    // The stand-in builds with the host's cargo under /root, which Nix's build users cannot
    // read; so these builds run as the invoking user. Real nixpkgs needs no such option.
    let as_user = ["--option", "build-users-group", ""];
    let clean = repo_copy("check-clean", None);
    let out = nix(
        &clean,
        &[&as_user[..], &["flake", "check", "--override-input", "nixpkgs", &standin, "path:."]].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let dup = repo_copy("check-dup", Some(&conflicted(CONFLICTS[0].1)));
    for check in ["ports", "portnix"] {
        let attr = format!("path:.#checks.x86_64-linux.{check}");
        // -L prints the whole build log, not its last lines.
        let out = nix(
            &dup,
            &[&as_user[..], &["build", "-L", "--no-link", "--override-input", "nixpkgs", &standin, &attr]]
                .concat(),
        );
        assert!(!out.status.success(), "{check} passed on a duplicate");
        let msg = text(&out);
        assert!(msg.contains("databases.redis"), "{check}: {msg}");
        if check == "portnix" {
            // The binary's own report, with file:line:col, from the store copy of lib/.
            assert!(msg.contains("error[duplicate-port]") && msg.contains("--> lib/ports.nix:"), "{msg}");
        }
    }
}

#[test]
fn the_package_installs_completions_and_the_man_page() {
    if !common::nix_available() {
        return;
    }
    let standin = format!("path:{}", standin().display());
    let dir = repo_copy("package", None);
    let link = dir.join("result");
    let out = nix(
        &dir,
        &[
            "--option",
            "build-users-group",
            "",
            "build",
            "-L",
            "--out-link",
            link.to_str().unwrap(),
            "--override-input",
            "nixpkgs",
            &standin,
            "path:.#packages.x86_64-linux.default",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let binary = link.join("bin/portnix");
    for (shell, file) in [
        ("bash", "share/bash-completion/completions/portnix.bash"),
        ("zsh", "share/zsh/site-functions/_portnix"),
        ("fish", "share/fish/vendor_completions.d/portnix.fish"),
    ] {
        let installed = std::fs::read(link.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let fresh = Command::new(&binary).args(["completions", shell]).output().unwrap().stdout;
        assert!(!installed.is_empty() && installed == fresh, "{file} is not `portnix completions {shell}`");
    }
    let page = std::fs::read_to_string(link.join("share/man/man1/portnix.1")).unwrap();
    assert!(page.contains(".TH portnix 1"), "{page}");
}
