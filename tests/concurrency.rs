//! Real processes racing and dying: parallel `add`s get distinct ports that are all in the
//! file, mixed `add`/`rm`/`mv` runs lose nothing, and `add` or `gen -o` killed with SIGKILL at
//! random moments leave the old file or the new one, no temporaries and no lock behind.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_portnix")
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portnix runs")
}

/// The registry's entries as `path -> port`, read by portnix's evaluator from the file.
fn entries(dir: &Path) -> BTreeMap<String, i64> {
    let out = common::portnix(dir, &["ls", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the registry evaluates: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap().to_string(), e["port"].as_i64().unwrap_or(-1)))
        .collect()
}

fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("lib")] {
        for e in std::fs::read_dir(sub).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.contains("portnix-tmp") || name.ends_with(".lock") {
                out.push(name);
            }
        }
    }
    out
}

fn parallel_adds(workers: usize, rounds: usize) {
    let dir = common::project(
        &format!("race-{workers}"),
        "{\n  restApi = {\n    base = 20000;\n  };\n}\n",
        Some("{ ranges.restApi = { from = 20000; to = 21999; }; }\n"),
    );
    let mut expected = entries(&dir);
    for round in 0..rounds {
        let names: Vec<String> = (0..workers).map(|w| format!("restApi.r{round}w{w}")).collect();
        let children: Vec<Child> = names.iter().map(|n| spawn(&dir, &["add", n])).collect();
        let mut printed = BTreeSet::new();
        for (name, child) in names.iter().zip(children) {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            let port: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            assert!(printed.insert(port), "round {round}: port {port} printed twice");
            expected.insert(name.clone(), port);
        }
        assert_eq!(entries(&dir), expected, "round {round}: the file holds exactly the printed ports");
    }
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

#[test]
fn eight_parallel_adds_get_distinct_ports_that_are_all_written() {
    parallel_adds(8, 50);
}

#[test]
fn thirty_two_parallel_adds_get_distinct_ports_that_are_all_written() {
    parallel_adds(32, 50);
}

#[test]
fn parallel_add_rm_mv_and_set_lose_nothing() {
    let initial: String = (0..40).map(|i| format!("    s{i} = {};\n", 21000 + i)).collect();
    let dir = common::project(
        "race-mix",
        &format!("{{\n  app = {{\n{initial}  }};\n  other = {{\n    keep = 22999;\n  }};\n}}\n"),
        Some(
            "{ ranges.app = { from = 21000; to = 21999; }; ranges.other = { from = 22000; to = 22999; }; }\n",
        ),
    );
    let mut want = entries(&dir);
    for round in 0..5 {
        let mut jobs: Vec<(Vec<String>, Child)> = Vec::new();
        for k in 0..8 {
            let i = round * 8 + k;
            let args: Vec<String> = match k % 4 {
                0 => vec!["add".into(), format!("app.n{i}")],
                1 => vec!["rm".into(), format!("app.s{i}")],
                2 => vec!["mv".into(), format!("app.s{i}"), format!("other.m{i}")],
                _ => vec!["set".into(), format!("app.s{i}"), format!("{}", 21500 + i)],
            };
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            jobs.push((args.clone(), spawn(&dir, &refs)));
        }
        for (args, child) in jobs {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            match args[0].as_str() {
                "add" => {
                    let port = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
                    want.insert(args[1].clone(), port);
                }
                "rm" => {
                    want.remove(&args[1]);
                }
                "mv" => {
                    let port = want.remove(&args[1]).unwrap();
                    want.insert(args[2].clone(), port);
                }
                _ => {
                    want.insert(args[1].clone(), args[2].parse().unwrap());
                }
            }
        }
        assert_eq!(entries(&dir), want, "round {round}");
    }
}

/// A tiny deterministic generator, so that a failing kill schedule can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Starts portnix with its output discarded: a full pipe must not be what stops it.
fn spawn_quiet(dir: &Path, args: &[&str]) -> Child {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs `args`, kills it after `delay` if it is still running. Whether it was killed.
fn run_and_kill(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = spawn_quiet(dir, args);
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    if running {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    running
}

/// How long one run takes, to spread the kills over its whole life.
fn duration_of(dir: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = common::portnix(dir, args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    start.elapsed()
}

/// The next run must not wait for a lock the killed one held.
fn completes_promptly(dir: &Path, args: &[&str]) {
    let mut child = spawn_quiet(dir, args);
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(60), "{args:?} hangs: a stale lock?");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn large_registry(n: usize) -> String {
    let body: String = (0..n).map(|i| format!("    svc{i} = {};\n", 30000 + i)).collect();
    format!("{{\n  big = {{\n{body}  }};\n  adds = {{\n    first = 20000;\n  }};\n}}\n")
}

#[test]
fn sigkill_at_random_moments_leaves_the_old_or_the_new_file() {
    let dir = common::project(
        "kill",
        &large_registry(4000),
        Some(
            "{ ranges.adds = { from = 20000; to = 20999; }; ranges.big = { from = 30000; to = 39999; }; }\n",
        ),
    );
    let registry = dir.join("lib/ports.nix");
    let mut rng = Lcg(0x5eed);
    let mut kills = 0;
    let mut outcomes = [0usize; 2];

    // `add`: after each kill the file is the old text or the old text plus that one entry.
    let took = duration_of(&dir, &["add", "adds.probe"]);
    let mut old = std::fs::read_to_string(&registry).unwrap();
    let mut count = entries(&dir).len();
    for i in 0..170 {
        let name = format!("adds.k{i}");
        let delay = Duration::from_micros(rng.below(took.as_micros() as u64 * 11 / 10 + 1));
        kills += usize::from(run_and_kill(&dir, &["add", &name], delay));
        let now = std::fs::read_to_string(&registry).unwrap();
        outcomes[usize::from(now != old)] += 1;
        if now != old {
            let e = entries(&dir);
            assert_eq!(e.len(), count + 1, "kill {i}: the new file has exactly one more entry");
            assert!(e.contains_key(&name), "kill {i}");
            count += 1;
            old = now;
        }
        completes_promptly(&dir, &["ls"]);
    }

    // `gen -o`: the output is the old generated file or the new one, never a mix.
    let out_file = dir.join("ports.json");
    let took = duration_of(&dir, &["gen", "json", "-o", "ports.json"]);
    let new = std::fs::read(&out_file).unwrap();
    common::portnix(&dir, &["add", "adds.changed"]);
    let _ = duration_of(&dir, &["gen", "json", "-o", "ports.json"]);
    let newer = std::fs::read(&out_file).unwrap();
    assert_ne!(new, newer);
    for i in 0..170 {
        std::fs::write(&out_file, &new).unwrap();
        let delay = Duration::from_micros(rng.below(took.as_micros() as u64 * 11 / 10 + 1));
        kills += usize::from(run_and_kill(&dir, &["gen", "json", "-o", "ports.json"], delay));
        let now = std::fs::read(&out_file).unwrap();
        assert!(now == new || now == newer, "kill {i}: ports.json is partial ({} bytes)", now.len());
        outcomes[usize::from(now == newer)] += 1;
    }
    assert!(kills >= 200, "only {kills} runs were still going when killed");
    eprintln!("{kills} runs killed mid-way; {} left the old file, {} the new one", outcomes[0], outcomes[1]);

    // A run after the last kill clears any temporary a kill left between link and rename.
    completes_promptly(&dir, &["add", "adds.last"]);
    completes_promptly(&dir, &["gen", "json", "-o", "ports.json"]);
    let left: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("lib")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("portnix-tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_move_across_files_killed_at_any_moment_never_loses_the_entry() {
    let dir = common::project(
        "kill-mv",
        &format!(
            "{{\n  db = import ./db.nix;\n  big = {{\n{}  }};\n}}\n",
            (0..2000).map(|i| format!("    s{i} = {};\n", 30000 + i)).collect::<String>()
        ),
        Some("{ }\n"),
    );
    std::fs::write(dir.join("lib/db.nix"), "{\n  pg = 5432;\n}\n").unwrap();
    let took = duration_of(&dir, &["mv", "db.pg", "big.pg"]);
    let _ = duration_of(&dir, &["mv", "big.pg", "db.pg"]);
    let mut rng = Lcg(0xfeed);
    let (mut kills, mut both) = (0, 0);
    // Until 30 kills have landed mid-way: on a loaded machine more of them land after the end.
    for i in 0..240 {
        if kills >= 30 {
            break;
        }
        let e = entries(&dir);
        let (from, to) = if e.contains_key("db.pg") { ("db.pg", "big.pg") } else { ("big.pg", "db.pg") };
        let delay = Duration::from_micros(rng.below(took.as_micros() as u64 * 11 / 10 + 1));
        kills += usize::from(run_and_kill(&dir, &["mv", from, to], delay));
        let e = entries(&dir);
        assert!(
            e.get("db.pg") == Some(&5432) || e.get("big.pg") == Some(&5432),
            "kill {i}: the entry is gone"
        );
        if e.contains_key("db.pg") && e.contains_key("big.pg") {
            // Killed between the two renames: the insertion landed, the removal did not. The
            // registry says so (a duplicate port) and nothing is lost; undo it for the next round.
            both += 1;
            let out = common::portnix(&dir, &["rm", "big.pg"]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    eprintln!("{kills} moves killed mid-way, {both} between the two files' renames");
    assert!(kills >= 30, "only {kills} kills landed");
}

/// A project whose config syncs `n` YAML files, each `server.port`, from one registry entry.
fn sync_project(name: &str, n: usize) -> PathBuf {
    let targets: String = (0..n)
        .map(|i| format!("    {{ file = \"svc/s{i}.yaml\"; key = \"server.port\"; port = \"apps.api\"; }}\n"))
        .collect();
    let dir = common::project(
        name,
        "{ apps = { api = 8100; }; }\n",
        Some(&format!("{{\n  sync = [\n{targets}  ];\n}}\n")),
    );
    std::fs::create_dir_all(dir.join("svc")).unwrap();
    dir
}

fn sync_target(i: usize, port: u32) -> String {
    // Long enough that a write takes a while, so kills land inside it.
    let filler: String = (0..400).map(|j| format!("  # note {j} about s{i}\n")).collect();
    format!("# service s{i}\nserver:\n{filler}  host: 127.0.0.1\n  port: {port}\n")
}

#[test]
fn sync_killed_at_random_moments_leaves_each_target_whole() {
    let n = 40;
    let dir = sync_project("kill-sync", n);
    let reset = || {
        for i in 0..n {
            std::fs::write(dir.join(format!("svc/s{i}.yaml")), sync_target(i, 8000)).unwrap();
        }
    };
    reset();
    let took = duration_of(&dir, &["sync"]);
    let mut rng = Lcg(0x51c);
    let (mut kills, mut mixed) = (0, 0);
    for k in 0..50 {
        reset();
        let delay = Duration::from_micros(rng.below(took.as_micros() as u64 * 11 / 10 + 1));
        kills += usize::from(run_and_kill(&dir, &["sync"], delay));
        let mut new = 0;
        for i in 0..n {
            let text = std::fs::read_to_string(dir.join(format!("svc/s{i}.yaml"))).unwrap();
            assert!(
                text == sync_target(i, 8000) || text == sync_target(i, 8100),
                "kill {k}: svc/s{i}.yaml is neither the old file nor the synced one"
            );
            new += usize::from(text == sync_target(i, 8100));
        }
        mixed += usize::from(new > 0 && new < n);
        // The next run finishes what the killed one left, without waiting on its lock.
        completes_promptly(&dir, &["sync"]);
        assert!(common::portnix(&dir, &["sync", "--check"]).status.success(), "kill {k}: not finished");
    }
    assert!(kills >= 20, "only {kills} runs were still going when killed");
    eprintln!("{kills} syncs killed mid-way, {mixed} of them between two files; every file whole");
}

#[test]
fn parallel_syncs_and_sets_end_with_every_target_in_step() {
    let n = 20;
    let dir = sync_project("parallel-sync", n);
    for i in 0..n {
        std::fs::write(dir.join(format!("svc/s{i}.yaml")), sync_target(i, 8000)).unwrap();
    }
    // Eight syncs race two `set`s that move the port; the lock serialises them all.
    let mut children: Vec<Child> = (0..8).map(|_| spawn(&dir, &["sync"])).collect();
    children.push(spawn(&dir, &["set", "apps.api", "8200"]));
    children.push(spawn(&dir, &["set", "apps.api", "8300"]));
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let port: u32 = String::from_utf8(common::portnix(&dir, &["get", "apps.api"]).stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(port == 8200 || port == 8300);
    // Whatever order they ran in, each file is whole, and one more sync puts all in step.
    for i in 0..n {
        let text = std::fs::read_to_string(dir.join(format!("svc/s{i}.yaml"))).unwrap();
        assert!([8000, 8100, 8200, 8300].iter().any(|&p| text == sync_target(i, p)), "svc/s{i}.yaml");
    }
    assert!(common::portnix(&dir, &["sync"]).status.success());
    for i in 0..n {
        assert_eq!(
            std::fs::read_to_string(dir.join(format!("svc/s{i}.yaml"))).unwrap(),
            sync_target(i, port)
        );
    }
}
