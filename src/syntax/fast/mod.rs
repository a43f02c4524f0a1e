//! The lexer and look-ahead for the fast front end, which reads the subset of Nix registries
//! are written in (sets, `let`, integers, plain strings, lists, selection, arithmetic,
//! application, simple lambdas) and lowers it while parsing: `eval::lower::fast`.
//!
//! It exists for speed: rnix builds a lossless tree that cost more than Nix's whole evaluation
//! of a large registry. Everything here refuses with `Bail` what it is not sure of, and rnix
//! then reads the file instead.

pub mod lexer;
pub(crate) mod prescan;
