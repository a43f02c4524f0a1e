//! `portnix doctor` and `free --live` against real sockets this test opens on loopback and
//! closes again. Nothing the test did not start is touched.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use std::net::{TcpListener, UdpSocket};
mod common;

fn port_of(l: &TcpListener) -> u16 {
    l.local_addr().unwrap().port()
}

#[test]
fn doctor_sees_each_listener_with_its_pid_and_address() {
    let loopback = TcpListener::bind("127.0.0.1:0").unwrap();
    let any = TcpListener::bind("0.0.0.0:0").unwrap();
    let v6_any = TcpListener::bind("[::]:0").unwrap();
    let v6_loopback = TcpListener::bind("[::1]:0").unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let closed = port_of(&TcpListener::bind("127.0.0.1:0").unwrap());
    let ports = format!(
        "{{ t = {{ loopback = {}; any = {}; v6any = {}; v6loopback = {}; closed = {closed}; }}; u.dgram = {}; }}\n",
        port_of(&loopback),
        port_of(&any),
        port_of(&v6_any),
        port_of(&v6_loopback),
        udp.local_addr().unwrap().port()
    );
    let dir = common::project("doctor", &ports, Some("{ services.\"u.dgram\".protocol = \"udp\"; }\n"));
    let out = common::portnix(&dir, &["doctor", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = |path: &str| {
        report["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("{path}"))
            .clone()
    };
    let me = std::process::id();
    for (path, address, protocol) in [
        ("t.loopback", "127.0.0.1", "tcp"),
        ("t.any", "0.0.0.0", "tcp"),
        ("t.v6any", "::", "tcp"),
        ("t.v6loopback", "::1", "tcp"),
        ("u.dgram", "127.0.0.1", "udp"),
    ] {
        let e = entry(path);
        assert_eq!(e["status"], "listening", "{path}: {e}");
        let l = &e["listeners"][0];
        assert_eq!(l["address"], address, "{path}");
        assert_eq!(l["pid"], me, "{path}");
        assert_eq!(l["protocol"], protocol, "{path}");
    }
    assert_eq!(entry("t.closed")["status"], "free");
    drop((loopback, any, v6_any, v6_loopback, udp));
}

#[test]
fn doctor_fails_when_another_program_holds_a_port() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let ports = format!("{{ db.postgres = {}; }}\n", port_of(&held));
    let dir =
        common::project("taken", &ports, Some("{ services.\"db.postgres\".program = \"postgres\"; }\n"));
    let out = common::portnix(&dir, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("TAKEN") && text.contains("but postgres should own it"), "{text}");
    assert!(text.contains(&format!("(pid {})", std::process::id())), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&common::portnix(&dir, &["doctor", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["entries"][0]["status"], "taken");
    assert_eq!(json["entries"][0]["expected"], "postgres");
}

#[test]
fn strays_are_listeners_in_a_range_that_no_entry_claims() {
    let stray = TcpListener::bind("127.0.0.1:0").unwrap();
    let p = i64::from(port_of(&stray));
    let (from, to) = (p.saturating_sub(1).max(1), (p + 1).min(65535));
    let ports = format!("{{ block.known = {}; }}\n", if p > 1 { p - 1 } else { p + 1 });
    let config = format!("{{ ranges.block = {{ from = {from}; to = {to}; }}; }}\n");
    let dir = common::project("strays", &ports, Some(&config));
    let json: serde_json::Value =
        serde_json::from_slice(&common::portnix(&dir, &["doctor", "--strays", "--format", "json"]).stdout)
            .unwrap();
    let strays = json["strays"].as_array().unwrap();
    assert!(strays.iter().any(|s| s["port"] == p && s["pid"] == std::process::id()), "{json}");
    drop(stray);
}

#[test]
fn free_live_skips_ports_that_are_bound_now() {
    let v4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let p = i64::from(port_of(&v4));
    let v6 = TcpListener::bind("[::1]:0").unwrap();
    let q = i64::from(port_of(&v6));
    let ports = format!(
        "{{ pool = {{ from = {p}; to = {}; }}; other = {{ from = {q}; to = {}; }}; }}\n",
        p + 3,
        q + 3
    );
    let dir = common::project("free", &ports, Some("{ }\n"));
    let stat = |args: &[&str]| {
        String::from_utf8_lossy(&common::portnix(&dir, args).stdout).lines().next().unwrap().to_string()
    };
    assert_eq!(stat(&["free", "pool"]), p.to_string(), "the registry alone does not know it is bound");
    assert_ne!(stat(&["free", "pool", "--live"]), p.to_string());
    assert_ne!(stat(&["free", "other", "--live"]), q.to_string(), "an IPv6 listener counts too");
    drop((v4, v6));
}

/// Runs portnix as `nobody`, who cannot see this (root's) test process's sockets.
fn as_nobody(dir: &std::path::Path, args: &[&str]) -> Option<std::process::Output> {
    if !rustix::process::geteuid().is_root() {
        eprintln!("not root: the unknown-owner case needs a process another user owns");
        return None;
    }
    let mut all = vec!["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_portnix")];
    all.extend_from_slice(args);
    Some(std::process::Command::new("setpriv").args(&all).current_dir(dir).output().unwrap())
}

#[test]
fn an_owner_doctor_cannot_see_fails_closed() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let ports = format!("{{ db.postgres = {}; }}\n", port_of(&held));
    let dir =
        common::project("unseen", &ports, Some("{ services.\"db.postgres\".program = \"postgres\"; }\n"));
    let Some(out) = as_nobody(&dir, &["doctor"]) else { return };
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with("UNKNOWN") && text.contains("cannot see; postgres should own it"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&as_nobody(&dir, &["doctor", "--format", "json"]).unwrap().stdout).unwrap();
    assert_eq!(json["entries"][0]["status"], "unknown-owner");
    // Without a `program` nothing says who should own it: listening, as before.
    let dir = common::project("unseen-free", &ports, None);
    let out = as_nobody(&dir, &["doctor"]).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("listening"));
}

#[test]
fn a_socket_that_comes_and_goes_is_never_a_healthy_listener() {
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = port_of(&probe);
    drop(probe);
    let dir = common::project(
        "toggle",
        &format!("{{ db.postgres = {port}; }}\n"),
        Some("{ services.\"db.postgres\".program = \"postgres\"; }\n"),
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let toggler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            // Held for 1, 2, 5 or 20 ms, then gone for 2: some scans see it come or go
            // mid-way, some see it throughout.
            let mut k = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
                    std::thread::sleep(std::time::Duration::from_millis([1, 2, 5, 20][k % 4]));
                    drop(l);
                }
                k += 1;
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..150 {
        let out = common::portnix(&dir, &["doctor"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let status = text.split_whitespace().next().unwrap_or("").to_string();
        assert!(status == "free" || status == "TAKEN", "{text}");
        assert_eq!(out.status.code(), Some(if status == "free" { 0 } else { 1 }));
        *seen.entry(status).or_insert(0) += 1;
        if let Some(out) = as_nobody(&dir, &["doctor"]) {
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let status = text.split_whitespace().next().unwrap_or("").to_string();
            assert!(status == "free" || status == "UNKNOWN", "as nobody: {text}");
            *seen.entry(format!("nobody {status}")).or_insert(0) += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    toggler.join().unwrap();
    eprintln!("{seen:?}");
}
