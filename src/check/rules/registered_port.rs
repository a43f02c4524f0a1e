//! `registered-port` (warning, with `--services FILE`): the port is registered in
//! /etc/services under a name that is not the entry's.

use super::super::{Context, Finding};
use super::describe;
use crate::diagnostic::Code;

fn normal(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    let Some(db) = &ctx.options.services else { return };
    for e in ctx.entries {
        let Some((from, to)) = e.interval() else { continue };
        if from != to {
            continue;
        }
        let own: Vec<String> = e.path.iter().map(|s| normal(s)).collect();
        for &proto in e.meta.protocol.transports() {
            let Some(names) = db.names.get(&(from, proto)) else { continue };
            if names.iter().any(|n| own.contains(&normal(n))) {
                continue;
            }
            out.push(
                Finding::new(
                    Code::RegisteredPort,
                    format!(
                        "{} is registered as '{}' for {} in {}",
                        describe(e),
                        names.join("', '"),
                        proto.as_str(),
                        db.file
                    ),
                    vec![e.name.clone()],
                )
                .at(e.span)
                .hint("another program may expect this port; pick another, or ignore.\"registered-port\""),
            );
        }
    }
}
