//! caregraph against a real streaming replica: a PostgreSQL primary and a hot standby
//! (`pg_basebackup -R`) on loopback ports, `DATABASE_URL` on the primary and
//! `DATABASE_READ_URL` on the standby.
//!
//! Skipped (with a note) where PostgreSQL's server binaries are not installed, unless
//! `CAREGRAPH_REQUIRE_REPLICA=1` (set by `.ci/run`), which makes it fail instead.

use std::time::{Duration, Instant};

use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::cache::{SLUG, rename_and_publish};
use crate::helpers::{TestApp, spawn_replica};
use crate::streaming_pair::{StreamingPair, server_binaries};
use crate::ws_client::connect;

const NAME: &str = "query { condition(slug: \"postpartum-low-back-pain\") { name } }";

async fn name(app: &TestApp) -> String {
    app.data(NAME, json!({})).await["condition"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn name_as(app: &TestApp, token: &str) -> String {
    app.data_as(token, NAME, json!({})).await["condition"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Asks until `check` holds, for up to `within`; panics with `what` otherwise.
async fn eventually<F: AsyncFn() -> bool>(within: Duration, what: &str, check: F) -> Duration {
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn reads_go_to_a_real_standby_and_fall_back_to_the_primary_when_it_stops() {
    let Some(bin) = server_binaries() else {
        let required = std::env::var("CAREGRAPH_REQUIRE_REPLICA").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "CAREGRAPH_REQUIRE_REPLICA=1 but PostgreSQL's server binaries are missing"
        );
        eprintln!(
            "skipped: PostgreSQL's server binaries (initdb, pg_basebackup) are not installed"
        );
        return;
    };
    let pair = tokio::task::spawn_blocking(move || StreamingPair::start(bin))
        .await
        .expect("the pair starts");
    let standby = pair.standby_url();
    let app = spawn_replica(&pair.primary_url(), |config, _| {
        config.database_read_url = Some(standby);
    })
    .await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rita", Role::Reviewer).await;

    // The standby replays the seeded graph; anonymous readers get it from there.
    eventually(
        Duration::from_secs(10),
        "the standby serving the seed",
        async || name(&app).await == "Postpartum low back pain",
    )
    .await;
    let mut subscriber = connect(&app, json!({})).await;
    subscriber
        .subscribe(
            "1",
            "subscription { contentChanged(slugs: [\"postpartum-low-back-pain\"]) { change fields } }",
            json!({}),
        )
        .await;

    // With the standby's replay paused, a publish reaches the primary only.
    pair.psql(
        pair.standby_port,
        "caregraph",
        "SELECT pg_wal_replay_pause()",
    );
    rename_and_publish(&app, &editor, &reviewer, "Postnatal back pain").await;
    // The content team reads its own write at once: token holders read the primary.
    assert_eq!(name_as(&app, &editor).await, "Postnatal back pain");
    // Anonymous readers still read the standby, which has not replayed it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        name(&app).await,
        "Postpartum low back pain",
        "anonymous reads go to the standby"
    );

    // Replay resumes: readers and the subscriber get the publish once the standby has it.
    pair.psql(
        pair.standby_port,
        "caregraph",
        "SELECT pg_wal_replay_resume()",
    );
    let event = subscriber.next().await;
    assert_eq!(
        event["payload"]["data"]["contentChanged"]["fields"],
        json!(["name"]),
        "{event}"
    );
    let took = eventually(
        Duration::from_secs(2),
        "the standby serving the publish",
        async || name(&app).await == "Postnatal back pain",
    )
    .await;
    eprintln!(
        "after replay resumed, anonymous readers saw the publish within {} ms",
        took.as_millis()
    );
    let ready = app.get("/readyz").await.text().await.expect("body");
    assert_eq!(ready, "ready");

    // The standby stops: reads fall back to the primary and /readyz says what is degraded.
    // Blocks the test thread for the shutdown; the server runs on threads of its own.
    pair.stop_standby();
    let took = eventually(
        Duration::from_secs(5),
        "/readyz reporting the standby",
        async || {
            let response = app.get("/readyz").await;
            response.status() == StatusCode::OK
                && response
                    .text()
                    .await
                    .is_ok_and(|t| t.contains("degraded: read replica"))
        },
    )
    .await;
    eprintln!(
        "/readyz reported the stopped standby after {} ms",
        took.as_millis()
    );
    let (status, resp) = app.gql(NAME, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(resp["data"]["condition"]["name"], "Postnatal back pain");

    // No write was ever sent to the standby: it would have refused it, and logged so.
    let log = pair.standby_log();
    assert!(!log.contains("read-only transaction"), "{log}");
    let _ = SLUG;
}
