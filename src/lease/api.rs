//! The lease API as Rust calls: one trait, answered either here, against a store (`Local`), or
//! by a server over HTTP (`client::Remote`). The CLI is written once against it; the server is a
//! thin shell that turns requests into these calls.

use std::sync::Arc;

use super::model::LeaseError;
use super::ops;
use super::pool::Pools;
use super::probe;
use super::store::Store;
use super::wire::{
    AllocateBody, Allocated, Allocation, Directory, Done, Health, Overview, ReleaseBody, Stats, directory,
};

pub(crate) trait Api {
    fn allocate(&self, body: &AllocateBody) -> Result<Allocated, LeaseError>;
    /// Ends a lease; what is gone already is not an error.
    fn release(&self, body: &ReleaseBody) -> Result<Done, LeaseError>;
    fn heartbeat(&self, id: &str) -> Result<Done, LeaseError>;
    fn cleanup(&self) -> Result<Done, LeaseError>;
    /// The leases that hold their ports now.
    fn directory(&self) -> Result<Directory, LeaseError>;
    fn stats(&self) -> Result<Stats, LeaseError>;
    fn health(&self) -> Result<Health, LeaseError>;
    fn ranges(&self) -> Result<Vec<super::pool::Pool>, LeaseError>;
    fn overview(&self) -> Result<Overview, LeaseError>;
}

/// The API over a store on this machine. Immutable once made: the pools are read from the
/// registry when it is built, so a server answers every request from the same snapshot.
pub(crate) struct Local {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) pools: Arc<Pools>,
    pub(crate) host: String,
    /// What `health` names as the store.
    pub(crate) label: String,
}

impl Local {
    fn now(&self) -> i64 {
        ops::now_ms()
    }

    /// The live leases as the API shows them, and the counts, from one read of the store.
    fn snapshot(&self) -> Result<(Vec<Allocation>, Stats), LeaseError> {
        let (live, expired) = ops::split(&self.store.read()?, self.now(), &self.host);
        let stats = Stats::of(&ops::stats(&live, &expired, &self.pools), live.len(), expired.len());
        Ok((live.iter().map(|l| Allocation::of(l, false)).collect(), stats))
    }
}

impl Api for Local {
    fn allocate(&self, body: &AllocateBody) -> Result<Allocated, LeaseError> {
        let req = body.request(&self.host)?;
        let grant = ops::allocate(&*self.store, &self.pools, &req, self.now(), &self.host, &probe::bound)?;
        Ok(Allocated {
            success: true,
            allocation: Allocation::of(&grant.lease, false),
            created: grant.new,
            message: if grant.new { "Port allocated" } else { "The service's lease, renewed" }.into(),
        })
    }

    fn release(&self, body: &ReleaseBody) -> Result<Done, LeaseError> {
        let (key, scope) = body.key()?;
        let gone = ops::release(&*self.store, key, scope)?;
        Ok(Done {
            success: true,
            message: if gone.is_some() { "Port released" } else { "No such lease; nothing to release" }
                .into(),
            allocations: gone.iter().map(|l| Allocation::of(l, false)).collect(),
        })
    }

    fn heartbeat(&self, id: &str) -> Result<Done, LeaseError> {
        let lease = ops::heartbeat(&*self.store, id, self.now(), &self.host)?;
        Ok(Done {
            success: true,
            message: "Heartbeat successful".into(),
            allocations: vec![Allocation::of(&lease, false)],
        })
    }

    fn cleanup(&self) -> Result<Done, LeaseError> {
        let removed = ops::cleanup(&*self.store, self.now(), &self.host)?;
        Ok(Done {
            success: true,
            message: format!("{} expired lease(s) removed", removed.len()),
            allocations: removed.iter().map(|l| Allocation::of(l, true)).collect(),
        })
    }

    fn directory(&self) -> Result<Directory, LeaseError> {
        let live = ops::live(&*self.store, self.now(), &self.host)?;
        Ok(directory(live.iter().map(|l| Allocation::of(l, false))))
    }

    fn stats(&self) -> Result<Stats, LeaseError> {
        Ok(self.snapshot()?.1)
    }

    fn health(&self) -> Result<Health, LeaseError> {
        let stats = self.stats()?;
        let full = stats.pools.iter().any(|p| p.free == 0);
        Ok(Health {
            status: if full { "degraded" } else { "healthy" }.into(),
            store: match self.store.state()? {
                Some(state) => format!("{}: {state}", self.label),
                None => self.label.clone(),
            },
            pools: self.pools.pools.len(),
            active_allocations: stats.active_allocations,
            version: env!("CARGO_PKG_VERSION").into(),
        })
    }

    fn ranges(&self) -> Result<Vec<super::pool::Pool>, LeaseError> {
        Ok(self.pools.pools.clone())
    }

    fn overview(&self) -> Result<Overview, LeaseError> {
        let (active, stats) = self.snapshot()?;
        Ok(Overview::of(active, stats))
    }
}
