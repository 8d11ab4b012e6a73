//! Abuse controls: per-client rate limits, CORS for configured frontends only, security headers
//! on every answer.

use std::time::Duration;

use entity::sea_orm_active_enums::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_configured};

const QUERY: &str = r#"{ condition(slug: "spinal-stenosis") { name } }"#;
const FRONTEND: &str = "https://app.example.org";

fn post(app: &crate::helpers::TestApp) -> reqwest::RequestBuilder {
    app.client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": QUERY }))
}

async fn assert_normal_query_works(app: &crate::helpers::TestApp) {
    let data = app.data(QUERY, json!({})).await;
    assert_eq!(data["condition"]["name"], "Spinal stenosis");
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_rate_limited_with_retry_after_and_others_are_served() {
    // Given a limit of 1 request per second with bursts of 3
    let app = spawn_app_configured(|_, serve| {
        serve.guard.rate_limit_per_second = 1;
        serve.guard.rate_limit_burst = 3;
        serve.guard.cors_allowed_origins = vec![FRONTEND.to_owned()];
    })
    .await;
    let editor = app.token("ed", Role::Editor).await;

    // When an anonymous client sends 4 requests at once
    for _ in 0..3 {
        assert_eq!(
            post(&app).send().await.expect("sent").status(),
            StatusCode::OK
        );
    }
    let refused = post(&app)
        .header("Origin", FRONTEND)
        .send()
        .await
        .expect("sent");

    // Then the 4th is refused with 429, Retry-After and a GraphQL-shaped RATE_LIMITED error
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    // readable by the configured frontend, and with the usual security headers
    assert_eq!(refused.headers()["access-control-allow-origin"], FRONTEND);
    assert_eq!(refused.headers()["x-content-type-options"], "nosniff");
    assert!(
        refused.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    let body: Value = refused.json().await.expect("JSON body");
    crate::helpers::assert_code(&body, "RATE_LIMITED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("too many requests"),
        "{body}"
    );

    // And probes, metrics and a client with its own token are not held back by it
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let data = app.data_as(&editor, QUERY, json!({})).await;
    assert_eq!(data["condition"]["name"], "Spinal stenosis");

    // And once the client waits as told, it is served again.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_normal_query_works(&app).await;
}

#[tokio::test]
async fn the_default_rate_limit_leaves_room_for_graphiql_and_tests() {
    let app = spawn_app().await;
    // A GraphiQL visit (page, nine assets) and a burst of queries from one address.
    assert_eq!(app.get("/graphiql").await.status(), StatusCode::OK);
    let requests: Vec<_> = (0..300).map(|_| post(&app).send()).collect();
    for resp in futures_util::future::join_all(requests).await {
        assert_eq!(resp.expect("sent").status(), StatusCode::OK);
    }
    assert_normal_query_works(&app).await;
}

#[tokio::test]
async fn rate_limiting_can_be_turned_off() {
    let app = spawn_app_configured(|_, serve| {
        serve.guard.rate_limit_per_second = 0;
        serve.guard.rate_limit_burst = 1;
    })
    .await;
    for _ in 0..20 {
        assert_eq!(
            app.get("/graphiql/assets/init.js").await.status(),
            StatusCode::OK
        );
    }
    assert_normal_query_works(&app).await;
}

async fn preflight(app: &crate::helpers::TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, format!("{}/graphql", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,authorization,x-request-id",
        )
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn cors_lets_configured_frontends_in_and_no_other_site() {
    // Given one configured frontend
    let app = spawn_app_configured(|_, serve| {
        serve.guard.cors_allowed_origins = vec![FRONTEND.to_owned()];
    })
    .await;

    // When it sends a preflight, then it is allowed POST with its token and content type
    let ok = preflight(&app, FRONTEND).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["access-control-allow-origin"], FRONTEND);
    let methods = ok.headers()["access-control-allow-methods"]
        .to_str()
        .expect("ascii");
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let headers = ok.headers()["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    for h in ["content-type", "authorization", "x-request-id"] {
        assert!(headers.contains(h), "{headers}");
    }
    let resp = post(&app)
        .header("Origin", FRONTEND)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["access-control-allow-origin"], FRONTEND);

    // And another site gets no CORS grant, preflight or not
    let evil = preflight(&app, "https://evil.example").await;
    assert_eq!(evil.status(), StatusCode::BAD_REQUEST);
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    let resp = post(&app)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    assert_normal_query_works(&app).await;
}

#[tokio::test]
async fn by_default_no_origin_gets_cross_origin_access() {
    let app = spawn_app().await;
    let resp = preflight(&app, FRONTEND).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let resp = post(&app)
        .header("Origin", FRONTEND)
        .send()
        .await
        .expect("sent");
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    // A same-origin page (GraphiQL) sends its own origin and is served as before.
    let own = app.address.clone();
    let resp = post(&app).header("Origin", own).send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_normal_query_works(&app).await;
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_graphiql_allows_only_its_own_assets() {
    let app = spawn_app().await;
    for path in [
        "/graphql?query=%7B__typename%7D",
        "/graphiql",
        "/graphiql/assets/init.js",
        "/healthz",
        "/no-such-page",
    ] {
        let resp = app.get(path).await;
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    // API answers may load nothing at all.
    let api = app.get("/healthz").await;
    assert!(
        api.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .starts_with("default-src 'none'")
    );
    // GraphiQL keeps its own policy: its origin only, no inline or foreign script.
    let page = app.get("/graphiql").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    for directive in csp.split(';').map(str::trim) {
        for source in directive.split_whitespace().skip(1) {
            assert!(
                matches!(source, "'self'" | "'none'" | "data:" | "'unsafe-inline'"),
                "{directive}"
            );
        }
        if directive.starts_with("script-src") || directive.starts_with("default-src") {
            assert_eq!(
                directive.split_whitespace().nth(1),
                Some("'self'"),
                "{directive}"
            );
            assert_eq!(directive.split_whitespace().count(), 2, "{directive}");
        }
    }
    assert_normal_query_works(&app).await;
}
