//! The completion scripts load in their shells and complete: bash (with bash-completion), zsh
//! (registered through compinit) and fish; the man page is roff that names every command.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::path::PathBuf;
use std::process::Command;

fn script(shell: &str) -> PathBuf {
    let out = Command::new(env!("CARGO_BIN_EXE_portnix")).args(["completions", shell]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = std::env::temp_dir().join(format!("portnix-completion-{}.{shell}", std::process::id()));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// Runs `script` in `shell`, or says how to get the shell.
fn run(shell: &str, args: &[&str], package: &str) -> String {
    let out = Command::new(shell).args(args).output().unwrap_or_else(|e| {
        panic!("{shell} is missing ({e}): `apt-get install {package}` (scripts/test does)")
    });
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && stderr.is_empty(), "{shell}: {stderr}\n{stdout}");
    stdout.into_owned()
}

#[test]
fn bash_completes_commands_and_flags() {
    let file = script("bash");
    assert!(
        std::path::Path::new("/usr/share/bash-completion/bash_completion").exists(),
        "bash-completion is missing: `apt-get install bash-completion` (scripts/test does)"
    );
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source /usr/share/bash-completion/bash_completion; source {}; \
             COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; \
             _portnix portnix '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display(),
            words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" "),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        run("bash", &["--norc", "-c", &program], "bash-completion")
    };
    let commands = complete("portnix ch");
    assert_eq!(commands.lines().collect::<Vec<_>>(), ["check"], "{commands}");
    let shells = complete("portnix completions ");
    for s in ["bash", "zsh", "fish"] {
        assert!(shells.lines().any(|l| l == s), "{s} in {shells}");
    }
    let flags = complete("portnix gen --for");
    assert!(flags.lines().any(|l| l == "--force"), "{flags}");
}

#[test]
fn zsh_registers_the_completion_with_compinit() {
    let file = script("zsh");
    let program = format!(
        "autoload -U compinit && compinit -u -D && source {} && print -r -- ${{_comps[portnix]}}",
        file.display()
    );
    let out = run("zsh", &["-f", "-c", &program], "zsh");
    assert_eq!(out.trim(), "_portnix");
}

#[test]
fn fish_completes_commands() {
    let file = script("fish");
    // clap's fish script completes commands and flag values (not positional values).
    let program = format!(
        "source {}; complete -C 'portnix ch'; complete -C 'portnix gen --evaluator '",
        file.display()
    );
    let out = run("fish", &["--no-config", "-c", &program], "fish");
    assert!(out.lines().any(|l| l.starts_with("check\t")), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("nix\t")) && out.lines().any(|l| l.starts_with("portnix\t")),
        "{out}"
    );
}

#[test]
fn the_man_page_is_roff_naming_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_portnix")).arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains(".TH portnix 1"), "{}", &page[..400.min(page.len())]);
    // groff, which man runs, reads it without a warning and lays out every command.
    let mut groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("groff is missing ({e}): `apt-get install groff-base` (scripts/test does)")
        });
    std::io::Write::write_all(&mut groff.stdin.take().unwrap(), page.as_bytes()).unwrap();
    let out = groff.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    for command in ["check", "gen", "lease", "completions", "explain", "man"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(&format!("portnix-{command}"))),
            "{command} missing in\n{text}"
        );
    }
}
