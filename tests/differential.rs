//! The corpus in tests/test_data/eval: every program is evaluated by portnix and by the real
//! `nix-instantiate --eval --strict --json`; both must give the same JSON, or both must fail.
//! Each program's output from portnix (JSON, or the rendered error) is an insta snapshot in
//! tests/snapshots/differential__recorded@NAME.nix.snap, reviewed like every other snapshot
//! (`cargo insta review`).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/test_data/eval");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    files
}

fn relative(p: &Path) -> PathBuf {
    p.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(p).to_path_buf()
}

/// The recorded form of a result, with the checkout's location replaced so it is portable.
fn render(result: &Result<String, String>) -> String {
    let text = match result {
        Ok(json) => format!("{json}\n"),
        Err(diag) => format!("ERROR\n{diag}"),
    };
    text.replace(env!("CARGO_MANIFEST_DIR"), "$ROOT")
}

/// What a program's snapshot recorded, without insta's header.
fn recorded_output(program: &Path) -> Option<String> {
    let name = program.file_name()?.to_str()?;
    let snap = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/snapshots/differential__recorded@{name}.snap"));
    let text = std::fs::read_to_string(snap).ok()?;
    // The header is the first `---` ... `---` block.
    text.strip_prefix("---\n")?.split_once("\n---\n").map(|(_, body)| body.to_string())
}

#[test]
fn corpus_is_large_and_has_failures() {
    let files = corpus();
    let recorded: Vec<String> = files
        .iter()
        .map(|f| recorded_output(f).unwrap_or_else(|| panic!("{} has no snapshot", relative(f).display())))
        .collect();
    let failing = recorded.iter().filter(|o| o.starts_with("ERROR")).count();
    assert!(files.len() >= 250, "corpus has {} programs, want at least 250", files.len());
    assert!(failing >= 60, "corpus has {failing} failing programs, want at least 60");
}

#[test]
fn recorded() {
    insta::glob!("test_data/eval/*.nix", |file| {
        insta::assert_snapshot!(render(&common::portnix_eval(&relative(file))));
    });
}

#[test]
fn portnix_agrees_with_real_nix() {
    if !common::nix_available() {
        return;
    }
    let mut disagreements = Vec::new();
    let files = corpus();
    for file in &files {
        let ours = common::portnix_eval(file);
        let theirs = common::nix_eval(file);
        let agree = match (&ours, &theirs) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !agree {
            disagreements.push(format!(
                "{}\n  portnix: {}\n  nix:     {}",
                relative(file).display(),
                render(&ours).trim_end(),
                render(&theirs).trim_end()
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} programs disagree with nix-instantiate:\n{}",
        disagreements.len(),
        files.len(),
        disagreements.join("\n")
    );
}
