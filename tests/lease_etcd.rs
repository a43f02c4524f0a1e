//! Leases across hosts: `portnix serve` processes and CLI processes on a real etcd (one member,
//! and a three-member cluster on loopback for the faults).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]
#![cfg(feature = "etcd")]

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::lease::{agent, call, cli_on, project, raise_fd_limit, serve_on};
use serde_json::{Value, json};

fn allocate(service: &str, kind: &str, ttl: u64) -> String {
    json!({ "service_name": service, "service_type": kind, "ttl_seconds": ttl }).to_string()
}

/// `clients` threads at once, spread over `urls`, each allocating one service of `kind`:
/// the granted ports, and how many were refused as exhausted.
fn crowd(urls: &[String], clients: usize, kind: &str, tag: &str) -> (Vec<(String, u16, String)>, usize) {
    let barrier = Arc::new(Barrier::new(clients));
    let granted = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let url = urls[i % urls.len()].clone();
            let (barrier, granted, refused, kind, tag) =
                (barrier.clone(), granted.clone(), refused.clone(), kind.to_string(), tag.to_string());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let agent = agent();
                    barrier.wait();
                    let service = format!("{tag}{i}");
                    let (status, body) = call(
                        &agent,
                        "POST",
                        &format!("{url}/ports/allocate"),
                        Some(&allocate(&service, &kind, 600)),
                    );
                    match status {
                        201 => granted.lock().unwrap().push((
                            service,
                            body["allocation"]["port"].as_u64().unwrap() as u16,
                            body["allocation"]["allocation_id"].as_str().unwrap().to_string(),
                        )),
                        503 => {
                            assert_eq!(body["error"], "exhausted", "{body}");
                            *refused.lock().unwrap() += 1;
                        }
                        other => panic!("{service}: {other} {body}"),
                    }
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let granted = granted.lock().unwrap().clone();
    let refused = *refused.lock().unwrap();
    (granted, refused)
}

fn directory(url: &str) -> HashMap<String, Value> {
    let (status, body) = call(&agent(), "GET", &format!("{url}/ports/directory"), None);
    assert_eq!(status, 200, "{body}");
    body.as_object().unwrap().clone().into_iter().collect()
}

#[test]
fn two_servers_on_a_three_member_cluster_with_500_clients_each_never_share_a_port() {
    if !common::etcd::available() {
        return;
    }
    raise_fd_limit();
    let members = common::etcd::cluster("two-servers", 3);
    let dir = project("etcd-two");
    let store = common::etcd::url_of(&members, "two");
    let servers = [serve_on(&dir, store.as_ref(), &[]), serve_on(&dir, store.as_ref(), &[])];
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    // 1000 clients on `wide` (1000 ports): every one gets a port, none twice.
    let (granted, refused) = crowd(&urls, 1000, "wide", "w");
    let ports: BTreeSet<u16> = granted.iter().map(|g| g.1).collect();
    assert_eq!(refused, 0);
    assert_eq!(ports.len(), granted.len(), "a port granted twice");
    assert!(ports.iter().all(|p| (21000..=21999).contains(p)));
    // A pool smaller than the demand: the free ports, each once, and the rest refused.
    let (small, refused) = crowd(&urls, 200, "small", "s");
    let small_ports: BTreeSet<u16> = small.iter().map(|g| g.1).collect();
    assert_eq!(small_ports.len(), small.len());
    assert!(small_ports.iter().all(|p| (20000..=20049).contains(p) && *p != 20003 && *p != 20004));
    assert_eq!(small.len() + refused, 200);
    assert_eq!(small.len(), 48, "the 50 ports less the registry's and the reserved one");
    // Both servers see the same table, and it holds every grant.
    let seen = directory(&urls[1]);
    assert_eq!(seen.len(), 1048);
    for (service, port, id) in granted.iter().chain(&small) {
        assert_eq!((&seen[service]["port"], &seen[service]["allocation_id"]), (&json!(port), &json!(id)));
    }
    // The CLI beside them, straight on etcd.
    let out = cli_on(&dir, store.as_ref(), None, &["get", "w7"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), seen["w7"]["port"].to_string());
    let (_, health) = call(&agent(), "GET", &format!("{}/ports/health", urls[0]), None);
    assert!(health["store"].as_str().unwrap().contains("3 member(s)"), "{health}");
}

#[test]
fn a_holder_that_stops_heartbeating_loses_its_port_at_its_ttl_and_etcd_drops_its_keys() {
    if !common::etcd::available() {
        return;
    }
    let etcd = common::etcd::start("ttl");
    let dir = project("etcd-ttl");
    let store = etcd.url("ttl");
    let server = serve_on(&dir, store.as_ref(), &[]);
    let agent = agent();
    let u = |p: &str| format!("{}{p}", server.url);
    let (status, a) = call(&agent, "POST", &u("/ports/allocate"), Some(&allocate("gone", "wide", 1)));
    assert_eq!(status, 201);
    let port = a["allocation"]["port"].clone();
    let id = a["allocation"]["allocation_id"].as_str().unwrap().to_string();
    // A heartbeat within the TTL extends it.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(call(&agent, "POST", &u(&format!("/ports/heartbeat/{id}")), None).0, 200);
    std::thread::sleep(Duration::from_millis(700));
    assert!(directory(&server.url).contains_key("gone"), "still held: the heartbeat moved its expiry");
    // Then the holder goes quiet: at its TTL the port is free for another.
    std::thread::sleep(Duration::from_millis(500));
    assert!(!directory(&server.url).contains_key("gone"));
    assert_eq!(call(&agent, "POST", &u(&format!("/ports/heartbeat/{id}")), None).0, 410);
    let (status, next) = call(
        &agent,
        "POST",
        &u("/ports/allocate"),
        Some(&json!({ "service_name": "next", "service_type": "wide", "preferred_port": port, "required": true }).to_string()),
    );
    assert_eq!(status, 201, "{next}");
    // etcd itself drops a silent holder's keys a grace period later.
    let (_, b) = call(&agent, "POST", &u("/ports/allocate"), Some(&allocate("silent", "wide", 1)));
    let silent = b["allocation"]["port"].as_u64().unwrap();
    let keys = || {
        let out = std::process::Command::new("etcdctl")
            .args([
                "--endpoints",
                &format!("127.0.0.1:{}", etcd.client_port),
                "get",
                "--prefix",
                "--keys-only",
                "/ttl/",
            ])
            .env("ETCDCTL_API", "3")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(keys().contains(&format!("/ttl/portnix/v1/leases/local/tcp/{silent}")), "{}", keys());
    let started = Instant::now();
    while keys().contains("services/local/silent") {
        assert!(started.elapsed() < Duration::from_secs(15), "etcd never expired it: {}", keys());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(started.elapsed() > Duration::from_secs(3), "not before its TTL and grace");
    assert!(!keys().contains(&format!("tcp/{silent}")));
}

#[test]
fn an_unreachable_cluster_is_a_503_from_the_server_and_exit_2_from_the_cli() {
    if !common::etcd::available() {
        return;
    }
    let etcd = common::etcd::start("down");
    let dir = project("etcd-down");
    let store = etcd.url("down");
    let server = serve_on(&dir, store.as_ref(), &[]);
    let agent = agent();
    assert_eq!(
        call(&agent, "POST", &format!("{}/ports/allocate", server.url), Some(&allocate("a", "wide", 60))).0,
        201
    );
    drop(etcd);
    let (status, body) =
        call(&agent, "POST", &format!("{}/ports/allocate", server.url), Some(&allocate("b", "wide", 60)));
    assert_eq!((status, body["error"].as_str()), (503, Some("store")), "{body}");
    assert_eq!(call(&agent, "GET", &format!("{}/ports/health", server.url), None).0, 503);
    let out = cli_on(&dir, store.as_ref(), None, &["allocate", "c", "--type", "wide"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[store]"), "{out:?}");
}

#[test]
fn killing_an_etcd_member_then_a_server_under_load_loses_nothing_acknowledged() {
    if !common::etcd::available() {
        return;
    }
    raise_fd_limit();
    let mut members = common::etcd::cluster("three", 3);
    let dir = project("etcd-three");
    let store = common::etcd::url_of(&members, "three");
    let mut servers = vec![serve_on(&dir, store.as_ref(), &[]), serve_on(&dir, store.as_ref(), &[])];
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // 500 clients, half on each server, each allocating again and again.
    let workers: Vec<_> = (0..500)
        .map(|w| {
            let (url, acknowledged, stop) = (urls[w % 2].clone(), acknowledged.clone(), stop.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let agent = agent();
                    for i in 0.. {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        let service = format!("k{w}-{i}");
                        let r = agent
                            .post(format!("{url}/ports/allocate"))
                            .content_type("application/json")
                            .send(allocate(&service, "huge", 600).as_bytes());
                        // Its server was killed: this client stops.
                        let Ok(mut r) = r else { break };
                        let status = r.status().as_u16();
                        let text = r.body_mut().read_to_string().unwrap_or_default();
                        if status == 201 {
                            let body: Value = serde_json::from_str(&text).unwrap();
                            acknowledged
                                .lock()
                                .unwrap()
                                .push((service, body["allocation"]["port"].as_u64().unwrap()));
                        } else if status == 503 && text.contains("exhausted") {
                            break;
                        }
                    }
                })
                .unwrap()
        })
        .collect();
    let wait_for = |n: usize| {
        let started = Instant::now();
        while acknowledged.lock().unwrap().len() < n {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "load stalled at {}",
                acknowledged.lock().unwrap().len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for(500);
    // One member of three dies: the other two keep a quorum.
    let mut member = members.remove(0);
    member.child.kill().unwrap();
    member.child.wait().unwrap();
    let at_kill = acknowledged.lock().unwrap().len();
    wait_for(at_kill + 500);
    // Then a server dies mid-load.
    servers.remove(0).child.kill().unwrap();
    let at_server_kill = acknowledged.lock().unwrap().len();
    wait_for(at_server_kill + 500);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let seen = directory(&servers[0].url);
    let ports: BTreeSet<u64> = seen.values().map(|l| l["port"].as_u64().unwrap()).collect();
    assert_eq!(ports.len(), seen.len(), "a port granted twice");
    for (service, port) in &acknowledged {
        assert_eq!(seen.get(service).map(|l| l["port"].as_u64().unwrap()), Some(*port), "{service} lost");
    }
    eprintln!(
        "{} leases acknowledged ({at_kill} before the member died, {at_server_kill} before the server died), {} stored, all distinct",
        acknowledged.len(),
        seen.len()
    );
    drop(member);
}

#[test]
fn an_etcd_with_authentication_takes_a_user_and_password_and_refuses_without() {
    if !common::etcd::available() {
        return;
    }
    let etcd = common::etcd::start("auth");
    let endpoint = format!("127.0.0.1:{}", etcd.client_port);
    let etcdctl = |args: &[&str]| {
        let out = std::process::Command::new("etcdctl")
            .args(["--endpoints", &endpoint])
            .args(args)
            .env("ETCDCTL_API", "3")
            .output()
            .unwrap();
        assert!(out.status.success(), "etcdctl {args:?}: {out:?}");
    };
    etcdctl(&["user", "add", "root:s3cret"]);
    etcdctl(&["auth", "enable"]);
    let dir = project("etcd-auth");
    let run = |store: &str, env: Option<&str>| {
        let mut cmd = cli_on(&dir, store.as_ref(), None, &["allocate", "svc", "--type", "wide"]);
        cmd.env_remove("PORTNIX_ETCD_PASSWORD");
        if let Some(password) = env {
            cmd.env("PORTNIX_ETCD_PASSWORD", password);
        }
        cmd.output().unwrap()
    };
    let granted = run(&format!("etcd://root:s3cret@{endpoint}/auth"), None);
    assert!(granted.status.success(), "{granted:?}");
    let again = run(&format!("etcd://root@{endpoint}/auth"), Some("s3cret"));
    assert_eq!(again.stdout, granted.stdout, "the password from the environment, the same lease");
    for (store, env) in
        [(format!("etcd://{endpoint}/auth"), None), (format!("etcd://root:wrong@{endpoint}/auth"), None)]
    {
        let out = run(&store, env);
        assert_eq!(out.status.code(), Some(2), "{store}: {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error[store]"), "{store}: {out:?}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("wrong"),
            "the password is never shown: {out:?}"
        );
    }
}

/// Runs `openssl ARGS` in `dir`.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl").current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn etcds_speaks_tls_with_a_client_certificate_and_is_refused_without_one() {
    if !common::etcd::available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("portnix-etcd-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A CA, a server certificate for 127.0.0.1 and a client certificate, all made here.
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=portnix test CA",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    for (who, cn) in [("server", "127.0.0.1"), ("client", "portnix")] {
        openssl(
            &dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{who}.key"),
                "-out",
                &format!("{who}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{who}.pem"),
                "-days",
                "2",
                "-extfile",
                &format!("{who}.ext"),
            ],
        );
    }
    let (client_port, peer_port) = (common::etcd::free_port(), common::etcd::free_port());
    let client_url = format!("https://127.0.0.1:{client_port}");
    let peer = format!("http://127.0.0.1:{peer_port}");
    let child = std::process::Command::new("etcd")
        .current_dir(&dir)
        .args(["--name", "tls", "--data-dir", "data"])
        .args(["--listen-client-urls", &client_url, "--advertise-client-urls", &client_url])
        .args([
            "--listen-peer-urls",
            &peer,
            "--initial-advertise-peer-urls",
            &peer,
            "--initial-cluster",
            &format!("tls={peer}"),
        ])
        .args([
            "--cert-file",
            "server.pem",
            "--key-file",
            "server.key",
            "--client-cert-auth",
            "--trusted-ca-file",
            "ca.pem",
        ])
        .args(["--log-level", "error"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let etcd = common::etcd::Etcd { child, client_port, dir: dir.clone() };
    let started = Instant::now();
    loop {
        let healthy = std::process::Command::new("etcdctl")
            .current_dir(&dir)
            .args([
                "--endpoints",
                &client_url,
                "--cacert",
                "ca.pem",
                "--cert",
                "client.pem",
                "--key",
                "client.key",
                "endpoint",
                "health",
            ])
            .env("ETCDCTL_API", "3")
            .output()
            .is_ok_and(|o| o.status.success());
        if healthy {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "etcd with TLS did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    let project_dir = project("etcd-tls");
    let store = format!("etcds://127.0.0.1:{client_port}/tls");
    let run = |store: &str, cert: bool| {
        let mut cmd = cli_on(&project_dir, store.as_ref(), None, &["allocate", "svc", "--type", "wide"]);
        cmd.env("PORTNIX_ETCD_CA", dir.join("ca.pem"));
        if cert {
            cmd.env("PORTNIX_ETCD_CERT", dir.join("client.pem"))
                .env("PORTNIX_ETCD_KEY", dir.join("client.key"));
        } else {
            cmd.env_remove("PORTNIX_ETCD_CERT").env_remove("PORTNIX_ETCD_KEY");
        }
        cmd.output().unwrap()
    };
    let granted = run(&store, true);
    assert!(granted.status.success(), "{granted:?}");
    for (store, cert) in [(store.clone(), false), (format!("etcd://127.0.0.1:{client_port}/tls"), true)] {
        let out = run(&store, cert);
        assert_eq!(out.status.code(), Some(2), "{store} (client certificate: {cert}): {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error[store]"), "{out:?}");
    }
    drop(etcd);
}
