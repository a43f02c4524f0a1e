//! A store in memory, for tests and for a server that needs no persistence.

use std::sync::Mutex;

use super::{Change, Store};
use crate::lease::model::{Lease, LeaseError};

#[derive(Default)]
pub struct MemoryStore {
    leases: Mutex<Vec<Lease>>,
}

impl Store for MemoryStore {
    fn update(&self, change: &mut Change<'_>) -> Result<(), LeaseError> {
        let mut guard = self.leases.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = guard.clone();
        change(&mut next)?;
        *guard = next;
        Ok(())
    }

    fn read(&self) -> Result<Vec<Lease>, LeaseError> {
        Ok(self.leases.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone())
    }
}
