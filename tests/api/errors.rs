//! Bad input gets a GraphQL error with a code; protocol mistakes get the right HTTP status.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_code, spawn_app};

#[tokio::test]
async fn malformed_queries_and_wrong_variables_have_codes() {
    let app = spawn_app().await;
    let (status, resp) = app.gql("{ conditions(first: 1) { ", json!({})).await;
    assert_eq!(status, StatusCode::OK, "application/json answers 200");
    assert_code(&resp, "GRAPHQL_PARSE_FAILED");
    let (_, resp) = app.gql("{ conditions { nope } }", json!({})).await;
    assert_code(&resp, "GRAPHQL_VALIDATION_FAILED");
    let (_, resp) = app
        .gql(
            "query($n: Int) { conditions(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        )
        .await;
    assert_code(&resp, "GRAPHQL_VALIDATION_FAILED");
    // A normal query right after still works.
    let data = app
        .data("{ conditions(first: 1) { totalCount } }", json!({}))
        .await;
    assert!(data["conditions"]["totalCount"].as_u64().expect("count") >= 8);
}

#[tokio::test]
async fn graphql_response_json_gives_400_for_request_errors() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ nope }" }))
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/graphql-response+json")
    );
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_code(&body, "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn unknown_slugs_are_null_and_bad_ids_are_bad_input() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ condition(slug: "no-such-thing") { name } }"#,
            json!({}),
        )
        .await;
    assert!(data["condition"].is_null());
    let (_, resp) = app.gql(r#"{ node(id: "42") { id } }"#, json!({})).await;
    assert_code(&resp, "BAD_USER_INPUT");
    let data = app
        .data(
            r#"{ node(id: "01900000-0000-7000-8000-000000000000") { id } }"#,
            json!({}),
        )
        .await;
    assert!(data["node"].is_null());
}

#[tokio::test]
async fn node_fetches_any_node_by_id() {
    let app = spawn_app().await;
    let data = app
        .data(r#"{ treatment(slug: "massage") { id name } }"#, json!({}))
        .await;
    let id = data["treatment"]["id"].clone();
    let data = app
        .data(
            "query($id: ID!) { node(id: $id) { id kind ... on Treatment { name treatmentType } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["node"]["kind"], "TREATMENT");
    assert_eq!(data["node"]["name"], "Massage");
    assert_eq!(data["node"]["id"], id);
}

#[tokio::test]
async fn get_serves_queries_but_never_mutations() {
    let app = spawn_app().await;
    let resp = app.get("/graphql?query=%7B%20condition(slug%3A%20%22spinal-stenosis%22)%20%7B%20name%20%7D%20%7D").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["condition"]["name"], "Spinal stenosis");
    let resp = app.get("/graphql?query=mutation%20%7B%20x%20%7D").await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "POST");
}

#[tokio::test]
async fn unsupported_accept_and_methods_are_refused() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "text/html")
        .json(&json!({ "query": "{ sources { title } }" }))
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let resp = app
        .client
        .put(format!("{}/graphql", app.address))
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // And the server keeps serving.
    let data = app.data("{ sources { title } }", json!({})).await;
    assert_eq!(data["sources"][0]["title"], "Back Pain After An Epidural");
}

#[tokio::test]
async fn bodies_are_read_strictly_and_refused_with_the_right_status() {
    let app = spawn_app().await;
    let post = |content_type: &'static str, body: Vec<u8>| {
        app.client
            .post(format!("{}/graphql", app.address))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // Too large: refused before it is parsed.
    let huge = format!(
        r#"{{"query":"{{ sources {{ title }} }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(1_000_000)
    );
    assert_eq!(
        post("application/json", huge.into_bytes())
            .await
            .expect("reachable")
            .status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // A content type a browser may send cross-site without asking is not accepted.
    let resp = post(
        "text/plain",
        br#"{"query":"{ sources { title } }"}"#.to_vec(),
    )
    .await
    .expect("reachable");
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(resp.headers().contains_key("accept-post"));
    let resp = post("application/x-www-form-urlencoded", b"query=x".to_vec())
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Not an object, a batch, invalid UTF-8: 400 with a reason.
    for body in [
        b"[1,2]".to_vec(),
        b"42".to_vec(),
        vec![0xff, 0xfe],
        br#"[{"query":"{ sources { title } }"}]"#.to_vec(),
    ] {
        let resp = post("application/json", body).await.expect("reachable");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(!resp.text().await.expect("body").is_empty());
    }
    // application/graphql carries the bare document.
    let resp = post("application/graphql", b"{ sources { title } }".to_vec())
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        body["data"]["sources"][0]["title"],
        "Back Pain After An Epidural"
    );
    // And the server keeps serving.
    assert_eq!(
        app.data("{ sources { title } }", json!({})).await["sources"][0]["title"],
        "Back Pain After An Epidural"
    );
}

/// A document that passed validation once is not validated again in full (the document
/// cache marks it `DocumentValidated`), but every request's variables still are: a variable
/// of the wrong type is refused the same way before and after, and a document that fails
/// validation is never taken for validated.
#[tokio::test]
async fn variables_are_checked_after_the_document_was_validated() {
    let app = spawn_app().await;
    let query = "query Once($slug: String!) { condition(slug: $slug) { name } }";
    let wrong = json!({ "slug": 5 });
    let before = app.gql(query, wrong.clone()).await;
    assert_code(&before.1, "GRAPHQL_VALIDATION_FAILED");
    assert!(before.1.get("data").is_none(), "{}", before.1);
    let (status, body) = app
        .gql(query, json!({ "slug": "postpartum-low-back-pain" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["condition"]["name"].is_string(), "{body}");
    let after = app.gql(query, wrong).await;
    assert_eq!(after, before);

    let invalid = "query Never($slug: String!) { condition(slug: $slug) { noSuchField } }";
    for _ in 0..2 {
        let (_, body) = app
            .gql(invalid, json!({ "slug": "postpartum-low-back-pain" }))
            .await;
        assert_code(&body, "GRAPHQL_VALIDATION_FAILED");
        assert!(body.get("data").is_none(), "{body}");
    }
}
