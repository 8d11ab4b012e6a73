//! The GraphQL-over-HTTP specification's protocol errors, one test each: the status, a body
//! whose `errors[0].extensions.code` names the mistake, and a server that keeps serving.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_code, spawn_app};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// What came back: status, headers and the body as JSON.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let resp = request.send().await.expect("request reaches the server");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    Answer {
        status,
        headers,
        body,
    }
}

/// POSTs `body` with the given `Content-Type` and `Accept` (each left out when `None`).
async fn post(
    app: &TestApp,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    answer(request).await
}

async fn get(app: &TestApp, query_string: &str, accept: Option<&str>) -> Answer {
    let mut request = app
        .client
        .get(format!("{}/graphql?{query_string}", app.address));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    answer(request).await
}

fn json_body(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

/// A normal query on the same server still works.
async fn still_serving(app: &TestApp) {
    let data = app.data("{ sources { title } }", json!({})).await;
    assert_eq!(data["sources"][0]["title"], "Back Pain After An Epidural");
}

#[tokio::test]
async fn protocol_malformed_json_is_400() {
    let app = spawn_app().await;
    for accept in [None, Some(GRAPHQL_RESPONSE_JSON)] {
        let a = post(
            &app,
            Some("application/json"),
            accept,
            b"{\"query\": ".to_vec(),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert_code(&a.body, "BAD_REQUEST");
        assert!(
            a.body["errors"][0]["message"]
                .as_str()
                .expect("message")
                .contains("JSON")
        );
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_a_body_that_is_not_an_object_is_400() {
    let app = spawn_app().await;
    for body in ["42", "\"{ sources { title } }\"", "null", "true"] {
        let a = post(
            &app,
            Some("application/json"),
            None,
            body.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {}", a.body);
        assert_code(&a.body, "BAD_REQUEST");
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_a_request_without_a_string_query_is_400() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({ "query": 42 }),
        json!({ "query": "" }),
        json!({ "query": "{ sources { title } }", "variables": [1] }),
        json!({ "query": "{ sources { title } }", "operationName": 7 }),
        json!({ "query": "{ sources { title } }", "extensions": "x" }),
    ] {
        let a = post(&app, Some("application/json"), None, json_body(&body)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {}", a.body);
        assert_code(&a.body, "BAD_REQUEST");
    }
    // Members the specification does not define are ignored.
    let a = post(
        &app,
        Some("application/json"),
        None,
        json_body(&json!({ "query": "{ sources { title } }", "variables": null, "id": "x" })),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_missing_content_type_is_415() {
    let app = spawn_app().await;
    let a = post(
        &app,
        None,
        None,
        json_body(&json!({ "query": "{ sources { title } }" })),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_code(&a.body, "UNSUPPORTED_MEDIA_TYPE");
    assert!(a.headers.contains_key("accept-post"));
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_wrong_content_type_is_415() {
    let app = spawn_app().await;
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=iso-8859-1",
    ] {
        let a = post(
            &app,
            Some(ct),
            None,
            json_body(&json!({ "query": "{ sources { title } }" })),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        assert_code(&a.body, "UNSUPPORTED_MEDIA_TYPE");
        assert_eq!(
            a.headers["accept-post"],
            "application/json, application/graphql"
        );
    }
    // The media type is case-insensitive and may name UTF-8.
    let a = post(
        &app,
        Some("Application/JSON; charset=UTF-8"),
        None,
        json_body(&json!({ "query": "{ sources { title } }" })),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_invalid_utf8_is_400() {
    let app = spawn_app().await;
    let mut body = br#"{"query":"{ sources { title } }", "x": ""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(b"\"}");
    for ct in ["application/json", "application/graphql"] {
        let a = post(&app, Some(ct), None, body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{ct}");
        assert_code(&a.body, "BAD_REQUEST");
        assert!(
            a.body["errors"][0]["message"]
                .as_str()
                .expect("message")
                .contains("UTF-8")
        );
    }
    // In a GET's query string too.
    let a = get(
        &app,
        "query=%7B%20sources%20%7B%20title%20%7D%20%7D%FF",
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_code(&a.body, "BAD_REQUEST");
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_a_get_without_a_query_is_400() {
    let app = spawn_app().await;
    let a = get(&app, "operationName=X", None).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_code(&a.body, "BAD_REQUEST");
    let a = get(
        &app,
        "query=%7B%20sources%20%7B%20title%20%7D%20%7D&variables=not-json",
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_code(&a.body, "BAD_REQUEST");
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_unknown_operation_name() {
    let app = spawn_app().await;
    let body = json!({ "query": "query A { sources { title } } query B { sources { id } }",
        "operationName": "C" });
    let a = post(&app, Some("application/json"), None, json_body(&body)).await;
    assert_eq!(a.status, StatusCode::OK, "application/json: 200");
    assert_code(&a.body, "BAD_USER_INPUT");
    let message = a.body["errors"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("\"C\"") && message.contains("A, B"),
        "{message}"
    );
    let a = post(
        &app,
        Some("application/json"),
        Some(GRAPHQL_RESPONSE_JSON),
        json_body(&body),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_code(&a.body, "BAD_USER_INPUT");
    assert!(a.body.get("data").is_none(), "{}", a.body);
    // Naming one that exists runs it.
    let body = json!({ "query": "query A { sources { title } } query B { sources { id } }",
        "operationName": "A" });
    let a = post(&app, Some("application/json"), None, json_body(&body)).await;
    assert_eq!(
        a.body["data"]["sources"][0]["title"],
        "Back Pain After An Epidural"
    );
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_several_operations_without_operation_name() {
    let app = spawn_app().await;
    let body = json!({ "query": "query A { sources { title } } query B { sources { id } }" });
    let a = post(&app, Some("application/json"), None, json_body(&body)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_code(&a.body, "BAD_USER_INPUT");
    assert!(
        a.body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("operationName"),
        "{}",
        a.body
    );
    let a = post(
        &app,
        Some("application/json"),
        Some(GRAPHQL_RESPONSE_JSON),
        json_body(&body),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_a_mutation_by_get_is_405_with_allow_post() {
    let app = spawn_app().await;
    for (query_string, accept) in [
        ("query=mutation%20%7B%20x%20%7D", None),
        (
            "query=mutation%20%7B%20x%20%7D",
            Some(GRAPHQL_RESPONSE_JSON),
        ),
        // The operation chosen by name is the one that counts.
        (
            "query=query%20A%20%7B%20sources%20%7B%20title%20%7D%20%7D%20mutation%20B%20%7B%20x%20%7D&operationName=B",
            None,
        ),
    ] {
        let a = get(&app, query_string, accept).await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{query_string}");
        assert_eq!(a.headers["allow"], "POST");
        assert_code(&a.body, "METHOD_NOT_ALLOWED");
    }
    // A query by GET is fine.
    let a = get(&app, "query=%7B%20sources%20%7B%20title%20%7D%20%7D", None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.body["data"]["sources"][0]["title"],
        "Back Pain After An Epidural"
    );
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_other_methods_are_405_with_allow() {
    let app = spawn_app().await;
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let a = answer(
            app.client
                .request(method.clone(), format!("{}/graphql", app.address)),
        )
        .await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(a.headers["allow"], "GET, POST");
        assert_code(&a.body, "METHOD_NOT_ALLOWED");
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_unsupported_accept_is_406() {
    let app = spawn_app().await;
    let body = json_body(&json!({ "query": "{ sources { title } }" }));
    for accept in [
        "text/html",
        "application/xml, text/*",
        "application/graphql-response+json;q=0, application/json;q=0",
    ] {
        let a = post(&app, Some("application/json"), Some(accept), body.clone()).await;
        assert_eq!(a.status, StatusCode::NOT_ACCEPTABLE, "{accept}");
        assert_code(&a.body, "NOT_ACCEPTABLE");
    }
    // Wildcards and parameters are understood.
    for (accept, media) in [
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("Application/JSON; charset=utf-8", "application/json"),
        (
            "application/graphql-response+json, application/json;q=0.9",
            GRAPHQL_RESPONSE_JSON,
        ),
        (
            "application/graphql-response+json;q=0, application/json",
            "application/json",
        ),
    ] {
        let a = post(&app, Some("application/json"), Some(accept), body.clone()).await;
        assert_eq!(a.status, StatusCode::OK, "{accept}");
        assert!(
            a.content_type().starts_with(media),
            "{accept}: {}",
            a.content_type()
        );
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn protocol_graphql_response_json_status_codes() {
    let app = spawn_app().await;
    let cases = [
        // Syntax and validation failures are request errors: 400, no `data`.
        (
            "{ sources { title ",
            StatusCode::BAD_REQUEST,
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            "{ nope }",
            StatusCode::BAD_REQUEST,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        // A field error happens during execution: 200 with `data`.
        (
            r#"{ node(id: "42") { id } }"#,
            StatusCode::OK,
            "BAD_USER_INPUT",
        ),
    ];
    for (query, status, code) in cases {
        let body = json_body(&json!({ "query": query }));
        let a = post(
            &app,
            Some("application/json"),
            Some(GRAPHQL_RESPONSE_JSON),
            body.clone(),
        )
        .await;
        assert_eq!(a.status, status, "{query}: {}", a.body);
        assert!(
            a.content_type().starts_with(GRAPHQL_RESPONSE_JSON),
            "{}",
            a.content_type()
        );
        assert_code(&a.body, code);
        assert_eq!(
            a.body.get("data").is_some(),
            status == StatusCode::OK,
            "{}",
            a.body
        );
        // Under application/json every well-formed request is a 200.
        let a = post(
            &app,
            Some("application/json"),
            Some("application/json"),
            body,
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{query}");
        assert!(a.content_type().starts_with("application/json"));
        assert_code(&a.body, code);
    }
    // A success is a 200 with the media type asked for.
    let a = post(
        &app,
        Some("application/json"),
        Some(GRAPHQL_RESPONSE_JSON),
        json_body(&json!({ "query": "{ sources { title } }" })),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.content_type().starts_with(GRAPHQL_RESPONSE_JSON));
    assert_eq!(
        a.body["data"]["sources"][0]["title"],
        "Back Pain After An Epidural"
    );
    still_serving(&app).await;
}
