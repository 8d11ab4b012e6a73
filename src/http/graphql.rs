//! POST and GET /graphql, following the GraphQL-over-HTTP specification for media types and
//! status codes. The request is read here and its answer written here; what GraphQL made of
//! it comes from `graphql::request`, as a typed outcome this module turns into a status.

use std::time::Instant;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::ServerError;
use futures_util::StreamExt as _;

use super::AppState;
use super::cache::{self, Entry};
use super::graphql_request::{
    GRAPHQL_RESPONSE_JSON, JSON, media_with_charset, protocol_code, refuse,
};
use crate::domain::DomainError;
use crate::domain::rules::auth::Viewer;
use crate::domain::service::tokens;
use crate::graphql::request::limits::limit_exceeded;
use crate::graphql::request::{
    self, Answer, AnswerCache as _, Body, Call, Outcome, Refusal, Reply,
};

pub async fn handle(
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if http.method() == Method::GET && super::websocket::is_upgrade(&http) {
        return super::websocket::upgrade(state, http, payload).await;
    }
    let mut response = serve(&state, &http, payload).await;
    if http.method() == Method::GET {
        // Answers differ by media type and by caller: caches must key on both.
        response.headers_mut().append(
            header::VARY,
            HeaderValue::from_static("Accept, Authorization"),
        );
    }
    // POSTs, refusals and errors are never stored anywhere.
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, cache::NO_STORE);
    }
    response
}

async fn serve(state: &AppState, http: &HttpRequest, payload: web::Payload) -> HttpResponse {
    let started = Instant::now();
    let Some(media) = response_media_type(http) else {
        return *refuse(
            StatusCode::NOT_ACCEPTABLE,
            JSON,
            protocol_code::NOT_ACCEPTABLE,
            format!("/graphql answers {GRAPHQL_RESPONSE_JSON} or {JSON}"),
        );
    };
    let max_body = state.config.limits.max_body_bytes;
    let body = match read_body(http, payload, max_body).await {
        Ok(body) => body,
        Err(refusal) => return *super::graphql_request::refuse_error(refusal.0, media, &refusal.1),
    };
    let env = state.graphql_env();
    // Anonymous repeats of a request already answered are served before anything is parsed.
    let exact = (state.cache.enabled() && !http.headers().contains_key(header::AUTHORIZATION))
        .then(|| cache::exact_key(http, &body));
    if let Some(exact) = &exact
        && let Some(answer) = request::cached(&env, exact, started)
    {
        return write(state, http, media, &Viewer::Anonymous, answer);
    }
    let graphql = &state.schema;
    let batch = match super::graphql_request::read(http, &body, media, |len| {
        graphql.limits().check_batch(len)
    }) {
        Ok(batch) => batch,
        Err(refusal) => return *refusal,
    };
    let viewer = match viewer(state, http).await {
        Ok(viewer) => viewer,
        // Its answer is an error: no cache ever keeps it, whoever asked.
        Err(err) => {
            return write(
                state,
                http,
                media,
                &Viewer::Invalid,
                request::refused_caller(&err),
            );
        }
    };
    let call = Call {
        viewer: &viewer,
        mutations_allowed: http.method() != Method::GET,
        exact,
        started,
    };
    match request::run(&env, batch, call).await {
        Reply::Single(answer) => write(state, http, media, &viewer, answer),
        // Each answer in a batch says how its request went; the batch itself succeeded.
        Reply::Batch(body) => send(StatusCode::OK, media, body),
    }
}

/// The HTTP answer to `answer`: with `application/graphql-response+json`, a request refused
/// before it ran is a 400 (a 503 or 500 when its caller could not be checked) and one stopped
/// at the execution time limit a 504; with `application/json` every well-formed request is a
/// 200. A mutation sent by GET is a 405 either way.
fn write(
    state: &AppState,
    http: &HttpRequest,
    media: &'static str,
    viewer: &Viewer,
    answer: Answer<Entry>,
) -> HttpResponse {
    let graphql_response = media == GRAPHQL_RESPONSE_JSON;
    let status = match answer.outcome {
        Outcome::Ok => return success(state, http, media, viewer, answer.body),
        Outcome::Refused(Refusal::MutationNotAllowed) => StatusCode::METHOD_NOT_ALLOWED,
        _ if !graphql_response => StatusCode::OK,
        Outcome::Partial => StatusCode::OK,
        Outcome::TimedOut => StatusCode::GATEWAY_TIMEOUT,
        Outcome::Refused(Refusal::Unavailable) => StatusCode::SERVICE_UNAVAILABLE,
        Outcome::Refused(Refusal::Internal) => StatusCode::INTERNAL_SERVER_ERROR,
        Outcome::Refused(_) => StatusCode::BAD_REQUEST,
    };
    let body = match answer.body {
        Body::Json(body) => body,
        Body::Cached(entry) => entry.body.clone(),
    };
    let mut response = send(status, media, body);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// A successful answer (data, no error). A GET gets its entity tag and a `Cache-Control` for
/// its caller, and `304 Not Modified` with no body when `If-None-Match` names the tag.
fn success(
    state: &AppState,
    http: &HttpRequest,
    media: &'static str,
    viewer: &Viewer,
    body: Body<Entry>,
) -> HttpResponse {
    let (body, etag) = match body {
        Body::Json(body) => (body, None),
        Body::Cached(entry) => (entry.body.clone(), Some(entry)),
    };
    if http.method() != Method::GET {
        return send(StatusCode::OK, media, body);
    }
    let etag = match &etag {
        Some(entry) => HeaderValue::from_str(entry.etag(media)),
        None => HeaderValue::from_str(&cache::etag(&body, media)),
    }
    .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    // Only answers for anyone may be kept by shared caches; a request that carried a token,
    // valid or not, is answered privately.
    let cache_control = match viewer {
        Viewer::Anonymous => cache::public_cache_control(state.config.cache.cache_max_age_secs),
        Viewer::Invalid | Viewer::Token(_) => cache::PRIVATE,
    };
    if cache::none_match(http, etag.to_str().unwrap_or_default()) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type(media)))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .body(body)
}

fn send(status: StatusCode, media: &'static str, body: Bytes) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, content_type(media)))
        .body(body)
}

fn content_type(media: &'static str) -> HeaderValue {
    HeaderValue::from_static(media_with_charset(media))
}

/// Reads the body up to `max` bytes: a larger one is refused (413, limit "bodyBytes") as soon
/// as its `Content-Length` or its bytes say so, without reading the rest.
async fn read_body(
    http: &HttpRequest,
    mut payload: web::Payload,
    max: usize,
) -> Result<web::Bytes, (StatusCode, ServerError)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            limit_exceeded(
                "bodyBytes",
                max,
                format!("the request body exceeds the bodyBytes limit ({max} bytes)"),
            ),
        )
    };
    let declared = http
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(max));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            let message = format!("cannot read the request body: {err}");
            let mut e = ServerError::new(message, None);
            e.extensions
                .get_or_insert_with(Default::default)
                .set("code", protocol_code::BAD_REQUEST);
            (StatusCode::BAD_REQUEST, e)
        })?;
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The caller named by `Authorization: Bearer <token>`: anonymous without the header, invalid
/// with a header that does not name a valid token (reads then see published content only,
/// writes are UNAUTHENTICATED). A token that cannot be checked is neither valid nor invalid:
/// the request fails with the database's error.
async fn viewer(state: &AppState, http: &HttpRequest) -> Result<Viewer, DomainError> {
    let header = http.headers().get(header::AUTHORIZATION);
    // A header that is not text is no bearer token.
    viewer_of(state, header.map(|h| h.to_str().unwrap_or(""))).await
}

/// Who sends `authorization` (an `Authorization` value, `Bearer <token>`): anonymous without
/// one, `Invalid` for anything but a live token.
pub(super) async fn viewer_of(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<Viewer, DomainError> {
    let Some(authorization) = authorization else {
        return Ok(Viewer::Anonymous);
    };
    let token = authorization
        .split_once(' ')
        .and_then(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()));
    let Some(token) = token else {
        return Ok(Viewer::Invalid);
    };
    Ok(match tokens::authenticate(&state.db, token).await? {
        Some(actor) => Viewer::Token(actor),
        None => Viewer::Invalid,
    })
}

pub async fn method_not_allowed(http: HttpRequest) -> HttpResponse {
    let media = response_media_type(&http).unwrap_or(JSON);
    let mut refusal = refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        media,
        protocol_code::METHOD_NOT_ALLOWED,
        "/graphql accepts GET (queries) and POST",
    );
    refusal
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    *refusal
}

/// Picks the response media type from `Accept`; `None` when the client accepts neither.
/// Without `Accept`, answers `application/json`, as the GraphQL-over-HTTP specification
/// asks for legacy clients. A range with `q=0` is one the client refuses.
fn response_media_type(http: &HttpRequest) -> Option<&'static str> {
    let Some(accept) = http
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(JSON);
    };
    let ranges: Vec<String> = accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.split_once('=').is_some_and(|(name, value)| {
                    name.trim() == "q" && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                })
            });
            (!refused).then_some(essence)
        })
        .collect();
    if ranges.iter().any(|r| r == GRAPHQL_RESPONSE_JSON) {
        Some(GRAPHQL_RESPONSE_JSON)
    } else if ranges
        .iter()
        .any(|r| matches!(r.as_str(), JSON | "application/*" | "*/*"))
    {
        Some(JSON)
    } else {
        None
    }
}
