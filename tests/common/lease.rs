//! Real lease servers and CLI processes for the lease tests: a project with pools, `portnix
//! serve` started on loopback port 0, and a small HTTP client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_portnix");

/// The pool `small` is 20000-20049 less the registry's 20003, the reserved 20004 and whatever
/// the test binds; `wide` is 21000-21999; `low` is 1000-1049, of which only 1024-1049 may be
/// leased; `huge` is 10000-19999.
pub fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-lease-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    std::fs::write(dir.join("lib/ports.nix"), "{ small.gateway = 20003; db.postgres = 5432; }\n").unwrap();
    std::fs::write(
        dir.join("lib/portnix.nix"),
        r#"{
  ranges.small = { from = 20000; to = 20049; };
  ranges.wide = { from = 21000; to = 21999; };
  ranges.low = { from = 1000; to = 1049; };
  ranges.db = { from = 5400; to = 5499; };
  ranges.huge = { from = 10000; to = 19999; };
  reserved = [ { port = 20004; reason = "the admin console"; } ];
  pools = [ "small" "wide" "low" "huge" ];
}
"#,
    )
    .unwrap();
    dir
}

pub fn store(dir: &Path) -> PathBuf {
    dir.join("state/leases.sqlite")
}

/// `portnix lease ARGS` in the project, against its store (or the server in `server`).
pub fn cli(dir: &Path, server: Option<&str>, args: &[&str]) -> Command {
    cli_on(dir, store(dir).as_os_str(), server, args)
}

/// `portnix lease ARGS` against `store` (a file or an etcd:// address).
pub fn cli_on(dir: &Path, store: &std::ffi::OsStr, server: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).arg("lease").arg("--store").arg(store).args(args);
    match server {
        Some(url) => cmd.env("PORTNIX_SERVER", url),
        None => cmd.env_remove("PORTNIX_SERVER"),
    };
    cmd.env_remove("PORTNIX_TOKEN").env_remove("PORTNIX_TOKEN_FILE");
    cmd
}

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `portnix serve` on 127.0.0.1:0 over the project's store, once it has printed its URL.
pub fn serve(dir: &Path, extra: &[&str]) -> Server {
    serve_on(dir, store(dir).as_os_str(), extra)
}

/// `portnix serve` on 127.0.0.1:0 over `store` (a file or an etcd:// address).
pub fn serve_on(dir: &Path, store: &std::ffi::OsStr, extra: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--store"])
        .arg(store)
        .args(if extra.contains(&"--rate-limit") { &[][..] } else { &["--rate-limit", "0"][..] })
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "the first line is the URL: {line:?}");
    Server { child, url }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// (status, body as JSON or as a string) of a request.
pub fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&str>) -> (u16, serde_json::Value) {
    call_with(agent, method, url, body, &[("content-type", "application/json")])
}

pub fn call_with(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = match method {
        "GET" => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        _ => {
            let mut r = agent.post(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            match body {
                Some(b) => r.send(b),
                None => r.send_empty(),
            }
        }
    };
    let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

/// Raises this process's open-file limit to its hard limit: a thousand clients need a
/// thousand sockets, and the servers it starts inherit the limit.
pub fn raise_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    let _ = setrlimit(Resource::Nofile, limit);
}
