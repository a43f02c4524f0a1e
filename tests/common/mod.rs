//! Helpers shared by the integration tests: running the real Nix next to portnix.

#![allow(dead_code)]

#[cfg(feature = "etcd")]
pub mod etcd;
pub mod lease;

use std::path::Path;
use std::process::Command;

/// Whether the tests that need the real Nix should run. They fail loudly when it is missing,
/// unless `PORTNIX_SKIP_NIX=1` says to skip them.
pub fn nix_available() -> bool {
    if std::env::var("PORTNIX_SKIP_NIX").is_ok_and(|v| v == "1") {
        eprintln!("PORTNIX_SKIP_NIX=1: skipping the comparison with real Nix");
        return false;
    }
    match Command::new("nix-instantiate").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => panic!(
            "nix-instantiate is not installed, and these tests compare portnix with it.\n\
             Install it with `apt-get install -y nix-bin`, or set PORTNIX_SKIP_NIX=1 to skip explicitly."
        ),
    }
}

/// `nix-instantiate --eval --strict --json FILE`: Ok(json) or Err(stderr).
pub fn nix_eval(file: &Path) -> Result<String, String> {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "--option", "substituters", ""])
        .arg(file)
        .env("NIX_REMOTE", "")
        .output()
        .expect("nix-instantiate runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// portnix's evaluation of a file, on a thread with the evaluator's stack.
pub fn portnix_eval(file: &Path) -> Result<String, String> {
    let file = file.to_path_buf();
    portnix::try_with_big_stack(move || {
        portnix::eval::eval_to_json(&file, &Default::default()).map_err(|e| e.render())
    })
    .unwrap()
}

/// A throwaway project: `flake.nix` (so it is a project root), `lib/ports.nix`, and
/// `lib/portnix.nix` when a config is given. `name` keeps tests apart.
pub fn project(name: &str, ports: &str, config: Option<&str>) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    std::fs::write(dir.join("lib/ports.nix"), ports).unwrap();
    if let Some(c) = config {
        std::fs::write(dir.join("lib/portnix.nix"), c).unwrap();
    }
    dir
}

/// Runs the portnix binary in `dir`.
pub fn portnix(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portnix")).args(args).current_dir(dir).output().expect("portnix runs")
}

/// A property-test runner: deterministic by default, so that CI sees the same cases every run;
/// `PORTNIX_PROPTEST_SEED=random` explores new ones.
pub fn runner(cases: u32) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    if std::env::var("PORTNIX_PROPTEST_SEED").is_ok_and(|v| v == "random") {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    }
}

/// Every registry with a config portnix can read: the repo's own, the examples and the check
/// fixtures (less `config-error`, whose configs are broken on purpose).
pub fn registry_cases() -> Vec<std::path::PathBuf> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("lib")];
    for d in std::fs::read_dir(root.join("examples")).unwrap() {
        dirs.push(d.unwrap().path());
    }
    for rule in std::fs::read_dir(root.join("tests/test_data/check")).unwrap() {
        let rule = rule.unwrap().path();
        if !rule.ends_with("config-error") {
            dirs.extend(std::fs::read_dir(&rule).unwrap().map(|c| c.unwrap().path()));
        }
    }
    dirs.sort();
    dirs
}

/// A small deterministic generator (xorshift), so CI sees the same random cases every run.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n`.
    pub fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
}
