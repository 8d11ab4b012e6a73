//! Health, readiness and the offline GraphiQL page.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_when_the_database_does() {
    let app = spawn_app().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.expect("body"), "ready");
}

#[tokio::test]
async fn graphiql_is_served_with_its_assets_and_needs_no_internet() {
    let app = spawn_app().await;
    let page = app.get("/graphiql").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.expect("body");
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "external URL in page"
    );

    let mut scripts = 0;
    for (attr, expected_type) in [("src=\"", "javascript"), ("href=\"", "css")] {
        for part in html.split(attr).skip(1) {
            let path = part.split('"').next().expect("attribute value");
            assert!(
                path.starts_with("/graphiql/assets/"),
                "asset outside caregraph: {path}"
            );
            let asset = app.get(path).await;
            assert_eq!(asset.status(), StatusCode::OK, "{path}");
            let ct = asset.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .to_owned();
            assert!(ct.contains(expected_type), "{path}: {ct}");
            let body = asset.text().await.expect("body");
            assert!(body.len() > 10, "{path} is empty");
            if path.ends_with("init.js") {
                assert!(
                    body.contains("/graphql"),
                    "the boot script targets caregraph's own endpoint"
                );
                assert!(
                    !body.contains("https://"),
                    "the boot script loads nothing from outside"
                );
            }
            scripts += 1;
        }
    }
    assert!(
        scripts >= 5,
        "page, React, ReactDOM, GraphiQL JS and CSS, boot script: {scripts}"
    );
    assert_eq!(
        app.get("/graphiql/assets/nope.js").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/graphiql/assets/..%2Fmain.rs").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_root_leads_to_graphiql() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = client
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("reachable");
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(resp.headers()["location"], "/graphiql");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let given = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "frontend-42:abc")
        .send()
        .await
        .expect("reachable");
    assert_eq!(given.headers()["x-request-id"], "frontend-42:abc");
    let made = app.get("/healthz").await;
    let id = made.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    // An id that could break a log line is replaced, not echoed.
    let hostile = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "a b <script>")
        .send()
        .await
        .expect("reachable");
    assert_ne!(hostile.headers()["x-request-id"], "a b <script>");
}
