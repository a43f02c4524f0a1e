//! The corpus in tests/test_data/eval: every program is evaluated by portnix and by the real
//! `nix-instantiate --eval --strict --json`; both must give the same JSON, or both must fail.
//! Each program's `.out` file records portnix's output (JSON, or the rendered error) for review.
//! `PORTNIX_BLESS=1` rewrites the `.out` files.

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

#[test]
fn corpus_is_large_and_has_failures() {
    let files = corpus();
    let failing = files
        .iter()
        .filter(|f| std::fs::read_to_string(f.with_extension("out")).is_ok_and(|o| o.starts_with("ERROR")))
        .count();
    assert!(files.len() >= 250, "corpus has {} programs, want at least 250", files.len());
    assert!(failing >= 60, "corpus has {failing} failing programs, want at least 60");
}

#[test]
fn portnix_matches_recorded_outputs() {
    let bless = std::env::var("PORTNIX_BLESS").is_ok_and(|v| v == "1");
    let mut mismatches = Vec::new();
    for file in corpus() {
        let got = render(&common::portnix_eval(&relative(&file)));
        let out = file.with_extension("out");
        if bless {
            std::fs::write(&out, &got).expect("write .out");
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if got != want {
            mismatches
                .push(format!("{}:\n--- recorded\n{want}+++ portnix\n{got}", relative(&file).display()));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} programs differ from their .out:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
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
