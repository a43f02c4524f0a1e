//! Leases with real processes: `portnix serve` servers and `portnix lease` CLI processes
//! sharing one SQLite file, a thousand clients at once, kill -9 at the worst moments, and every
//! kind of bad request.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::collections::{BTreeSet, HashMap};
use std::net::TcpListener;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::lease::{agent, call, call_with, cli, project, raise_fd_limit, serve, store};
use serde_json::{Value, json};

const SMALL: std::ops::RangeInclusive<u16> = 20000..=20049;
const NEVER: [u16; 2] = [20003, 20004];

fn allocate_body(service: &str, kind: &str) -> String {
    json!({ "service_name": service, "service_type": kind }).to_string()
}

/// The ports of `small` a lease may take now: not the registry's, not reserved, not bound.
fn small_free_now() -> BTreeSet<u16> {
    SMALL.filter(|p| !NEVER.contains(p) && TcpListener::bind(("0.0.0.0", *p)).is_ok()).collect()
}

/// Every live lease in the store, read by a CLI process: (scope, port) → service.
fn leases(dir: &std::path::Path) -> Vec<Value> {
    let out = cli(dir, None, &["ls", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

fn assert_distinct(leases: &[Value]) {
    let mut seen = HashMap::new();
    for l in leases {
        let key = (l["scope"].as_str().unwrap().to_string(), l["port"].as_u64().unwrap());
        if let Some(other) = seen.insert(key.clone(), l["service_name"].clone()) {
            panic!("{key:?} granted twice: {other} and {}", l["service_name"]);
        }
    }
}

#[test]
fn a_thousand_clients_on_two_servers_and_cli_processes_never_share_a_port() {
    raise_fd_limit();
    let dir = project("thousand");
    // A port bound now by someone else is never leased, on any address.
    let squatter = TcpListener::bind("0.0.0.0:20010").ok();
    let free = small_free_now();
    let servers = [serve(&dir, &[]), serve(&dir, &[])];
    const THREADS: usize = 880;
    const PROCESSES: usize = 120;
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let granted = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(0usize));
    let mut handles = Vec::new();
    for i in 0..THREADS {
        let url = servers[i % 2].url.clone();
        let (barrier, granted, refused) = (barrier.clone(), granted.clone(), refused.clone());
        handles.push(
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let agent = agent();
                    barrier.wait();
                    let (status, body) = call(
                        &agent,
                        "POST",
                        &format!("{url}/ports/allocate"),
                        Some(&allocate_body(&format!("t{i}"), "small")),
                    );
                    match status {
                        201 => {
                            granted.lock().unwrap().push(body["allocation"]["port"].as_u64().unwrap() as u16)
                        }
                        503 => {
                            assert_eq!(body["error"], "exhausted", "{body}");
                            *refused.lock().unwrap() += 1;
                        }
                        other => panic!("client {i}: {other} {body}"),
                    }
                })
                .unwrap(),
        );
    }
    // CLI processes beside them, half through a server and half on the file directly.
    let mut processes = Vec::new();
    for i in 0..PROCESSES {
        let server = (i % 2 == 0).then(|| servers[i % 4 / 2].url.as_str());
        let service = format!("p{i}");
        processes.push(
            cli(&dir, server, &["allocate", &service, "--type", "small"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    barrier.wait();
    for h in handles {
        h.join().unwrap();
    }
    for p in processes {
        let out = p.wait_with_output().unwrap();
        match out.status.code() {
            Some(0) => {
                granted.lock().unwrap().push(String::from_utf8(out.stdout).unwrap().trim().parse().unwrap())
            }
            Some(1) => {
                assert!(String::from_utf8_lossy(&out.stderr).contains("exhausted"), "{out:?}");
                *refused.lock().unwrap() += 1;
            }
            _ => panic!("{out:?}"),
        }
    }
    let granted = granted.lock().unwrap().clone();
    let unique: BTreeSet<u16> = granted.iter().copied().collect();
    assert_eq!(unique.len(), granted.len(), "a port was granted twice: {granted:?}");
    assert_eq!(unique, free, "every free port of the pool, and only those, was granted");
    assert!(!unique.contains(&20010) || squatter.is_none());
    assert_eq!(granted.len() + *refused.lock().unwrap(), THREADS + PROCESSES);
    // The store agrees, and stats add up.
    let stored = leases(&dir);
    assert_distinct(&stored);
    assert_eq!(stored.len(), granted.len());
    let (_, stats) = call(&agent(), "GET", &format!("{}/ports/stats", servers[1].url), None);
    assert_eq!(stats["active_allocations"], granted.len(), "{stats}");
    assert_eq!(stats["total_allocations"], granted.len(), "{stats}");
    let small = stats["pools"].as_array().unwrap().iter().find(|p| p["type"] == "small").unwrap();
    assert_eq!(small["active"], granted.len(), "{stats}");
    assert_eq!(
        small["free"],
        if squatter.is_some() { 1 } else { 0 },
        "only the squatted port looks free: {stats}"
    );
    assert_eq!(small["excluded"], 2, "{stats}");
    drop(squatter);
}

#[test]
fn kill_9_of_cli_clients_mid_transaction_loses_nothing_acknowledged() {
    let dir = project("kill-cli");
    let mut acknowledged = Vec::new();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for i in 0..60 {
        let mut child = cli(&dir, None, &["allocate", &format!("k{i}"), "--type", "wide"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_micros(rng % 40_000));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if let Ok(port) = String::from_utf8_lossy(&out.stdout).trim().parse::<u16>() {
            acknowledged.push((format!("k{i}"), port));
        }
    }
    let stored = leases(&dir);
    assert_distinct(&stored);
    for (service, port) in &acknowledged {
        assert!(
            stored.iter().any(|l| l["service_name"] == *service && l["port"] == *port),
            "{service} was told {port} and lost it"
        );
    }
    let out = std::process::Command::new("sqlite3").arg(store(&dir)).arg("PRAGMA integrity_check;").output();
    if let Ok(out) = out {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    }
    eprintln!(
        "{} of 60 killed clients had their port acknowledged; {} leases stored",
        acknowledged.len(),
        stored.len()
    );
}

#[test]
fn kill_9_of_a_server_under_load_keeps_every_acknowledged_lease() {
    let dir = project("kill-server");
    let server = serve(&dir, &[]);
    let url = server.url.clone();
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (url, acknowledged, stop) = (url.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let agent = agent();
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let service = format!("w{w}-{i}");
                    let r = agent
                        .post(format!("{url}/ports/allocate"))
                        .content_type("application/json")
                        .send(allocate_body(&service, "wide").as_bytes());
                    let Ok(mut r) = r else { break };
                    if r.status().as_u16() != 201 {
                        break;
                    }
                    let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
                    let a = &body["allocation"];
                    acknowledged.lock().unwrap().push((
                        service,
                        a["port"].clone(),
                        a["allocation_id"].clone(),
                    ));
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40, "the load ran: {}", acknowledged.len());
    let restarted = serve(&dir, &[]);
    let (status, dir_json) = call(&agent(), "GET", &format!("{}/ports/directory", restarted.url), None);
    assert_eq!(status, 200);
    let stored: Vec<Value> = dir_json.as_object().unwrap().values().cloned().collect();
    assert_distinct(&stored);
    for (service, port, id) in &acknowledged {
        let l = &dir_json[service.as_str()];
        assert_eq!((&l["port"], &l["allocation_id"]), (port, id), "{service} after the restart");
    }
    eprintln!("{} acknowledged before kill -9, {} stored after restart", acknowledged.len(), stored.len());
}

#[test]
fn a_lease_run_child_killed_frees_its_port_at_once_and_so_does_a_killed_parent() {
    let dir = project("run");
    // The child is killed: `lease run` exits with 128 + 9 and releases.
    let mut run = cli(
        &dir,
        None,
        &[
            "run",
            "job",
            "--type",
            "wide",
            "--ttl",
            "1h",
            "--",
            "sh",
            "-c",
            "echo $PORT $JOB_PORT > port; exec sleep 60",
        ],
    )
    .spawn()
    .unwrap();
    let lease = wait_for_lease(&dir, "job");
    let child_pid = lease["process_id"].as_u64().expect("the lease names the child");
    assert_ne!(child_pid, u64::from(run.id()));
    let port = lease["port"].as_u64().unwrap();
    wait_for(|| {
        std::fs::read_to_string(dir.join("port")).is_ok_and(|s| s.trim() == format!("{port} {port}"))
    });
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child_pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let status = run.wait().unwrap();
    assert_eq!(status.code(), Some(137));
    assert!(leases(&dir).iter().all(|l| l["service_name"] != "job"), "released");

    // The parent is killed: the lease stays with the living child, and is free once it dies.
    let mut run = cli(&dir, None, &["run", "job2", "--type", "wide", "--ttl", "1h", "--", "sleep", "60"])
        .spawn()
        .unwrap();
    let lease = wait_for_lease(&dir, "job2");
    let child_pid = lease["process_id"].as_u64().unwrap() as i32;
    run.kill().unwrap();
    run.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(leases(&dir).iter().any(|l| l["service_name"] == "job2"), "the child still holds it");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child_pid).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    wait_for(|| !std::path::Path::new(&format!("/proc/{child_pid}/stat")).exists() || zombie(child_pid));
    assert!(leases(&dir).iter().all(|l| l["service_name"] != "job2"), "free at once when the holder died");
    let again = cli(
        &dir,
        None,
        &["allocate", "next", "--type", "wide", "--prefer", &lease["port"].to_string(), "--required"],
    )
    .output()
    .unwrap();
    assert!(again.status.success(), "{again:?}");

    // Whatever the exit: a failing command's status comes back, and the lease is released.
    let out =
        cli(&dir, None, &["run", "fails", "--type", "wide", "--", "sh", "-c", "exit 7"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert!(leases(&dir).iter().all(|l| l["service_name"] != "fails"));
}

/// The orphaned child is reparented, and until its new parent reaps it, it is a zombie.
fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
}

fn wait_for(mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(30), "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_lease(dir: &std::path::Path, service: &str) -> Value {
    let mut found = None;
    wait_for(|| {
        found = leases(dir).into_iter().find(|l| {
            l["service_name"] == service && l["process_id"].as_u64().is_some_and(|p| !is_portnix(p))
        });
        found.is_some()
    });
    found.unwrap()
}

fn is_portnix(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "portnix")
}

#[test]
fn heartbeats_extend_expiry_frees_a_late_heartbeat_is_410_and_cleanup_takes_only_the_expired() {
    let dir = project("expiry");
    let server = serve(&dir, &[]);
    let agent = agent();
    let post = |path: &str, body: Option<Value>| {
        call(&agent, "POST", &format!("{}{path}", server.url), body.map(|b| b.to_string()).as_deref())
    };
    let (status, short) = post(
        "/ports/allocate",
        Some(json!({ "service_name": "short", "service_type": "wide", "ttl_seconds": 2 })),
    );
    assert_eq!(status, 201);
    let (_, long) = post(
        "/ports/allocate",
        Some(json!({ "service_name": "long", "service_type": "wide", "ttl_seconds": 600 })),
    );
    let id = short["allocation"]["allocation_id"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_millis(1000));
    let (status, beat) = post(&format!("/ports/heartbeat/{id}"), None);
    assert_eq!(status, 200, "{beat}");
    assert!(
        beat["allocations"][0]["expires_at"].as_str() > short["allocation"]["expires_at"].as_str(),
        "extended"
    );
    // A second after the heartbeat, past its first expiry, it is still alive.
    std::thread::sleep(Duration::from_millis(1100));
    let (status, _) = call(&agent, "GET", &format!("{}/ports/service/short", server.url), None);
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(1500));
    let (status, _) = call(&agent, "GET", &format!("{}/ports/service/short", server.url), None);
    assert_eq!(status, 404, "expired");
    let (status, late) = post(&format!("/ports/heartbeat/{id}"), None);
    assert_eq!((status, late["error"].as_str()), (410, Some("expired")), "{late}");
    // Still expired: a heartbeat never revives.
    assert_eq!(post(&format!("/ports/heartbeat/{id}"), None).0, 410);
    let (status, cleaned) = post("/ports/cleanup", None);
    assert_eq!(status, 200);
    let removed: Vec<&str> = cleaned["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["allocation_id"].as_str().unwrap())
        .collect();
    assert_eq!(removed, vec![id.as_str()]);
    let (_, dirj) = call(&agent, "GET", &format!("{}/ports/directory", server.url), None);
    assert_eq!(dirj.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["long"]);
    assert_eq!(dirj["long"]["allocation_id"], long["allocation"]["allocation_id"]);
    // A lease with no process lives until its TTL, then its port is another's.
    let (status, next) = post(
        "/ports/allocate",
        Some(
            json!({ "service_name": "next", "service_type": "wide", "preferred_port": short["allocation"]["port"], "required": true }),
        ),
    );
    assert_eq!(status, 201, "{next}");
    // Allocating again is idempotent: 200, the same lease.
    let (status, again) =
        post("/ports/allocate", Some(json!({ "service_name": "next", "service_type": "wide" })));
    assert_eq!((status, &again["allocation"]["allocation_id"]), (200, &next["allocation"]["allocation_id"]));
}

#[test]
fn discovery_by_name_type_and_port_and_the_openapi_document_covers_every_route() {
    let dir = project("discovery");
    let server = serve(&dir, &[]);
    let agent = agent();
    let u = |p: &str| format!("{}{p}", server.url);
    let (_, a) = call(&agent, "POST", &u("/ports/allocate"), Some(&allocate_body("api", "wide")));
    let (_, b) = call(
        &agent,
        "POST",
        &u("/ports/allocate"),
        Some(&json!({ "service_name": "api", "service_type": "small", "scope": "worktree-b", "protocol": "both" }).to_string()),
    );
    let port = a["allocation"]["port"].as_u64().unwrap();
    let (status, by_name) = call(&agent, "GET", &u("/ports/service/api"), None);
    assert_eq!(status, 200);
    assert_eq!(by_name.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["api", "api@worktree-b"]);
    let (_, by_type) = call(&agent, "GET", &u("/ports/type/small"), None);
    assert_eq!(by_type["api@worktree-b"]["protocol"], "both");
    assert_eq!(by_type.as_object().unwrap().len(), 1);
    let (_, by_port) = call(&agent, "GET", &u(&format!("/ports/port/{port}")), None);
    assert_eq!(by_port["api"]["allocation_id"], a["allocation"]["allocation_id"]);
    assert_eq!(call(&agent, "GET", &u("/ports/type/nope"), None).0, 400);
    assert_eq!(call(&agent, "GET", &u("/ports/port/0"), None).0, 400);
    assert_eq!(call(&agent, "GET", &u("/ports/port/70000"), None).0, 400);
    assert_eq!(call(&agent, "GET", &u("/ports/service/nobody"), None).0, 404);
    let (_, overview) = call(&agent, "GET", &u("/ports/overview"), None);
    assert_eq!(overview["active_services"], 2);
    assert_eq!(overview["port_usage"][port.to_string()], json!(["api"]));
    assert_eq!(overview["service_types"]["small"], json!(["api@worktree-b"]));
    let (_, ranges) = call(&agent, "GET", &u("/ports/ranges"), None);
    assert_eq!(ranges[0], json!({ "type": "small", "from": 20000, "to": 20049 }));
    let (_, health) = call(&agent, "GET", &u("/ports/health"), None);
    assert_eq!(health["status"], "healthy");
    let _ = b;
    // Every path of the document is served with its method, and nothing else is.
    let (_, doc) = call(&agent, "GET", &u("/openapi.json"), None);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 15);
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", "x")
                .replace("{name}", "api")
                .replace("{port}", "1")
                .replace("{kind}", "wide");
            let (status, body) = call(&agent, &method.to_uppercase(), &u(&concrete), Some("{}"));
            assert!(
                status != 404 || body["error"] != "not-found" || path.contains('{'),
                "{method} {path}: {status} {body}"
            );
            assert_ne!(status, 405, "{method} {path}");
            assert!(
                ops[method]["responses"].as_object().unwrap().keys().any(|k| k == &status.to_string()),
                "{method} {path}: {status} is not documented"
            );
        }
    }
    assert_eq!(call(&agent, "GET", &u("/ports/nothing"), None).0, 404);
    assert_eq!(call(&agent, "GET", &u("/ports/allocate"), None).0, 405);
}

#[test]
fn bad_requests_get_a_4xx_naming_the_field_and_store_nothing() {
    let dir = project("bad");
    let server = serve(&dir, &["--max-body", "4096"]);
    let agent = agent();
    let url = format!("{}/ports/allocate", server.url);
    let cases: Vec<(String, u16, Option<&str>)> = vec![
        ("{".into(), 400, None),
        ("[]".into(), 400, None),
        (r#"{"service_name": 5}"#.into(), 400, Some("service_name")),
        (r#"{"service_type": "wide"}"#.into(), 400, Some("service_name")),
        (r#"{"service_name": "a", "preferred_port": 0}"#.into(), 400, Some("preferred_port")),
        (r#"{"service_name": "a", "preferred_port": 70000}"#.into(), 400, Some("preferred_port")),
        (r#"{"service_name": "a", "preferred_port": -1}"#.into(), 400, Some("preferred_port")),
        (r#"{"service_name": "a", "preferred_port": "8080"}"#.into(), 400, Some("preferred_port")),
        (r#"{"service_name": "a\u001b[2J", "service_type": "wide"}"#.into(), 400, Some("service_name")),
        (r#"{"service_name": "a\nb", "service_type": "wide"}"#.into(), 400, Some("service_name")),
        (r#"{"service_name": "a", "service_type": "wide", "scope": "x\u0000"}"#.into(), 400, Some("scope")),
        (
            r#"{"service_name": "a", "service_type": "wide", "ttl_seconds": 0}"#.into(),
            400,
            Some("ttl_seconds"),
        ),
        (
            r#"{"service_name": "a", "service_type": "wide", "ttl_seconds": 18446744073709551615}"#.into(),
            400,
            Some("ttl_seconds"),
        ),
        (
            r#"{"service_name": "a", "service_type": "wide", "protocol": "sctp"}"#.into(),
            400,
            Some("protocol"),
        ),
        (r#"{"service_name": "a", "service_type": "wide", "requierd": true}"#.into(), 400, None),
        (r#"{"service_name": "a", "service_type": "nope"}"#.into(), 400, Some("service_type")),
        (r#"{"service_name": "a", "service_type": "wide", "required": true}"#.into(), 400, Some("required")),
        (
            r#"{"service_name": "a", "service_type": "wide", "labels": {"k": "\u0007"}}"#.into(),
            400,
            Some("labels"),
        ),
        (
            format!(r#"{{"service_name": "{}", "service_type": "wide"}}"#, "a".repeat(129)),
            400,
            Some("service_name"),
        ),
        (
            format!(r#"{{"service_name": "a", "service_type": "wide", "pad": "{}"}}"#, "x".repeat(8192)),
            413,
            None,
        ),
        (
            r#"{"service_name": "a", "service_type": "wide", "process_id": 4294967295}"#.into(),
            400,
            Some("process_id"),
        ),
    ];
    for (body, status, field) in &cases {
        let (got, answer) = call(&agent, "POST", &url, Some(body));
        let shown: String = body.chars().take(80).collect();
        assert_eq!(got, *status, "{shown}: {answer}");
        assert_eq!(answer["success"], false, "{shown}: {answer}");
        if let Some(field) = field {
            assert_eq!(answer["field"], *field, "{shown}: {answer}");
        }
    }
    // Not JSON: 415, so a web page's form post cannot lease ports.
    let (got, _) =
        call_with(&agent, "POST", &url, Some(&allocate_body("a", "wide")), &[("content-type", "text/plain")]);
    assert_eq!(got, 415);
    let (got, _) =
        call(&agent, "POST", &format!("{}/ports/release", server.url), Some(r#"{"allocation_id": 1}"#));
    assert_eq!(got, 400);
    let (_, dirj) = call(&agent, "GET", &format!("{}/ports/directory", server.url), None);
    assert_eq!(dirj, json!({}), "nothing was stored");
    assert!(leases(&dir).is_empty());
}

#[test]
fn off_loopback_a_token_is_required_and_checked() {
    let dir = project("token");
    let out = std::process::Command::new(common::lease::BIN)
        .current_dir(&dir)
        .args(["serve", "--listen", "0.0.0.0:0", "--store"])
        .arg(store(&dir))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token was given"), "{out:?}");
    std::fs::write(dir.join("token"), "").unwrap();
    let out = std::process::Command::new(common::lease::BIN)
        .current_dir(&dir)
        .args(["serve", "--listen", "0.0.0.0:0", "--token-file", "token"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an empty token file is refused");

    std::fs::write(dir.join("token"), "s3cret-token\n").unwrap();
    let mut child = std::process::Command::new(common::lease::BIN)
        .current_dir(&dir)
        .args(["serve", "--listen", "0.0.0.0:0", "--token-file", "token", "--store"])
        .arg(store(&dir))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line)
        .unwrap();
    let port = line.trim().rsplit(':').next().unwrap().to_string();
    let url = format!("http://127.0.0.1:{port}");
    let server = common::lease::Server { child, url: url.clone() };
    let agent = agent();
    let body = allocate_body("a", "wide");
    let alloc = format!("{url}/ports/allocate");
    for auth in [None, Some("Bearer wrong"), Some("Bearer s3cret-toke"), Some("s3cret-token")] {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(a) = auth {
            headers.push(("authorization", a));
        }
        let (status, answer) = call_with(&agent, "POST", &alloc, Some(&body), &headers);
        assert_eq!((status, answer["error"].as_str()), (401, Some("unauthorized")), "{auth:?}");
        assert_eq!(call_with(&agent, "GET", &format!("{url}/ports/directory"), None, &headers).0, 401);
    }
    assert!(leases(&dir).is_empty(), "nothing stored without the token");
    // The dashboard: a browser is challenged for Basic, and the token is the password.
    let page = agent.get(&format!("{url}/")).call().unwrap();
    assert_eq!(page.status().as_u16(), 401);
    assert!(page.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
    let api = agent.get(&format!("{url}/ports/directory")).call().unwrap();
    assert!(api.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer "));
    let basic = |pair: &str| {
        use base64::Engine;
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    };
    let (status, html) =
        call_with(&agent, "GET", &format!("{url}/"), None, &[("authorization", &basic("me:s3cret-token"))]);
    assert_eq!(status, 200);
    assert!(html.as_str().is_some_and(|h| h.contains("portnix-data")), "{html}");
    let wrong = basic("s3cret-token:nope");
    assert_eq!(call_with(&agent, "GET", &format!("{url}/"), None, &[("authorization", &wrong)]).0, 401);
    let headers = [("content-type", "application/json"), ("authorization", "Bearer s3cret-token")];
    assert_eq!(call_with(&agent, "POST", &alloc, Some(&body), &headers).0, 201);
    // The CLI sends it from PORTNIX_TOKEN_FILE.
    let out =
        cli(&dir, Some(&url), &["get", "a"]).env("PORTNIX_TOKEN_FILE", dir.join("token")).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = cli(&dir, Some(&url), &["get", "a"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "without it: {out:?}");
    drop(server);
}

#[test]
fn a_client_past_the_rate_limit_gets_429() {
    let dir = project("rate");
    let server = serve(&dir, &["--rate-limit", "2"]);
    let agent = agent();
    let statuses: Vec<u16> =
        (0..20).map(|_| call(&agent, "GET", &format!("{}/ports/health", server.url), None).0).collect();
    // A burst of two, then one more for each half second the twenty requests took.
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 15, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429), "{statuses:?}");
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(call(&agent, "GET", &format!("{}/ports/health", server.url), None).0, 200, "refilled");
}

#[test]
fn check_leases_lists_the_live_leases_the_changed_registry_no_longer_allows() {
    let dir = project("check");
    let take = |service: &str, kind: &str, port: &str| {
        let out = cli(&dir, None, &["allocate", service, "--type", kind, "--prefer", port, "--required"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    take("web", "small", "20020");
    take("api", "wide", "21005");
    take("calm", "small", "20030");
    let table =
        String::from_utf8(cli(&dir, None, &["ls", "--type", "small"]).output().unwrap().stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("PORT   PROTO  SERVICE  TYPE   SCOPE  EXPIRES"), "{table}");
    assert!(lines[1].starts_with("20020  tcp    web      small  local  "), "{table}");
    assert!(lines[2].starts_with("20030  tcp    calm     small  local  ") && lines.len() == 3, "{table}");
    let check_as = |leases: bool, format: &str| {
        let mut cmd = std::process::Command::new(common::lease::BIN);
        cmd.current_dir(&dir).arg("check").arg("--store").arg(store(&dir)).args(["--format", format]);
        if leases {
            cmd.arg("--leases");
        }
        cmd.output().unwrap()
    };
    let check = |leases: bool| check_as(leases, "human");
    assert_eq!(check(true).status.code(), Some(0), "nothing collides yet");
    // The registry gains an entry on web's port, and the config drops the wide pool.
    std::fs::write(
        dir.join("lib/ports.nix"),
        "{ small.gateway = 20003; small.web2 = 20020; db.postgres = 5432; }\n",
    )
    .unwrap();
    let config = std::fs::read_to_string(dir.join("lib/portnix.nix")).unwrap();
    std::fs::write(dir.join("lib/portnix.nix"), config.replace(r#""small" "wide""#, r#""small""#)).unwrap();
    let out = check(true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("error[lease-collision]: lease "), "{text}");
    assert!(text.contains("of web (tcp 20020") && text.contains("registry entry small.web2"), "{text}");
    assert!(text.contains("of api (tcp 21005") && text.contains("pool wide is no longer"), "{text}");
    assert!(!text.contains("of calm"), "{text}");
    assert!(text.contains("2 errors"), "{text}");
    // Every machine format carries them, as any finding.
    let out = check_as(true, "json");
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = json.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    // The dropped pool leaves its range unused: a warning beside the two.
    assert_eq!(codes, ["unused-range", "lease-collision", "lease-collision"], "{json}");
    let out = check_as(true, "github");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("::error").count(), 2, "{text}");
    assert!(text.contains("lease-collision"), "{text}");
    let out = check_as(true, "sarif");
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.iter().filter(|r| r["ruleId"] == "lease-collision").count(), 2, "{sarif}");
    // `explain` knows the code.
    let out =
        std::process::Command::new(common::lease::BIN).args(["explain", "lease-collision"]).output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("live lease"), "{out:?}");
    assert_eq!(check(false).status.code(), Some(0), "without --leases the store is not read");
}

#[test]
fn lease_run_heartbeats_keep_a_short_lease_alive_while_its_command_runs() {
    let dir = project("run-heartbeat");
    let mut run = cli(&dir, None, &["run", "beating", "--type", "wide", "--ttl", "2s", "--", "sleep", "4"])
        .spawn()
        .unwrap();
    let first = wait_for_lease(&dir, "beating");
    std::thread::sleep(Duration::from_millis(3000));
    let later = leases(&dir).into_iter().find(|l| l["service_name"] == "beating");
    let later = later.expect("still held a second past its first expiry");
    assert_eq!(later["allocation_id"], first["allocation_id"]);
    assert!(later["expires_at"].as_str() > first["expires_at"].as_str(), "{first} then {later}");
    assert!(run.wait().unwrap().success());
    assert!(leases(&dir).iter().all(|l| l["service_name"] != "beating"), "released at exit");
}

#[test]
fn the_cli_exits_1_for_a_refusal_and_2_for_a_broken_request_in_both_modes() {
    let dir = project("cli-codes");
    let server = serve(&dir, &[]);
    for mode in [None, Some(server.url.as_str())] {
        let run = |args: &[&str]| cli(&dir, mode, args).output().unwrap();
        let out = run(&["allocate", "short", "--type", "wide", "--ttl", "1s", "--json"]);
        assert!(out.status.success(), "{mode:?} {out:?}");
        let granted: Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = granted["allocation"]["allocation_id"].as_str().unwrap().to_string();
        std::thread::sleep(Duration::from_millis(1100));
        let out = run(&["heartbeat", &id]);
        assert_eq!(out.status.code(), Some(1), "{mode:?} {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error[expired]"), "{mode:?} {out:?}");
        let out = run(&["get", "nobody"]);
        assert_eq!(out.status.code(), Some(1), "{mode:?} {out:?}");
        let out = run(&["allocate", "x", "--type", "nope"]);
        assert_eq!(out.status.code(), Some(2), "{mode:?} {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("no pool \"nope\""), "{mode:?} {out:?}");
        let out = run(&["allocate", "bad name", "--type", "wide"]);
        assert_eq!(out.status.code(), Some(2), "{mode:?} {out:?}");
        let out = run(&["cleanup"]);
        assert!(out.status.success(), "{mode:?} {out:?}");
    }
    let out = cli(&dir, Some("http://127.0.0.1:1"), &["ls"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[unreachable]") && err.contains("unset PORTNIX_SERVER"), "{err}");
}

/// A small deterministic generator, so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn random_bodies_never_get_a_5xx_and_only_what_was_granted_is_stored() {
    let dir = project("random");
    let server = serve(&dir, &[]);
    let agent = agent();
    let url = format!("{}/ports/allocate", server.url);
    let values = [
        json!("api"),
        json!("a\u{1b}[31m"),
        json!("x".repeat(300)),
        json!("ü"),
        json!(""),
        json!("wide"),
        json!("small"),
        json!("tcp"),
        json!("both"),
        json!(0),
        json!(1),
        json!(21005),
        json!(65535),
        json!(65536),
        json!(-3),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(true),
        json!(null),
        json!([1, 2]),
        json!({ "k": "v" }),
        json!({ "k": 7 }),
    ];
    let fields = [
        "service_name",
        "service_type",
        "preferred_port",
        "required",
        "ttl_seconds",
        "protocol",
        "scope",
        "process_id",
        "host",
        "labels",
        "allocation_id",
        "\u{0}",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut granted = std::collections::BTreeSet::new();
    let mut statuses: std::collections::BTreeMap<u16, usize> = Default::default();
    for i in 0..1500 {
        let mut body = serde_json::Map::new();
        body.insert("service_name".into(), json!(format!("r{i}")));
        body.insert("service_type".into(), json!("wide"));
        for _ in 0..(rng.next() % 4) {
            body.insert((*rng.pick(&fields)).to_string(), rng.pick(&values).clone());
        }
        let mut text = Value::Object(body).to_string().into_bytes();
        match rng.next() % 6 {
            0 => text.truncate((rng.next() as usize) % (text.len() + 1)),
            1 => {
                let at = (rng.next() as usize) % text.len();
                text[at] = (rng.next() % 256) as u8;
            }
            _ => {}
        }
        let response = agent
            .post(&url)
            .content_type("application/json")
            .send(&text[..])
            .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(&text)));
        let status = response.status().as_u16();
        let mut response = response;
        let answer: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        *statuses.entry(status).or_default() += 1;
        assert!(
            matches!(status, 200 | 201 | 400 | 409 | 413 | 503),
            "{status} for {}: {answer}",
            String::from_utf8_lossy(&text)
        );
        if status == 201 {
            let a = &answer["allocation"];
            granted.insert((
                a["allocation_id"].as_str().unwrap().to_string(),
                a["ttl_seconds"].as_u64().unwrap(),
            ));
        } else if status != 200 {
            assert_eq!(answer["success"], false, "{answer}");
        }
    }
    let stored: std::collections::BTreeSet<String> =
        leases(&dir).iter().map(|l| l["allocation_id"].as_str().unwrap().to_string()).collect();
    // Every lease stored was granted, and every one granted is stored unless its TTL (a second,
    // when the body said so) has run out since.
    let ids: std::collections::BTreeSet<String> = granted.iter().map(|(id, _)| id.clone()).collect();
    let strays: Vec<&String> = stored.difference(&ids).collect();
    assert!(strays.is_empty(), "stored but never granted: {strays:?}");
    let lost: Vec<&(String, u64)> =
        granted.iter().filter(|(id, ttl)| *ttl >= 60 && !stored.contains(id)).collect();
    assert!(lost.is_empty(), "granted but not stored: {lost:?}");
    assert!(statuses.get(&400).copied().unwrap_or(0) > 300 && granted.len() > 200, "{statuses:?}");
    eprintln!("1500 random bodies: {statuses:?}");
}
