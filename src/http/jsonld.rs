//! `GET /conditions/{slug}.jsonld`: a published condition as schema.org JSON-LD, for pages to
//! embed or for crawlers. The document is the GraphQL field `Condition.jsonLd`, run through
//! the schema so both always agree.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use async_graphql::{Request, Variables};
use serde_json::json;

use super::AppState;
use crate::graphql::request;

const QUERY: &str = "query ConditionJsonLd($slug: String!) { condition(slug: $slug) { jsonLd } }";

pub async fn condition(state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let file = path.into_inner();
    let Some(slug) = file.strip_suffix(".jsonld") else {
        return not_found(&file);
    };
    // Anonymous: only published content, whoever asks; run like any GraphQL request (read
    // database, time limit, metrics).
    let request = Request::new(QUERY).variables(Variables::from_json(json!({ "slug": slug })));
    let response = request::execute_own(&state.graphql_env(), request).await;
    if !response.errors.is_empty() {
        tracing::warn!(errors = ?response.errors, "JSON-LD document failed");
        return HttpResponse::InternalServerError()
            .content_type("text/plain")
            .body("internal error");
    }
    let data = response.data.into_json().unwrap_or_default();
    let document = &data["condition"]["jsonLd"];
    if document.is_null() {
        return not_found(slug);
    }
    HttpResponse::Ok()
        .content_type("application/ld+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .body(document.to_string())
}

fn not_found(what: &str) -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain")
        .body(format!("no published condition {what:?}"))
}
