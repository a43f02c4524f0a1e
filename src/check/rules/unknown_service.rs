//! `unknown-service`: metadata in `services` for a path that is not in the registry.

use super::super::{Context, Finding};
use crate::diagnostic::Code;
use crate::registry::load::{exact_index, matching};

pub(crate) fn run(ctx: &Context, out: &mut Vec<Finding>) {
    if ctx.config.services.is_empty() {
        return;
    }
    let index = exact_index(ctx.entries);
    for rule in &ctx.config.services {
        if !matching(&index, ctx.entries, &rule.pattern).is_empty() {
            continue;
        }
        let names = ctx.entries.iter().map(|e| e.name.as_str());
        let hint = match crate::suggest::nearest(&rule.pattern.text, names) {
            Some(s) => format!("did you mean \"{s}\"? Metadata for a missing entry applies to nothing"),
            None => "services are keyed by the full dotted path of a registry entry".to_string(),
        };
        out.push(
            Finding::new(
                Code::UnknownService,
                format!("services.\"{}\" names no entry of the registry", rule.pattern),
                Vec::new(),
            )
            .at(rule.span)
            .hint(hint),
        );
    }
}
