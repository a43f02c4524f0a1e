//! `invalid-port`: a leaf that is not a port 1-65535 or a range `{ from; to; }` within it.

use super::super::{Context, Finding};
use crate::diagnostic::Code;
use crate::registry::{Invalid, PortValue};

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    for e in ctx.entries {
        let PortValue::Invalid(invalid) = &e.value else { continue };
        let problem = match invalid {
            Invalid::Other(what) => format!("{} is not a port: it is {what}", e.name),
            Invalid::Number(p) => format!("{} is {p}, which is not a port: ports are 1 to 65535", e.name),
            Invalid::Empty { from, to } => {
                format!("{} is an empty range: from = {from} is above to = {to}", e.name)
            }
            Invalid::Outside { from, to } => {
                format!("{} is the range {from}-{to}, which leaves the ports 1 to 65535", e.name)
            }
        };
        out.push(Finding::new(Code::InvalidPort, problem, vec![e.name.clone()]).at(e.span).hint(
            "a registry leaf is a port (an integer), a range { from = A; to = B; }, a set with \
                     `port` (or `from` and `to`) and metadata, or a list of these",
        ));
    }
}
