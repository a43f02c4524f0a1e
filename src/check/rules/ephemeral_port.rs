//! `ephemeral-port` (warning): inside Linux's ephemeral range, which the kernel hands out to
//! outgoing connections, so the port may be taken when the service starts.

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Code;

/// `net.ipv4.ip_local_port_range`'s default.
pub(crate) const EPHEMERAL: (i64, i64) = (32768, 60999);

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    for e in ctx.entries {
        let Some((from, to)) = e.interval() else { continue };
        if to < EPHEMERAL.0 || from > EPHEMERAL.1 {
            continue;
        }
        out.push(
            Finding::new(
                Code::EphemeralPort,
                format!(
                    "{} is inside the ephemeral range {}-{}: the kernel may give it to an outgoing connection",
                    describe(e),
                    EPHEMERAL.0,
                    EPHEMERAL.1
                ),
                vec![e.name.clone()],
            )
            .at(e.span)
            .hint("move it below 32768, or list it under ignore.\"ephemeral-port\" in the config"),
        );
    }
}
