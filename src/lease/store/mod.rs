//! Where leases live. A store does one thing: apply a change to the whole table atomically, so
//! that no other change lands between the read and the write. The rules (`ops`) run inside that
//! change, the same for every engine.

#[cfg(feature = "etcd")]
mod etcd;
mod memory;
mod sqlite;

#[cfg(feature = "etcd")]
pub use etcd::EtcdStore;
pub use memory::MemoryStore;
pub use sqlite::SqliteStore;

use super::model::{Lease, LeaseError};

/// A change to the table: it edits the leases in place, or fails and nothing is written.
pub(crate) type Change<'a> = dyn FnMut(&mut Vec<Lease>) -> Result<(), LeaseError> + 'a;

/// One table of leases. Synchronous on purpose: the server calls it from blocking threads, and a
/// networked engine runs its client on its own runtime behind these two calls.
pub trait Store: Send + Sync {
    /// Runs `change` on every lease as it is now and commits what it leaves, atomically.
    fn update(&self, change: &mut Change<'_>) -> Result<(), LeaseError>;

    /// Every lease as it is now.
    fn read(&self) -> Result<Vec<Lease>, LeaseError>;

    /// What `health` adds about the engine (a cluster's members, say); an error when it is
    /// down.
    fn state(&self) -> Result<Option<String>, LeaseError> {
        Ok(None)
    }
}

/// Runs `change` as one update and gives back what it returned.
pub(crate) fn apply<T>(
    store: &dyn Store,
    mut change: impl FnMut(&mut Vec<Lease>) -> Result<T, LeaseError>,
) -> Result<T, LeaseError> {
    let mut out = None;
    store.update(&mut |leases| {
        out = Some(change(leases)?);
        Ok(())
    })?;
    out.ok_or_else(|| LeaseError::Store {
        path: "(the store)".into(),
        why: "it committed a change without running it".into(),
    })
}
