//! `portnix serve`: the lease server.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::error::CliResult;
use super::exit;
use super::lease_cmd::{StoreArgs, local_api_of, read_token};
use super::project_args::ProjectArgs;
use crate::lease::server::{RateLimit, Settings, serve};

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Where to listen; port 0 takes any free port. Off loopback, --token-file is required.
    #[arg(long, default_value = "127.0.0.1:7600")]
    pub(crate) listen: SocketAddr,
    /// A file whose first line every request must send as `Authorization: Bearer ...`.
    #[arg(long, value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,
    /// Requests per second per client address, in bursts of as many (0: no limit).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub(crate) rate_limit: u32,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = 16 * 1024, value_name = "BYTES")]
    pub(crate) max_body: usize,
}

pub(crate) fn run(args: ServeArgs) -> CliResult {
    let token = args.token_file.as_deref().map(read_token).transpose()?;
    let project = args.project.load()?;
    let api = local_api_of(&project, &args.store, true)?;
    let settings = Settings {
        page: crate::generate::live_page(&project),
        listen: args.listen,
        token,
        rate: RateLimit { per_second: args.rate_limit },
        body_limit: args.max_body,
    };
    serve(api, settings, |addr| {
        // The first line on stdout, for whoever started the server with port 0.
        crate::stdio::outln!("http://{addr}");
        let _ = crate::stdio::finish();
    })?;
    Ok(exit::OK)
}
