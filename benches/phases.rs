//! Microbenchmarks of each phase on generated registries (scripts/gen_registry.py):
//! parse, parse+lower, lower+eval, check, and every generator (freeing included). `cargo bench`; sizes by PORTNIX_BENCH_SIZES.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use portnix::check::{CheckOptions, check};
use portnix::eval::{Eval, EvalOptions};
use portnix::generate::{GenOptions, Target, generate};
use portnix::registry::{LoadOptions, load};

// The same allocator as the binary, so the numbers match what users run.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn registry(entries: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/{entries}"));
    if !dir.join("ports.nix").exists() {
        let status = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_registry.py"))
            .arg(entries.to_string())
            .arg(&dir)
            .status()
            .expect("python3 runs the generator");
        assert!(status.success());
    }
    dir
}

/// Median of `runs` timings of `f`, after one warm-up run.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn report(name: &str, entries: usize, d: Duration) {
    println!(
        "{name:<28} {entries:>9} entries  {:>10.3} ms  {:>8.0} ns/entry",
        d.as_secs_f64() * 1e3,
        d.as_nanos() as f64 / entries as f64
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and wants it quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("PORTNIX_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| if quick { vec![100] } else { vec![100, 10_000, 100_000, 1_000_000] });
    let runs = if quick { 1 } else { 5 };
    for entries in sizes {
        let dir = registry(entries);
        let text = std::fs::read_to_string(dir.join("ports.nix")).unwrap();
        let runs = if entries >= 1_000_000 { runs.min(3) } else { runs };
        portnix::try_with_big_stack(move || {
            report("parse (rnix)", entries, median(runs, || drop(rnix::Root::parse(&text))));
            report(
                "parse+lower (fast front end)",
                entries,
                median(runs, || {
                    let mut eval = Eval::new(EvalOptions::default());
                    let ir = eval.load(PathBuf::from("ports.nix"), text.clone(), Path::new("/"));
                    assert!(ir.is_ok(), "the registry lowers");
                    drop(ir);
                }),
            );
            let opts = LoadOptions { registry: Some(dir.join("ports.nix")), ..LoadOptions::default() };
            report("load (parse+lower+eval)", entries, median(runs, || drop(load(&opts).ok().unwrap())));
            let project = load(&opts).ok().unwrap();
            report("check", entries, median(runs, || drop(check(&project, &CheckOptions::default()))));
            for target in Target::ALL {
                let name = format!("gen {}", target.name());
                report(
                    &name,
                    entries,
                    median(runs, || drop(generate(&project, target, &GenOptions::default()))),
                );
            }
        })
        .unwrap();
    }
}
