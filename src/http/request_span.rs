//! One span per request: a request id (the caller's `X-Request-Id` when it is sane, else a
//! new UUID v7, returned in the response either way), the route, the GraphQL operation name
//! (recorded by `graphql::request` once it knows the operation). The status and the duration
//! are fields of the line that ends the request, not of the span: every line the span wraps
//! would repeat them, and each `record` on a span formats its fields again, on the request's
//! thread.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use uuid::Uuid;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A caller's id is kept only when it cannot break a log line or a header.
fn sane(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = %route,
        operation = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            tracing::info!(status, duration_ms, "request finished");
            Ok(response)
        }
        Err(err) => {
            tracing::warn!(error = %err, duration_ms, "request failed");
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sane;

    #[test]
    fn only_sane_ids_are_kept() {
        assert!(sane("abc-123_x.y:z"));
        assert!(sane(&"a".repeat(128)));
        for bad in ["", "a b", "a\nb", "<script>", &"a".repeat(129)] {
            assert!(!sane(bad), "{bad:?}");
        }
    }
}
