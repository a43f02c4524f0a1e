//! `portnix serve`: seed 004's REST API over HTTP. A thin async shell: every call runs on a
//! blocking thread against the one immutable `Local` (pools read once, a store that serialises
//! its own changes), and a panic there becomes a 500, never a dead server.

mod gate;
mod openapi;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use super::api::Local;

pub(crate) use gate::RateLimit;

/// How the server listens and whom it lets in.
pub(crate) struct Settings {
    pub(crate) listen: SocketAddr,
    /// Required by every request when set; `serve` insists on one off loopback.
    pub(crate) token: Option<String>,
    pub(crate) rate: RateLimit,
    /// The largest request body, in bytes.
    pub(crate) body_limit: usize,
    /// The dashboard served at `/`: the registry's map, made once when the server starts.
    pub(crate) page: String,
}

/// Why the server did not start or stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServeError {
    #[error("{0} is not a loopback address, and no token was given")]
    NeedsToken(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

impl ServeError {
    pub(crate) fn hint(&self) -> Option<&'static str> {
        match self {
            ServeError::NeedsToken(_) => Some(
                "pass --token-file FILE (clients send it as `Authorization: Bearer ...`), or listen on 127.0.0.1",
            ),
            ServeError::Listen { .. } => Some("pick another port, or 0 for any free one"),
            ServeError::Io(_) => None,
        }
    }
}

const BLOCKING_THREADS: usize = 24;

/// Serves until SIGINT or SIGTERM. `bound` is told the address once the socket listens.
pub(crate) fn serve(
    api: Local,
    settings: Settings,
    bound: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    if settings.token.is_none() && !settings.listen.ip().is_loopback() {
        return Err(ServeError::NeedsToken(settings.listen));
    }
    // Changes are one at a time in the store, so more blocking threads only wait on its lock;
    // with hundreds (tokio's default is 512), each fresh thread's heap cost more than the work
    // (measured: 38% of the server's time zeroing new pages at 256 clients).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|source| ServeError::Listen { addr: settings.listen, source })?;
        bound(listener.local_addr()?);
        let app = routes::router(Arc::new(api), &settings);
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stopped())
            .await?;
        Ok(())
    })
}

async fn stopped() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}
