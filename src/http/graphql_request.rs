//! Reading a GraphQL request off HTTP, strictly: GET carries it in the query string; POST in
//! a JSON body (or `application/graphql` text) no larger than the configured limit. Anything
//! else is refused before it reaches the schema, with the status the GraphQL-over-HTTP
//! specification gives it.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::Request;

/// Why a request never reached GraphQL, as the HTTP answer to send (boxed: it is large and
/// rare).
pub type Refusal = Box<HttpResponse>;

fn refuse(mut response: actix_web::HttpResponseBuilder, message: impl Into<String>) -> Refusal {
    Box::new(
        response
            .content_type("text/plain; charset=utf-8")
            .body(message.into()),
    )
}

/// The request in `body` (POST) or the query string (GET).
pub fn read(http: &HttpRequest, body: &web::Bytes) -> Result<Request, Refusal> {
    if http.method() == Method::GET {
        return async_graphql::http::parse_query_string(http.query_string()).map_err(|e| {
            refuse(
                HttpResponse::BadRequest(),
                format!("invalid GraphQL request in the query string: {e}"),
            )
        });
    }
    // A POST a browser can send cross-site without asking (text/plain, forms) is refused, so
    // a web page can never make a content-team browser write through its cookies or tokens.
    let essence = http
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        Some("application/json") => {
            let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
                refuse(
                    HttpResponse::BadRequest(),
                    format!("the body is not valid JSON: {e}"),
                )
            })?;
            if value.is_array() {
                return Err(refuse(
                    HttpResponse::BadRequest(),
                    "batched requests are not supported: send one request per POST",
                ));
            }
            if !value.is_object() {
                return Err(refuse(
                    HttpResponse::BadRequest(),
                    "the body must be a JSON object with a \"query\"",
                ));
            }
            serde_json::from_value(value).map_err(|e| {
                refuse(
                    HttpResponse::BadRequest(),
                    format!("invalid GraphQL request: {e}"),
                )
            })
        }
        Some("application/graphql") => std::str::from_utf8(body)
            .map(Request::new)
            .map_err(|_| refuse(HttpResponse::BadRequest(), "the body is not valid UTF-8")),
        _ => Err(Box::new(
            HttpResponse::UnsupportedMediaType()
                .insert_header((
                    header::HeaderName::from_static("accept-post"),
                    HeaderValue::from_static("application/json, application/graphql"),
                ))
                .content_type("text/plain; charset=utf-8")
                .body("POST /graphql takes Content-Type: application/json"),
        )),
    }
}
