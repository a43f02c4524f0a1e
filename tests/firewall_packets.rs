//! The generated nftables rules with real packets: two network namespaces of the test's own,
//! joined by a veth pair (IPv4 and IPv6 documentation addresses that exist nowhere else), a
//! server with listeners on open and closed ports, a client that connects. Needs root (CI
//! runs as root); elsewhere the tests say so and pass.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Echoes every TCP connection and UDP datagram on the given ports, dual-stack.
const SERVER: &str = r#"
import socket, sys, threading
def tcp(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port)); s.listen(16)
    def serve(c):
        while True:
            d = c.recv(64)
            if not d: break
            c.sendall(d)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
def udp(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    while True:
        d, a = s.recvfrom(64); s.sendto(d, a)
for spec in sys.argv[1:]:
    proto, port = spec.split("/")
    threading.Thread(target=tcp if proto == "tcp" else udp, args=(int(port),), daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
"#;

/// Reads lines: `open NAME ADDR PORT` keeps a TCP connection, `send NAME` echoes over it,
/// `tcp ADDR PORT` and `udp ADDR PORT` try a new one; each answers `ok` or `no`.
const CLIENT: &str = r#"
import socket, sys
held = {}
def fam(a): return socket.AF_INET6 if ":" in a else socket.AF_INET
for line in sys.stdin:
    w = line.split()
    try:
        if w[0] == "open":
            c = socket.create_connection((w[2], int(w[3])), timeout=1.5); held[w[1]] = c
        elif w[0] == "send":
            c = held[w[1]]; c.sendall(b"x"); assert c.recv(8) == b"x"
        elif w[0] == "tcp":
            socket.create_connection((w[1], int(w[2])), timeout=1.5).close()
        elif w[0] == "udp":
            s = socket.socket(fam(w[1]), socket.SOCK_DGRAM); s.settimeout(1.5)
            s.sendto(b"x", (w[1], int(w[2]))); assert s.recvfrom(8)[0] == b"x"
        print("ok", flush=True)
    except Exception:
        print("no", flush=True)
"#;

struct Net {
    srv: String,
    cli: String,
    iface: String,
}

impl Net {
    /// Two namespaces and a veth pair created straight inside them.
    fn new(tag: &str) -> Option<Net> {
        if !rustix::process::geteuid().is_root() {
            eprintln!("not root: the packet tests need network namespaces");
            return None;
        }
        let id = format!("{}{tag}", std::process::id() % 100000);
        let net = Net { srv: format!("pnxs{id}"), cli: format!("pnxc{id}"), iface: format!("pxs{id}") };
        let peer = format!("pxc{id}");
        net.cleanup();
        for (ns, _) in [(&net.srv, ()), (&net.cli, ())] {
            sh(&["ip", "netns", "add", ns]);
        }
        sh(&[
            "ip", "link", "add", "name", &net.iface, "netns", &net.srv, "type", "veth", "peer", "name",
            &peer, "netns", &net.cli,
        ]);
        for (ns, dev, v4, v6) in [
            (&net.srv, &net.iface, "192.0.2.1/24", "2001:db8::1/64"),
            (&net.cli, &peer, "192.0.2.2/24", "2001:db8::2/64"),
        ] {
            sh(&["ip", "-n", ns, "addr", "add", v4, "dev", dev]);
            sh(&["ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad"]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            sh(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        Some(net)
    }

    fn cleanup(&self) {
        for ns in [&self.srv, &self.cli] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }

    fn server(&self, ports: &[&str]) -> Server {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.srv, "python3", "-c", SERVER])
            .args(ports)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        Server(child)
    }

    fn client(&self) -> Client {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.cli, "python3", "-c", CLIENT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        Client { child, out }
    }

    fn load(&self, ruleset: &Path) {
        let out =
            Command::new("ip").args(["netns", "exec", &self.srv, "nft", "-f"]).arg(ruleset).output().unwrap();
        assert!(out.status.success(), "nft -f: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// The listeners; they end with the test.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Client {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Client {
    fn ask(&mut self, line: &str) -> bool {
        writeln!(self.child.stdin.as_mut().unwrap(), "{line}").unwrap();
        let mut answer = String::new();
        self.out.read_line(&mut answer).unwrap();
        answer.trim() == "ok"
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A registry with open and closed ports, one open only on the server's veth, one only on an
/// interface that is not there.
fn project(name: &str, iface: &str) -> std::path::PathBuf {
    common::project(
        name,
        "{ infra = { ssh = 22; web = 8080; closed = 9000; metrics = 9100; elsewhere = 9101; }; dns = { mdns = 5353; other = 5354; }; }\n",
        Some(&format!(
            "{{ services = {{ \"infra.ssh\".openFirewall = true; \"infra.web\".openFirewall = true;\n  \
             \"infra.metrics\" = {{ openFirewall = true; interfaces = [ \"{iface}\" ]; }};\n  \
             \"infra.elsewhere\" = {{ openFirewall = true; interfaces = [ \"nowhere0\" ]; }};\n  \
             \"dns.mdns\" = {{ openFirewall = true; protocol = \"udp\"; }}; \"dns.other\".protocol = \"udp\"; }}; }}\n"
        )),
    )
}

const LISTENERS: &[&str] =
    &["tcp/22", "tcp/8080", "tcp/9000", "tcp/9100", "tcp/9101", "udp/5353", "udp/5354"];

/// (probe, expected to pass) for both address families.
fn expectations() -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for addr in ["192.0.2.1", "2001:db8::1"] {
        for (proto, port, open) in [
            ("tcp", 22, true),
            ("tcp", 8080, true),
            ("tcp", 9000, false),
            ("tcp", 9100, true),
            ("tcp", 9101, false),
            ("udp", 5353, true),
            ("udp", 5354, false),
        ] {
            out.push((format!("{proto} {addr} {port}"), open));
        }
    }
    out
}

fn generated(dir: &Path, args: &[&str]) -> std::path::PathBuf {
    let out = common::portnix(dir, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let file = dir.join(format!("{}.nft", args.len()));
    std::fs::write(&file, &out.stdout).unwrap();
    file
}

#[test]
fn the_definitions_open_their_ports_inside_a_host_table_whose_policy_is_drop() {
    let Some(net) = Net::new("a") else { return };
    let dir = project("packets-include", &net.iface);
    let defs = generated(&dir, &["gen", "nftables"]);
    let _server = net.server(LISTENERS);
    let mut client = net.client();
    // Without a firewall everything answers, so a drop below is the rules' doing.
    for (probe, _) in expectations() {
        assert!(client.ask(&probe), "before any firewall: {probe}");
    }
    let host = dir.join("host.nft");
    std::fs::write(
        &host,
        format!(
            "table inet host {{\n  include \"{}\"\n  chain input {{\n    type filter hook input priority filter; policy drop;\n    \
             ct state established,related accept\n    iifname \"lo\" accept\n    icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} accept\n    \
             jump portnix_input\n  }}\n}}\n",
            defs.display()
        ),
    )
    .unwrap();
    net.load(&host);
    for (probe, open) in expectations() {
        assert_eq!(client.ask(&probe), open, "inside the host table: {probe}");
    }
}

#[test]
fn the_standalone_firewall_keeps_ssh_and_established_connections() {
    let Some(net) = Net::new("b") else { return };
    let dir = project("packets-standalone", &net.iface);
    let firewall = generated(&dir, &["gen", "nftables", "--standalone"]);
    let _server = net.server(LISTENERS);
    let mut client = net.client();
    // The firewall it replaces: open, but tracking connections, as any host's firewall does
    // (a network namespace without rules tracks none, so nothing would be "established").
    let previous = dir.join("previous.nft");
    std::fs::write(&previous, "table inet previous {\n  chain input {\n    type filter hook input priority filter - 1; policy accept;\n    ct state established,related accept\n  }\n}\n").unwrap();
    net.load(&previous);
    // Connections made before the firewall loads, one of them to a port it does not open.
    for (name, addr, port) in [
        ("ssh4", "192.0.2.1", 22),
        ("ssh6", "2001:db8::1", 22),
        ("closed4", "192.0.2.1", 9000),
        ("closed6", "2001:db8::1", 9000),
    ] {
        assert!(client.ask(&format!("open {name} {addr} {port}")), "{name}");
    }
    net.load(&firewall);
    sh(&["ip", "netns", "exec", &net.srv, "nft", "delete", "table", "inet", "previous"]);
    for name in ["ssh4", "ssh6", "closed4", "closed6"] {
        assert!(client.ask(&format!("send {name}")), "the established connection {name} survives loading");
    }
    for (probe, open) in expectations() {
        assert_eq!(client.ask(&probe), open, "standalone: {probe}");
    }
    // Loaded beside another table that opens nothing, portnix's accept does not override it:
    // the reason the default output is definitions, not a table of its own.
    let other = dir.join("other.nft");
    std::fs::write(&other, "table inet other {\n  chain input {\n    type filter hook input priority filter + 1; policy drop;\n    ct state established,related accept\n    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n  }\n}\n").unwrap();
    net.load(&other);
    assert!(!client.ask("tcp 192.0.2.1 8080"), "a drop in any base chain is final");
    assert!(client.ask("send ssh4"), "established connections still pass both tables");
}
