//! The lock that serialises read-modify-write. It is an `flock` on the directory that holds
//! the file, not on the file: an atomic rename replaces the file's inode, and a lock on the old
//! inode would let the next run in while this one still writes. The kernel drops the lock when
//! its holder dies, however it dies, so a killed run never blocks the next; and no lock file is
//! left behind.

use std::fs::{File, TryLockError};
use std::path::Path;

use super::WriteError;

const QUIET_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Held, never read: dropping it unlocks.
#[derive(Debug)]
pub(crate) struct Lock {
    _dir: File,
}

impl Lock {
    /// Waits for, then holds, the exclusive lock on `dir`.
    pub(crate) fn exclusive(dir: &Path) -> Result<Lock, WriteError> {
        let file = File::open(dir).map_err(WriteError::io(dir))?;
        // Short waits are the normal case of parallel runs and pass quietly; a long one says
        // what it waits for, then blocks.
        let start = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Lock { _dir: file }),
                Err(TryLockError::WouldBlock) if start.elapsed() < QUIET_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                Err(TryLockError::WouldBlock) => {
                    crate::stdio::errln!("portnix: waiting for another portnix working in {}", dir.display());
                    file.lock().map_err(WriteError::io(dir))?;
                    return Ok(Lock { _dir: file });
                }
                Err(TryLockError::Error(e)) => return Err(WriteError::Io { path: dir.into(), source: e }),
            }
        }
    }

    /// The lock for writing `path`: its real directory's.
    pub(crate) fn for_file(path: &Path) -> Result<Lock, WriteError> {
        let target = super::replace::resolve(path)?;
        Lock::exclusive(target.parent().unwrap_or(Path::new("/")))
    }
}
