//! `TestApp`: one server and one fresh database per test, dropped at the end.

use std::time::Duration;

use caregraph::config::{Config, LogFormat, ServeConfig};
use caregraph::domain::rules::auth::Actor;
use caregraph::domain::service::tokens;
use caregraph::startup::Application;
use chrono::Utc;
use entity::sea_orm_active_enums::{NodeKind, Predicate, Role, Status};
use entity::{edge, node};
use reqwest::StatusCode;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// A running caregraph and the database behind it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    _database: TestDatabase,
}

/// Starts caregraph on port 0 over a fresh database, seeded with the article graph.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

pub async fn spawn_app_with(seed_on_empty: bool) -> TestApp {
    spawn_app_configured(|_, serve| serve.seed_on_empty = seed_on_empty).await
}

/// Starts caregraph over a fresh database with settings changed by `configure`.
pub async fn spawn_app_configured(
    configure: impl FnOnce(&mut Config, &mut ServeConfig),
) -> TestApp {
    let database = fresh_database().await;
    serve_on(database, configure).await
}

/// Starts caregraph on `database`, which the returned app keeps until it is dropped.
async fn serve_on(
    database: TestDatabase,
    configure: impl FnOnce(&mut Config, &mut ServeConfig),
) -> TestApp {
    let mut config = test_config(&database.url);
    let mut serve = ServeConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        workers: 1,
        ..Default::default()
    };
    configure(&mut config, &mut serve);
    let app = Application::build(&config, &serve)
        .await
        .unwrap_or_else(|e| panic!("cannot start caregraph: {e}"));
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    let server = app.into_server();
    let handle = server.handle();
    tokio::spawn(server);
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            // actix-web closes a connection idle for 5 s; one reused just as the server closes it
            // fails with IncompleteMessage (seen once in a slow CI run). Idle ones are dropped
            // well before that.
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .expect("client"),
        db,
        database_url: database.url.clone(),
        handle,
        _database: database,
    }
}

pub fn test_config(url: &str) -> Config {
    Config {
        database_url: url.to_owned(),
        database_read_url: None,
        db_max_connections: 5,
        db_acquire_timeout_ms: 3000,
        db_startup_timeout_secs: 10,
        db_statement_timeout_ms: 30_000,
        log_format: LogFormat::Text,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command; the server's threads wind down on their own.
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    /// POSTs a GraphQL request; returns the status and the parsed body.
    pub async fn gql(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        self.post_json(&json!({ "query": query, "variables": variables }))
            .await
    }

    /// POSTs a request and returns its data and the number of SQL statements it ran.
    pub async fn gql_counted(&self, query: &str, variables: Value) -> (Value, u64) {
        let body = json!({ "query": query, "variables": variables, "extensions": { "sqlStatements": true } });
        let (status, resp) = self.post_json(&body).await;
        assert_eq!(status, StatusCode::OK, "{resp}");
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp}");
        let n = resp["extensions"]["sqlStatements"]
            .as_u64()
            .unwrap_or_else(|| panic!("no statement count: {resp}"));
        (resp["data"].clone(), n)
    }

    /// The data of a query that must succeed.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let (status, resp) = self.gql(query, variables).await;
        assert_eq!(status, StatusCode::OK, "{resp}");
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp}");
        resp["data"].clone()
    }

    /// POSTs a GraphQL request with `Authorization: Bearer <token>`.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> (StatusCode, Value) {
        self.send(
            self.client
                .post(format!("{}/graphql", self.address))
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables })),
        )
        .await
    }

    /// The data of a request with a token that must succeed.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, resp) = self.gql_as(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{resp}");
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp}");
        resp["data"].clone()
    }

    /// Creates a token with `role` (named `name`) straight in the database; returns the secret.
    pub async fn token(&self, name: &str, role: Role) -> String {
        let admin = Actor::person("test-setup", Role::Admin);
        tokens::create(&self.db, &admin, name, role)
            .await
            .expect("create token")
            .token
    }

    /// Revokes a token by name straight in the database.
    pub async fn revoke(&self, name: &str) {
        let admin = Actor::person("test-setup", Role::Admin);
        tokens::revoke(&self.db, &admin, name)
            .await
            .expect("revoke token");
    }

    /// Id of the article's source.
    pub async fn source_id(&self) -> String {
        let data = self.data("{ sources { id } }", json!({})).await;
        data["sources"][0]["id"]
            .as_str()
            .expect("a source")
            .to_owned()
    }

    pub async fn post_json(&self, body: &Value) -> (StatusCode, Value) {
        self.send(
            self.client
                .post(format!("{}/graphql", self.address))
                .json(body),
        )
        .await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = request.send().await.expect("request reaches the server");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let json =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        (status, json)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request reaches the server")
    }
}

/// Asserts the response has exactly one error and it carries `code`.
pub fn assert_code(resp: &Value, code: &str) {
    let errors = resp["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors: {resp}"));
    assert_eq!(errors.len(), 1, "{resp}");
    assert_eq!(errors[0]["extensions"]["code"], code, "{resp}");
}

pub use crate::scratch_db::ScratchDatabase as TestDatabase;

/// The PostgreSQL server to create test databases on, when the run targets PostgreSQL.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("CAREGRAPH_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// A fresh database for one test: a SQLite file in a temporary directory, or a new PostgreSQL
/// database dropped when the test ends.
pub async fn fresh_database() -> TestDatabase {
    TestDatabase::create("caregraph_test", postgres_admin_url().as_deref())
        .await
        .expect("a fresh test database")
}

/// The article, as shipped with the project.
pub fn article() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sources/back-pain-after-epidural.txt"
    ))
    .expect("the shipped article")
}

/// A TCP proxy in front of the test's PostgreSQL server that a test can cut (every open
/// connection is dropped, new ones are refused) and restore, to play a database outage without
/// touching the shared server.
pub struct Proxy {
    pub port: u16,
    upstream: String,
    open: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    /// Starts a proxy to the server of `CAREGRAPH_TEST_DATABASE_URL`; `None` off PostgreSQL.
    pub async fn start(open: bool) -> Option<Self> {
        let admin = postgres_admin_url()?;
        let upstream = admin
            .split('@')
            .nth(1)
            .and_then(|h| h.split('/').next())
            .expect("host:port in CAREGRAPH_TEST_DATABASE_URL")
            .to_owned();
        let (tx, rx) = tokio::sync::watch::channel(open);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let target = upstream.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !*rx.borrow() {
                    continue; // refused: dropped at once
                }
                let target = target.clone();
                let mut cut = rx.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.wait_for(|open| !*open) => {}
                    }
                });
            }
        });
        Some(Self {
            port,
            upstream,
            open: tx,
        })
    }

    /// `url` (a database on the proxied server) as reached through the proxy.
    pub fn route(&self, url: &str) -> String {
        url.replacen(&self.upstream, &format!("127.0.0.1:{}", self.port), 1)
    }

    pub fn cut(&self) {
        self.open.send_replace(false);
    }

    pub fn restore(&self) {
        self.open.send_replace(true);
    }
}

/// A sentence of the article, as a citation of it must quote it.
pub const QUOTE: &str = "Self-care is essential because if you don’t take care of yourself and give yourself a break, back pain may intensify.";

/// A published node row for fixtures written straight to the database.
pub fn node_row(kind: NodeKind, slug: String) -> node::ActiveModel {
    let now = Utc::now();
    node::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind),
        name: Set(format!("Fixture {slug}")),
        slug: Set(slug),
        synonyms: Set(json!([])),
        summary: Set(None),
        treatment_type: Set(None),
        codings: Set(serde_json::json!([])),
        status: Set(Status::Published),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// A published edge row for fixtures written straight to the database.
pub fn edge_row(subject: Uuid, predicate: Predicate, object: Uuid) -> edge::ActiveModel {
    let now = Utc::now();
    edge::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_id: Set(subject),
        predicate: Set(predicate),
        object_id: Set(object),
        negated: Set(false),
        place: Set(None),
        timing: Set(None),
        circumstance: Set(None),
        how_to: Set(None),
        note: Set(None),
        status: Set(Status::Published),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Writes fixture nodes, then the edges between them, straight to the database.
pub async fn insert_graph(
    db: &DatabaseConnection,
    nodes: impl IntoIterator<Item = node::ActiveModel>,
    edges: impl IntoIterator<Item = edge::ActiveModel>,
) {
    node::Entity::insert_many(nodes)
        .exec(db)
        .await
        .expect("insert nodes");
    edge::Entity::insert_many(edges)
        .exec(db)
        .await
        .expect("insert edges");
}

/// The id of the node with `slug`, read straight from the database.
pub async fn node_id(db: &DatabaseConnection, slug: &str) -> Uuid {
    node::Entity::find()
        .filter(node::Column::Slug.eq(slug))
        .one(db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no node {slug}"))
        .id
}

/// Starts one more caregraph on the database at `url`, which another `TestApp` owns (and
/// drops): a second replica sharing one SQLite file or one PostgreSQL database.
pub async fn spawn_replica(
    url: &str,
    configure: impl FnOnce(&mut Config, &mut ServeConfig),
) -> TestApp {
    serve_on(TestDatabase::borrowed(url), configure).await
}

impl TestApp {
    /// GETs /graphql with `query` and `variables` in the query string, and `headers`.
    pub async fn get_graphql(
        &self,
        query: &str,
        variables: &Value,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut params = vec![("query", query.to_owned())];
        if !variables.is_null() {
            params.push(("variables", variables.to_string()));
        }
        self.get_graphql_params(&params, headers).await
    }

    /// GETs /graphql with the given query-string parameters and `headers`.
    pub async fn get_graphql_params(
        &self,
        params: &[(&str, String)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .get(format!("{}/graphql", self.address))
            .query(params);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request reaches the server")
    }

    /// The value of the Prometheus series `name` (with no labels) in /metrics.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self.get("/metrics").await.text().await.expect("metrics");
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no series {name} in /metrics"))
    }
}

pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const SNOMED: &str = "http://snomed.info/sct";

/// A `NodeCodingInput`: an EXACT coding confirmed in a named table.
pub fn coding(system: &str, code: &str) -> Value {
    json!({ "system": system, "code": code, "match": "EXACT",
            "source": { "name": "test code table", "url": "https://example.org/codes" } })
}
