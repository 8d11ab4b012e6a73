//! Security headers on every response. Each is set only when the handler did not set its own,
//! so the GraphiQL and graph pages keep their Content-Security-Policy (see `graphiql::CSP`).

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;

/// API answers are JSON or plain text: nothing in them may load, run or be framed.
pub const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CONTENT_SECURITY_POLICY, API_CSP))
        .add((header::CROSS_ORIGIN_OPENER_POLICY, "same-origin"))
}
