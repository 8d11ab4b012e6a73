//! Start-up failures are one clear line; readiness follows the database and recovers.

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{Proxy, fresh_database, test_config};

#[test]
fn an_unreachable_database_is_one_clear_line_and_a_failing_exit() {
    let out = Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://caregraph@127.0.0.1:1/nowhere")
        // Fail on the first refusal; retrying is tested below.
        .env("CAREGRAPH_DB_STARTUP_TIMEOUT_SECS", "0")
        .env("RUST_LOG", "off")
        .output()
        .expect("run the binary");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn schema_command_prints_the_sdl() {
    let out = Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .arg("schema")
        .output()
        .expect("run the binary");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        caregraph::graphql::sdl()
    );
}

#[tokio::test]
async fn readiness_turns_503_while_the_database_is_away_and_recovers_without_restart() {
    let Some(proxy) = Proxy::start(true).await else {
        eprintln!("skipped: needs PostgreSQL (set CAREGRAPH_TEST_DATABASE_URL)");
        return;
    };
    let database = fresh_database().await;
    let mut config = test_config(&proxy.route(&database.url));
    config.db_acquire_timeout_ms = 1000;
    let serve = caregraph::config::ServeConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        workers: 1,
        seed_on_empty: true,
        ..Default::default()
    };
    let app = caregraph::startup::Application::build(&config, &serve)
        .await
        .expect("start");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.into_server();
    let handle = server.handle();
    tokio::spawn(server);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let ready = || async {
        client
            .get(format!("{address}/readyz"))
            .send()
            .await
            .expect("reachable")
            .status()
    };

    assert_eq!(ready().await, StatusCode::OK);
    proxy.cut();
    let cut_at = Instant::now();
    let mut status = ready().await;
    while status == StatusCode::OK && cut_at.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = ready().await;
    }
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "readiness must flip within 5 s"
    );
    eprintln!(
        "readiness flipped {} ms after the cut",
        cut_at.elapsed().as_millis()
    );
    assert!(
        client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .expect("reachable")
            .status()
            .is_success()
    );

    proxy.restore();
    let back_at = Instant::now();
    while ready().await != StatusCode::OK {
        assert!(
            back_at.elapsed() < Duration::from_secs(15),
            "readiness must recover by itself"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "readiness recovered {} ms after the restore",
        back_at.elapsed().as_millis()
    );
    let resp: serde_json::Value = client
        .post(format!("{address}/graphql"))
        .json(&serde_json::json!({ "query": "{ condition(slug: \"spinal-stenosis\") { name } }" }))
        .send()
        .await
        .expect("reachable")
        .json()
        .await
        .expect("json");
    assert_eq!(
        resp["data"]["condition"]["name"], "Spinal stenosis",
        "{resp}"
    );
    drop(handle.stop(false));
}

#[tokio::test]
async fn start_up_waits_for_a_database_that_comes_up_late() {
    let Some(proxy) = Proxy::start(false).await else {
        eprintln!("skipped: needs PostgreSQL (set CAREGRAPH_TEST_DATABASE_URL)");
        return;
    };
    // Given a database that refuses connections for the first 1.5 s
    let database = fresh_database().await;
    let mut config = test_config(&proxy.route(&database.url));
    config.db_startup_timeout_secs = 20;
    let started = Instant::now();
    let opener = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.restore();
    };
    // When caregraph connects, then it waits for it instead of failing.
    let (db, ()) = tokio::join!(caregraph::db::connect(&config), opener);
    let db = db.expect("connected once the database came up");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    db.ping().await.expect("usable");
    db.close().await.ok();
}

#[test]
fn start_up_retries_say_what_they_wait_for_then_give_up_in_one_line() {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .args(["migrate"])
        .env(
            "DATABASE_URL",
            "postgres://caregraph:hunter2@127.0.0.1:1/nowhere",
        )
        .env("CAREGRAPH_DB_STARTUP_TIMEOUT_SECS", "2")
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the binary");
    assert!(!out.status.success());
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(started.elapsed() < Duration::from_secs(15));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let waits: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("waiting for the database to accept connections"))
        .collect();
    assert!(waits.len() >= 2, "{stderr}");
    assert!(waits[0].contains("attempt=1"), "{stderr}");
    assert!(waits[0].contains("next_attempt_in_ms=250"), "{stderr}");
    assert!(waits[0].contains("127.0.0.1:1/nowhere"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    let last = stderr.trim().lines().last().expect("a final line");
    assert!(
        last.starts_with("error: cannot connect to the database"),
        "{stderr}"
    );
    assert!(last.contains("attempt(s)"), "{stderr}");
}

#[test]
fn check_config_prints_the_settings_with_secrets_masked() {
    let out = Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .args(["serve", "--check-config", "--bind", "127.0.0.1:9999"])
        .env(
            "DATABASE_URL",
            "postgres://caregraph:hunter2@db.internal:5432/caregraph",
        )
        .output()
        .expect("run the binary");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("postgres://caregraph:***@db.internal:5432/caregraph"),
        "{stdout}"
    );
    assert!(stdout.contains("127.0.0.1:9999"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
}
