//! `portnix doctor` and `free --live` against real sockets this test opens on loopback and
//! closes again. Nothing the test did not start is touched.

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
