//! An embedded store: one SQLite file in WAL mode. Every change is one `BEGIN IMMEDIATE`
//! transaction, so CLI processes and servers sharing the file change it one at a time, and a
//! process killed mid-change leaves the table as it was.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, TransactionBehavior, params};

use super::{Change, Store};
use crate::lease::model::{Holder, Lease, LeaseError};
use crate::registry::Protocol;

pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connected>,
    /// `PATH.lock`, locked around every change. SQLite's own wait for its write lock sleeps
    /// and retries, and under a thousand writers some wait past any timeout; the kernel's
    /// lock queues them and wakes the next one the moment the lock is free.
    queue: std::fs::File,
    sync: super::group_sync::GroupSync,
}

/// The connection, and the table as this process last saw it: reused while `PRAGMA
/// data_version` says no other connection has committed since, so a busy server does not read
/// every row back for every change.
struct Connected {
    conn: Connection,
    cache: Option<(i64, Vec<Lease>)>,
}

fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

impl Connected {
    /// Every lease, from the cache when it is current.
    fn leases(&mut self) -> rusqlite::Result<(i64, Vec<Lease>)> {
        let version = data_version(&self.conn)?;
        match &self.cache {
            Some((v, leases)) if *v == version => Ok((version, leases.clone())),
            _ => Ok((version, all(&self.conn)?)),
        }
    }
}

/// Holds the queue lock until dropped.
struct Queued<'a>(&'a std::fs::File);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn queue<'a>(file: &'a std::fs::File, path: &Path) -> Result<Queued<'a>, LeaseError> {
    file.lock().map_err(|e| store_error(path, &format!("cannot lock {}.lock: {e}", path.display())))?;
    Ok(Queued(file))
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    protocol TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp', 'both')),
    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    service TEXT NOT NULL,
    type TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER,
    pid_start INTEGER,
    created_ms INTEGER NOT NULL,
    renewed_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    ttl_ms INTEGER NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (scope, service)
);
";

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, LeaseError> {
        let fail = |e: &dyn std::fmt::Display| store_error(path, e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        let queue_file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| fail(&format!("cannot open {}: {e}", lock_path.display())))?;
        let queued = queue(&queue_file, path)?;
        let conn = Connection::open(path).map_err(|e| fail(&e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(|e| fail(&e))?;
        // WAL lets readers run beside the one writer. NORMAL leaves the fsync of each commit to
        // GroupSync, which makes it durable before the caller is told its port.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| fail(&e))?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| fail(&e))?;
        conn.execute_batch(SCHEMA).map_err(|e| fail(&e))?;
        drop(queued);
        let sync = super::group_sync::GroupSync::new(PathBuf::from(format!("{}-wal", path.display())));
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn: Mutex::new(Connected { conn, cache: None }),
            queue: queue_file,
            sync,
        })
    }

    fn fail(&self, e: impl std::fmt::Display) -> LeaseError {
        store_error(&self.path, &e)
    }
}

fn store_error(path: &Path, e: &dyn std::fmt::Display) -> LeaseError {
    LeaseError::Store { path: path.display().to_string(), why: e.to_string() }
}

fn all(conn: &Connection) -> rusqlite::Result<Vec<Lease>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, scope, protocol, port, service, type, host, pid, pid_start, created_ms, renewed_ms,
                expires_ms, ttl_ms, labels FROM leases ORDER BY scope, port, id",
    )?;
    let rows = stmt.query_map([], |r| {
        let protocol: String = r.get(2)?;
        let labels: String = r.get(13)?;
        Ok(Lease {
            id: r.get(0)?,
            scope: r.get(1)?,
            protocol: match protocol.as_str() {
                "udp" => Protocol::Udp,
                "both" => Protocol::Both,
                _ => Protocol::Tcp,
            },
            port: r.get(3)?,
            service: r.get(4)?,
            kind: r.get(5)?,
            holder: Holder { host: r.get(6)?, pid: r.get(7)?, pid_start: r.get(8)? },
            created_ms: r.get(9)?,
            renewed_ms: r.get(10)?,
            expires_ms: r.get(11)?,
            ttl_ms: r.get(12)?,
            // A row whose labels do not parse is an error: rewriting it would drop them.
            labels: serde_json::from_str(&labels).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, Box::new(e))
            })?,
        })
    })?;
    rows.collect()
}

fn put(conn: &Connection, l: &Lease) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO leases (id, scope, protocol, port, service, type, host, pid, pid_start,
             created_ms, renewed_ms, expires_ms, ttl_ms, labels)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        l.id,
        l.scope,
        l.protocol.as_str(),
        l.port,
        l.service,
        l.kind,
        l.holder.host,
        l.holder.pid,
        l.holder.pid_start,
        l.created_ms,
        l.renewed_ms,
        l.expires_ms,
        l.ttl_ms,
        serde_json::to_string(&l.labels).unwrap_or_else(|_| "[]".into()),
    ])?;
    Ok(())
}

impl Store for SqliteStore {
    fn update(&self, change: &mut Change<'_>) -> Result<(), LeaseError> {
        if let Some(seq) = self.commit(change)? {
            self.sync.wait(seq).map_err(|e| self.fail(format!("cannot sync the write-ahead log: {e}")))?;
        }
        Ok(())
    }

    fn read(&self) -> Result<Vec<Lease>, LeaseError> {
        let mut connected = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (version, leases) = connected.leases().map_err(|e| self.fail(e))?;
        connected.cache = Some((version, leases.clone()));
        Ok(leases)
    }
}

impl SqliteStore {
    /// Runs `change` in one transaction and commits it; the commit's number when it wrote
    /// anything.
    fn commit(&self, change: &mut Change<'_>) -> Result<Option<u64>, LeaseError> {
        let mut connected = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _queued = queue(&self.queue, &self.path)?;
        let Connected { conn, cache } = &mut *connected;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.fail(e))?;
        // Under the write lock, so no commit can land between this and ours.
        let version = data_version(&tx).map_err(|e| self.fail(e))?;
        let before = match cache.take() {
            Some((v, leases)) if v == version => leases,
            _ => all(&tx).map_err(|e| self.fail(e))?,
        };
        let mut after = before.clone();
        change(&mut after)?;
        // Only what changed is written: a lease is one row, found by its id.
        let kept: std::collections::HashMap<&str, &Lease> =
            after.iter().map(|l| (l.id.as_str(), l)).collect();
        let mut wrote = false;
        for old in &before {
            if !kept.contains_key(old.id.as_str()) {
                wrote = true;
                tx.execute("DELETE FROM leases WHERE id = ?1", [&old.id]).map_err(|e| self.fail(e))?;
            }
        }
        let was: std::collections::HashMap<&str, &Lease> =
            before.iter().map(|l| (l.id.as_str(), l)).collect();
        for new in &after {
            if was.get(new.id.as_str()) != Some(&new) {
                wrote = true;
                put(&tx, new).map_err(|e| self.fail(e))?;
            }
        }
        tx.commit().map_err(|e| self.fail(e))?;
        // Our own commit leaves data_version as it was.
        *cache = Some((version, after));
        Ok(wrote.then(|| self.sync.committed()))
    }
}
