//! One rule per file. Each adds its findings; `check` sorts and filters them.

mod duplicate_port;
mod env_name;
mod ephemeral_port;

pub(crate) use ephemeral_port::EPHEMERAL;
mod invalid_interface;
mod invalid_metadata;
mod invalid_port;
mod out_of_range;
mod privileged_port;
mod process_config;
mod range_config;
mod range_spelling;
mod registered_port;
mod reserved_port;
mod unknown_service;

use super::{Context, Finding};

pub(crate) type Rule = fn(&Context, &mut Vec<Finding>);

/// Each rule with its name, which `PORTNIX_TIMINGS=1` times it under.
pub(crate) const ALL: &[(&str, Rule)] = &[
    ("invalid_port", invalid_port::run),
    ("invalid_metadata", invalid_metadata::run),
    ("range_spelling", range_spelling::run),
    ("duplicate_port", duplicate_port::run),
    ("out_of_range", out_of_range::run),
    ("reserved_port", reserved_port::run),
    ("range_config", range_config::run),
    ("unknown_service", unknown_service::run),
    ("invalid_interface", invalid_interface::run),
    ("process_config", process_config::run),
    ("env_name", env_name::run),
    ("privileged_port", privileged_port::run),
    ("ephemeral_port", ephemeral_port::run),
    ("registered_port", registered_port::run),
];

/// "databases.postgresql (5432)".
fn describe(e: &crate::registry::Entry) -> String {
    format!("{} ({})", e.name, e.value_text())
}
