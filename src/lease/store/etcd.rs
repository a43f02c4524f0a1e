//! A store on etcd, for leases shared by several hosts. Each lease is a service key
//! (`/portnix/v1/services/<scope>/<service>`, the lease as JSON) and a port key per lane
//! (`/portnix/v1/leases/<scope>/<lane>/<port>`), all attached to one etcd lease whose TTL is the
//! lease's plus a grace period: portnix treats a lease as gone at its TTL by its own clock, and
//! etcd removes the keys of a holder that stopped heartbeating soon after.
//!
//! A change is optimistic: read every service key, run the rules, then one transaction that
//! writes the difference and succeeds only if every key it touches is as it was read and every
//! key it creates does not exist yet. Two hosts claiming one port both try to create its key;
//! one transaction wins, the other reads again and runs the rules again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use etcd_client::{Client, Compare, CompareOp, ConnectOptions, GetOptions, PutOptions, Txn, TxnOp};

use super::{Change, Store};
use crate::lease::model::{Lease, LeaseError};

/// Every key begins with this, after the store's namespace if it names one.
const PREFIX: &str = "/portnix/v1/";

/// etcd keeps a lease's keys this much longer than its TTL, so that etcd's clock never frees a
/// port before portnix's does.
const GRACE_SECONDS: i64 = 5;

/// A change that keeps losing to other hosts gives up after this many tries.
const TRIES: usize = 200;

pub struct EtcdStore {
    endpoints: Vec<String>,
    /// `""`, or `/NAME` for `etcd://hosts/NAME`: several registries can share one cluster.
    namespace: String,
    runtime: tokio::runtime::Runtime,
    /// A client per member that answered at start. etcd-client's balanced channel fails a
    /// request when one of its endpoints is down (etcd-client issue #39), so portnix keeps one
    /// client per member and moves to the next when one cannot be reached.
    clients: Vec<Client>,
    current: AtomicUsize,
}

/// Why a call to etcd failed: a member that cannot be reached (try another), or anything else.
enum Fault {
    Transient(String),
    Fatal(LeaseError),
}

impl From<LeaseError> for Fault {
    fn from(e: LeaseError) -> Fault {
        Fault::Fatal(e)
    }
}

/// Failures another member may not have: no connection, a member shutting down, a timeout.
fn transient(e: &etcd_client::Error) -> bool {
    use etcd_client::Error;
    match e {
        Error::TransportError(_) | Error::IoError(_) => true,
        // gRPC's codes: 1 cancelled, 2 unknown (a transport error), 4 deadline exceeded, 14
        // unavailable. etcd-client does not re-export tonic's enum for them.
        Error::GRpcStatus(status) => matches!(status.code() as i32, 1 | 2 | 4 | 14),
        _ => false,
    }
}

/// How many times a call goes round the members when none can be reached.
const ROUNDS: usize = 3;

/// What is stored under a service key: the lease, and the etcd lease its keys are attached to.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    lease: Lease,
    etcd_lease: i64,
}

/// A name inside a key: `/` would split it, so it is written `%2F` (names never hold `%`).
fn part(s: &str) -> String {
    s.replace('/', "%2F")
}

fn service_key(ns: &str, l: &Lease) -> String {
    format!("{ns}{PREFIX}services/{}/{}", part(&l.scope), part(&l.service))
}

fn port_keys(ns: &str, l: &Lease) -> Vec<String> {
    l.protocol
        .transports()
        .iter()
        .map(|lane| format!("{ns}{PREFIX}leases/{}/{}/{}", part(&l.scope), lane.as_str(), l.port))
        .collect()
}

/// Whether `a` and `b` hold the same keys: otherwise a change is a release and a new claim.
fn same_keys(a: &Lease, b: &Lease) -> bool {
    a.scope == b.scope && a.service == b.service && a.port == b.port && a.protocol == b.protocol
}

/// TLS from PORTNIX_ETCD_CA (required) and PORTNIX_ETCD_CERT with PORTNIX_ETCD_KEY (both or
/// neither).
fn tls_options(fail: impl Fn(String) -> LeaseError) -> Result<etcd_client::TlsOptions, LeaseError> {
    let read = |var: &str| -> Result<Option<Vec<u8>>, LeaseError> {
        match std::env::var_os(var).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(path) => std::fs::read(&path).map(Some).map_err(|e| {
                fail(format!("{var}: cannot read {}: {e}", std::path::Path::new(&path).display()))
            }),
        }
    };
    let ca = read("PORTNIX_ETCD_CA")?
        .ok_or_else(|| fail("etcds:// needs the cluster's CA certificate in PORTNIX_ETCD_CA".into()))?;
    let mut options = etcd_client::TlsOptions::new().ca_certificate(etcd_client::Certificate::from_pem(ca));
    match (read("PORTNIX_ETCD_CERT")?, read("PORTNIX_ETCD_KEY")?) {
        (Some(cert), Some(key)) => options = options.identity(etcd_client::Identity::from_pem(cert, key)),
        (None, None) => {}
        _ => return Err(fail("PORTNIX_ETCD_CERT and PORTNIX_ETCD_KEY go together".into())),
    }
    Ok(options)
}

impl EtcdStore {
    /// Connects to `etcd://host:port[,host:port...][/NAMESPACE]`, with `user:password@` before
    /// the hosts (or the password in PORTNIX_ETCD_PASSWORD) when etcd has authentication on.
    /// `etcds://` is the same over TLS: the CA from PORTNIX_ETCD_CA, and a client certificate
    /// from PORTNIX_ETCD_CERT and PORTNIX_ETCD_KEY when etcd asks for one.
    pub fn open(url: &str) -> Result<EtcdStore, LeaseError> {
        // A password never appears in a message.
        let shown = match url.rsplit_once('@') {
            Some((_, hosts)) => format!("etcd://…@{hosts}"),
            None => url.to_string(),
        };
        let fail = |why: String| LeaseError::Store { path: shown.clone(), why };
        let (tls, rest) = match (url.strip_prefix("etcd://"), url.strip_prefix("etcds://")) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => return Err(fail("not an etcd:// or etcds:// address".into())),
        };
        let scheme = if tls { "https" } else { "http" };
        let (auth, hosts) = match rest.rsplit_once('@') {
            Some((auth, hosts)) => (Some(auth), hosts),
            None => (None, rest),
        };
        let (hosts, namespace) = match hosts.split_once('/') {
            Some((hosts, ns)) if !ns.is_empty() => {
                if !crate::lease::model::valid_name(ns) || ns.contains('/') {
                    return Err(fail(format!("the namespace '{ns}' is not a name")));
                }
                (hosts, format!("/{ns}"))
            }
            Some((hosts, _)) => (hosts, String::new()),
            None => (hosts, String::new()),
        };
        let endpoints: Vec<String> = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| format!("{scheme}://{}", h.trim_end_matches('/')))
            .collect();
        if endpoints.is_empty() {
            return Err(fail("names no host".into()));
        }
        let mut options = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(10));
        if tls {
            options = options.with_tls(tls_options(fail)?);
        }
        if let Some(auth) = auth {
            let (user, password) = match auth.split_once(':') {
                Some((u, p)) => (u.to_string(), p.to_string()),
                None => (auth.to_string(), std::env::var("PORTNIX_ETCD_PASSWORD").unwrap_or_default()),
            };
            options = options.with_user(user, password);
        }
        // Callers' threads drive their own requests (`block_on`); the workers drive the
        // connections, so changes from many threads are in flight at once.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let mut clients = Vec::new();
        let mut last = String::new();
        for endpoint in &endpoints {
            match runtime.block_on(Client::connect([endpoint], Some(options.clone()))) {
                Ok(client) => clients.push(client),
                Err(e) => last = e.to_string(),
            }
        }
        if clients.is_empty() {
            return Err(fail(format!("cannot connect: {last}")));
        }
        Ok(EtcdStore { endpoints, namespace, runtime, clients, current: AtomicUsize::new(0) })
    }

    /// The store's address without its credentials: what messages and `health` show.
    pub(crate) fn label(&self) -> String {
        let tls = self.endpoints.iter().any(|e| e.starts_with("https://"));
        let hosts: Vec<&str> = self
            .endpoints
            .iter()
            .map(|e| e.trim_start_matches("http://").trim_start_matches("https://"))
            .collect();
        format!("{}://{}{}", if tls { "etcds" } else { "etcd" }, hosts.join(","), self.namespace)
    }

    fn fail(&self, e: impl std::fmt::Display) -> LeaseError {
        LeaseError::Store { path: self.label(), why: e.to_string() }
    }

    fn rpc(&self, e: etcd_client::Error) -> Fault {
        if transient(&e) { Fault::Transient(e.to_string()) } else { Fault::Fatal(self.fail(e)) }
    }

    fn client(&self) -> Client {
        self.clients[self.current.load(Ordering::Relaxed) % self.clients.len()].clone()
    }

    /// Runs `call` until it succeeds or fails for good, moving to the next member each time
    /// the current one cannot be reached.
    fn with_failover<T, F: std::future::Future<Output = Result<T, Fault>>>(
        &self,
        mut call: impl FnMut() -> F,
    ) -> Result<T, LeaseError> {
        let mut why = String::new();
        for _ in 0..ROUNDS * self.clients.len() {
            match self.runtime.block_on(call()) {
                Ok(value) => return Ok(value),
                Err(Fault::Fatal(e)) => return Err(e),
                Err(Fault::Transient(m)) => {
                    why = m;
                    self.current.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        Err(self.fail(format!("no member answers: {why}")))
    }

    /// Every lease with its etcd bookkeeping, and the revision of every key under the prefix.
    async fn read_all(&self) -> Result<(Vec<Stored>, HashMap<String, i64>), Fault> {
        let mut client = self.client();
        let response = client
            .get(format!("{}{PREFIX}", self.namespace), Some(GetOptions::new().with_prefix()))
            .await
            .map_err(|e| self.rpc(e))?;
        let services = format!("{}{PREFIX}services/", self.namespace);
        let (mut leases, mut revisions) = (Vec::new(), HashMap::new());
        for kv in response.kvs() {
            let key = String::from_utf8_lossy(kv.key()).into_owned();
            if key.starts_with(&services) {
                let stored: Stored = serde_json::from_slice(kv.value())
                    .map_err(|e| self.fail(format!("{key} does not parse: {e}")))?;
                leases.push(stored);
            }
            revisions.insert(key, kv.mod_revision());
        }
        leases.sort_by(|a, b| {
            (&a.lease.scope, a.lease.port, &a.lease.id).cmp(&(&b.lease.scope, b.lease.port, &b.lease.id))
        });
        Ok((leases, revisions))
    }

    /// One optimistic attempt: true when it committed, false when another host got there first.
    async fn attempt(&self, change: &mut Change<'_>) -> Result<bool, Fault> {
        let (read, revisions) = self.read_all().await?;
        let before: Vec<Lease> = read.iter().map(|r| r.lease.clone()).collect();
        let mut after = before.clone();
        change(&mut after)?;
        let was: HashMap<&str, (&Lease, i64)> =
            read.iter().map(|r| (r.lease.id.as_str(), (&r.lease, r.etcd_lease))).collect();
        let now: HashMap<&str, &Lease> = after.iter().map(|l| (l.id.as_str(), l)).collect();
        let mut client = self.client();
        let ns = self.namespace.as_str();
        // What the table becomes, key by key: a put wins over a delete of the same key (a port
        // or a service passing from a lease that is gone to a new one).
        let mut deletes: Vec<String> = Vec::new();
        let mut puts: Vec<(String, Vec<u8>, i64)> = Vec::new();
        let (mut granted, mut revoke, mut keep_alive) = (Vec::new(), Vec::new(), Vec::new());
        for (id, (old, etcd_lease)) in &was {
            match now.get(id) {
                Some(new) if same_keys(old, new) => {
                    if *new != *old {
                        // Renewed or heartbeat: the same keys, rewritten; a heartbeat keeps the
                        // etcd lease alive, a new TTL needs a new etcd lease.
                        let etcd_lease = if new.ttl_ms == old.ttl_ms {
                            keep_alive.push(*etcd_lease);
                            *etcd_lease
                        } else {
                            let id = self.grant(&mut client, new).await?;
                            granted.push(id);
                            revoke.push(*etcd_lease);
                            id
                        };
                        self.put(new, etcd_lease, &mut puts)?;
                    }
                }
                _ => {
                    deletes.push(service_key(ns, old));
                    deletes.extend(port_keys(ns, old));
                    revoke.push(*etcd_lease);
                }
            }
        }
        for new in &after {
            let fresh = was.get(new.id.as_str()).is_none_or(|(old, _)| !same_keys(old, new));
            if fresh {
                let etcd_lease = self.grant(&mut client, new).await?;
                granted.push(etcd_lease);
                self.put(new, etcd_lease, &mut puts)?;
            }
        }
        if deletes.is_empty() && puts.is_empty() {
            return Ok(true);
        }
        // Every key touched is as it was read, or did not exist: the claim of a port or a
        // service that anyone else took meanwhile fails here.
        let put_keys: std::collections::HashSet<&str> = puts.iter().map(|(k, _, _)| k.as_str()).collect();
        let mut compares = Vec::new();
        let mut touched: Vec<&str> =
            deletes.iter().map(String::as_str).chain(put_keys.iter().copied()).collect();
        touched.sort_unstable();
        touched.dedup();
        for key in touched {
            compares.push(match revisions.get(key) {
                Some(&rev) => Compare::mod_revision(key, CompareOp::Equal, rev),
                None => Compare::create_revision(key, CompareOp::Equal, 0),
            });
        }
        let mut ops: Vec<TxnOp> = deletes
            .iter()
            .filter(|k| !put_keys.contains(k.as_str()))
            .map(|k| TxnOp::delete(k.as_str(), None))
            .collect();
        ops.extend(
            puts.into_iter().map(|(k, v, lease)| TxnOp::put(k, v, Some(PutOptions::new().with_lease(lease)))),
        );
        let committed = client.txn(Txn::new().when(compares).and_then(ops)).await.map_err(|e| self.rpc(e))?;
        if !committed.succeeded() {
            for id in granted {
                let _ = client.lease_revoke(id).await;
            }
            return Ok(false);
        }
        for id in keep_alive {
            let (mut keeper, mut stream) = client.lease_keep_alive(id).await.map_err(|e| self.rpc(e))?;
            keeper.keep_alive().await.map_err(|e| self.rpc(e))?;
            match stream.message().await.map_err(|e| self.rpc(e))? {
                Some(answer) if answer.ttl() > 0 => {}
                _ => return Err(self.fail("etcd dropped the lease before its heartbeat").into()),
            }
        }
        for id in revoke {
            // Its keys are deleted or moved already; the etcd lease would only expire later, so
            // nobody waits for this.
            let mut client = client.clone();
            self.runtime.spawn(async move {
                let _ = client.lease_revoke(id).await;
            });
        }
        Ok(true)
    }

    async fn grant(&self, client: &mut Client, l: &Lease) -> Result<i64, Fault> {
        let ttl = (l.ttl_ms + 999) / 1000 + GRACE_SECONDS;
        Ok(client.lease_grant(ttl, None).await.map_err(|e| self.rpc(e))?.id())
    }

    fn put(
        &self,
        l: &Lease,
        etcd_lease: i64,
        puts: &mut Vec<(String, Vec<u8>, i64)>,
    ) -> Result<(), LeaseError> {
        let value = serde_json::to_vec(&Stored { lease: l.clone(), etcd_lease }).map_err(|e| self.fail(e))?;
        puts.push((service_key(&self.namespace, l), value, etcd_lease));
        for key in port_keys(&self.namespace, l) {
            puts.push((key, l.id.as_bytes().to_vec(), etcd_lease));
        }
        Ok(())
    }

    /// The cluster's members and whether each answers, for `health`.
    pub(crate) fn cluster_state(&self) -> Result<String, LeaseError> {
        self.with_failover(|| async {
            let mut client = self.client();
            let members = client.member_list().await.map_err(|e| self.rpc(e))?;
            let status = client.status().await.map_err(|e| self.rpc(e))?;
            Ok(format!(
                "etcd {} ({} member(s), leader {:x}, raft index {})",
                status.version(),
                members.members().len(),
                status.leader(),
                status.raft_index()
            ))
        })
    }
}

impl Store for EtcdStore {
    fn update(&self, change: &mut Change<'_>) -> Result<(), LeaseError> {
        let mut unreachable = 0;
        for _ in 0..TRIES {
            // A retry after a member went away re-reads and re-runs the rules, which are
            // idempotent: a claim that did commit is found and renewed, not made twice.
            match self.runtime.block_on(self.attempt(change)) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(Fault::Fatal(e)) => return Err(e),
                Err(Fault::Transient(why)) => {
                    unreachable += 1;
                    if unreachable == ROUNDS * self.clients.len() {
                        return Err(self.fail(format!("no member answers: {why}")));
                    }
                    self.current.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        Err(self.fail(format!("{TRIES} tries lost to other hosts' changes")))
    }

    fn read(&self) -> Result<Vec<Lease>, LeaseError> {
        Ok(self.with_failover(|| self.read_all())?.0.into_iter().map(|s| s.lease).collect())
    }

    fn state(&self) -> Result<Option<String>, LeaseError> {
        self.cluster_state().map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Protocol;

    #[test]
    fn keys_keep_names_with_slashes_apart() {
        let lease = |scope: &str, service: &str| Lease {
            id: "x".into(),
            scope: scope.into(),
            protocol: Protocol::Both,
            port: 8080,
            service: service.into(),
            kind: "k".into(),
            holder: crate::lease::model::Holder { host: "h".into(), pid: None, pid_start: None },
            created_ms: 0,
            renewed_ms: 0,
            expires_ms: 0,
            ttl_ms: 0,
            labels: vec![],
        };
        assert_ne!(service_key("", &lease("a/b", "c")), service_key("", &lease("a", "b/c")));
        assert_eq!(service_key("/team", &lease("local", "web")), "/team/portnix/v1/services/local/web");
        assert_eq!(
            port_keys("", &lease("ci/7", "web")),
            vec!["/portnix/v1/leases/ci%2F7/tcp/8080", "/portnix/v1/leases/ci%2F7/udp/8080"]
        );
    }
}
