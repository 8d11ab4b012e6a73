//! Start-up failures are one clear line; readiness follows the database and recovers.

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{TestDatabase, postgres_admin_url, test_config};

#[test]
fn an_unreachable_database_is_one_clear_line_and_a_failing_exit() {
    let out = Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://caregraph@127.0.0.1:1/nowhere")
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

/// A TCP proxy in front of PostgreSQL that the test can cut and restore.
async fn proxy(upstream: String, open: watch::Receiver<bool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            if !*open.borrow() {
                continue; // refused: dropped at once
            }
            let upstream = upstream.clone();
            let mut cut = open.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = copy_bidirectional(&mut client, &mut server) => {}
                    _ = cut.wait_for(|open| !*open) => {}
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn readiness_turns_503_while_the_database_is_away_and_recovers_without_restart() {
    let Some(admin) = postgres_admin_url() else {
        eprintln!("skipped: needs PostgreSQL (set CAREGRAPH_TEST_DATABASE_URL)");
        return;
    };
    let database = TestDatabase::create().await;
    let (tx, rx) = watch::channel(true);
    let host = admin
        .split('@')
        .nth(1)
        .and_then(|h| h.split('/').next())
        .expect("host:port in the URL")
        .to_owned();
    let port = proxy(host.clone(), rx).await;
    let url = database
        .url
        .replacen(&host, &format!("127.0.0.1:{port}"), 1);
    let mut config = test_config(&url);
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
    tx.send(false).expect("cut");
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
    assert!(
        client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .expect("reachable")
            .status()
            .is_success()
    );

    tx.send(true).expect("restore");
    let back_at = Instant::now();
    while ready().await != StatusCode::OK {
        assert!(
            back_at.elapsed() < Duration::from_secs(15),
            "readiness must recover by itself"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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
