//! A real caregraph for property tests: started through the real command line (so every
//! setting other engineers add keeps its default or its environment variable), on port 0, over
//! a fresh database, driven from synchronous proptest bodies through a runtime of its own.

use std::future::Future;
use std::time::Duration;

use caregraph::cli::{Cli, Command};
use caregraph::domain::rules::auth::Actor;
use caregraph::domain::service::tokens;
use caregraph::startup::Application;
use clap::Parser as _;
use entity::sea_orm_active_enums::Role;
use reqwest::StatusCode;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::scratch_db::ScratchDatabase;

pub struct Server {
    pub rt: tokio::runtime::Runtime,
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    handle: actix_web::dev::ServerHandle,
    database: Option<ScratchDatabase>,
}

/// One HTTP answer, body kept as text.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub allow: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

impl Server {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let admin = std::env::var("CAREGRAPH_TEST_DATABASE_URL").ok();
        let database = rt
            .block_on(ScratchDatabase::create("caregraph_props", admin.as_deref()))
            .expect("a fresh test database");
        let cli = Cli::try_parse_from([
            "caregraph",
            "--database-url",
            &database.url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "2",
            // One client sends every case as fast as it can: rate limiting is tested elsewhere.
            "--rate-limit-per-second",
            "0",
        ])
        .expect("the command line parses");
        let Some(Command::Serve { serve, .. }) = cli.command else {
            unreachable!("parsed as serve");
        };
        let (address, db, handle) = rt.block_on(async {
            let app = Application::build(&cli.config, &serve)
                .await
                .unwrap_or_else(|e| panic!("cannot start caregraph: {e}"));
            let address = format!("http://127.0.0.1:{}", app.port());
            let db = app.db().clone();
            let server = app.into_server();
            let handle = server.handle();
            tokio::spawn(server);
            (address, db, handle)
        });
        Self {
            rt,
            address,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            db,
            handle,
            database: Some(database),
        }
    }

    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// A token with `role`, created straight in the database.
    pub fn token(&self, name: &str, role: Role) -> String {
        let admin = Actor::person("props-setup", Role::Admin);
        self.block_on(tokens::create(&self.db, &admin, name, role))
            .expect("create token")
            .token
    }

    /// Sends `request`, built from this server's client; the body is read as text whatever
    /// it is.
    pub fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        self.block_on(async {
            let resp = request.send().await.expect("the server answers");
            let header = |name| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
            let allow = header(reqwest::header::ALLOW);
            let status = resp.status();
            let bytes = resp.bytes().await.expect("a body");
            Answer {
                status,
                content_type,
                allow,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            }
        })
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.address)
    }

    /// POSTs a GraphQL request as JSON, with a bearer token when given.
    pub fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let mut request = self
            .client
            .post(self.graphql_url())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request)
    }

    /// After a run: the article's condition page still reads as before. A rate limiter may
    /// ask to wait; that is honoured a few times.
    pub fn assert_still_serves(&self) {
        let query = r#"{ condition(slug: "postpartum-low-back-pain") { name causes { name } } }"#;
        for _ in 0..20 {
            let answer = self.gql(None, query, json!({}));
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                self.block_on(tokio::time::sleep(Duration::from_secs(1)));
                continue;
            }
            assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
            let body = answer.json().expect("JSON");
            assert!(body.get("errors").is_none(), "{body}");
            assert_eq!(
                body["data"]["condition"]["name"],
                "Postpartum low back pain"
            );
            let healthz = self.send(self.client.get(format!("{}/healthz", self.address)));
            assert_eq!(healthz.status, StatusCode::OK);
            return;
        }
        panic!("still rate limited after 20 s");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.rt.block_on(self.handle.stop(false));
        if let Some(database) = self.database.take()
            && let Err(err) = self.rt.block_on(database.drop_now())
        {
            eprintln!("warning: {err}");
        }
    }
}
