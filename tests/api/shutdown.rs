//! SIGTERM on the real binary: in-flight requests finish, new connections are refused, the
//! process exits 0, and every acknowledged write is in the database, whole.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use caregraph::domain::rules::auth::Actor;
use caregraph::domain::service::tokens;
use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::fresh_database;

const QUOTE: &str = "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify.";
const CREATE: &str = r#"mutation($input: CreateNodeInput!) {
  createNode(input: $input) { id slug citations { id } } }"#;
/// Requests in flight when SIGTERM arrives.
const IN_FLIGHT: usize = 6;

/// The caregraph process; killed if the test fails before it exits.
struct Server {
    child: Child,
    log: std::thread::JoinHandle<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_refuses_new_ones_and_exits_0() {
    // Given caregraph serving a fresh database
    let database = fresh_database().await;
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_caregraph"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "2",
        ])
        .env("DATABASE_URL", &database.url)
        .env("CAREGRAPH_SHUTDOWN_GRACE_SECS", "20")
        .env(
            "RUST_LOG",
            "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn",
        )
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    let mut stderr = child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut server = Server { child, log };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{address}/readyz")).send().await
            && r.status() == StatusCode::OK
        {
            break;
        }
        assert!(
            server.child.try_wait().expect("status").is_none(),
            "caregraph exited early"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "caregraph did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let db = Database::connect(&database.url).await.expect("connect");
    let admin = Actor::person("test-setup", Role::Admin);
    let token = tokens::create(&db, &admin, "ed", Role::Editor)
        .await
        .expect("token")
        .token;
    let sources: Value = client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": "{ sources { id } }" }))
        .send()
        .await
        .expect("reachable")
        .json()
        .await
        .expect("json");
    let source = sources["data"]["sources"][0]["id"]
        .as_str()
        .expect("a source")
        .to_owned();

    // And writes in flight when the signal arrives: each client has sent its request head and
    // half of its body (so the server has accepted the request and waits for the rest)
    let mut writes = Vec::new();
    for i in 0..IN_FLIGHT {
        let body = json!({ "query": CREATE, "variables": { "input": {
            "kind": "TREATMENT", "slug": format!("shutdown-{i}"), "name": format!("Shutdown {i}"),
            "treatmentType": "SELF_CARE",
            "citations": [{ "sourceId": source, "quote": QUOTE }],
        } } })
        .to_string();
        writes.push(InFlight::start(port, &token, body).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // When caregraph gets SIGTERM
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let signalled = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Then it accepts no new connection while those requests are still open
    let refused = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
    assert!(
        refused.is_err(),
        "a new connection was accepted after SIGTERM"
    );
    assert!(
        server.child.try_wait().expect("status").is_none(),
        "exited with requests in flight"
    );

    // and each in-flight request, once its body is complete, gets its whole answer
    let mut acknowledged = Vec::new();
    for w in writes {
        let (status, body) = w.finish().await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        acknowledged.push(
            body["data"]["createNode"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }

    // and the process exits 0 within the grace period, having closed its pool.
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("status") {
            break exit;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(25),
            "still running after the grace period"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = signalled.elapsed();
    let log = std::mem::replace(&mut server.log, std::thread::spawn(String::new))
        .join()
        .expect("log reader");
    assert!(exit.success(), "{exit:?}\n{log}");
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("caregraph stopped"), "{log}");
    eprintln!(
        "shutdown test: {IN_FLIGHT} in-flight writes answered 200, exit 0 {} ms after SIGTERM",
        took.as_millis()
    );

    // Every acknowledged write is there with its citation and its audit event.
    assert_eq!(acknowledged.len(), IN_FLIGHT);
    for id in &acknowledged {
        assert_eq!(
            count(&db, "citation", "node_id", id).await,
            1,
            "citation of {id}"
        );
        assert_eq!(
            count(&db, "audit_event", "target_id", id).await,
            1,
            "audit of {id}"
        );
    }
    db.close().await.ok();
}

/// Rows of `table` whose `column` is the node `id`.
async fn count(db: &DatabaseConnection, table: &str, column: &str, id: &str) -> i64 {
    let backend = db.get_database_backend();
    let uuid = uuid::Uuid::parse_str(id).expect("uuid");
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            format!("SELECT count(*) AS n FROM {table} WHERE {column} = $1")
        }
        _ => format!("SELECT count(*) AS n FROM {table} WHERE {column} = ?"),
    };
    db.query_one_raw(Statement::from_sql_and_values(backend, sql, [uuid.into()]))
        .await
        .expect("count")
        .expect("a row")
        .try_get("", "n")
        .expect("n")
}

/// A POST /graphql sent by hand, half of its body held back until `finish`.
struct InFlight {
    stream: tokio::net::TcpStream,
    rest: Vec<u8>,
}

impl InFlight {
    async fn start(port: u16, token: &str, body: String) -> Self {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let mut bytes = body.into_bytes();
        let rest = bytes.split_off(bytes.len() / 2);
        stream.write_all(head.as_bytes()).await.expect("send head");
        stream.write_all(&bytes).await.expect("send half the body");
        Self { stream, rest }
    }

    /// Sends the rest of the body; the status and the JSON body of the complete response.
    async fn finish(mut self) -> (u16, Value) {
        self.stream
            .write_all(&self.rest)
            .await
            .expect("send the rest of the body");
        let mut response = Vec::new();
        self.stream
            .read_to_end(&mut response)
            .await
            .expect("read the response");
        let text = String::from_utf8(response).expect("UTF-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let body = serde_json::from_str(body).unwrap_or_else(|_| panic!("a complete body: {text}"));
        (status, body)
    }
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}
