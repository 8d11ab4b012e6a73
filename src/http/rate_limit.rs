//! Per-client rate limiting: a token bucket per bearer token, else per address.
//!
//! Built on `governor` (through actix-governor's re-export) rather than actix-governor's own
//! middleware, for three things that middleware does not offer: probes and metrics are never
//! limited, `Retry-After` is rounded up (never "0" at rates above one per second), and idle
//! clients are forgotten, so a stream of new addresses or invented tokens cannot grow the
//! table for ever.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_governor::governor::clock::{Clock, DefaultClock};
use actix_governor::governor::{DefaultKeyedRateLimiter, Quota};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::GuardConfig;
use crate::graphql::error::code;

/// Paths never limited: load balancers and Prometheus poll them, and a limited probe would
/// take a healthy instance out of rotation.
const EXEMPT: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// Every this many checks, clients whose bucket is full again are dropped from the table.
const SWEEP_EVERY: u64 = 4096;

/// Who a request counts against.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Client {
    /// The SHA-256 of the bearer token: content teams behind one address each get their own
    /// budget, and the secret itself is never kept.
    Token([u8; 32]),
    /// The peer address; IPv6 by /64, the block one host usually holds.
    Address(IpAddr),
    /// No peer address (not a TCP connection): one shared bucket.
    Unknown,
}

/// The shared limiter, in the app data while limiting is on.
pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<Client>,
    per_second: u32,
    burst: u32,
    checks: AtomicU64,
}

impl RateLimit {
    /// `None` when the configuration turns limiting off.
    pub fn new(config: &GuardConfig) -> Option<Self> {
        if !config.rate_limited() {
            return None;
        }
        let per_second = NonZeroU32::new(config.rate_limit_per_second)?;
        let burst = NonZeroU32::new(config.rate_limit_burst)?;
        let quota = Quota::per_second(per_second).allow_burst(burst);
        Some(Self {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            per_second: per_second.get(),
            burst: burst.get(),
            checks: AtomicU64::new(0),
        })
    }

    /// `Err(wait)` when the client is over its budget.
    fn check(&self, client: &Client) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn refusal(&self, wait: Duration) -> HttpResponse {
        // Whole seconds, rounded up: "Retry-After: 0" would invite an immediate retry.
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let retry_after = retry_after.max(1);
        let body = json!({ "errors": [{
            "message": format!(
                "too many requests: each client may make {} requests per second (bursts of {}); retry after {retry_after} s",
                self.per_second, self.burst
            ),
            "extensions": { "code": code::RATE_LIMITED, "retryAfterSeconds": retry_after },
        }]});
        HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, retry_after.to_string()))
            .content_type("application/json; charset=utf-8")
            .body(body.to_string())
    }
}

fn client(req: &ServiceRequest) -> Client {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            let (scheme, token) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty());
    if let Some(token) = token {
        return Client::Token(Sha256::digest(token.as_bytes()).into());
    }
    match req.peer_addr().map(|a| a.ip()) {
        Some(IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => Client::Address(IpAddr::V4(v4)),
            None => {
                let prefix = u128::from(ip) & !((1u128 << 64) - 1);
                Client::Address(IpAddr::V6(prefix.into()))
            }
        },
        Some(ip) => Client::Address(ip),
        None => Client::Unknown,
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let limit = req.app_data::<web::Data<RateLimit>>().cloned();
    let Some(limit) = limit.filter(|_| !EXEMPT.contains(&req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let client = client(&req);
    match limit.check(&client) {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(wait) => {
            tracing::info!(
                client = match &client {
                    Client::Token(_) => "token",
                    Client::Address(_) => "address",
                    Client::Unknown => "unknown",
                },
                wait_ms = wait.as_millis(),
                "rate limited"
            );
            Ok(req.into_response(limit.refusal(wait)).map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(per_second: u32, burst: u32) -> GuardConfig {
        GuardConfig {
            rate_limit_per_second: per_second,
            rate_limit_burst: burst,
            ..GuardConfig::default()
        }
    }

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let limit = RateLimit::new(&config(1, 3)).expect("on");
        let a = Client::Token([1; 32]);
        let b = Client::Token([2; 32]);
        for _ in 0..3 {
            assert!(limit.check(&a).is_ok());
        }
        let wait = limit.check(&a).expect_err("over the burst");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limit.check(&b).is_ok());
        let refusal = limit.refusal(Duration::from_millis(20));
        assert_eq!(refusal.status(), 429);
        assert_eq!(
            refusal
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
    }

    #[test]
    fn zero_turns_limiting_off() {
        assert!(RateLimit::new(&config(0, 100)).is_none());
        assert!(RateLimit::new(&config(50, 0)).is_none());
    }
}
