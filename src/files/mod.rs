//! How portnix touches the files people care about. Every write replaces its file atomically
//! and durably, keeps the mode, owner and extended attributes the user set up, writes through a
//! symlink to its target, and refuses what it cannot do faithfully (a read-only file, a file
//! with hard links) instead of doing something else. Read-modify-write runs under a lock.

mod error;
pub mod guard;
pub mod lock;
pub mod replace;

pub use error::WriteError;
pub use lock::Lock;
pub use replace::{Prepared, Transaction, replace};
