//! The request path, fuzzed: arbitrary bytes, JSON values and GraphQL-ish documents sent to a
//! real server over HTTP, in every transport (POST JSON, POST `application/graphql`, GET),
//! with assorted `Content-Type`, `Accept` and `Authorization` headers.
//!
//! Whatever comes in: never a 5xx; a JSON answer is well-formed JSON whose every error
//! carries a known `extensions.code` (and never INTERNAL, as the database is healthy); any
//! other answer is a 4xx with a plain-text explanation (405 with `Allow`); requests that may
//! not write (GET, anonymous, bad token) write nothing; and the server still answers a normal
//! query afterwards.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use entity::sea_orm_active_enums::Role;
use entity::{audit_event, node, source};
use proptest::prelude::*;
use proptest::sample::select;
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait as _, PaginatorTrait as _};
use serde_json::{Value, json};

use crate::documents::{document, document_over, json, variables};
use crate::harness::{Answer, Server};
use crate::{big_stack, run};

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/graphql",
    "application/graphql-response+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    "application/json; charset=latin1",
    "\u{e9}/\u{e9}",
];

const ACCEPTS: &[&str] = &[
    "",
    "application/json",
    "application/graphql-response+json",
    "application/graphql-response+json, application/json;q=0.9",
    "*/*",
    "application/*",
];

/// `Accept` values /graphql cannot satisfy (406).
const UNACCEPTABLE: &[&str] = &["text/html", "image/png", ";;;,"];

/// Mostly an `Accept` the server can answer, so most requests get past negotiation.
fn accept() -> impl Strategy<Value = &'static str> {
    prop_oneof![8 => select(ACCEPTS), 1 => select(UNACCEPTABLE)]
}

/// Mostly JSON, so most bodies reach the JSON reader.
fn content_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => Just("application/json"),
        1 => Just("application/graphql"),
        2 => select(CONTENT_TYPES),
    ]
}

/// Who the request claims to be; the editor's secret is filled in per server.
#[derive(Clone, Copy, Debug)]
enum Auth {
    Anonymous,
    Garbage,
    Editor,
}

/// An `extensions.code`: a machine-readable constant such as `BAD_USER_INPUT`. The list
/// grows with the protocol and limit errors, so the shape is checked, not membership.
fn is_code(code: &str) -> bool {
    code.len() >= 3 && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

/// What a run saw: statuses and error codes, printed at the end (`--nocapture`) to show the
/// generators reach past the first refusal.
#[derive(Default)]
struct Tally(RefCell<BTreeMap<String, u32>>);

impl Tally {
    fn add(&self, answer: &Answer) {
        let mut seen = self.0.borrow_mut();
        *seen
            .entry(format!("HTTP {}", answer.status.as_u16()))
            .or_default() += 1;
        let body = answer.json();
        if body
            .as_ref()
            .is_some_and(|b| b.get("data").is_some_and(Value::is_object))
        {
            *seen.entry("with data".to_owned()).or_default() += 1;
        }
        let codes = body.and_then(|b| b.get("errors").cloned());
        for e in codes
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(code) = e["extensions"]["code"].as_str() {
                *seen.entry(code.to_owned()).or_default() += 1;
            }
        }
    }

    fn print(&self, test: &str) {
        eprintln!("{test}: {:?}", self.0.borrow());
    }
}

/// Checks one answer against the properties every answer has; `Err` explains a violation.
fn check(answer: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(
        !answer.status.is_server_error(),
        "5xx for a client's request: {answer:?}"
    );
    let media = answer.content_type.to_ascii_lowercase();
    if media.starts_with("application/json")
        || media.starts_with("application/graphql-response+json")
    {
        let body: Value = serde_json::from_str(&answer.body)
            .map_err(|e| TestCaseError::fail(format!("declared JSON, is not ({e}): {answer:?}")))?;
        let object = body
            .as_object()
            .ok_or_else(|| TestCaseError::fail(format!("not a JSON object: {answer:?}")))?;
        if answer.status == StatusCode::OK {
            prop_assert!(
                object.contains_key("data") || object.contains_key("errors"),
                "neither data nor errors: {answer:?}"
            );
        }
        if let Some(data) = object.get("data") {
            prop_assert!(data.is_object() || data.is_null(), "data: {answer:?}");
        }
        if let Some(errors) = object.get("errors") {
            let errors = errors
                .as_array()
                .ok_or_else(|| TestCaseError::fail(format!("errors not a list: {answer:?}")))?;
            prop_assert!(!errors.is_empty(), "an empty errors list: {answer:?}");
            for error in errors {
                prop_assert!(error["message"].is_string(), "no message: {answer:?}");
                let code = error["extensions"]["code"].as_str().unwrap_or("(none)");
                prop_assert!(is_code(code), "code {code}: {answer:?}");
                prop_assert_ne!(code, "INTERNAL", "an internal error: {:?}", answer);
            }
        }
    } else {
        prop_assert!(
            answer.status.is_client_error(),
            "a non-JSON answer that is not a refusal: {answer:?}"
        );
        prop_assert!(
            !answer.body.trim().is_empty() || answer.status == StatusCode::TOO_MANY_REQUESTS,
            "a refusal without an explanation: {answer:?}"
        );
    }
    if answer.status == StatusCode::METHOD_NOT_ALLOWED {
        prop_assert!(answer.allow.is_some(), "405 without Allow: {answer:?}");
    }
    Ok(())
}

/// Counts the audit log, which grows with every write.
fn writes(server: &Server) -> u64 {
    server
        .block_on(audit_event::Entity::find().count(&server.db))
        .expect("count audit events")
}

struct Fuzz {
    server: Server,
    editor: String,
}

impl Fuzz {
    fn start() -> Self {
        let server = Server::start();
        let editor = server.token("fuzz-editor", Role::Editor);
        Self { server, editor }
    }

    /// Ids of the seeded graph's nodes and sources, for documents to name.
    fn graph_ids(&self) -> Vec<String> {
        let db = &self.server.db;
        let nodes = self
            .server
            .block_on(node::Entity::find().all(db))
            .expect("nodes");
        let sources = self
            .server
            .block_on(source::Entity::find().all(db))
            .expect("sources");
        nodes
            .iter()
            .map(|n| n.id)
            .chain(sources.iter().map(|s| s.id))
            .map(|id| id.to_string())
            .collect()
    }

    fn request(
        &self,
        method: Method,
        content_type: &str,
        accept: &str,
        auth: Auth,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .server
            .client
            .request(method, self.server.graphql_url());
        if !content_type.is_empty() {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        if !accept.is_empty() {
            request = request.header(reqwest::header::ACCEPT, accept);
        }
        match auth {
            Auth::Anonymous => request,
            Auth::Garbage => request.header(reqwest::header::AUTHORIZATION, "Bearer cgt_nope"),
            Auth::Editor => request.bearer_auth(&self.editor),
        }
    }
}

fn auth() -> impl Strategy<Value = Auth> {
    prop_oneof![
        Just(Auth::Anonymous),
        Just(Auth::Garbage),
        Just(Auth::Editor)
    ]
}

/// Bytes: random, or a JSON request cut short (malformed JSON, split UTF-8), or a real
/// request with one byte changed.
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    let real = || {
        (document(), variables()).prop_map(|(query, variables)| {
            serde_json::to_vec(&json!({ "query": query, "variables": variables }))
                .unwrap_or_default()
        })
    };
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..256),
        1 => (real(), any::<prop::sample::Index>())
            .prop_map(|(bytes, at)| bytes[..at.index(bytes.len() + 1)].to_vec()),
        1 => (real(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut bytes, at, b)| {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            bytes
        }),
        1 => "[{}\\[\\]\"a-z:,é\u{0} ]{0,64}".prop_map(String::into_bytes),
    ]
}

/// Arbitrary bytes under any content type, accept header, method and credentials.
#[test]
fn arbitrary_bytes_never_break_the_server() {
    big_stack(|| {
        let fuzz = Fuzz::start();
        let tally = Tally::default();
        let method = prop_oneof![
            16 => Just(Method::POST),
            1 => Just(Method::PUT),
            1 => Just(Method::DELETE),
            1 => Just(Method::PATCH),
        ];
        run(
            256,
            (body_bytes(), content_type(), accept(), method, auth()),
            |(bytes, content_type, accept, method, auth)| {
                let answer = fuzz
                    .server
                    .send(fuzz.request(method, content_type, accept, auth).body(bytes));
                tally.add(&answer);
                check(&answer)
            },
        );
        tally.print("arbitrary bytes");
        fuzz.server.assert_still_serves();
    });
}

/// Arbitrary JSON values as the body of a JSON POST, anonymously: well-formed answers and no
/// write.
#[test]
fn arbitrary_json_never_breaks_the_server() {
    big_stack(|| {
        let fuzz = Fuzz::start();
        let tally = Tally::default();
        let before = writes(&fuzz.server);
        let body = prop_oneof![
            1 => json(),
            // A real request's shape, with a document and variables from the grammar.
            2 => (document(), variables()).prop_map(|(q, v)| json!({ "query": q, "variables": v })),
            // Shaped like a request, with any values in the known keys.
            2 => (
                prop::option::of(prop_oneof![document().prop_map(Value::String), json()]),
                prop::option::of(json()),
                prop::option::of(prop_oneof![Just(json!("Q")), json()]),
                prop::option::of(json()),
            )
                .prop_map(|(query, variables, operation, extensions)| {
                    let mut m = serde_json::Map::new();
                    for (k, v) in [
                        ("query", query),
                        ("variables", variables),
                        ("operationName", operation),
                        ("extensions", extensions),
                    ] {
                        if let Some(v) = v {
                            m.insert(k.to_owned(), v);
                        }
                    }
                    Value::Object(m)
                }),
        ];
        run(
            256,
            (
                body,
                accept(),
                prop_oneof![Just(Auth::Anonymous), Just(Auth::Garbage)],
            ),
            |(body, accept, auth)| {
                let bytes = serde_json::to_vec(&body).unwrap_or_default();
                let answer = fuzz.server.send(
                    fuzz.request(Method::POST, "application/json", accept, auth)
                        .body(bytes),
                );
                tally.add(&answer);
                check(&answer)
            },
        );
        tally.print("arbitrary JSON");
        assert_eq!(writes(&fuzz.server), before, "an anonymous request wrote");
        fuzz.server.assert_still_serves();
    });
}

/// GraphQL-ish documents in every transport; the editor's token is used on some, so some
/// mutations run for real. GETs and anonymous requests never write.
#[test]
fn graphql_documents_never_break_the_server() {
    big_stack(|| {
        let fuzz = Fuzz::start();
        let tally = Tally::default();
        let parsed = Cell::new(0u32);
        let ids = fuzz.graph_ids();
        let forbidden_writes = Cell::new(0u64);
        run(
            256,
            (document_over(&ids), variables(), 0..3u8, accept(), auth()),
            |(query, variables, transport, accept, auth)| {
                let before = writes(&fuzz.server);
                let (request, may_write) = match transport {
                    0 => (
                        fuzz.request(Method::POST, "application/json", accept, auth)
                            .json(&json!({ "query": query, "variables": variables })),
                        true,
                    ),
                    1 => (
                        fuzz.request(Method::POST, "application/graphql", accept, auth)
                            .body(query.clone()),
                        true,
                    ),
                    _ => {
                        let mut params = vec![("query", query.clone())];
                        if !variables.is_null() {
                            params.push(("variables", variables.to_string()));
                        }
                        (
                            fuzz.request(Method::GET, "", accept, auth).query(&params),
                            false,
                        )
                    }
                };
                let answer = fuzz.server.send(request);
                tally.add(&answer);
                check(&answer)?;
                if let Some(body) = answer.json()
                    && !body["errors"].as_array().is_some_and(|e| {
                        e.iter()
                            .any(|e| e["extensions"]["code"] == "GRAPHQL_PARSE_FAILED")
                    })
                {
                    parsed.set(parsed.get() + 1);
                }
                let wrote = writes(&fuzz.server) - before;
                if wrote > 0 && (!may_write || !matches!(auth, Auth::Editor)) {
                    forbidden_writes.set(forbidden_writes.get() + wrote);
                }
                prop_assert_eq!(
                    forbidden_writes.get(),
                    0,
                    "a GET or a request without a valid token wrote: {:?}",
                    query
                );
                Ok(())
            },
        );
        // The grammar is useful only if a fair share of what it makes gets past the parser.
        tally.print("GraphQL documents");
        eprintln!("documents that parsed: {}", parsed.get());
        assert!(parsed.get() > 0, "no generated document parsed");
        fuzz.server.assert_still_serves();
    });
}
