//! Liveness and readiness.

use std::time::Duration;

use actix_web::{HttpResponse, web};

use super::AppState;

/// Longest a readiness check waits for the database. Load balancers poll every few seconds and
/// must see 503 well within 5 s of an outage, whatever the pool's acquire timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up and serving HTTP.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The database answers. 503 while it does not; the pool reconnects by itself when it returns.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let error = match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => {
            let body = match state.reads.degraded() {
                Some(degraded) => format!("ready, degraded: {degraded}"),
                None => "ready".to_owned(),
            };
            return HttpResponse::Ok().content_type("text/plain").body(body);
        }
        Ok(Err(err)) => err.to_string(),
        Err(_) => format!("no answer within {} ms", READY_TIMEOUT.as_millis()),
    };
    tracing::warn!(%error, "readiness check: database unavailable");
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .insert_header(("Retry-After", "1"))
        .body("database unavailable")
}
