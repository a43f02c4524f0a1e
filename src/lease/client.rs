//! The lease API over HTTP, for a CLI pointed at a server by `PORTNIX_SERVER`.

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::api::Api;
use super::model::LeaseError;
use super::pool::Pool;
use super::wire::{
    AllocateBody, Allocated, Directory, Done, ErrorBody, Health, Overview, ReleaseBody, Stats,
};

pub(crate) struct Remote {
    url: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Remote {
    /// A client of the server at `url` (`http://HOST:PORT`), sending `token` if there is one.
    pub(crate) fn new(url: &str, token: Option<String>) -> Remote {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Remote { url: url.trim_end_matches('/').to_string(), token, agent }
    }

    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, LeaseError> {
        let url = format!("{}{path}", self.url);
        let unreachable = |why: String| LeaseError::Unreachable { url: self.url.clone(), why };
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let response = if method == "GET" {
            let mut req = self.agent.get(&url);
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            req.call()
        } else {
            let mut req = self.agent.post(&url);
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            match body {
                Some(bytes) => req.content_type("application/json").send(&bytes[..]),
                None => req.send_empty(),
            }
        };
        let mut response = response.map_err(|e| unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(|e| unreachable(e.to_string()))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text)
                .map_err(|e| unreachable(format!("an answer that does not parse: {e}")));
        }
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => {
                LeaseError::Remote { status, code: body.error, message: body.message, hint: body.hint }
            }
            Err(_) => LeaseError::Remote {
                status,
                code: "http".into(),
                message: format!("HTTP {status}: {}", text.trim()),
                hint: None,
            },
        })
    }

    fn post<T: DeserializeOwned>(&self, path: &str, body: &impl serde::Serialize) -> Result<T, LeaseError> {
        let bytes = serde_json::to_vec(body).map_err(|e| LeaseError::bad("body", e.to_string()))?;
        self.call("POST", path, Some(bytes))
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Api for Remote {
    fn allocate(&self, body: &AllocateBody) -> Result<Allocated, LeaseError> {
        self.post("/ports/allocate", body)
    }

    fn release(&self, body: &ReleaseBody) -> Result<Done, LeaseError> {
        self.post("/ports/release", body)
    }

    fn heartbeat(&self, id: &str) -> Result<Done, LeaseError> {
        self.call("POST", &format!("/ports/heartbeat/{}", segment(id)), None)
    }

    fn cleanup(&self) -> Result<Done, LeaseError> {
        self.call("POST", "/ports/cleanup", None)
    }

    fn directory(&self) -> Result<Directory, LeaseError> {
        self.call("GET", "/ports/directory", None)
    }

    fn stats(&self) -> Result<Stats, LeaseError> {
        self.call("GET", "/ports/stats", None)
    }

    fn health(&self) -> Result<Health, LeaseError> {
        self.call("GET", "/ports/health", None)
    }

    fn ranges(&self) -> Result<Vec<Pool>, LeaseError> {
        self.call("GET", "/ports/ranges", None)
    }

    fn overview(&self) -> Result<Overview, LeaseError> {
        self.call("GET", "/ports/overview", None)
    }
}
