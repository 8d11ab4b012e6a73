//! /metrics: the Prometheus text after real traffic, and label sets that stay bounded whatever
//! clients send.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn scrape(app: &TestApp) -> String {
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    resp.text().await.expect("body")
}

/// The value of the sample whose name and labels are exactly `series`, if any.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// The values of `label` on the samples of `metric`.
fn label_values(text: &str, metric: &str, label: &str) -> HashSet<String> {
    let prefix = format!("{metric}{{");
    let key = format!("{label}=\"");
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .filter_map(|labels| {
            let start = labels.find(key.as_str())? + key.len();
            let end = labels[start..].find('"')?;
            Some(labels[start..start + end].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn metrics_describe_the_traffic_served() {
    let app = spawn_app().await;

    let (status, resp) = app
        .post_json(&json!({
            "query": r#"query ConditionPage { condition(slug: "spinal-stenosis") { name } }"#,
            "operationName": "ConditionPage",
        }))
        .await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert!(resp.get("errors").is_none(), "{resp}");

    app.data("{ sources { title } }", json!({})).await;

    let (_, resp) = app.gql("{ noSuchField }", json!({})).await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{resp}"
    );

    let random = format!("Random{}", uuid::Uuid::now_v7().simple());
    let (_, resp) = app
        .post_json(&json!({
            "query": "query Listed { sources { title } }",
            "operationName": random,
        }))
        .await;
    assert!(resp.get("errors").is_some(), "{resp}");

    let text = scrape(&app).await;

    assert_eq!(
        sample(
            &text,
            r#"caregraph_graphql_requests_total{operation="ConditionPage",outcome="ok"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"caregraph_graphql_requests_total{operation="anonymous",outcome="ok"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"caregraph_graphql_requests_total{operation="anonymous",outcome="rejected"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"caregraph_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(!text.contains(&random), "{text}");
    assert!(
        sample(
            &text,
            r#"caregraph_graphql_request_duration_seconds_count{operation="ConditionPage"}"#
        ) == Some(1.0),
        "{text}"
    );

    let graphql_posts = sample(
        &text,
        r#"caregraph_http_requests_total{method="POST",route="/graphql",status="200"}"#,
    );
    assert!(graphql_posts.is_some_and(|n| n >= 4.0), "{text}");
    assert!(
        text.contains(r#"caregraph_http_request_duration_seconds_bucket{route="/graphql","#),
        "{text}"
    );

    assert!(
        sample(&text, "caregraph_sql_statement_duration_seconds_count").is_some_and(|n| n > 0.0),
        "{text}"
    );
    assert!(
        sample(&text, "caregraph_sql_statements_per_request_count").is_some_and(|n| n >= 4.0),
        "{text}"
    );

    let idle = sample(&text, r#"caregraph_db_pool_connections{state="idle"}"#);
    let in_use = sample(&text, r#"caregraph_db_pool_connections{state="in_use"}"#);
    assert!(idle.is_some() && in_use.is_some(), "{text}");
    assert_eq!(
        sample(&text, "caregraph_db_pool_max_connections"),
        Some(5.0),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_label_routes_by_pattern_not_path() {
    let app = spawn_app().await;
    app.get("/graphiql/assets/no-such-file.js").await;
    app.get("/no/such/page").await;

    let text = scrape(&app).await;
    let routes = label_values(&text, "caregraph_http_requests_total", "route");
    assert!(routes.contains("/graphiql/assets/{file}"), "{text}");
    assert!(routes.contains("unmatched"), "{text}");
    assert!(!text.contains("no-such-file"), "{text}");
    assert!(!text.contains("/no/such/page"), "{text}");
}

#[tokio::test]
async fn operation_labels_stay_bounded() {
    let app = spawn_app().await;
    for i in 0..300 {
        let name = format!("Op{i}");
        let (status, resp) = app
            .post_json(&json!({
                "query": format!("query {name} {{ sources {{ title }} }}"),
                "operationName": name,
            }))
            .await;
        assert_eq!(status, StatusCode::OK, "{resp}");
    }

    let text = scrape(&app).await;
    let operations = label_values(&text, "caregraph_graphql_requests_total", "operation");
    assert!(operations.len() <= 201, "{} labels", operations.len());
    assert!(operations.contains("other"), "{operations:?}");
    assert_eq!(
        sample(
            &text,
            r#"caregraph_graphql_requests_total{operation="other",outcome="ok"}"#
        ),
        Some(100.0),
        "{text}"
    );
}
