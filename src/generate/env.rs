//! `.env`: `NAME=PORT`, readable by docker compose, python-dotenv and `set -a; . ./.env`.

use super::{Context, hash_header};
use crate::diagnostic::Diagnostic;
pub use crate::registry::env::{derived_env_name, env_name};

pub(crate) fn generate(ctx: &Context) -> Result<String, Vec<Diagnostic>> {
    let mut vars = crate::registry::env::variables(&ctx.entries(), &ctx.options.prefix, true)
        .map_err(|errors| errors.into_iter().map(|e| e.diagnostic).collect::<Vec<_>>())?;
    vars.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    let mut out = hash_header(ctx);
    for v in vars {
        out.push_str(&format!("# {}\n{}={}\n", v.entry.name, v.name, v.value));
    }
    Ok(out)
}
