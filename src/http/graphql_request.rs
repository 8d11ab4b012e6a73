//! Reading a GraphQL request off HTTP, strictly: GET carries it in the query string; POST in
//! a JSON body (or `application/graphql` text) no larger than the configured limit. Anything
//! else is refused before it reaches the schema, with the status the GraphQL-over-HTTP
//! specification gives it and a GraphQL-shaped body whose `errors[0].extensions.code` says
//! what was wrong.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{BatchRequest, Request, ServerError};
use serde::Deserialize;
use serde_json::{Value, json};

/// Codes of requests refused before GraphQL sees them: HTTP-level mistakes.
pub(crate) use crate::graphql::error::code as protocol_code;

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

/// Why a request never reached GraphQL, as the HTTP answer to send (boxed: it is large and
/// rare).
pub type Refusal = Box<HttpResponse>;

/// A refusal with `status`, a GraphQL-shaped body carrying `code`, in the negotiated `media`.
pub fn refuse(
    status: StatusCode,
    media: &'static str,
    code: &str,
    message: impl Into<String>,
) -> Refusal {
    let body = json!({ "errors": [{ "message": message.into(), "extensions": { "code": code } }] });
    refuse_with(HttpResponse::build(status), media, &body)
}

/// A refusal whose body is the GraphQL error `err` (a limit, for instance).
pub fn refuse_error(status: StatusCode, media: &'static str, err: &ServerError) -> Refusal {
    let body = json!({ "errors": [err] });
    refuse_with(HttpResponse::build(status), media, &body)
}

fn refuse_with(
    mut response: actix_web::HttpResponseBuilder,
    media: &'static str,
    body: &Value,
) -> Refusal {
    Box::new(
        response
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static(media_with_charset(media)),
            ))
            .body(body.to_string()),
    )
}

pub fn media_with_charset(media: &'static str) -> &'static str {
    if media == GRAPHQL_RESPONSE_JSON {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    }
}

/// The request in `body` (POST) or the query string (GET): one request, or a batch (a JSON
/// array) of at most `max_batch` when batching is on. Errors are answered in `media`.
pub fn read(
    http: &HttpRequest,
    body: &web::Bytes,
    media: &'static str,
    check_batch: impl FnOnce(usize) -> Result<(), ServerError>,
) -> Result<BatchRequest, Refusal> {
    let bad = |message: String| {
        refuse(
            StatusCode::BAD_REQUEST,
            media,
            protocol_code::BAD_REQUEST,
            message,
        )
    };
    if http.method() == Method::GET {
        let raw = http.query_string();
        if !percent_decodes_to_utf8(raw) {
            return Err(bad("the query string is not valid UTF-8".to_owned()));
        }
        return get_request(raw).map(BatchRequest::Single).map_err(bad);
    }
    // A POST a browser can send cross-site without asking (text/plain, forms) is refused, so
    // a web page can never make a content-team browser write through its cookies or tokens.
    let content_type = http
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let mut params = content_type.as_deref().unwrap_or("").split(';');
    let essence = params.next().unwrap_or("").trim();
    // JSON is UTF-8 (RFC 8259); a body declared in another charset cannot be read as such.
    let charset_ok = params.all(|p| match p.split_once('=') {
        Some((name, value)) if name.trim() == "charset" => {
            matches!(value.trim().trim_matches('"'), "utf-8" | "utf8")
        }
        _ => true,
    });
    match essence {
        "application/json" if charset_ok => {
            let value: Value = serde_json::from_slice(body).map_err(|e| {
                if std::str::from_utf8(body).is_err() {
                    bad("the body is not valid UTF-8".to_owned())
                } else {
                    bad(format!("the body is not valid JSON: {e}"))
                }
            })?;
            match value {
                Value::Array(items) => {
                    if items.is_empty() {
                        return Err(bad("the batch holds no request".to_owned()));
                    }
                    check_batch(items.len())
                        .map_err(|err| refuse_error(StatusCode::BAD_REQUEST, media, &err))?;
                    let requests = items
                        .into_iter()
                        .enumerate()
                        .map(|(i, item)| {
                            request_from_json(item).map_err(|e| bad(format!("request {i}: {e}")))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(BatchRequest::Batch(requests))
                }
                value => request_from_json(value)
                    .map(BatchRequest::Single)
                    .map_err(bad),
            }
        }
        "application/graphql" if charset_ok => std::str::from_utf8(body)
            .map(|text| BatchRequest::Single(Request::new(text)))
            .map_err(|_| bad("the body is not valid UTF-8".to_owned())),
        _ => {
            let mut refusal = refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                media,
                protocol_code::UNSUPPORTED_MEDIA_TYPE,
                match content_type {
                    None => "POST /graphql needs Content-Type: application/json".to_owned(),
                    Some(given) => format!(
                        "POST /graphql takes Content-Type: application/json (UTF-8), not {given}"
                    ),
                },
            );
            refusal.headers_mut().insert(
                header::HeaderName::from_static("accept-post"),
                HeaderValue::from_static("application/json, application/graphql"),
            );
            Err(refusal)
        }
    }
}

/// The parameters of a GET, named as the specification names them (async-graphql's own
/// reader expects `operation_name`, so a GET's `operationName` would be ignored).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    /// JSON-encoded, as the specification asks.
    variables: Option<String>,
    /// JSON-encoded, as the specification asks.
    extensions: Option<String>,
}

/// One GraphQL-over-HTTP request from a GET's query string.
fn get_request(raw: &str) -> Result<Request, String> {
    let params = web::Query::<GetParams>::from_query(raw)
        .map_err(|e| format!("invalid GraphQL request in the query string: {e}"))?
        .into_inner();
    let json_param = |name: &str, raw: Option<String>| -> Result<Value, String> {
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(Value::Null),
            Some(text) => serde_json::from_str::<Value>(text)
                .ok()
                .filter(|v| v.is_object() || v.is_null())
                .ok_or_else(|| format!("\"{name}\" must be a JSON-encoded object")),
        }
    };
    let extensions = json_param("extensions", params.extensions)?;
    // A persisted query's hash may stand in for the document.
    let query = params.query.filter(|q| !q.is_empty());
    if query.is_none() && !names_persisted_query(&extensions) {
        return Err("a GET to /graphql carries the document in the \"query\" parameter".to_owned());
    }
    let request = json!({
        "query": query,
        "operationName": params.operation_name,
        "variables": json_param("variables", params.variables)?,
        "extensions": extensions,
    });
    request_from_json(request)
}

/// One GraphQL-over-HTTP request from a JSON value: an object whose `query` is a string, and
/// whose `operationName`, `variables` and `extensions`, when present, are a string and objects
/// (or null). Other members are ignored, as the specification asks.
fn request_from_json(value: Value) -> Result<Request, String> {
    let Value::Object(mut map) = value else {
        return Err("the body must be a JSON object with a \"query\"".to_owned());
    };
    // Automatic persisted queries: the hash in `extensions.persistedQuery` may stand in for
    // the document.
    let persisted = map.get("extensions").is_some_and(names_persisted_query);
    match map.get("query") {
        Some(Value::String(q)) if !q.is_empty() => {}
        Some(Value::String(_)) | Some(Value::Null) | None if persisted => {}
        Some(Value::String(_)) => return Err("\"query\" is empty".to_owned()),
        Some(Value::Null) | None => return Err("the request has no \"query\"".to_owned()),
        Some(_) => return Err("\"query\" must be a string".to_owned()),
    }
    for (member, ok) in [
        (
            "operationName",
            map.get("operationName")
                .is_none_or(|v| v.is_string() || v.is_null()),
        ),
        (
            "variables",
            map.get("variables")
                .is_none_or(|v| v.is_object() || v.is_null()),
        ),
        (
            "extensions",
            map.get("extensions")
                .is_none_or(|v| v.is_object() || v.is_null()),
        ),
    ] {
        if !ok {
            return Err(format!("\"{member}\" has the wrong type"));
        }
    }
    // A null member means "not given".
    map.retain(|_, v| !v.is_null());
    serde_json::from_value(Value::Object(map)).map_err(|e| format!("invalid GraphQL request: {e}"))
}

/// Whether a request's `extensions` carry a `persistedQuery` object.
fn names_persisted_query(extensions: &Value) -> bool {
    extensions
        .get("persistedQuery")
        .is_some_and(Value::is_object)
}

/// True when the percent-decoded query string is UTF-8 (a lossy decode would turn invalid
/// bytes into U+FFFD silently).
fn percent_decodes_to_utf8(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut decoded = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied(), b.get(i + 2).copied()) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let byte = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                decoded.push(u8::try_from(byte).unwrap_or(0));
                i += 3;
            }
            (c, _, _) => {
                decoded.push(c);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_decoded_strictly() {
        assert!(percent_decodes_to_utf8("query=%7B%20a%20%7D"));
        assert!(percent_decodes_to_utf8("query=%C3%A9"));
        assert!(!percent_decodes_to_utf8("query=%FF"));
        assert!(percent_decodes_to_utf8("query=100%"));
    }

    #[test]
    fn get_parameters_follow_the_specification() {
        let request = get_request(
            "query=query%20A%7Ba%7D&operationName=A&variables=%7B%22n%22%3A1%7D&extensions=",
        )
        .expect("a GET request");
        assert_eq!(request.operation_name.as_deref(), Some("A"));
        assert_eq!(request.query, "query A{a}");
        assert!(get_request("operationName=A").is_err());
        assert!(get_request("query=%7Ba%7D&variables=%5B1%5D").is_err());
        assert!(get_request("query=%7Ba%7D&variables=nope").is_err());
    }

    #[test]
    fn a_request_is_an_object_with_a_query() {
        assert!(request_from_json(json!({ "query": "{ a }" })).is_ok());
        assert!(request_from_json(json!({ "query": "{ a }", "variables": null, "x": 1 })).is_ok());
        assert!(request_from_json(json!({})).is_err());
        assert!(request_from_json(json!({ "query": 1 })).is_err());
        assert!(request_from_json(json!({ "query": "{ a }", "variables": [1] })).is_err());
        assert!(request_from_json(json!({ "query": "{ a }", "operationName": 1 })).is_err());
        assert!(request_from_json(json!(42)).is_err());
    }

    #[test]
    fn a_persisted_query_hash_stands_in_for_the_document() {
        let hash = json!({ "persistedQuery": { "version": 1, "sha256Hash": "ab" } });
        assert!(request_from_json(json!({ "extensions": hash })).is_ok());
        assert!(request_from_json(json!({ "query": "", "extensions": hash })).is_ok());
        assert!(request_from_json(json!({ "query": null, "extensions": hash })).is_ok());
        assert!(request_from_json(json!({ "query": 1, "extensions": hash })).is_err());
        assert!(request_from_json(json!({ "extensions": { "persistedQuery": 1 } })).is_err());
        let request = get_request(
            "extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22ab%22%7D%7D",
        )
        .expect("a hash-only GET");
        assert!(request.query.is_empty());
        assert!(get_request("extensions=%7B%7D").is_err());
    }
}
