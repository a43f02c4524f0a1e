//! portnix: a checked, single source of truth for service ports, kept in a Nix file.
//!
//! The layers follow the data: `syntax` (files, parsing) → `eval` (a lazy Nix evaluator) →
//! `registry` → `check` → `generate` / `edit` → `report` → `cli`. Diagnostics are plain data in
//! `diagnostic`, rendered separately; `lease` is the lease service, beside the rest.
//!
//! The crate's interface is what the `portnix` binary, the integration tests and the fuzz
//! targets use (`cli::run`, loading a registry, evaluating, checking, generating, edit plans,
//! the lease store and its model); everything else is `pub(crate)`, so the compiler reports
//! what nothing uses.

pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod edit;
pub mod eval;
pub(crate) mod files;
pub(crate) mod fxhash;
pub mod generate;
pub mod lease;
pub mod lint;
pub(crate) mod live;
pub(crate) mod query;
pub mod registry;
pub mod report;
pub mod stdio;
pub(crate) mod suggest;
pub(crate) mod sync;
pub mod syntax;
pub(crate) mod timing;

/// Runs `f` on a thread with a stack large enough for `eval::MAX_DEPTH` nested evaluations,
/// so that deep input ends in an error, never in a stack overflow; or says why the thread
/// could not start (an address space limit, say).
pub fn try_with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::io::Result<T> {
    let handle = std::thread::Builder::new().stack_size(eval::STACK_SIZE).spawn(f)?;
    Ok(handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
}
