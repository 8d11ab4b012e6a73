//! Every limit refuses a request over it with LIMIT_EXCEEDED naming the limit and its value,
//! quickly and before anything runs, and the server keeps serving.

use std::time::{Duration, Instant};

use caregraph::config::ServeConfig;
use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_code, spawn_app, spawn_app_configured};

/// Starts a server whose limits `configure` sets.
async fn spawn_with(configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
    spawn_app_configured(|_, serve| configure(serve)).await
}

/// Asserts `resp` is one LIMIT_EXCEEDED error naming `limit` with `max`.
fn assert_limit(status: StatusCode, resp: &Value, limit: &str, max: u64) {
    assert_eq!(
        status,
        StatusCode::OK,
        "application/json answers 200: {resp}"
    );
    assert_code(resp, "LIMIT_EXCEEDED");
    let ext = &resp["errors"][0]["extensions"];
    assert_eq!(ext["limit"], limit, "{resp}");
    assert_eq!(ext["max"], max, "{resp}");
    let message = resp["errors"][0]["message"].as_str().expect("message");
    assert!(
        message.contains(limit),
        "the message names the limit: {message}"
    );
    assert!(resp.get("data").is_none(), "nothing ran: {resp}");
}

/// A normal query on the same server still works.
async fn still_serving(app: &TestApp) {
    let data = app.data("{ sources { title } }", json!({})).await;
    assert_eq!(data["sources"][0]["title"], "Back Pain After An Epidural");
}

fn repeat(item: &str, n: usize) -> String {
    (0..n)
        .map(|i| item.replace("{i}", &i.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn limit_depth() {
    let app = spawn_with(|s| s.limits.max_depth = 4).await;
    let (status, resp) = app
        .gql(
            r#"{ condition(slug: "spinal-stenosis") { treatmentLinks { treatment { name } } } }"#,
            json!({}),
        )
        .await;
    assert!(resp.get("errors").is_none(), "depth 4 passes: {resp}");
    assert_eq!(status, StatusCode::OK);
    let (status, resp) = app
        .gql(
            r#"{ condition(slug: "spinal-stenosis") { treatmentLinks { treatment { ...T } } } }
               fragment T on Treatment { risks { name } }"#,
            json!({}),
        )
        .await;
    assert_limit(status, &resp, "depth", 4);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_complexity() {
    let app = spawn_with(|s| s.limits.max_complexity = 10).await;
    let (status, resp) = app
        .gql(
            &format!("{{ sources {{ {} }} }}", repeat("t{i}: title", 10)),
            json!({}),
        )
        .await;
    assert_limit(status, &resp, "complexity", 10);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_complexity_counts_fragments_where_spread_and_refuses_a_fragment_bomb_at_once() {
    let app = spawn_app().await;
    // Each fragment spreads the next one twice: 2^30 fields once expanded.
    let mut query = String::from("{ ...F0 }\n");
    for i in 0..30 {
        query.push_str(&format!(
            "fragment F{i} on QueryRoot {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    query.push_str("fragment F30 on QueryRoot { sources { title } }\n");
    let started = Instant::now();
    let (status, resp) = app.gql(&query, json!({})).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused quickly: {:?}",
        started.elapsed()
    );
    assert_limit(status, &resp, "complexity", 2000);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_aliases() {
    let app = spawn_app().await;
    let (_, ok) = app
        .gql(
            &format!("{{ sources {{ {} }} }}", repeat("t{i}: title", 30)),
            json!({}),
        )
        .await;
    assert!(ok.get("errors").is_none(), "30 aliases pass: {ok}");
    let (status, resp) = app
        .gql(
            &format!("{{ sources {{ {} }} }}", repeat("t{i}: title", 31)),
            json!({}),
        )
        .await;
    assert_limit(status, &resp, "aliases", 30);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_root_fields() {
    let app = spawn_with(|s| s.limits.max_root_fields = 3).await;
    let (status, resp) = app
        .gql(
            "{ sources { title } sources { title } ...More } fragment More on QueryRoot { sources { title } sources { title } }",
            json!({}),
        )
        .await;
    assert_limit(status, &resp, "rootFields", 3);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_directives() {
    let app = spawn_app().await;
    let (status, resp) = app
        .gql(
            &format!(
                "{{ sources {{ title {} }} }}",
                repeat("@include(if: true)", 6)
            ),
            json!({}),
        )
        .await;
    assert_limit(status, &resp, "directives", 5);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_query_bytes() {
    let app = spawn_app().await;
    let query = format!("{{ sources {{ title }} }} # {}", "x".repeat(40_000));
    let (status, resp) = app.gql(&query, json!({})).await;
    assert_limit(status, &resp, "queryBytes", 32 * 1024);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_tokens() {
    let app = spawn_with(|s| s.limits.max_tokens = 20).await;
    // Braces and `sources` are 4 tokens, then 17 titles: 21.
    let query = format!("{{ sources {{ {} }} }}", repeat("title", 17));
    let (status, resp) = app.gql(&query, json!({})).await;
    assert_limit(status, &resp, "tokens", 20);
    // Commas and comments are not tokens.
    let (_, ok) = app
        .gql("# a comment { { {\n{ sources { title,,,, } }", json!({}))
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_batch_size_refuses_batches_by_default() {
    let app = spawn_app().await;
    let (status, resp) = app
        .post_json(&json!([{ "query": "{ sources { title } }" }]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{resp}");
    assert_code(&resp, "LIMIT_EXCEEDED");
    assert_eq!(resp["errors"][0]["extensions"]["limit"], "batchSize");
    assert_eq!(resp["errors"][0]["extensions"]["max"], 0);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_batch_size_when_batches_are_on() {
    let app = spawn_with(|s| s.limits.max_batch_size = 2).await;
    let (status, resp) = app
        .post_json(&json!([
            { "query": "{ sources { title } }" },
            { "query": "{ nope }" },
        ]))
        .await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    let answers = resp.as_array().expect("one answer per request");
    assert_eq!(answers.len(), 2);
    assert_eq!(
        answers[0]["data"]["sources"][0]["title"],
        "Back Pain After An Epidural"
    );
    assert_code(&answers[1], "GRAPHQL_VALIDATION_FAILED");
    let (status, resp) = app
        .post_json(&json!([
            { "query": "{ sources { title } }" },
            { "query": "{ sources { title } }" },
            { "query": "{ sources { title } }" },
        ]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{resp}");
    assert_code(&resp, "LIMIT_EXCEEDED");
    assert_eq!(resp["errors"][0]["extensions"]["limit"], "batchSize");
    assert_eq!(resp["errors"][0]["extensions"]["max"], 2);
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_page_size() {
    let app = spawn_with(|s| s.limits.max_page_size = 5).await;
    const PAGE: &str = "query($n: Int) { treatments(first: $n) { edges { node { name } } } }";
    let ok = app.data(PAGE, json!({ "n": 5 })).await;
    assert_eq!(
        ok["treatments"]["edges"].as_array().expect("edges").len(),
        5
    );
    // Without `first`, a page is never larger than the bound.
    let ok = app.data(PAGE, json!({})).await;
    assert_eq!(
        ok["treatments"]["edges"].as_array().expect("edges").len(),
        5
    );
    let (status, resp) = app.gql(PAGE, json!({ "n": 6 })).await;
    assert_eq!(status, StatusCode::OK);
    assert_code(&resp, "LIMIT_EXCEEDED");
    let ext = &resp["errors"][0]["extensions"];
    assert_eq!(ext["limit"], "pageSize", "{resp}");
    assert_eq!(ext["max"], 5, "{resp}");
    assert_eq!(ext["field"], "first", "{resp}");
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_execution_time() {
    let app = spawn_app_configured(|config, serve| {
        config.db_max_connections = 2;
        serve.limits.max_execution_ms = 300;
    })
    .await;
    // Given every pooled connection is taken, a read waits for one.
    let held = [
        app.db.begin().await.expect("begin"),
        app.db.begin().await.expect("begin"),
    ];
    let started = Instant::now();
    let (status, resp) = app.gql("{ sources { title } }", json!({})).await;
    let took = started.elapsed();
    // Then it is stopped at the limit, with TIMEOUT naming it.
    assert_eq!(
        status,
        StatusCode::OK,
        "application/json answers 200: {resp}"
    );
    assert_code(&resp, "TIMEOUT");
    assert_eq!(resp["errors"][0]["extensions"]["limit"], "executionTime");
    assert_eq!(resp["errors"][0]["extensions"]["max"], 300);
    assert!(resp.get("data").is_none(), "{resp}");
    assert!(
        took < Duration::from_secs(2),
        "stopped at the limit: {took:?}"
    );
    drop(held);
    still_serving(&app).await;
}

/// A request stopped in the middle of a write: the transaction is dropped, so none of it
/// stays. PostgreSQL: another session locks the audit log, so the node and its citation are
/// written and the audit insert waits. SQLite: a trigger on the audit insert makes the
/// database busy for about a second.
#[tokio::test]
async fn limit_execution_time_never_leaves_a_write_half_done() {
    let app = spawn_with(|s| s.limits.max_execution_ms = 200).await;
    let slow = app.token("slow", Role::Editor).await;
    let editor = app.token("ed", Role::Editor).await;
    let source_id = app.source_id().await;
    let count = || async {
        (
            entity::node::Entity::find()
                .count(&app.db)
                .await
                .expect("count"),
            entity::citation::Entity::find()
                .count(&app.db)
                .await
                .expect("count"),
        )
    };
    let before = count().await;
    let postgres = app.db.get_database_backend() == DbBackend::Postgres;
    let blocker = if postgres {
        let blocker = app.db.begin().await.expect("begin");
        blocker
            .execute_unprepared("LOCK TABLE audit_event IN EXCLUSIVE MODE")
            .await
            .expect("lock the audit log");
        Some(blocker)
    } else {
        app.db
            .execute_unprepared("CREATE TABLE spin (x INTEGER)")
            .await
            .expect("spin table");
        app.db
            .execute_unprepared(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300)
                 INSERT INTO spin SELECT x FROM n",
            )
            .await
            .expect("spin rows");
        app.db
            .execute_unprepared(
                "CREATE TRIGGER slow_audit BEFORE INSERT ON audit_event
                 WHEN NEW.actor_name = 'slow'
                 BEGIN SELECT count(*) FROM spin a, spin b, spin c; END",
            )
            .await
            .expect("slow trigger");
        None
    };

    // When an editor's create cannot finish within the limit.
    let create = "mutation($input: CreateNodeInput!) { createNode(input: $input) { id } }";
    let input = |slug: &str| {
        json!({ "input": { "kind": "TREATMENT", "slug": slug, "name": "Warm bath",
            "citations": [{ "sourceId": source_id, "quote": "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify." }] } })
    };
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&slow)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": create, "variables": input("warm-bath") }))
        .send()
        .await
        .expect("reachable");

    // Then it is stopped with TIMEOUT: a 504 under application/graphql-response+json.
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    let body: Value = resp.json().await.expect("json");
    assert_code(&body, "TIMEOUT");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "executionTime");

    // And once the database is free again, another write goes through and nothing of the
    // stopped one is there.
    if let Some(blocker) = blocker {
        blocker.rollback().await.expect("release");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, resp) = app.gql_as(&editor, create, input("cold-pack")).await;
        if resp.get("errors").is_none() {
            break;
        }
        let code = &resp["errors"][0]["extensions"]["code"];
        assert!(
            *code == "TIMEOUT" || *code == "SERVICE_UNAVAILABLE",
            "only waiting for the database: {resp}"
        );
        assert!(Instant::now() < deadline, "the database never came free");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after = count().await;
    assert_eq!(
        after,
        (before.0 + 1, before.1 + 1),
        "only the finished write"
    );
    let data = app
        .data_as(
            &editor,
            r#"{ treatment(slug: "warm-bath") { id } }"#,
            json!({}),
        )
        .await;
    assert!(data["treatment"].is_null(), "{data}");
}

#[tokio::test]
async fn limit_errors_are_400_under_graphql_response_json() {
    let app = spawn_with(|s| s.limits.max_depth = 2).await;
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ conditions { edges { node { name } } } }" }))
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_code(&body, "LIMIT_EXCEEDED");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "depth");
    assert!(body.get("data").is_none(), "{body}");
    still_serving(&app).await;
}

#[tokio::test]
async fn field_suggestions_only_for_token_holders() {
    let app = spawn_app().await;
    let (_, resp) = app.gql("{ sourcs { title } }", json!({})).await;
    assert_code(&resp, "GRAPHQL_VALIDATION_FAILED");
    let message = resp["errors"][0]["message"].as_str().expect("message");
    assert!(!message.contains("Did you mean"), "{message}");
    let token = app.token("analyst", Role::Reviewer).await;
    let (_, resp) = app.gql_as(&token, "{ sourcs { title } }", json!({})).await;
    assert_code(&resp, "GRAPHQL_VALIDATION_FAILED");
    let message = resp["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("Did you mean \"sources\""), "{message}");
    // An invalid token is an anonymous reader here too.
    let (_, resp) = app
        .gql_as("not-a-token", "{ sourcs { title } }", json!({}))
        .await;
    let message = resp["errors"][0]["message"].as_str().expect("message");
    assert!(!message.contains("Did you mean"), "{message}");
    still_serving(&app).await;
}

const INTROSPECT: &str = "{ __schema { queryType { name } } }";

#[tokio::test]
async fn introspection_is_public_by_default() {
    let app = spawn_app().await;
    let data = app.data(INTROSPECT, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "QueryRoot");
}

#[tokio::test]
async fn introspection_can_require_a_token() {
    let app = spawn_with(|s| s.limits.require_token_for_introspection()).await;
    for query in [
        INTROSPECT,
        r#"{ __type(name: "Condition") { name } }"#,
        "{ ...Meta } fragment Meta on QueryRoot { __schema { types { name } } }",
    ] {
        let (status, resp) = app.gql(query, json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_code(&resp, "UNAUTHENTICATED");
        let (_, resp) = app.gql_as("not-a-token", query, json!({})).await;
        assert_code(&resp, "UNAUTHENTICATED");
    }
    // `__typename` is not introspection of the schema.
    let data = app.data("{ __typename }", json!({})).await;
    assert_eq!(data["__typename"], "QueryRoot");
    let token = app.token("analyst", Role::Reviewer).await;
    let data = app.data_as(&token, INTROSPECT, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "QueryRoot");
    still_serving(&app).await;
}

#[tokio::test]
async fn hostile_bracket_nesting_is_refused_before_it_is_parsed() {
    let app = spawn_app().await;
    let query = format!("{}{}", "{ a ".repeat(5000), "}".repeat(5000));
    let started = Instant::now();
    let (status, resp) = app.gql(&query, json!({})).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(status, StatusCode::OK);
    assert_code(&resp, "GRAPHQL_PARSE_FAILED");
    still_serving(&app).await;
}

#[tokio::test]
async fn limit_body_bytes() {
    let app = spawn_with(|s| s.limits.max_body_bytes = 4096).await;
    let big = json!({ "query": "{ sources { title } }", "variables": { "pad": "a".repeat(5000) } });
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&big)
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = resp.json().await.expect("a JSON body");
    assert_code(&body, "LIMIT_EXCEEDED");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "bodyBytes");
    assert_eq!(body["errors"][0]["extensions"]["max"], 4096);

    // Without a Content-Length (chunked), the limit holds as the bytes arrive.
    let port = app.address.rsplit(':').next().expect("port");
    let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .expect("connect");
    let chunk = "a".repeat(3000);
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {len:x}\r\n{chunk}\r\n{len:x}\r\n{chunk}\r\n0\r\n\r\n",
        len = chunk.len()
    );
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("bodyBytes"), "{answer}");

    // Just under the limit is served.
    let small =
        json!({ "query": "{ sources { title } }", "variables": { "pad": "a".repeat(3000) } });
    let (status, resp) = app.post_json(&small).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    still_serving(&app).await;
}
