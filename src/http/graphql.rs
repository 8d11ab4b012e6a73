//! POST and GET /graphql, following the GraphQL-over-HTTP specification for media types and
//! status codes.

use std::time::Instant;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{
    BatchRequest, ErrorExtensions as _, Pos, Request, Response, ServerError, Value,
};
use futures_util::StreamExt as _;

use super::AppState;
use super::cache::{self, Entry, Key, ResponseCache};
use super::graphql_request::{
    GRAPHQL_RESPONSE_JSON, JSON, media_with_charset, protocol_code, refuse,
};
use crate::config::CacheConfig;
use crate::db::CountingConn;
use crate::domain::rules::auth::Viewer;
use crate::domain::service::tokens;
use crate::graphql::RequestState;
use crate::graphql::error::code;
use crate::graphql::limits::{limit_exceeded, timed_out};

/// Set `"sqlStatements": true` in a request's `extensions` to get the count of SQL statements
/// it ran back in the response's `extensions.sqlStatements`.
const SQL_STATEMENTS: &str = "sqlStatements";

pub async fn handle(
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
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
    // Anonymous repeats of a request already answered are served before anything is parsed.
    let exact = (state.cache.enabled() && !http.headers().contains_key(header::AUTHORIZATION))
        .then(|| cache::exact_key(http, &body));
    if let Some(exact) = &exact
        && let Some(entry) = state.cache.get_exact(exact)
    {
        return answer_from_cache(
            state,
            http,
            media,
            &Viewer::Anonymous,
            false,
            &entry,
            started,
        );
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
        Err(err) => return respond(media, &Response::from_errors(vec![err])),
    };
    let token_holder = matches!(viewer, Viewer::Token(_));
    // One deadline for the whole request, every operation of a batch included.
    let deadline = tokio::time::Instant::now() + graphql.limits().execution_time();
    match batch {
        BatchRequest::Single(mut request) => {
            let cache_key = cache_key(state, &request, &viewer);
            let count = wants_statement_count(&request);
            // Only a request that passes the checks below and needs no count may be answered
            // by its bytes alone next time.
            let exact = exact.filter(|_| !count && matches!(viewer, Viewer::Anonymous));
            if let Some(key) = &cache_key
                && let Some(entry) = state.cache.get(key)
            {
                // Same tokens, operation and variables as a request that passed every check.
                if let Some(exact) = exact {
                    state.cache.alias(exact, &entry);
                }
                return answer_from_cache(state, http, media, &viewer, count, &entry, started);
            }
            // Taken before anything is read: an answer computed from content older than a
            // change this process has seen is never stored.
            let epoch = state.cache.epoch();
            if let Err(err) = graphql.resolve_persisted(&mut request).await {
                let response = execute(state, request, &viewer, deadline, Some(err)).await;
                return respond(media, &response.finish());
            }
            // Checked before anything else reads the document: the checks bound what parsing
            // it costs.
            if let Err(err) = graphql.limits().check(&mut request, token_holder) {
                let response = execute(state, request, &viewer, deadline, Some(err)).await;
                return respond(media, &response.finish());
            }
            // A GET must never change anything: browsers and caches send GETs on their own.
            if http.method() == Method::GET && is_mutation(&mut request) {
                let mut refusal = refuse(
                    StatusCode::METHOD_NOT_ALLOWED,
                    media,
                    protocol_code::METHOD_NOT_ALLOWED,
                    "mutations are only accepted by POST",
                );
                refusal
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                return *refusal;
            }
            let executed = execute(state, request, &viewer, deadline, None).await;
            if let Some(key) = cache_key
                && executed.cacheable()
            {
                let body = Bytes::from(to_json(&executed.response).to_string());
                state
                    .cache
                    .insert(key, exact, epoch, body.clone(), executed.operation.clone());
                let body = with_statement_count(
                    body,
                    executed.count_statements.then_some(executed.statements),
                );
                return answer(http, media, &viewer, &state.config.cache, body, None);
            }
            let response = executed.finish();
            if response.errors.is_empty() && response.data != Value::Null {
                let body = Bytes::from(to_json(&response).to_string());
                return answer(http, media, &viewer, &state.config.cache, body, None);
            }
            respond(media, &response)
        }
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            // One after the other: a batch never holds more than one pooled connection, and
            // its writes land in the order sent.
            for mut request in requests {
                let refused = match graphql.resolve_persisted(&mut request).await {
                    Ok(()) => graphql.limits().check(&mut request, token_holder).err(),
                    Err(err) => Some(err),
                };
                let executed = execute(state, request, &viewer, deadline, refused).await;
                responses.push(executed.finish());
            }
            respond_batch(media, &responses)
        }
    }
}

/// The key `request` is cached under, when its answer may come from or go to the cache: a
/// single query by a caller who reads published content only.
fn cache_key(state: &AppState, request: &Request, viewer: &Viewer) -> Option<Key> {
    let role = match viewer {
        Viewer::Anonymous => "anonymous",
        Viewer::Invalid => "invalid",
        Viewer::Token(_) => return None,
    };
    // Same tokens, same answer, but a text over the size limit must still be refused.
    if !state.cache.enabled() || request.query.len() > state.config.limits.max_query_bytes {
        return None;
    }
    // A query sent with its hash registers it: it must run, or a server that forgot the hash
    // would answer it from the cache and never learn it again.
    if !request.query.is_empty() && request.extensions.contains_key("persistedQuery") {
        return None;
    }
    ResponseCache::key(request, role)
}

/// A cached answer, counted as a request that ran no SQL statement.
fn answer_from_cache(
    state: &AppState,
    http: &HttpRequest,
    media: &'static str,
    viewer: &Viewer,
    count_statements: bool,
    entry: &Entry,
    started: Instant,
) -> HttpResponse {
    super::request_span::record_operation(&entry.operation);
    state
        .metrics
        .observe_cached(&entry.operation, started.elapsed());
    let config = &state.config.cache;
    if count_statements {
        let body = with_statement_count(entry.body.clone(), Some(0));
        return answer(http, media, viewer, config, body, None);
    }
    let etag = entry.etag(media).to_owned();
    answer(http, media, viewer, config, entry.body.clone(), Some(etag))
}

/// A successful answer (data, no error). A GET gets its entity tag and a `Cache-Control` for
/// its caller, and `304 Not Modified` with no body when `If-None-Match` names the tag.
fn answer(
    http: &HttpRequest,
    media: &'static str,
    viewer: &Viewer,
    cache_config: &CacheConfig,
    body: Bytes,
    etag: Option<String>,
) -> HttpResponse {
    let content_type = HeaderValue::from_static(media_with_charset(media));
    if http.method() != Method::GET {
        return HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .body(body);
    }
    let etag = etag.unwrap_or_else(|| cache::etag(&body, media));
    // Only answers for anyone may be kept by shared caches; a request that carried a token,
    // valid or not, is answered privately.
    let cache_control = match viewer {
        Viewer::Anonymous => cache::public_cache_control(cache_config.cache_max_age_secs),
        Viewer::Invalid | Viewer::Token(_) => cache::PRIVATE,
    };
    let etag = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    if cache::none_match(http, etag.to_str().unwrap_or_default()) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .body(body)
}

fn wants_statement_count(request: &Request) -> bool {
    request
        .extensions
        .get(SQL_STATEMENTS)
        .is_some_and(|v| *v == Value::Boolean(true))
}

/// `body` (`{"data":…}`, no extensions) with `extensions.sqlStatements` added when asked for.
fn with_statement_count(body: Bytes, statements: Option<usize>) -> Bytes {
    let Some(statements) = statements else {
        return body;
    };
    let Some(open) = body.strip_suffix(b"}") else {
        return body;
    };
    let mut with = Vec::with_capacity(body.len() + 40);
    with.extend_from_slice(open);
    with.extend_from_slice(
        format!(",\"extensions\":{{\"{SQL_STATEMENTS}\":{statements}}}}}").as_bytes(),
    );
    Bytes::from(with)
}

/// What running one request gave.
pub(super) struct Executed {
    pub(super) response: Response,
    operation: String,
    statements: usize,
    count_statements: bool,
    /// A query operation (not a mutation, not refused) that ran.
    query: bool,
}

impl Executed {
    /// Whether its answer may be cached: a query that succeeded with nothing but data.
    fn cacheable(&self) -> bool {
        self.query
            && self.response.errors.is_empty()
            && self.response.extensions.is_empty()
            && self.response.data != Value::Null
    }

    /// The response to send, with the statement count when it was asked for.
    fn finish(mut self) -> Response {
        if self.count_statements {
            self.response
                .extensions
                .insert(SQL_STATEMENTS.to_owned(), Value::from(self.statements));
        }
        self.response
    }
}

/// Runs one checked request on the schema for `viewer`, stopped at `deadline`, or answers
/// with the limit it was `refused` for; either way it is counted in the metrics. Stopping
/// drops the execution: a transaction it had open is rolled back, never half-committed.
///
/// Anonymous queries read from the read database; mutations and token holders' queries read
/// from the primary, so a content team reads its own writes at once. After a mutation the
/// content generation is read again, so this process's cache drops what the mutation
/// changed before the mutation's answer is sent.
pub(super) async fn execute(
    state: &AppState,
    mut request: Request,
    viewer: &Viewer,
    deadline: tokio::time::Instant,
    refused: Option<ServerError>,
) -> Executed {
    let started = Instant::now();
    let count_statements = request
        .extensions
        .0
        .remove(SQL_STATEMENTS)
        .is_some_and(|v| v == Value::Boolean(true));
    // A refused document may be one the limits kept from the parser: never parse it here.
    let (operation, mutation) = if refused.is_some() {
        (super::metrics::ANONYMOUS.to_owned(), false)
    } else {
        (
            state.metrics.operation_label(&mut request),
            is_mutation(&mut request),
        )
    };
    super::request_span::record_operation(&operation);
    let reads = if mutation || matches!(viewer, Viewer::Token(_)) {
        &state.db
    } else {
        &state.read_db
    };
    let db = CountingConn::with_metrics(reads.clone(), state.metrics.statement_duration())
        .writing_to(state.db.clone());
    request = request.data(RequestState::new(db.clone(), viewer.clone()));
    let schema = state.schema.schema_for(viewer);
    let ran = refused.is_none();
    let execution = async {
        match refused {
            Some(err) => Response::from_errors(vec![err]),
            None => schema.execute(request).await,
        }
    };
    let response = match tokio::time::timeout_at(deadline, execution).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                operation = %operation,
                "graphql request stopped at the execution time limit"
            );
            Response::from_errors(vec![timed_out(state.schema.limits().execution_time())])
        }
    };
    if mutation && state.cache.enabled() {
        state.cache.poll(&state.read_db).await;
    }
    let statements = db.statements();
    state
        .metrics
        .observe_graphql(&operation, &response, started.elapsed(), statements);
    tracing::debug!(
        sql_statements = statements,
        errors = response.errors.len(),
        "graphql request executed"
    );
    Executed {
        response,
        operation,
        statements,
        count_statements,
        query: ran && !mutation,
    }
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
/// writes are UNAUTHENTICATED).
async fn viewer(state: &AppState, http: &HttpRequest) -> Result<Viewer, ServerError> {
    let Some(header) = http.headers().get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = header.to_str().ok().and_then(|h| {
        let (scheme, token) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let Some(token) = token else {
        return Ok(Viewer::Invalid);
    };
    // A token that cannot be checked is neither valid nor invalid: the request fails with the
    // database's error (SERVICE_UNAVAILABLE while it is away), never as UNAUTHENTICATED.
    match tokens::authenticate(&state.db, token).await {
        Ok(Some(actor)) => Ok(Viewer::Token(actor)),
        Ok(None) => Ok(Viewer::Invalid),
        Err(err) => Err(err.extend().into_server_error(Pos::default())),
    }
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

/// Parses through `Request::parsed_query`, which keeps the document for execution, so a GET is
/// parsed once.
fn is_mutation(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return false;
    };
    let ty = match (&doc.operations, name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops.values().next().map(|op| op.node.ty),
    };
    ty == Some(OperationType::Mutation)
}

/// With `application/graphql-response+json`, a request that failed before execution (no
/// data, errors without a field path: syntax, validation, a limit) is a 400 and one stopped at
/// the execution time limit a 504; with `application/json` every well-formed request is a
/// 200. A request that never executed has no `data` member, as the GraphQL specification asks.
fn respond(media: &'static str, response: &Response) -> HttpResponse {
    let status = match (media, failure(response)) {
        (GRAPHQL_RESPONSE_JSON, Some(Failure::TimedOut)) => StatusCode::GATEWAY_TIMEOUT,
        (GRAPHQL_RESPONSE_JSON, Some(Failure::Unavailable)) => StatusCode::SERVICE_UNAVAILABLE,
        (GRAPHQL_RESPONSE_JSON, Some(Failure::Internal)) => StatusCode::INTERNAL_SERVER_ERROR,
        (GRAPHQL_RESPONSE_JSON, Some(Failure::Request)) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    send(status, media, &to_json(response))
}

/// A batch's answers, in the order of its requests; always a 200, each answer saying how its
/// request went.
fn respond_batch(media: &'static str, responses: &[Response]) -> HttpResponse {
    let body = serde_json::Value::Array(responses.iter().map(to_json).collect());
    send(StatusCode::OK, media, &body)
}

enum Failure {
    /// Refused before execution: nothing ran.
    Request,
    /// Stopped at the execution time limit.
    TimedOut,
    /// The database could not be reached before anything ran.
    Unavailable,
    /// The server failed before anything ran.
    Internal,
}

fn failure(response: &Response) -> Option<Failure> {
    let never_ran = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    if !never_ran {
        return None;
    }
    let has = |wanted: &str| {
        response.errors.iter().any(|e| {
            e.extensions
                .as_ref()
                .and_then(|ext| ext.get("code"))
                .is_some_and(|c| *c == Value::from(wanted))
        })
    };
    Some(if has(code::TIMEOUT) {
        Failure::TimedOut
    } else if has(code::SERVICE_UNAVAILABLE) {
        Failure::Unavailable
    } else if has(code::INTERNAL) {
        Failure::Internal
    } else {
        Failure::Request
    })
}

fn to_json(response: &Response) -> serde_json::Value {
    let mut json = serde_json::to_value(response).unwrap_or_else(|err| {
        tracing::error!(error = %err, "cannot serialize a GraphQL response");
        serde_json::json!({ "errors": [{ "message": "internal error",
            "extensions": { "code": code::INTERNAL } }] })
    });
    if failure(response).is_some()
        && let Some(object) = json.as_object_mut()
    {
        object.remove("data");
    }
    json
}

fn send(status: StatusCode, media: &'static str, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(media_with_charset(media)),
        ))
        .body(body.to_string())
}
