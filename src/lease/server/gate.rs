//! What a request passes before it reaches the API: the token, and a rate limit per client
//! address so that one caller in a loop cannot starve the rest.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use subtle::ConstantTimeEq;

/// Requests per second per client address, with bursts of as many; `per_second == 0` is off.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateLimit {
    pub(crate) per_second: u32,
}

/// A token bucket per client address.
pub(super) struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Forget full buckets once this many clients are tracked, so the map cannot grow without end.
const MAX_CLIENTS: usize = 10_000;

impl Limiter {
    pub(super) fn new(limit: RateLimit) -> Limiter {
        Limiter { limit, buckets: Mutex::new(HashMap::new()) }
    }

    /// Whether `client` may send a request now; takes one token if so.
    pub(super) fn admit(&self, client: IpAddr) -> bool {
        if self.limit.per_second == 0 {
            return true;
        }
        let rate = f64::from(self.limit.per_second);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < rate);
        }
        let (tokens, at) = buckets.entry(client).or_insert((rate, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(rate);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Whether the `Authorization` header carries `token`, compared in constant time: as a bearer
/// token (the CLI, scripts), or as HTTP Basic's password with any user name (a browser on the
/// dashboard, which can send no bearer token when it navigates).
pub(super) fn authorized(header: Option<&[u8]>, token: &str) -> bool {
    let Some(header) = header else { return false };
    if let Some(given) = header.strip_prefix(b"Bearer ") {
        return given.ct_eq(token.as_bytes()).into();
    }
    let Some(encoded) = header.strip_prefix(b"Basic ") else { return false };
    use base64::Engine;
    let Ok(pair) = base64::engine::general_purpose::STANDARD.decode(encoded.trim_ascii()) else {
        return false;
    };
    let Some(colon) = pair.iter().position(|&b| b == b':') else { return false };
    pair[colon + 1..].ct_eq(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_passes_as_a_bearer_or_as_basic_password_only() {
        use base64::Engine;
        let basic = |pair: &str| {
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)).into_bytes()
        };
        assert!(authorized(Some(b"Bearer t0k"), "t0k"));
        assert!(authorized(Some(&basic("me:t0k")), "t0k"));
        assert!(authorized(Some(&basic(":t0k")), "t0k"));
        for wrong in [basic("t0k:"), basic("me:t0"), basic("t0k"), b"Basic %%%".to_vec(), b"t0k".to_vec()] {
            assert!(!authorized(Some(&wrong), "t0k"), "{}", String::from_utf8_lossy(&wrong));
        }
        assert!(!authorized(None, "t0k"));
    }

    #[test]
    fn a_client_past_its_burst_waits_and_others_do_not() {
        let limiter = Limiter::new(RateLimit { per_second: 5 });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!((0..10).filter(|_| limiter.admit(a)).count(), 5);
        assert!(limiter.admit(b));
        let off = Limiter::new(RateLimit { per_second: 0 });
        assert!((0..10_000).all(|_| off.admit(a)));
    }

    #[test]
    fn only_the_exact_bearer_token_passes() {
        assert!(authorized(Some(b"Bearer s3cret"), "s3cret"));
        for bad in [&b"Bearer s3cre"[..], b"Bearer s3cret ", b"s3cret", b"bearer s3cret", b""] {
            assert!(!authorized(Some(bad), "s3cret"), "{}", String::from_utf8_lossy(bad));
        }
        assert!(!authorized(None, "s3cret"));
    }
}
