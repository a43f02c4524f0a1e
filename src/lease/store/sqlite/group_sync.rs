//! Group commit for the SQLite store. Each change commits without waiting for the disk
//! (`synchronous = NORMAL`: the WAL is written, not synced), then waits until one fsync of
//! the WAL that began after its commit has finished. Writers that commit while an fsync runs
//! share the next one, so sixteen clients pay for about one fsync per round, not sixteen, and
//! no caller hears of its lease before it is on disk.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex};

pub(super) struct GroupSync {
    wal: PathBuf,
    state: Mutex<State>,
    done: Condvar,
}

#[derive(Default)]
struct State {
    /// Commits numbered in the order they happened.
    committed: u64,
    /// Every commit up to this one is on disk.
    synced: u64,
    syncing: bool,
}

impl GroupSync {
    pub(super) fn new(wal: PathBuf) -> GroupSync {
        GroupSync { wal, state: Mutex::new(State::default()), done: Condvar::new() }
    }

    /// Numbers a commit that has just happened; call it while still holding the write lock,
    /// so the numbers follow the commits' order.
    pub(super) fn committed(&self) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.committed += 1;
        s.committed
    }

    /// Returns once commit `seq` is on disk.
    pub(super) fn wait(&self, seq: u64) -> std::io::Result<()> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if s.synced >= seq {
                return Ok(());
            }
            if !s.syncing {
                s.syncing = true;
                let target = s.committed;
                drop(s);
                let result = self.fsync();
                s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                s.syncing = false;
                if result.is_ok() {
                    s.synced = s.synced.max(target);
                }
                self.done.notify_all();
                result?;
                continue;
            }
            s = self.done.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn fsync(&self) -> std::io::Result<()> {
        // Opened by name each time: after a checkpoint SQLite may remove the WAL and start a new
        // file, and then what it held is in the database file, which the checkpoint synced.
        match std::fs::File::open(&self.wal) {
            Ok(f) => f.sync_data(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}
