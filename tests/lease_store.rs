//! One suite for every lease store: the rules hold whatever engine keeps the table.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use portnix::lease::model::{Holder, LeaseError, Request};
use portnix::lease::ops::{self, DEFAULT_SCOPE};
use portnix::lease::pool::{Ephemeral, Pools};
use portnix::lease::store::{MemoryStore, SqliteStore, Store};
use portnix::registry::{LoadOptions, Protocol, load};

const HOST: &str = "test-host";

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portnix-lease-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("flake.nix"), "{ }\n").unwrap();
    dir
}

/// A project whose pool `rest-api` is 8080-8089, with a static entry on 8081 and a reserved
/// 8082, and a pool `low` partly below 1024.
fn pools(dir: &Path) -> Pools {
    std::fs::write(dir.join("lib/ports.nix"), "{ rest-api.gateway = 8081; db.postgres = 5432; }\n").unwrap();
    std::fs::write(
        dir.join("lib/portnix.nix"),
        r#"{
  ranges."rest-api" = { from = 8080; to = 8089; };
  ranges.low = { from = 1020; to = 1030; };
  ranges.db = { from = 5400; to = 5499; };
  ranges.wide = { from = 21000; to = 21999; };
  reserved = [ { port = 8082; reason = "the admin console"; } ];
  pools = [ "rest-api" "low" "wide" ];
}
"#,
    )
    .unwrap();
    let project = load(&LoadOptions { registry: Some(dir.join("lib/ports.nix")), ..LoadOptions::default() })
        .unwrap_or_else(|e| panic!("{}", e.render()));
    Pools::from_snapshot(
        &portnix::registry::snapshot::Snapshot::of(&project),
        &Ephemeral { from: 32768, to: 60999, reserved: vec![] },
    )
    .unwrap()
}

fn request(service: &str) -> Request {
    Request {
        service: service.into(),
        kind: Some("rest-api".into()),
        prefer: None,
        required: false,
        protocol: Protocol::Tcp,
        ttl_ms: 60_000,
        scope: DEFAULT_SCOPE.into(),
        holder: Holder { host: HOST.into(), pid: None, pid_start: None },
        labels: vec![],
    }
}

fn nothing_bound(_: Protocol, _: u16) -> bool {
    false
}

/// Every store the suite runs on, fresh: in memory, SQLite, and (built with `--features etcd`)
/// a real etcd started for the test, which lives as long as the iterator.
fn stores(name: &str) -> impl Iterator<Item = (&'static str, Box<dyn Store>)> {
    let dir = temp(&format!("{name}-store"));
    #[allow(unused_mut)]
    let mut list: Vec<(&'static str, Box<dyn Store>)> = vec![
        ("memory", Box::new(MemoryStore::default())),
        ("sqlite", Box::new(SqliteStore::open(&dir.join("state/leases.sqlite")).unwrap())),
    ];
    #[cfg(feature = "etcd")]
    let guard = common::etcd::available().then(|| {
        let etcd = common::etcd::start(name);
        list.push(("etcd", Box::new(portnix::lease::store::EtcdStore::open(&etcd.url("suite")).unwrap())));
        etcd
    });
    #[cfg(not(feature = "etcd"))]
    let guard = ();
    list.into_iter().inspect(move |_| {
        let _alive = &guard;
    })
}

#[test]
fn a_pool_hands_out_each_free_port_once_and_then_says_exhausted() {
    let dir = temp("pool");
    let pools = pools(&dir);
    for (engine, store) in stores("pool") {
        let mut ports = Vec::new();
        for i in 0..8 {
            let g = ops::allocate(&*store, &pools, &request(&format!("svc{i}")), 0, HOST, &nothing_bound)
                .unwrap();
            assert!(g.new, "{engine}");
            ports.push(g.lease.port);
        }
        ports.sort();
        // 8080..=8089 less the registry's 8081 and the reserved 8082.
        assert_eq!(ports, vec![8080, 8083, 8084, 8085, 8086, 8087, 8088, 8089], "{engine}");
        let err = ops::allocate(&*store, &pools, &request("one-more"), 0, HOST, &nothing_bound).unwrap_err();
        assert!(matches!(err, LeaseError::Exhausted { .. }), "{engine}: {err}");
        // The same service again gets its own lease back, renewed.
        let again = ops::allocate(&*store, &pools, &request("svc3"), 10, HOST, &nothing_bound).unwrap();
        assert!(!again.new && again.lease.expires_ms == 60_010, "{engine}: {again:?}");
        assert_eq!(store.read().unwrap().len(), 8, "{engine}");
    }
}

#[test]
fn privileged_ports_and_bound_ports_are_never_leased() {
    let dir = temp("privileged");
    let pools = pools(&dir);
    for (engine, store) in stores("privileged") {
        let mut req = request("a");
        req.kind = Some("low".into());
        let bound_1025 = |_: Protocol, p: u16| p == 1025;
        let mut ports: Vec<u16> = (0..6)
            .map(|i| {
                req.service = format!("s{i}");
                ops::allocate(&*store, &pools, &req, 0, HOST, &bound_1025).unwrap().lease.port
            })
            .collect();
        ports.sort();
        assert_eq!(ports, vec![1024, 1026, 1027, 1028, 1029, 1030], "{engine}");
    }
}

#[test]
fn prefer_is_tried_first_and_required_names_the_holder() {
    let dir = temp("prefer");
    let pools = pools(&dir);
    for (engine, store) in stores("prefer") {
        let mut req = request("web");
        req.prefer = Some(8085);
        assert_eq!(ops::allocate(&*store, &pools, &req, 0, HOST, &nothing_bound).unwrap().lease.port, 8085);
        let mut other = request("api");
        other.prefer = Some(8085);
        assert_ne!(ops::allocate(&*store, &pools, &other, 0, HOST, &nothing_bound).unwrap().lease.port, 8085);
        for (port, holder) in
            [(8085, "lease"), (8081, "registry entry rest-api.gateway"), (8082, "the admin console")]
        {
            let mut req = request("strict");
            req.prefer = Some(port);
            req.required = true;
            match ops::allocate(&*store, &pools, &req, 0, HOST, &nothing_bound) {
                Err(LeaseError::Taken { port: p, holder: h }) => {
                    assert_eq!(p, port);
                    assert!(h.contains(holder), "{engine}: {h}");
                }
                other => panic!("{engine}: {other:?}"),
            }
        }
        assert!(store.read().unwrap().iter().all(|l| l.service != "strict"), "{engine}: nothing stored");
    }
}

#[test]
fn heartbeats_extend_expiry_frees_and_an_expired_lease_is_never_revived() {
    let dir = temp("expiry");
    let pools = pools(&dir);
    for (engine, store) in stores("expiry") {
        let mut req = request("web");
        req.ttl_ms = 1_000;
        let lease = ops::allocate(&*store, &pools, &req, 0, HOST, &nothing_bound).unwrap().lease;
        let keep = ops::allocate(&*store, &pools, &request("keep"), 0, HOST, &nothing_bound).unwrap().lease;
        assert_eq!(ops::heartbeat(&*store, &lease.id, 900, HOST).unwrap().expires_ms, 1_900, "{engine}");
        assert_eq!(ops::live(&*store, 1_800, HOST).unwrap().len(), 2, "{engine}");
        let err = ops::heartbeat(&*store, &lease.id, 1_900, HOST).unwrap_err();
        assert!(matches!(err, LeaseError::Expired(_)), "{engine}: {err}");
        assert_eq!(ops::live(&*store, 1_900, HOST).unwrap().len(), 1, "{engine}");
        let removed = ops::cleanup(&*store, 1_900, HOST).unwrap();
        assert_eq!(removed.iter().map(|l| &l.id).collect::<Vec<_>>(), vec![&lease.id], "{engine}");
        assert_eq!(
            store.read().unwrap().iter().map(|l| &l.id).collect::<Vec<_>>(),
            vec![&keep.id],
            "{engine}"
        );
        let err = ops::heartbeat(&*store, "no-such-id", 0, HOST).unwrap_err();
        assert!(matches!(err, LeaseError::NotFound(_)), "{engine}: {err}");
        // Its port is free for another service.
        let mut next = request("next");
        next.prefer = Some(lease.port);
        next.required = true;
        assert_eq!(
            ops::allocate(&*store, &pools, &next, 2_000, HOST, &nothing_bound).unwrap().lease.port,
            lease.port
        );
    }
}

#[test]
fn a_lease_of_a_dead_local_process_is_free_at_once() {
    let dir = temp("dead");
    let pools = pools(&dir);
    for (engine, store) in stores("dead") {
        let mut child = std::process::Command::new("sleep").arg("60").spawn().unwrap();
        let mut req = request("worker");
        req.holder = ops::local_holder(Some(child.id()));
        req.prefer = Some(8088);
        let host = req.holder.host.clone();
        ops::allocate(&*store, &pools, &req, 0, &host, &nothing_bound).unwrap();
        let mut rival = request("rival");
        rival.holder.host = host.clone();
        rival.prefer = Some(8088);
        rival.required = true;
        assert!(
            ops::allocate(&*store, &pools, &rival, 0, &host, &nothing_bound).is_err(),
            "{engine}: held while alive"
        );
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            ops::allocate(&*store, &pools, &rival, 0, &host, &nothing_bound).unwrap().lease.port,
            8088,
            "{engine}"
        );
    }
}

#[test]
fn both_takes_both_lanes() {
    let dir = temp("lanes");
    let pools = pools(&dir);
    for (engine, store) in stores("lanes") {
        let mut udp = request("dns");
        udp.protocol = Protocol::Udp;
        udp.prefer = Some(8083);
        assert_eq!(ops::allocate(&*store, &pools, &udp, 0, HOST, &nothing_bound).unwrap().lease.port, 8083);
        let mut tcp = request("web");
        tcp.prefer = Some(8083);
        tcp.required = true;
        assert_eq!(
            ops::allocate(&*store, &pools, &tcp, 0, HOST, &nothing_bound).unwrap().lease.port,
            8083,
            "{engine}"
        );
        let mut both = request("both");
        both.protocol = Protocol::Both;
        both.prefer = Some(8083);
        both.required = true;
        assert!(ops::allocate(&*store, &pools, &both, 0, HOST, &nothing_bound).is_err(), "{engine}");
    }
}

#[test]
fn bad_requests_are_refused_and_store_nothing() {
    let dir = temp("bad");
    let pools = pools(&dir);
    for (engine, store) in stores("bad") {
        let mut cases = Vec::new();
        for (field, edit) in [
            (
                "service_name",
                Box::new(|r: &mut Request| r.service = "evil\u{1b}[2J".into()) as Box<dyn Fn(&mut Request)>,
            ),
            ("service_name", Box::new(|r: &mut Request| r.service = String::new())),
            ("scope", Box::new(|r: &mut Request| r.scope = "a b".into())),
            ("ttl_seconds", Box::new(|r: &mut Request| r.ttl_ms = 0)),
            ("preferred_port", Box::new(|r: &mut Request| r.prefer = Some(0))),
            ("required", Box::new(|r: &mut Request| r.required = true)),
        ] {
            let mut req = request("web");
            edit(&mut req);
            cases.push((field, req));
        }
        for (field, req) in cases {
            match ops::allocate(&*store, &pools, &req, 0, HOST, &nothing_bound) {
                Err(LeaseError::BadInput { field: f, .. }) => assert_eq!(f, field, "{engine}"),
                other => panic!("{engine} {field}: {other:?}"),
            }
        }
        let mut unknown = request("web");
        unknown.kind = Some("db".into());
        assert!(matches!(
            ops::allocate(&*store, &pools, &unknown, 0, HOST, &nothing_bound),
            Err(LeaseError::NoSuchPool(_))
        ));
        assert!(store.read().unwrap().is_empty(), "{engine}");
    }
}

/// Threads, each with its own connection to one SQLite file, allocate from a pool smaller than
/// the demand: every grant is distinct, the rest are told the pool is exhausted.
#[test]
fn sqlite_connections_in_parallel_never_grant_a_port_twice() {
    let dir = temp("parallel");
    let pools = Arc::new(pools(&dir));
    let file = dir.join("state/leases.sqlite");
    SqliteStore::open(&file).unwrap();
    let handles: Vec<_> = (0..24)
        .map(|i| {
            let (pools, file) = (pools.clone(), file.clone());
            std::thread::spawn(move || {
                let store = SqliteStore::open(&file).unwrap();
                ops::allocate(&store, &pools, &request(&format!("t{i}")), 0, HOST, &nothing_bound)
                    .map(|g| g.lease.port)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut granted: Vec<u16> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    granted.sort();
    assert_eq!(granted, vec![8080, 8083, 8084, 8085, 8086, 8087, 8088, 8089]);
    assert!(results.iter().filter(|r| r.is_err()).all(|r| matches!(r, Err(LeaseError::Exhausted { .. }))));
    assert_eq!(SqliteStore::open(&file).unwrap().read().unwrap().len(), 8);
}

#[test]
fn a_pool_must_name_a_range_pattern() {
    let dir = temp("config");
    std::fs::write(dir.join("lib/ports.nix"), "{ web = 8080; }\n").unwrap();
    std::fs::write(
        dir.join("lib/portnix.nix"),
        "{ ranges.\"rest-api\" = { from = 8080; to = 8099; };\n  pools = [ \"rest-apo\" ];\n}\n",
    )
    .unwrap();
    let err = load(&LoadOptions { registry: Some(dir.join("lib/ports.nix")), ..LoadOptions::default() })
        .err()
        .expect("refused")
        .render();
    assert!(err.contains("pool 'rest-apo' is not a range pattern"), "{err}");
    assert!(err.contains("portnix.nix:2:"), "located: {err}");
    assert!(err.contains("did you mean 'rest-api'"), "{err}");
}

#[test]
fn many_threads_at_once_lose_nothing_share_nothing_and_a_failed_change_leaves_no_trace() {
    let dir = temp("threads");
    let pools = Arc::new(pools(&dir));
    for (engine, store) in stores("threads") {
        let store: Arc<dyn Store> = Arc::from(store);
        let barrier = Arc::new(std::sync::Barrier::new(48));
        let threads: Vec<_> = (0..48)
            .map(|i| {
                let (store, pools, barrier) = (store.clone(), pools.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    if i % 5 == 0 {
                        // Edits the table, then fails: none of it may land.
                        let failed = store.update(&mut |leases| {
                            leases.clear();
                            Err(LeaseError::bad("test", "fails after editing"))
                        });
                        assert!(failed.is_err());
                    }
                    if i % 7 == 0 {
                        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            store.update(&mut |leases| {
                                leases.clear();
                                panic!("a bug in a rule")
                            })
                        }));
                        assert!(panicked.is_err() || panicked.unwrap().is_err());
                    }
                    let mut req = request(&format!("t{i}"));
                    req.kind = Some("wide".into());
                    ops::allocate(&*store, &pools, &req, 0, HOST, &nothing_bound).unwrap().lease.port
                })
            })
            .collect();
        let mut ports: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        ports.sort();
        ports.dedup();
        assert_eq!(ports.len(), 48, "{engine}: distinct ports");
        let stored = store.read().unwrap();
        assert_eq!(stored.len(), 48, "{engine}: every grant stored");
        let mut stored_ports: Vec<u16> = stored.iter().map(|l| l.port).collect();
        stored_ports.sort();
        assert_eq!(stored_ports, ports, "{engine}");
    }
}
