//! The database goes away under load and comes back: readiness follows it, requests fail fast
//! with a code that says so, nothing acknowledged is lost and nothing is half-written.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::helpers::{Proxy, QUOTE, TestApp, spawn_app_configured};

const CREATE: &str = r#"mutation($input: CreateNodeInput!) {
  createNode(input: $input) { id slug version citations { id } } }"#;
const READ: &str = r#"{ condition(slug: "postpartum-low-back-pain") {
  name treatments { slug } causeLinks { cause { name } citations { quote } } } }"#;

const EDITORS: usize = 4;
const READERS: usize = 4;
/// Pool acquire timeout of the app under test.
const ACQUIRE_TIMEOUT_MS: u64 = 1000;
/// Load before the cut, length of the cut, load after readiness is back.
const BEFORE: Duration = Duration::from_millis(1500);
const OUTAGE: Duration = Duration::from_secs(4);
const AFTER: Duration = Duration::from_millis(1500);

/// What one request got.
#[derive(Debug)]
struct Outcome {
    write: bool,
    /// The error code, or "OK".
    code: String,
    /// Sent while the proxy was cut.
    during_cut: bool,
    took: Duration,
}

#[derive(Default)]
struct Log {
    outcomes: Vec<Outcome>,
    /// Slugs of every create the client sent, and the ids of the acknowledged ones.
    sent: Vec<String>,
    acknowledged: BTreeMap<String, String>,
}

#[tokio::test]
async fn a_database_outage_under_load_fails_fast_loses_no_acknowledged_write_and_heals() {
    let Some(proxy) = Proxy::start(true).await else {
        eprintln!("skipped: needs PostgreSQL (set CAREGRAPH_TEST_DATABASE_URL)");
        return;
    };
    let proxy = Arc::new(proxy);
    let route = proxy.clone();
    // Given caregraph reaching PostgreSQL through a proxy the test can cut, under a bounded
    // mixed load: readers, and editors drafting treatments with a citation each.
    let app = Arc::new(
        spawn_app_configured(move |config, serve| {
            config.database_url = route.route(&config.database_url);
            config.db_acquire_timeout_ms = ACQUIRE_TIMEOUT_MS;
            serve.workers = 2;
            // This test is about the database; the load comes from one address.
            serve.guard.rate_limit_per_second = 0;
        })
        .await,
    );
    let source = app.source_id().await;
    let mut tokens = Vec::new();
    for i in 0..EDITORS {
        tokens.push(app.token(&format!("editor-{i}"), Role::Editor).await);
    }
    let cut = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Log::default()));

    let mut workers = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let (app, cut, stop, log, source) = (
            app.clone(),
            cut.clone(),
            stop.clone(),
            log.clone(),
            source.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let slug = format!("fault-{i}-{n}");
                let input = json!({
                    "kind": "TREATMENT", "slug": slug, "name": format!("Fault test {i}.{n}"),
                    "treatmentType": "SELF_CARE",
                    "citations": [{ "sourceId": source, "quote": QUOTE }],
                });
                log.lock().await.sent.push(slug.clone());
                let during_cut = cut.load(Ordering::Relaxed);
                let started = Instant::now();
                let (status, resp) =
                    send(&app, Some(&token), CREATE, json!({ "input": input })).await;
                let took = started.elapsed();
                let code = code_of(status, &resp);
                let mut log = log.lock().await;
                if code == "OK" {
                    let id = resp["data"]["createNode"]["id"].as_str().expect("id");
                    log.acknowledged.insert(slug, id.to_owned());
                }
                log.outcomes.push(Outcome {
                    write: true,
                    code,
                    during_cut,
                    took,
                });
            }
        }));
    }
    for _ in 0..READERS {
        let (app, cut, stop, log) = (app.clone(), cut.clone(), stop.clone(), log.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let during_cut = cut.load(Ordering::Relaxed);
                let started = Instant::now();
                let (status, resp) = send(&app, None, READ, json!({})).await;
                let took = started.elapsed();
                let code = code_of(status, &resp);
                if code == "OK" {
                    assert_eq!(
                        resp["data"]["condition"]["name"], "Postpartum low back pain",
                        "{resp}"
                    );
                }
                log.lock().await.outcomes.push(Outcome {
                    write: false,
                    code,
                    during_cut,
                    took,
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }

    tokio::time::sleep(BEFORE).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    // When the database goes away
    proxy.cut();
    cut.store(true, Ordering::Relaxed);
    let cut_at = Instant::now();
    let mut flipped = None;
    while cut_at.elapsed() < OUTAGE {
        if flipped.is_none() && app.get("/readyz").await.status() == StatusCode::SERVICE_UNAVAILABLE
        {
            flipped = Some(cut_at.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Then readiness turns 503 within 5 s, while /healthz still answers.
    let flipped = flipped.expect("readiness must turn 503 during the outage");
    assert!(flipped < Duration::from_secs(5), "{flipped:?}");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    // And when it comes back, caregraph recovers by itself.
    proxy.restore();
    cut.store(false, Ordering::Relaxed);
    let restored_at = Instant::now();
    while app.get("/readyz").await.status() != StatusCode::OK {
        assert!(
            restored_at.elapsed() < Duration::from_secs(15),
            "readiness must recover without a restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = restored_at.elapsed();
    tokio::time::sleep(AFTER).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.expect("load task");
    }

    let log = Arc::try_unwrap(log).ok().expect("tasks done").into_inner();
    let mut by_code: BTreeMap<(&str, bool, &str), usize> = BTreeMap::new();
    for o in &log.outcomes {
        let kind = if o.write { "write" } else { "read" };
        *by_code
            .entry((kind, o.during_cut, o.code.as_str()))
            .or_default() += 1;
    }
    let slowest_in_cut = log
        .outcomes
        .iter()
        .filter(|o| o.during_cut)
        .map(|o| o.took)
        .max()
        .unwrap_or_default();
    eprintln!(
        "fault test: readiness 503 after {} ms, 200 again {} ms after restore; slowest request \
         during the cut {} ms; requests by (kind, during cut, code): {by_code:?}",
        flipped.as_millis(),
        recovered.as_millis(),
        slowest_in_cut.as_millis()
    );

    // Requests during the outage failed fast and with a code that says what happened.
    let failed_in_cut: Vec<_> = log
        .outcomes
        .iter()
        .filter(|o| o.during_cut && o.code != "OK")
        .collect();
    assert!(
        !failed_in_cut.is_empty(),
        "the load must have met the outage"
    );
    for o in &failed_in_cut {
        // Reads and writes alike (a write's token check included): SERVICE_UNAVAILABLE, never
        // INTERNAL, never UNAUTHENTICATED, never an HTTP error.
        assert_eq!(o.code, "SERVICE_UNAVAILABLE", "{o:?}");
    }
    assert!(
        failed_in_cut
            .iter()
            .any(|o| o.code == "SERVICE_UNAVAILABLE"),
        "{by_code:?}"
    );
    // No request hung: each ended within the acquire timeout plus a request's own work.
    assert!(
        slowest_in_cut < Duration::from_millis(ACQUIRE_TIMEOUT_MS * 3 + 1000),
        "{slowest_in_cut:?}"
    );
    // Writes worked before and after the outage.
    assert!(log.acknowledged.len() >= EDITORS, "{by_code:?}");

    // Every acknowledged write is there, whole; no write is there in part.
    let db = Database::connect(&app.database_url)
        .await
        .expect("direct connection");
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT n.slug, n.id::text AS id, \
               (SELECT count(*) FROM citation c WHERE c.node_id = n.id) AS citations, \
               (SELECT count(*) FROM audit_event a WHERE a.target_id = n.id \
                  AND a.action = 'create_node') AS audits \
             FROM node n WHERE n.slug LIKE 'fault-%'",
        ))
        .await
        .expect("query");
    let mut found = HashSet::new();
    for row in &rows {
        let slug: String = row.try_get("", "slug").expect("slug");
        let citations: i64 = row.try_get("", "citations").expect("citations");
        let audits: i64 = row.try_get("", "audits").expect("audits");
        assert_eq!((citations, audits), (1, 1), "{slug} is partial");
        found.insert(slug);
    }
    let events: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM audit_event WHERE action = 'create_node' \
               AND actor_name LIKE 'editor-%'",
        ))
        .await
        .expect("query")
        .expect("a row")
        .try_get("", "n")
        .expect("n");
    assert_eq!(
        events as usize,
        found.len(),
        "an audit event without its node"
    );
    for (slug, id) in &log.acknowledged {
        assert!(
            found.contains(slug),
            "acknowledged write {slug} ({id}) is lost"
        );
    }
    let sent: HashSet<&String> = log.sent.iter().collect();
    assert!(found.iter().all(|s| sent.contains(s)));
    eprintln!(
        "fault test: {} creates sent, {} acknowledged, {} found whole ({} committed while the \
         client saw an error), 0 partial",
        log.sent.len(),
        log.acknowledged.len(),
        found.len(),
        found.len() - log.acknowledged.len()
    );
    db.close().await.ok();

    // And a normal query right after succeeds.
    let data = app
        .data(
            r#"{ condition(slug: "spinal-stenosis") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["condition"]["name"], "Spinal stenosis");
}

/// Sends a request; a transport failure (none expected) reads as status 0.
async fn send(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(resp) => {
            let status = resp.status();
            let body = resp.json().await.unwrap_or(Value::Null);
            (status, body)
        }
        Err(err) => (
            StatusCode::from_u16(599).expect("status"),
            json!({ "transport": err.to_string() }),
        ),
    }
}

/// "OK", the first error's code, or "HTTP <status>".
fn code_of(status: StatusCode, resp: &Value) -> String {
    if status != StatusCode::OK {
        return format!("HTTP {}", status.as_u16());
    }
    match resp["errors"].as_array() {
        None if !resp["data"].is_null() => "OK".to_owned(),
        None => "NO DATA".to_owned(),
        Some(errors) => errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("NO CODE")
            .to_owned(),
    }
}
