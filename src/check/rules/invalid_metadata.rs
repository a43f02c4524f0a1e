//! `invalid-metadata`: a leaf's own metadata (`{ port = 53; protocol = "udp"; }`) with an
//! unknown field, a value of the wrong type, or a field `services."path"` gives differently.
//! The registry's reader finds these as it reads each leaf; this rule reports them.

use super::super::{Context, Finding};

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    for (diag, name) in &ctx.project.metadata_errors {
        out.push(Finding { diag: diag.clone(), paths: vec![name.clone()] });
    }
}
