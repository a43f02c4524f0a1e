//! What the syntax layer costs before portnix does anything: rnix's tokenizer, its parser, and
//! one walk over rowan's red tree, which every rowan-based lowering pays (the floor under the
//! rnix path), against the fast front end's lexer. docs/BENCHMARKS.md quotes them. Uses the
//! registries of the phases bench.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::time::Instant;

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 100 } else { 100_000 };
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/{n}/ports.nix"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("no {}: run `cargo bench --bench phases` first", path.display());
        return;
    };
    let t = Instant::now();
    let tokens = rnix::tokenize(&text).count();
    println!("tokenize       {:>9.3} ms ({tokens} tokens)", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let fast = fast_tokens(&text);
    println!("fast lexer     {:>9.3} ms ({fast} tokens)", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let parse = rnix::Root::parse(&text);
    println!("parse          {:>9.3} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let elements = parse.syntax().descendants_with_tokens().count();
    println!("red-tree walk  {:>9.3} ms ({elements} elements)", t.elapsed().as_secs_f64() * 1e3);
}

fn fast_tokens(text: &str) -> usize {
    use portnix::syntax::fast::lexer::{Lexer, Tok};
    let mut lexer = Lexer::new(text).expect("a registry the fast lexer reads");
    let mut n = 0;
    while lexer.next_token().expect("a registry the fast lexer reads").tok != Tok::Eof {
        n += 1;
    }
    n
}
