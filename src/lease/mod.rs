//! Dynamic leases: ports handed out at run time from the registry's pools, held by a named
//! service until it releases them, its process dies or its time runs out. `portnix check` never
//! passes through here.
//!
//! The model and its rules are synchronous and pure (`model`, `pool`, `ops`); a `Store` only
//! makes one change to the table at a time, atomically, so the rules live once for every engine.

pub(crate) mod api;
pub(crate) mod client;
pub(crate) mod holder;
pub mod model;
pub mod ops;
pub mod pool;
pub(crate) mod probe;
pub(crate) mod server;
pub mod store;
pub(crate) mod wire;

pub(crate) use store::Store;
