//! Cross-origin access for browser frontends hosted elsewhere.
//!
//! Only the configured origins get `Access-Control-Allow-Origin`; with none configured (the
//! default) no other site's page can read a response. Same-origin pages (GraphiQL) need no
//! CORS headers and are unaffected. A request from another origin is not refused outright:
//! caregraph authenticates with bearer tokens, never cookies, so a cross-site request carries
//! no credentials a browser would add by itself, and tools that send an `Origin` of their own
//! keep working. A preflight from an origin not on the list is answered 400.

use std::collections::HashSet;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::http::{Method, header};

use super::request_span::REQUEST_ID;

/// Browsers may cache a preflight answer this long, in seconds.
const PREFLIGHT_MAX_AGE: usize = 600;

pub fn cors(allowed_origins: &[String]) -> Cors {
    let allowed: Arc<HashSet<String>> = Arc::new(allowed_origins.iter().cloned().collect());
    Cors::default()
        .allowed_origin_fn(move |origin, _head| {
            origin
                .to_str()
                .is_ok_and(|o| allowed.contains(&o.to_ascii_lowercase()))
        })
        .allowed_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allowed_headers([header::CONTENT_TYPE, header::AUTHORIZATION, REQUEST_ID])
        .expose_headers([REQUEST_ID, header::RETRY_AFTER])
        .max_age(PREFLIGHT_MAX_AGE)
}
