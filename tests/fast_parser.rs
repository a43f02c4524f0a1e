//! The fast front end against the rnix path: wherever the fast one accepts a program, both
//! must lower it to the same IR, positions included. It must also accept what registries
//! are made of, or it would be a second parser that never runs.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};

use portnix::eval::{Eval, EvalOptions};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// (fast, rnix) IRs of `text`, printed.
fn both(text: &str) -> (Option<String>, Option<String>) {
    let mut eval = Eval::new(EvalOptions::default());
    eval.both_front_ends(text, Path::new("/tmp"))
}

/// Whether the fast parser accepted `text`; panics when the two front ends disagree.
fn agree(text: &str) -> Result<bool, String> {
    match both(text) {
        (None, _) => Ok(false),
        (Some(fast), Some(rnix)) if fast == rnix => Ok(true),
        (Some(_), None) => Err(format!("the fast parser accepted what rnix rejects:\n{text}")),
        (Some(fast), Some(rnix)) => {
            Err(format!("front ends disagree on\n{text}\n{}", first_difference(&fast, &rnix)))
        }
    }
}

/// The IRs around their first differing line: whole dumps run to megabytes.
fn first_difference(fast: &str, rnix: &str) -> String {
    let (f, r): (Vec<&str>, Vec<&str>) = (fast.lines().collect(), rnix.lines().collect());
    let at = f.iter().zip(&r).position(|(a, b)| a != b).unwrap_or(f.len().min(r.len()));
    let window = |lines: &[&str]| lines[at.saturating_sub(12)..(at + 3).min(lines.len())].join("\n");
    format!("--- fast, line {at} ---\n{}\n--- rnix ---\n{}", window(&f), window(&r))
}

fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            nix_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

#[test]
fn every_file_in_the_repo_agrees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/test_data", "examples", "lib", "nix"] {
        nix_files(&root.join(dir), &mut files);
    }
    let (mut accepted, mut accepted_crlf) = (0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        match agree(&text) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(e) => panic!("{}: {e}", file.display()),
        }
        // The same file with Windows line ends: positions shift, and must shift alike.
        let crlf = text.replace('\n', "\r\n");
        match agree(&crlf) {
            Ok(took) => accepted_crlf += usize::from(took),
            Err(e) => panic!("{} with CRLF: {e}", file.display()),
        }
    }
    // Only strings that span lines keep a `\r`, and go to rnix.
    assert!(accepted_crlf + 10 >= accepted, "CRLF: accepted {accepted_crlf}, against {accepted} with LF");
    eprintln!("fast parser accepted {accepted} of {} files", files.len());
    assert!(files.len() > 400, "the corpus is missing: {} files", files.len());
    // Registries, configs and most of the corpus are in the subset.
    assert!(accepted * 2 > files.len(), "accepted only {accepted} of {}", files.len());
}

#[test]
fn registries_and_configs_take_the_fast_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // lib/portnix.nix and example 001's config import a path and interpolate the registry into
    // their process commands: rnix reads them.
    let mut files = vec![root.join("lib/ports.nix")];
    for entry in std::fs::read_dir(root.join("examples")).expect("examples") {
        let dir = entry.expect("entry").path();
        files.push(dir.join("ports.nix"));
        if !dir.ends_with("001-categories") {
            files.push(dir.join("portnix.nix"));
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        assert_eq!(agree(&text), Ok(true), "{} should take the fast path", file.display());
    }
    let generated = generated_registry(3, 40);
    assert_eq!(agree(&generated), Ok(true), "the benchmark shape should take the fast path");
}

/// The shape `scripts/gen_registry.py` writes for the benchmarks.
fn generated_registry(hosts: usize, per_tier: usize) -> String {
    let mut s = String::from("# generated\nlet\n  base = { web = 8000; db = 5400; };\nin\n{\n  hosts = {\n");
    for h in 0..hosts {
        s += &format!("    h{h} = {{\n      # web services of host {h}\n      web = {{\n");
        for i in 0..per_tier {
            s += &format!("        s{i} = base.web + {i};\n");
        }
        s += "      };\n      db.main = base.db;\n";
        s += &format!("      pool = {{ from = {}; to = {}; }};\n    }};\n", 30000 + h * 10, 30009 + h * 10);
    }
    s + "  };\n}\n"
}

#[test]
fn what_the_fast_parser_declines() {
    for text in [
        "{ a = ./x; }",
        "{ a = \"${b}\"; }",
        "{ a = \"\\n\"; }",
        "{ a = ''x''; }",
        "{ a = 1.5; }",
        "{ a, b }: a",
        "{ a = x: y: x / y; }",
        "{ a = b or 1; }",
        "{ ${\"a\"} = 1; }",
        "let { body = 1; }",
        "{ a = 1; a = 2; }",
        // Nix merges these; the fast front end has closed the first set already.
        "{ a = { b = 1; }; a.c = 2; }",
        "{ a.b = 1; a = { c = 2; }; }",
        "{ a = b; }",
        "{ a = 1 }",
        "[ 1 2",
    ] {
        assert_eq!(both(text).0, None, "{text:?} should go to rnix");
    }
}

/// Pieces of Nix, valid and not, glued with varying whitespace: the fast parser must either
/// decline or agree with rnix on every combination.
const VOCABULARY: &[&str] = &[
    "{",
    "}",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ";",
    ";",
    "=",
    "=",
    ".",
    "a",
    "b",
    "x",
    "a-b",
    "x'",
    "true",
    "null",
    "1",
    "42",
    "0",
    "007",
    "\"s\"",
    "\"\"",
    "\"a b\"",
    "let",
    "in",
    "rec",
    "inherit",
    "with",
    "if",
    "then",
    "else",
    "assert",
    "+",
    "-",
    "*",
    "++",
    "==",
    "!=",
    "&&",
    "||",
    "->",
    "!",
    ":",
    "x:",
    "/",
    "//",
    "?",
    "or",
    "@",
    ",",
    "...",
    "#c\n",
    "/*c*/",
    "1.5",
    "x:y",
    "./p",
    "<n>",
    "''s''",
    "\"${a}\"",
    "\"\\n\"",
    "$",
    "'",
    "<",
    ">",
    "builtins.add",
    "__curPos",
];

fn soup() -> impl Strategy<Value = String> {
    let piece =
        (prop::sample::select(VOCABULARY), prop::sample::select(&["", " ", " ", "\n", "\t", "\r\n"][..]));
    prop::collection::vec(piece, 1..40)
        .prop_map(|pieces| pieces.into_iter().map(|(p, ws)| format!("{p}{ws}")).collect())
}

/// Programs in the subset, so that the accepting paths are exercised, not only the bails.
fn program(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        (0i64..100000).prop_map(|i| i.to_string()),
        "[a-z]{1,3}".prop_map(|s| format!("\"{s}\"")),
        prop::sample::select(vec!["a", "b", "x", "true", "null", "base.web", "set.\"q\""])
            .prop_map(String::from),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let d = depth - 1;
    let name = prop::sample::select(vec!["a", "b", "x", "web", "\"q r\"", "a.b", "a.c", "web.s0"]);
    let binding = prop_oneof![
        3 => (name.clone(), program(d)).prop_map(|(n, v)| format!("{n} = {v};")),
        1 => prop::sample::select(vec!["inherit a;", "inherit (set) q;", "inherit x b;"]).prop_map(String::from),
    ];
    let bindings = prop::collection::vec(binding, 0..5).prop_map(|b| b.join(" "));
    let op = prop::sample::select(vec!["+", "-", "*", "++", "==", "!=", "&&", "||", "->"]);
    prop_oneof![
        2 => leaf,
        2 => (prop::bool::ANY, bindings.clone()).prop_map(|(rec, b)| format!("{}{{ {b} }}", if rec { "rec " } else { "" })),
        1 => (bindings, program(d)).prop_map(|(b, body)| format!("let base = {{ web = 1; }}; set = {{ q = 2; }}; {b} in {body}")),
        1 => (program(d), op, program(d)).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        1 => (program(d), program(d)).prop_map(|(a, b)| format!("(x: {a}) {b}")),
        1 => prop::collection::vec(program(d), 0..4).prop_map(|v| format!("[ {} ]", v.join(" "))),
        1 => program(d).prop_map(|a| format!("({a})")),
        1 => program(d).prop_map(|a| format!("-{a}")),
        1 => program(d).prop_map(|a| format!("!{a}")),
        1 => (program(d), program(d), program(d)).prop_map(|(c, a, b)| format!("if {c} then {a} else {b}")),
        1 => (program(d), program(d)).prop_map(|(a, b)| format!("with {a}; {b}")),
        1 => (program(d), program(d)).prop_map(|(a, b)| format!("assert {a}; # why\n {b}")),
        1 => program(d).prop_map(|a| format!("({a}).web")),
    ]
    .boxed()
}

fn run(strategy: impl Strategy<Value = String>, default_cases: u32) -> (u32, u32) {
    let cases = std::env::var("PORTNIX_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(default_cases, |n: u32| n * 10);
    let accepted = std::cell::Cell::new(0u32);
    let result = common::runner(cases).run(&strategy, |text| {
        let took = agree(&text).map_err(TestCaseError::fail)?;
        accepted.set(accepted.get() + u32::from(took));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    (accepted.get(), cases)
}

#[test]
fn token_soup_agrees() {
    let (accepted, cases) = run(soup(), 3000);
    eprintln!("token soup: fast parser accepted {accepted} of {cases}");
}

#[test]
fn subset_programs_agree() {
    let (accepted, cases) = run(program(3), 2000);
    eprintln!("subset programs: fast parser accepted {accepted} of {cases}");
    // Undefined names and duplicate attributes send some to rnix; most must stay.
    assert!(accepted * 3 > cases, "accepted only {accepted} of {cases}");
}
