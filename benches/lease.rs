//! Lease throughput and latency: `portnix serve` on SQLite beside Google's portserver, in the
//! same run, at 1, 16 and 256 concurrent clients; and the embedded CLI's allocate.
//!
//! `scripts/bench-lease` runs it with PORTSERVER set to a portserver.py from a venv. Each
//! portnix operation is an allocate and a release (two HTTP requests on a kept-alive
//! connection); each portserver operation is one request on a new Unix socket connection, its
//! whole protocol: it has no release, a port comes back when its process dies.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::io::{Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_portnix");

/// One operation of client `c`, its `i`th, with the client's HTTP agent; false when it failed.
type Op = Arc<dyn Fn(usize, usize, &mut Option<ureq::Agent>) -> bool + Send + Sync>;

fn project() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-bench-lease-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    std::fs::write(dir.join("lib/ports.nix"), "{ bench.fixed = 22000; }\n").unwrap();
    std::fs::write(
        dir.join("lib/portnix.nix"),
        "{ ranges.bench = { from = 22000; to = 23999; }; pools = [ \"bench\" ]; }\n",
    )
    .unwrap();
    dir
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, store: &std::ffi::OsStr) -> (Killed, String) {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "0", "--store"])
        .arg(store)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while out.read(&mut b).unwrap() == 1 && b[0] != b'\n' {
        line.push(b[0]);
    }
    (Killed(child), String::from_utf8(line).unwrap())
}

/// Runs `ops` operations spread over `clients` threads; (ops per second, p50 ms, p99 ms).
fn load(clients: usize, ops: usize, op: Op) -> (f64, f64, f64) {
    let barrier = Arc::new(Barrier::new(clients + 1));
    let per = ops / clients;
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (barrier, op) = (barrier.clone(), op.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut agent = None;
                    barrier.wait();
                    let mut times = Vec::with_capacity(per);
                    for i in 0..per {
                        let t = Instant::now();
                        assert!(op(c, i, &mut agent), "operation {c}/{i} failed");
                        times.push(t.elapsed());
                    }
                    times
                })
                .unwrap()
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let mut all: Vec<Duration> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let wall = start.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    (all.len() as f64 / wall.as_secs_f64(), pct(0.5), pct(0.99))
}

fn portnix_op(url: String) -> Op {
    Arc::new(move |c, i, agent| {
        let agent = agent
            .get_or_insert_with(|| ureq::Agent::config_builder().http_status_as_error(false).build().into());
        let body = format!(r#"{{"service_name":"c{c}-{i}"}}"#);
        let Ok(mut r) = agent
            .post(format!("{url}/ports/allocate"))
            .content_type("application/json")
            .send(body.as_bytes())
        else {
            return false;
        };
        let text = r.body_mut().read_to_string().unwrap_or_default();
        if r.status().as_u16() != 201 {
            eprintln!("allocate: {} {text}", r.status());
            return false;
        }
        let id = text
            .split("\"allocation_id\":\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("")
            .to_string();
        let release = format!(r#"{{"allocation_id":"{id}"}}"#);
        agent
            .post(format!("{url}/ports/release"))
            .content_type("application/json")
            .send(release.as_bytes())
            .is_ok_and(|mut r| r.status().as_u16() == 200 && r.body_mut().read_to_string().is_ok())
    })
}

fn portserver_op(name: String) -> Op {
    Arc::new(move |_, _, _| {
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let Ok(mut s) = UnixStream::connect_addr(&addr) else { return false };
        if s.write_all(format!("{}\n", std::process::id()).as_bytes()).is_err() {
            return false;
        }
        let mut answer = String::new();
        s.read_to_string(&mut answer).is_ok() && answer.trim().parse::<u16>().is_ok_and(|p| p > 0)
    })
}

fn start_portserver(script: &str, name: &str) -> Option<Killed> {
    let (python, script) = script.split_once(' ')?;
    let child = Command::new(python)
        .arg(script)
        .arg(format!("--portserver_address=@{name}"))
        .arg("--portserver_static_pool=15000-24999")
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let start = Instant::now();
    while UnixStream::connect_addr(&addr).is_err() {
        if start.elapsed() > Duration::from_secs(20) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Killed(child))
}

/// The CPU time a process has used, in milliseconds (user and system, from /proc).
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, r)| r.split_whitespace().collect()).unwrap_or_default();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<f64>().ok()).sum();
    ticks * 1000.0 / 100.0
}

/// `portnix serve` over `store` under `clients`: (ops per second, p50 ms, p99 ms, server CPU
/// µs per operation).
fn measure(dir: &Path, store: &std::ffi::OsStr, clients: usize, ops: usize) -> (f64, f64, f64, f64) {
    let (server, url) = serve(dir, store);
    // One warm-up pass, then the measured one.
    load(clients, clients * 4, portnix_op(url.clone()));
    let n = ops.max(clients * 4);
    let cpu = cpu_ms(server.0.id());
    let (o, p50, p99) = load(clients, n, portnix_op(url));
    (o, p50, p99, (cpu_ms(server.0.id()) - cpu) * 1000.0 / n as f64)
}

#[cfg(feature = "etcd")]
#[path = "../tests/common/etcd.rs"]
mod etcd;

/// The same rows on a real etcd (one member on loopback, its data on the same disk).
#[cfg(feature = "etcd")]
fn etcd_rows(dir: &Path, rows: &[usize], ops: usize, sqlite: &[f64]) {
    if std::process::Command::new("etcd").arg("--version").output().is_err() {
        println!("\n(etcd is not installed: no etcd rows)");
        return;
    }
    let member = etcd::start("bench");
    println!();
    println!(
        "| clients | portnix serve (etcd 3.4, one member): ops/s, p50, p99, server CPU per op | etcd / SQLite |"
    );
    println!("|---|---|---|");
    for (&clients, &on_sqlite) in rows.iter().zip(sqlite) {
        let url = member.url(&format!("bench{clients}"));
        let (o, p50, p99, cpu) = measure(dir, url.as_ref(), clients, ops);
        println!("| {clients} | {o:.0}, {p50:.2} ms, {p99:.2} ms, {cpu:.0} µs | {:.2} |", o / on_sqlite);
    }
}

#[cfg(not(feature = "etcd"))]
fn etcd_rows(_: &Path, _: &[usize], _: usize, _: &[f64]) {
    println!("\n(built without the etcd feature: no etcd rows)");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let quick = std::env::var("PORTNIX_BENCH_QUICK").is_ok();
    let ops = if quick { 256 } else { 4096 };
    let dir = project();
    let portserver = std::env::var("PORTSERVER").ok();
    println!(
        "| clients | portnix serve (SQLite): ops/s, p50, p99, server CPU per op | portserver: the same | ratio |"
    );
    println!("|---|---|---|---|");
    // PORTNIX_BENCH_CLIENTS=16 runs one row, for a profiler.
    let rows: Vec<usize> = match std::env::var("PORTNIX_BENCH_CLIENTS") {
        Ok(n) => n.split(',').filter_map(|c| c.parse().ok()).collect(),
        Err(_) => vec![1, 16, 256],
    };
    let mut sqlite_rows = Vec::new();
    for &clients in &rows {
        let store = dir.join(format!("state/{clients}.sqlite"));
        let (p_ops, p50, p99, p_cpu) = measure(&dir, store.as_os_str(), clients, ops);
        sqlite_rows.push(p_ops);
        let theirs = portserver.as_deref().and_then(|script| {
            let name = format!("portnix-bench-{}-{clients}", std::process::id());
            let server = start_portserver(script, &name)?;
            load(clients, clients * 4, portserver_op(name.clone()));
            let n = ops.max(clients * 4);
            let cpu = cpu_ms(server.0.id());
            let (o, a, b) = load(clients, n, portserver_op(name));
            let cpu = (cpu_ms(server.0.id()) - cpu) * 1000.0 / n as f64;
            drop(server);
            Some((o, a, b, cpu))
        });
        let (t, ratio) = match theirs {
            Some((o, a, b, cpu)) => {
                (format!("{o:.0}, {a:.2} ms, {b:.2} ms, {cpu:.0} µs"), format!("{:.2}", p_ops / o))
            }
            None => ("(PORTSERVER not set)".into(), "n/a".into()),
        };
        println!("| {clients} | {p_ops:.0}, {p50:.2} ms, {p99:.2} ms, {p_cpu:.0} µs | {t} | {ratio} |");
    }
    etcd_rows(&dir, &rows, ops, &sqlite_rows);
    // The embedded CLI: a whole process, registry read, SQLite transaction, fsync.
    let store = dir.join("state/cli.sqlite");
    let run = |args: &[&str]| {
        let t = Instant::now();
        let out = Command::new(BIN)
            .current_dir(&dir)
            .arg("lease")
            .arg("--store")
            .arg(&store)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        t.elapsed().as_secs_f64() * 1000.0
    };
    let n = if quick { 5 } else { 41 };
    let (mut alloc, mut release) = (Vec::new(), Vec::new());
    for i in 0..n {
        let name = format!("cli{i}");
        alloc.push(run(&["allocate", &name]));
        release.push(run(&["release", &name]));
    }
    println!();
    println!(
        "Embedded CLI, {n} runs each: `portnix lease allocate` median {:.2} ms, `release` median {:.2} ms.",
        median(alloc),
        median(release)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
