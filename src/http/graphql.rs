//! POST and GET /graphql, following the GraphQL-over-HTTP specification for media types and
//! status codes.

use std::time::Instant;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Request, Response, Value};

use super::AppState;
use crate::db::CountingConn;
use crate::domain::auth::Viewer;
use crate::domain::service::tokens;
use crate::graphql::RequestState;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// Set `"sqlStatements": true` in a request's `extensions` to get the count of SQL statements
/// it ran back in the response's `extensions.sqlStatements`.
const SQL_STATEMENTS: &str = "sqlStatements";

pub async fn handle(
    state: web::Data<AppState>,
    http: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let started = Instant::now();
    let Some(media) = response_media_type(&http) else {
        return HttpResponse::NotAcceptable()
            .content_type("text/plain")
            .body(format!(
                "/graphql answers {GRAPHQL_RESPONSE_JSON} or {JSON}"
            ));
    };
    let mut request = match super::graphql_request::read(&http, &body) {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    // A GET must never change anything: browsers and caches send GETs on their own.
    if http.method() == Method::GET && is_mutation(&mut request) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .content_type("text/plain")
            .body("mutations are only accepted by POST");
    }
    let count_statements = request
        .extensions
        .0
        .remove(SQL_STATEMENTS)
        .is_some_and(|v| v == Value::Boolean(true));
    let operation = state.metrics.operation_label(&mut request);
    super::request_span::record_operation(&operation);
    let viewer = viewer(&state, &http).await;
    let db = CountingConn::with_metrics(state.db.clone(), state.metrics.statement_duration());
    request = request.data(RequestState::new(db.clone(), viewer));
    let mut response = state.schema.execute(request).await;
    let statements = db.statements();
    state
        .metrics
        .observe_graphql(&operation, &response, started.elapsed(), statements);
    tracing::debug!(
        sql_statements = statements,
        errors = response.errors.len(),
        "graphql request executed"
    );
    if count_statements {
        response
            .extensions
            .insert(SQL_STATEMENTS.to_owned(), Value::from(statements));
    }
    respond(media, &response)
}

/// The caller named by `Authorization: Bearer <token>`: anonymous without the header, invalid
/// with a header that does not name a valid token (reads then see published content only,
/// writes are UNAUTHENTICATED).
async fn viewer(state: &AppState, http: &HttpRequest) -> Viewer {
    let Some(header) = http.headers().get(header::AUTHORIZATION) else {
        return Viewer::Anonymous;
    };
    let token = header.to_str().ok().and_then(|h| {
        let (scheme, token) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let Some(token) = token else {
        return Viewer::Invalid;
    };
    match tokens::authenticate(&state.db, token).await {
        Ok(Some(actor)) => Viewer::Token(actor),
        Ok(None) => Viewer::Invalid,
        Err(err) => {
            tracing::warn!(error = %err, "cannot check a bearer token");
            Viewer::Invalid
        }
    }
}

pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .content_type("text/plain")
        .body("/graphql accepts GET (queries) and POST")
}

/// Picks the response media type from `Accept`; `None` when the client accepts neither.
fn response_media_type(http: &HttpRequest) -> Option<&'static str> {
    let Some(accept) = http
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(JSON);
    };
    let ranges: Vec<&str> = accept
        .split(',')
        .map(|r| r.split(';').next().unwrap_or("").trim())
        .collect();
    if ranges.contains(&GRAPHQL_RESPONSE_JSON) {
        Some(GRAPHQL_RESPONSE_JSON)
    } else if ranges
        .iter()
        .any(|r| matches!(*r, JSON | "application/*" | "*/*"))
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
/// data, errors without a field path) is a 400; with `application/json` every well-formed
/// request is a 200.
fn respond(media: &'static str, response: &Response) -> HttpResponse {
    let request_error = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if media == GRAPHQL_RESPONSE_JSON && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match serde_json::to_vec(response) {
        Ok(body) => HttpResponse::build(status)
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static(media_with_charset(media)),
            ))
            .body(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a GraphQL response");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn media_with_charset(media: &'static str) -> &'static str {
    if media == JSON {
        "application/json; charset=utf-8"
    } else {
        "application/graphql-response+json; charset=utf-8"
    }
}
