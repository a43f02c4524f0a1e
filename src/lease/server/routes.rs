//! The routes: each turns a request into one `Api` call on a blocking thread and its result
//! into a status and a JSON body. Every refusal is an `ErrorBody` naming what was wrong.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Settings;
use super::gate::{Limiter, authorized};
use crate::lease::api::{Api, Local};
use crate::lease::model::LeaseError;
use crate::lease::wire::{self, AllocateBody, Allocation, Directory, ErrorBody, ReleaseBody};

struct Shared {
    api: Arc<Local>,
    page: Arc<str>,
    token: Option<String>,
    limiter: Limiter,
}

type AppState = Arc<Shared>;

pub(super) fn router(api: Arc<Local>, settings: &Settings) -> Router {
    let state: AppState = Arc::new(Shared {
        api,
        page: settings.page.as_str().into(),
        token: settings.token.clone(),
        limiter: Limiter::new(settings.rate),
    });
    Router::new()
        .route("/", get(dashboard))
        .route("/ports/listening", get(listening))
        .route("/ports/allocate", post(allocate))
        .route("/ports/release", post(release))
        .route("/ports/heartbeat/{id}", post(heartbeat))
        .route("/ports/cleanup", post(cleanup))
        .route("/ports/directory", get(directory))
        .route("/ports/service/{name}", get(by_service))
        .route("/ports/port/{port}", get(by_port))
        .route("/ports/type/{kind}", get(by_type))
        .route("/ports/overview", get(overview))
        .route("/ports/stats", get(stats))
        .route("/ports/health", get(health))
        .route("/ports/ranges", get(ranges))
        .route("/openapi.json", get(|| async { json(StatusCode::OK, &super::openapi::document()) }))
        .fallback(|| async {
            refuse(StatusCode::NOT_FOUND, "not-found", "no such route; see /openapi.json", None)
        })
        .method_not_allowed_fallback(|| async {
            refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "method",
                "this route takes another method; see /openapi.json",
                None,
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .with_state(state)
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e.to_string(), None),
    }
}

fn refuse(status: StatusCode, code: &str, message: &str, field: Option<&str>) -> Response {
    let body = ErrorBody {
        success: false,
        error: code.into(),
        message: message.into(),
        field: field.map(str::to_string),
        hint: None,
    };
    json(status, &body)
}

fn failed(e: &LeaseError) -> Response {
    let status = StatusCode::from_u16(wire::status(e)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(status, &ErrorBody::of(e))
}

/// Runs `call` on a blocking thread; a panic there is a 500 for this request only.
async fn blocking<T: Serialize + Send + 'static>(
    state: &AppState,
    call: impl FnOnce(&Local) -> Result<T, LeaseError> + Send + 'static,
    status: impl FnOnce(&T) -> StatusCode,
) -> Response {
    let api = state.api.clone();
    match tokio::task::spawn_blocking(move || call(&api)).await {
        Ok(Ok(value)) => json(status(&value), &value),
        Ok(Err(e)) => failed(&e),
        Err(_) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the request failed inside the server",
            None,
        ),
    }
}

async fn gate(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &state.token {
        let given = request.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes());
        if !authorized(given, token) {
            let mut r =
                refuse(StatusCode::UNAUTHORIZED, "unauthorized", "send `Authorization: Bearer TOKEN`", None);
            // A browser asks for a password only where one is challenged for: the dashboard.
            let challenge = if request.uri().path() == "/" {
                "Basic realm=\"portnix\", charset=\"UTF-8\""
            } else {
                "Bearer realm=\"portnix\""
            };
            r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static(challenge));
            return r;
        }
    }
    if !state.limiter.admit(client.ip()) {
        let mut r = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "too many requests from this address",
            None,
        );
        r.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return r;
    }
    next.run(request).await
}

/// A JSON body of type `T`, or the refusal that names what is wrong with it.
fn body<T: DeserializeOwned>(
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<T, Box<Response>> {
    let bytes = bytes.map_err(|r| {
        let status = r.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "too-large" } else { "bad-body" };
        Box::new(refuse(status, code, &r.body_text(), None))
    })?;
    // A browser's cross-site form cannot send this type without a preflight the server never
    // answers, so a web page cannot take or drop leases on a developer's loopback server.
    let is_json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    });
    if !is_json {
        return Err(Box::new(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
            "send the body as `Content-Type: application/json`",
            None,
        )));
    }
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        // serde names a missing field only in its message.
        let missing =
            message.strip_prefix("missing field `").and_then(|m| m.split('`').next()).map(str::to_string);
        let field = if path == "." { missing } else { Some(path) };
        Box::new(refuse(StatusCode::BAD_REQUEST, "bad-input", &message, field.as_deref()))
    })
}

async fn allocate(
    State(s): State<AppState>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let req: AllocateBody = match body(&headers, bytes) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    blocking(
        &s,
        move |api| api.allocate(&req),
        |a| if a.created { StatusCode::CREATED } else { StatusCode::OK },
    )
    .await
}

async fn release(
    State(s): State<AppState>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    let req: ReleaseBody = match body(&headers, bytes) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    blocking(&s, move |api| api.release(&req), |_| StatusCode::OK).await
}

async fn heartbeat(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    blocking(&s, move |api| api.heartbeat(&id), |_| StatusCode::OK).await
}

async fn cleanup(State(s): State<AppState>) -> Response {
    blocking(&s, |api| api.cleanup(), |_| StatusCode::OK).await
}

async fn directory(State(s): State<AppState>) -> Response {
    blocking(&s, |api| api.directory(), |_| StatusCode::OK).await
}

/// The directory less what `keep` rejects; `NotFound` when nothing is left and `empty_ok` is not.
fn filtered(
    api: &Local,
    keep: impl Fn(&Allocation) -> bool,
    what: String,
    empty_ok: bool,
) -> Result<Directory, LeaseError> {
    let mut dir = api.directory()?;
    dir.retain(|_, a| keep(a));
    if dir.is_empty() && !empty_ok {
        return Err(LeaseError::NotFound(what));
    }
    Ok(dir)
}

async fn by_service(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    blocking(
        &s,
        move |api| filtered(api, |a| a.service_name == name, format!("for service {name}"), false),
        |_| StatusCode::OK,
    )
    .await
}

async fn by_port(State(s): State<AppState>, Path(port): Path<String>) -> Response {
    let Ok(port) = port.parse::<u16>().map_err(drop).and_then(|p| if p == 0 { Err(()) } else { Ok(p) })
    else {
        return refuse(StatusCode::BAD_REQUEST, "bad-input", "a port from 1 to 65535", Some("port"));
    };
    blocking(
        &s,
        move |api| filtered(api, |a| a.port == port, format!("on port {port}"), false),
        |_| StatusCode::OK,
    )
    .await
}

async fn by_type(State(s): State<AppState>, Path(kind): Path<String>) -> Response {
    blocking(
        &s,
        move |api| {
            api.pools.pool(Some(&kind))?;
            filtered(api, |a| a.service_type == kind, String::new(), true)
        },
        |_| StatusCode::OK,
    )
    .await
}

async fn overview(State(s): State<AppState>) -> Response {
    blocking(&s, |api| api.overview(), |_| StatusCode::OK).await
}

async fn stats(State(s): State<AppState>) -> Response {
    blocking(&s, |api| api.stats(), |_| StatusCode::OK).await
}

async fn health(State(s): State<AppState>) -> Response {
    blocking(&s, |api| api.health(), |_| StatusCode::OK).await
}

async fn ranges(State(s): State<AppState>) -> Response {
    blocking(&s, |api| api.ranges(), |_| StatusCode::OK).await
}

/// The map, drawing live leases from this server's own API. Its policy lets it run its own
/// inline script and talk only to this server.
async fn dashboard(State(s): State<AppState>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors 'none'",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        s.page.to_string(),
    )
        .into_response()
}

/// What listens on this host now, from the kernel's socket tables.
async fn listening(State(s): State<AppState>) -> Response {
    blocking(&s, |_| Ok(wire::Listening::now()), |_| StatusCode::OK).await
}
