//! A real etcd on loopback for the lease tests: Debian's `etcd-server`, started with a
//! temporary data directory and free ports, stopped when dropped.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Etcd {
    pub child: Child,
    pub client_port: u16,
    pub dir: PathBuf,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Etcd {
    pub fn url(&self, namespace: &str) -> String {
        format!("etcd://127.0.0.1:{}/{namespace}", self.client_port)
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Whether the etcd tests can run: they fail loudly when etcd is missing, unless
/// `PORTNIX_SKIP_ETCD=1` says to skip them.
pub fn available() -> bool {
    if std::env::var("PORTNIX_SKIP_ETCD").is_ok_and(|v| v == "1") {
        eprintln!("PORTNIX_SKIP_ETCD=1: skipping the tests on a real etcd");
        return false;
    }
    match Command::new("etcd").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => panic!(
            "etcd is not installed, and these tests run the lease store on it.\n\
             Install it with `apt-get install -y etcd-server`, or set PORTNIX_SKIP_ETCD=1 to skip explicitly."
        ),
    }
}

/// One etcd member on loopback, once it answers.
pub fn start(name: &str) -> Etcd {
    cluster(name, 1).pop().unwrap()
}

/// A cluster of `n` members on loopback, once each answers.
pub fn cluster(name: &str, n: usize) -> Vec<Etcd> {
    let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
    let initial: Vec<String> =
        ports.iter().enumerate().map(|(i, (_, peer))| format!("m{i}=http://127.0.0.1:{peer}")).collect();
    let members: Vec<Etcd> = ports
        .iter()
        .enumerate()
        .map(|(i, &(client_port, peer_port))| {
            let dir = std::env::temp_dir().join(format!("portnix-etcd-{name}-{i}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let peer = format!("http://127.0.0.1:{peer_port}");
            let client = format!("http://127.0.0.1:{client_port}");
            let child = Command::new("etcd")
                .args(["--name", &format!("m{i}"), "--data-dir"])
                .arg(dir.join("data"))
                .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
                .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
                .args(["--initial-cluster", &initial.join(","), "--initial-cluster-state", "new"])
                .args(["--log-level", "error"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("etcd starts");
            Etcd { child, client_port, dir }
        })
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    let started = Instant::now();
    for m in &members {
        let client = format!("http://127.0.0.1:{}", m.client_port);
        loop {
            if let Ok(mut r) = agent.get(format!("{client}/health")).call()
                && r.body_mut().read_to_string().is_ok_and(|b| b.contains("\"true\""))
            {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "etcd did not come up on {client}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    members
}

/// `etcd://` with every member, and a namespace.
pub fn url_of(members: &[Etcd], namespace: &str) -> String {
    let hosts: Vec<String> = members.iter().map(|m| format!("127.0.0.1:{}", m.client_port)).collect();
    format!("etcd://{}/{namespace}", hosts.join(","))
}
