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
    dir: PathBuf,
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

fn free_port() -> u16 {
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
    let dir = std::env::temp_dir().join(format!("portnix-etcd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (client_port, peer_port) = (free_port(), free_port());
    let peer = format!("http://127.0.0.1:{peer_port}");
    let client = format!("http://127.0.0.1:{client_port}");
    let child = Command::new("etcd")
        .args(["--name", "m0", "--data-dir"])
        .arg(dir.join("data"))
        .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
        .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
        .args(["--initial-cluster", &format!("m0={peer}"), "--log-level", "error"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("etcd starts");
    let etcd = Etcd { child, client_port, dir };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    let started = Instant::now();
    loop {
        if let Ok(mut r) = agent.get(format!("{client}/health")).call()
            && r.body_mut().read_to_string().is_ok_and(|b| b.contains("\"true\""))
        {
            return etcd;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "etcd did not come up on {client}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
