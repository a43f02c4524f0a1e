//! How portnix touches the files people care about. Every write replaces its file atomically
//! and durably, keeps the mode, owner and extended attributes the user set up, writes through a
//! symlink to its target, and refuses what it cannot do faithfully (a read-only file, a file
//! with hard links) instead of doing something else. Read-modify-write runs under a lock.

mod error;
pub(crate) mod guard;
pub(crate) mod inside;
pub(crate) mod lock;
pub(crate) mod replace;

pub(crate) use error::WriteError;
pub(crate) use lock::Lock;
pub(crate) use replace::{Transaction, replace};
