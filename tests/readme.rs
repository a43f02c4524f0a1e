//! The README and every page under docs/ run as tests: each shell sample is executed in a fresh
//! copy of the repository, with the `portnix` this build made first on PATH and a HOME of its
//! own, so a sample can never go stale.
//!
//! A fenced block's first word is its language; the words after it (which Markdown renderers
//! do not show) say how it runs:
//! - ```` ```console ````: `$ COMMAND` lines, each followed by the output it must print (stdout
//!   and stderr as one stream, in the order written). `...` alone on a line stands for any
//!   lines, `[..]` for any text within a line. `$ COMMAND  # (exit N)` expects exit code N,
//!   and 0 otherwise.
//! - ```` ```sh ````: each line is run in turn in one shell (comments and blank lines skipped),
//!   and each must exit 0, or N where its comment ends `(exit N)`.
//! - `in=DIR` runs the block there (relative to the copy); `fixture=NAME` first copies
//!   `tests/readme/NAME/` over the copy and runs its `setup.sh` if it has one.
//! - `skip="why"` does not run it, and the test prints why; only what cannot run on a test
//!   machine may say so (a Docker daemon, the network, this very test suite).
//!
//! `cargo run --release -- ARGS` runs as `portnix ARGS`: the same program, already built.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug)]
struct Block {
    /// `README.md:263`: where the block opens.
    at: String,
    lang: String,
    attrs: Vec<(String, String)>,
    body: String,
}

impl Block {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `name=value` and `name="value with spaces"` words after the language.
fn attrs(info: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = info.trim();
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().to_string();
        let after = &rest[eq + 1..];
        let (value, next) = match after.strip_prefix('"') {
            Some(q) => {
                let end = q.find('"').expect("a closing quote");
                (q[..end].to_string(), &q[end + 1..])
            }
            None => {
                let end = after.find(' ').unwrap_or(after.len());
                (after[..end].to_string(), &after[end..])
            }
        };
        out.push((name, value));
        rest = next.trim_start();
    }
    out
}

/// Every fenced block of a Markdown file.
fn blocks(file: &str, text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut open {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let (lang, rest) = info.split_once(' ').unwrap_or((info, ""));
                    open = Some((n + 1, lang.to_string(), rest.to_string(), String::new()));
                }
            }
            Some((start, lang, info, body)) => {
                if line == "```" {
                    out.push(Block {
                        at: format!("{file}:{start}"),
                        lang: lang.clone(),
                        attrs: attrs(info),
                        body: std::mem::take(body),
                    });
                    open = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    out
}

/// The repository as git has it (tracked files, with today's edits), in a new directory.
fn fresh_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-readme-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "git ls-files: {}", String::from_utf8_lossy(&out.stderr));
    for file in out.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = std::str::from_utf8(file).unwrap();
        let from = root().join(rel);
        let Ok(meta) = std::fs::symlink_metadata(&from) else { continue };
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    dir
}

fn copy_over(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_over(&e.path(), &target);
        } else if e.file_name() != "setup.sh" {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A shell in `dir` that finds this build's portnix first.
fn shell(dir: &Path, home: &Path, script: &str) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_portnix")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let script = script.replace("cargo run --release -- ", "portnix ");
    // A sample that hangs fails in two minutes rather than stalling the suite. It runs in a
    // process group of its own, which is killed when it ends, so a background job it leaves
    // can neither outlive it nor hold its output open.
    use std::os::unix::process::CommandExt;
    let log = home.join(".sample-output");
    let mut child = Command::new("timeout")
        .args(["120", "bash"])
        .args(["-c", &format!("exec 2>&1\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{script}")])
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("PORTNIX_SERVER")
        .env_remove("PORTNIX_TOKEN")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    let status = child.wait().unwrap();
    let _ = Command::new("kill")
        .args(["-9", "--", &format!("-{}", child.id())])
        .stderr(std::process::Stdio::null())
        .status();
    let out = std::fs::read_to_string(&log).unwrap_or_default();
    (status.code().unwrap_or(-1), out)
}

/// The exit code a line's comment promises with `(exit N)`; 0 without one.
fn promised_exit(line: &str) -> i32 {
    let Some((_, comment)) = line.split_once(" #") else { return 0 };
    let Some(at) = comment.rfind("(exit ") else { return 0 };
    comment[at + 6..].split(')').next().and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}

/// Whether `got` matches the expected `want`, where a `...` line stands for any lines and
/// `[..]` for any text within a line.
fn matches(want: &[&str], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((&"...", rest)) => (0..=got.len()).any(|i| matches(rest, &got[i..])),
        Some((w, rest)) => {
            got.split_first().is_some_and(|(g, grest)| line_matches(w, g) && matches(rest, grest))
        }
    }
}

fn line_matches(want: &str, got: &str) -> bool {
    let parts: Vec<&str> = want.split("[..]").collect();
    if parts.len() == 1 {
        return want.trim_end() == got.trim_end();
    }
    let got = got.trim_end();
    let (first, last) = (parts[0], parts[parts.len() - 1].trim_end());
    if !got.starts_with(first) || got.len() < first.len() + last.len() || !got.ends_with(last) {
        return false;
    }
    let mut at = first.len();
    let end = got.len() - last.len();
    for part in &parts[1..parts.len() - 1] {
        match got[at..end].find(part) {
            Some(i) => at += i + part.len(),
            None => return false,
        }
    }
    true
}

/// Runs one block; `Err` says what differed.
fn run(block: &Block, n: usize) -> Result<(), String> {
    let copy = fresh_copy(&n.to_string());
    let home = copy.join(".home");
    std::fs::create_dir_all(&home).unwrap();
    if let Some(fixture) = block.attr("fixture") {
        let from = root().join("tests/readme").join(fixture);
        copy_over(&from, &copy);
        if from.join("setup.sh").exists() {
            let setup = std::fs::read_to_string(from.join("setup.sh")).unwrap();
            let (code, out) = shell(&copy, &home, &setup);
            if code != 0 {
                return Err(format!("fixture {fixture}'s setup.sh exited {code}:\n{out}"));
            }
        }
    }
    let dir = block.attr("in").map_or(copy.clone(), |d| copy.join(d));
    let result = match block.lang.as_str() {
        "console" => {
            // Each `$ ` line and the output lines under it.
            let mut steps: Vec<(String, Vec<String>)> = Vec::new();
            for line in block.body.lines() {
                match line.strip_prefix("$ ") {
                    Some(cmd) => steps.push((cmd.to_string(), Vec::new())),
                    None => match steps.last_mut() {
                        Some((_, out)) => out.push(line.to_string()),
                        None => return Err(format!("{}: output before any `$ ` command", block.at)),
                    },
                }
            }
            let mut result = Ok(());
            for (cmd, want) in &steps {
                let (code, got) = shell(&dir, &home, cmd);
                let want_code = promised_exit(cmd);
                let want: Vec<&str> = want.iter().map(String::as_str).collect();
                let got_lines: Vec<&str> = got.lines().collect();
                if code != want_code || !matches(&want, &got_lines) {
                    result = Err(format!(
                        "`{cmd}` exited {code} (the sample says {want_code}), and printed:\n{got}\n--- the sample says:\n{}",
                        want.join("\n")
                    ));
                    break;
                }
            }
            result
        }
        _ => {
            let mut script = String::new();
            for line in block.body.lines() {
                let bare = line.trim();
                if bare.is_empty() || bare.starts_with('#') {
                    continue;
                }
                let want = promised_exit(line);
                let escaped = line.replace('\'', "'\\''");
                script.push_str(&format!(
                    "{line}\nrc=$?; if [ $rc -ne {want} ]; then echo 'SAMPLE LINE FAILED (exit '$rc', not {want}): {escaped}'; exit 99; fi\n"
                ));
            }
            let (code, out) = shell(&dir, &home, &script);
            if code == 0 { Ok(()) } else { Err(out) }
        }
    };
    let _ = std::fs::remove_dir_all(&copy);
    result
}

fn documents() -> Vec<(String, String)> {
    let mut docs =
        vec![("README.md".to_string(), std::fs::read_to_string(root().join("README.md")).unwrap())];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for p in pages {
        docs.push((
            format!("docs/{}", p.file_name().unwrap().to_string_lossy()),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    docs
}

#[test]
fn every_shell_sample_in_the_readme_and_docs_runs_as_printed() {
    let mut failures = Vec::new();
    let (mut ran, mut skipped) = (0, 0);
    let mut n = 0;
    for (file, text) in documents() {
        for block in blocks(&file, &text) {
            if !matches!(block.lang.as_str(), "sh" | "console" | "bash" | "shell") {
                // Output shown without its command cannot be checked: it must say its command.
                if block.body.lines().next().is_some_and(|l| l.starts_with("$ ")) {
                    failures.push(format!(
                        "{}: a `$ ` sample in a ```{} block: make it ```console",
                        block.at, block.lang
                    ));
                }
                continue;
            }
            if let Some(why) = block.attr("skip") {
                eprintln!("skipped {}: {why}", block.at);
                skipped += 1;
                continue;
            }
            n += 1;
            eprintln!("running {}", block.at);
            match run(&block, n) {
                Ok(()) => ran += 1,
                Err(e) => failures.push(format!("{}:\n{e}", block.at)),
            }
        }
    }
    eprintln!("{ran} samples ran as printed, {skipped} skipped");
    assert!(
        failures.is_empty(),
        "{} samples do not run as printed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(ran >= 10, "only {ran} samples ran");
    assert!(skipped <= 5, "{skipped} samples skipped: run them");
}

#[test]
fn the_harness_matches_as_documented() {
    assert!(matches(&["a", "...", "d"], &["a", "b", "c", "d"]));
    assert!(matches(&["a", "...", "b"], &["a", "b"]));
    assert!(!matches(&["a", "b"], &["a", "b", "c"]));
    assert!(line_matches("port [..] is free", "port 8085 is free"));
    assert!(!line_matches("port [..] is free", "port 8085 is taken"));
    assert!(line_matches("[..]", "anything"));
    assert_eq!(promised_exit("portnix add x --port 3100  # exactly 3100, or exit 1 naming its owner"), 0);
    assert_eq!(promised_exit("portnix set web 80  # taken (exit 1)"), 1);
    assert_eq!(promised_exit("portnix ls"), 0);
    assert_eq!(
        attrs(r#"in=examples/004 skip="needs a docker daemon""#),
        [
            ("in".to_string(), "examples/004".to_string()),
            ("skip".to_string(), "needs a docker daemon".to_string())
        ]
    );
}
