//! An embedded store: one SQLite file in WAL mode. Every change runs inside a `BEGIN IMMEDIATE`
//! transaction, so CLI processes and servers sharing the file change it one at a time, and a
//! process killed mid-change leaves the table as it was.
//!
//! A busy server batches: while other threads of this process queue for the connection, a
//! change leaves its transaction open, the next change runs in it after it, and the last one
//! (or the one that finds the batch old or large) commits them all at once. No caller is
//! answered before the commit holding its change is on disk, and a change that fails or panics
//! leaves the batch as it found it.

mod group_sync;
mod rows;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::{Change, Store};
use crate::lease::model::{Lease, LeaseError};
use group_sync::GroupSync;

pub struct SqliteStore {
    path: PathBuf,
    state: Mutex<Connected>,
    /// Threads of this process waiting for `state`.
    queued: AtomicUsize,
    /// `PATH.lock`, held while a transaction is open. SQLite's own wait for its write lock
    /// sleeps and retries, and under a thousand writers some waited past any timeout; the
    /// kernel's lock queues them and wakes the next one the moment it is free.
    queue: std::fs::File,
    sync: GroupSync,
    /// How each batch ended: the commit's number for GroupSync, or why it failed.
    ended: Mutex<HashMap<u64, Result<u64, LeaseError>>>,
    ended_signal: Condvar,
}

/// The connection, the table as this process last saw it (reused while `PRAGMA data_version`
/// says no other connection has committed since), and the open batch.
struct Connected {
    conn: Connection,
    cache: Option<(i64, Vec<Lease>)>,
    open: Option<Batch>,
    next_batch: u64,
}

/// A transaction left open for the changes queued behind the one that began it.
struct Batch {
    id: u64,
    version: i64,
    table: Vec<Lease>,
    changes: usize,
    began: Instant,
}

/// A batch commits at the latest after this many changes or this long.
const MAX_BATCH: usize = 64;
const MAX_BATCH_AGE: Duration = Duration::from_millis(2);

/// How many batch outcomes are kept for their waiters.
const KEEP_OUTCOMES: u64 = 4096;

fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

fn store_error(path: &Path, e: &dyn std::fmt::Display) -> LeaseError {
    LeaseError::Store { path: path.display().to_string(), why: e.to_string() }
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, LeaseError> {
        let fail = |e: &dyn std::fmt::Display| store_error(path, e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        let queue = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| fail(&format!("cannot open {}: {e}", lock_path.display())))?;
        queue.lock().map_err(|e| fail(&format!("cannot lock {}: {e}", lock_path.display())))?;
        let opened = Self::connect(path);
        let _ = queue.unlock();
        let conn = opened.map_err(|e| fail(&e))?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            state: Mutex::new(Connected { conn, cache: None, open: None, next_batch: 1 }),
            queued: AtomicUsize::new(0),
            queue,
            sync: GroupSync::new(PathBuf::from(format!("{}-wal", path.display()))),
            ended: Mutex::new(HashMap::new()),
            ended_signal: Condvar::new(),
        })
    }

    /// For a long-lived server: the WAL is folded back into the database by a thread of its
    /// own, beside the writers (a passive checkpoint blocks no one), instead of inside the
    /// commit that happens to fill it.
    pub(crate) fn checkpoint_in_background(&self, every: Duration) -> Result<(), LeaseError> {
        let conn = Self::connect(&self.path).map_err(|e| self.fail(e))?;
        self.lock_state().conn.pragma_update(None, "wal_autocheckpoint", 0).map_err(|e| self.fail(e))?;
        std::thread::Builder::new()
            .name("checkpoint".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(every);
                    // Errors here only delay the folding; the writers' WAL stays correct.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    fn connect(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // WAL lets readers run beside the one writer. NORMAL leaves the fsync of each commit to
        // GroupSync, which makes it durable before the caller is told its port.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A CLI process is one change; folding the WAL back into the database as it closes
        // would cost it two more fsyncs. SQLite's automatic checkpoint, every 1000 pages, does
        // that work once for many processes.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        conn.execute_batch(rows::SCHEMA)?;
        Ok(conn)
    }

    fn fail(&self, e: impl std::fmt::Display) -> LeaseError {
        store_error(&self.path, &e)
    }

    fn lock_state(&self) -> MutexGuard<'_, Connected> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `change` in the open batch, opening one if there is none; the batch's id when the
    /// change wrote something.
    fn run_in_batch(&self, c: &mut Connected, change: &mut Change<'_>) -> Result<Option<u64>, LeaseError> {
        if c.open.is_none() {
            self.begin(c)?;
        }
        let Connected { conn, open: Some(batch), .. } = c else { unreachable!("a batch was just opened") };
        let mut after = batch.table.clone();
        // A panic in the rules must not leave the batch half-applied or its waiters waiting.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change(&mut after)))
            .unwrap_or_else(|_| Err(self.fail("the change panicked; nothing of it was written")));
        ran?;
        match rows::write_diff(conn, &batch.table, &after) {
            Ok(false) => Ok(None),
            Ok(true) => {
                batch.table = after;
                batch.changes += 1;
                Ok(Some(batch.id))
            }
            Err(e) => {
                // The rows of earlier changes in the batch may be half-written: drop it all.
                let failed = self.fail(e);
                self.end(c, Some(failed.clone()));
                Err(failed)
            }
        }
    }

    fn begin(&self, c: &mut Connected) -> Result<(), LeaseError> {
        self.queue.lock().map_err(|e| self.fail(format!("cannot lock {}.lock: {e}", self.path.display())))?;
        let begun = c.conn.execute_batch("BEGIN IMMEDIATE").and_then(|()| {
            // Under the write lock, so no commit can land between this and ours.
            let version = data_version(&c.conn)?;
            let table = match c.cache.take() {
                Some((v, leases)) if v == version => leases,
                _ => rows::all(&c.conn)?,
            };
            Ok((version, table))
        });
        match begun {
            Ok((version, table)) => {
                c.open = Some(Batch { id: c.next_batch, version, table, changes: 0, began: Instant::now() });
                c.next_batch += 1;
                Ok(())
            }
            Err(e) => {
                let _ = c.conn.execute_batch("ROLLBACK");
                let _ = self.queue.unlock();
                Err(self.fail(e))
            }
        }
    }

    /// Commits the open batch (or rolls it back with `failed`), and tells its waiters.
    fn end(&self, c: &mut Connected, failed: Option<LeaseError>) {
        let Some(batch) = c.open.take() else { return };
        let outcome = match failed {
            Some(why) => Err(why),
            None if batch.changes == 0 => Ok(0),
            None => c.conn.execute_batch("COMMIT").map(|()| self.sync.committed()).map_err(|e| self.fail(e)),
        };
        if outcome.is_ok() {
            // Our own commit leaves data_version as it was.
            c.cache = Some((batch.version, batch.table));
        } else {
            let _ = c.conn.execute_batch("ROLLBACK");
            c.cache = None;
        }
        if batch.changes == 0 && outcome.is_ok() {
            let _ = c.conn.execute_batch("ROLLBACK");
        }
        let _ = self.queue.unlock();
        let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        ended.insert(batch.id, outcome);
        ended.retain(|id, _| id + KEEP_OUTCOMES > batch.id);
        self.ended_signal.notify_all();
    }

    /// Waits for batch `id` to end; its commit's number.
    fn outcome(&self, id: u64) -> Result<u64, LeaseError> {
        let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(outcome) = ended.get(&id) {
                return outcome.clone();
            }
            ended = self.ended_signal.wait(ended).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl Store for SqliteStore {
    fn update(&self, change: &mut Change<'_>) -> Result<(), LeaseError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut c = self.lock_state();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let ran = self.run_in_batch(&mut c, change);
        let keep_open = c.open.as_ref().is_some_and(|b| {
            self.queued.load(Ordering::SeqCst) > 0
                && b.changes < MAX_BATCH
                && b.began.elapsed() < MAX_BATCH_AGE
        });
        if !keep_open {
            self.end(&mut c, None);
        }
        drop(c);
        let Some(batch) = ran? else { return Ok(()) };
        let seq = self.outcome(batch)?;
        self.sync.wait(seq).map_err(|e| self.fail(format!("cannot sync the write-ahead log: {e}")))
    }

    fn read(&self) -> Result<Vec<Lease>, LeaseError> {
        let mut c = self.lock_state();
        // What a batch holds is not committed yet: commit it rather than show it.
        self.end(&mut c, None);
        let version = data_version(&c.conn).map_err(|e| self.fail(e))?;
        let leases = match &c.cache {
            Some((v, leases)) if *v == version => leases.clone(),
            _ => rows::all(&c.conn).map_err(|e| self.fail(e))?,
        };
        c.cache = Some((version, leases.clone()));
        Ok(leases)
    }
}
