//! Building the application: database ready, seed loaded, listener bound, server built.

use std::net::TcpListener;

use actix_web::dev::Server;
use sea_orm::DatabaseConnection;

use crate::config::{Config, ServeConfig};
use crate::error::StartupError;
use crate::{db, http, seed};

pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
}

impl Application {
    /// Connects, migrates, seeds an empty database, and binds. Nothing is served until
    /// `run_until_stopped`.
    pub async fn build(config: &Config, serve: &ServeConfig) -> Result<Self, StartupError> {
        let db = db::connect(config).await?;
        db::migrate(&db, config).await?;
        if serve.seed_on_empty
            && let Some(report) = seed::seed_if_empty(&db).await?
        {
            tracing::info!(%report, "empty database: loaded the bundled article graph");
        }
        let listener = TcpListener::bind(serve.bind).map_err(|source| StartupError::Bind {
            addr: serve.bind,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: serve.bind,
            source,
        })?;
        let server = http::server(listener, db.clone(), serve).map_err(|source| {
            StartupError::Bind {
                addr: serve.bind,
                source,
            }
        })?;
        tracing::info!(
            %addr,
            database = %config.database_url_redacted(),
            "caregraph listening: GraphQL at http://{addr}/graphql, GraphiQL at http://{addr}/graphiql"
        );
        Ok(Self {
            port: addr.port(),
            server,
            db,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The application's pool, for tests and tools that look at the data directly.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The server itself, for callers that run it themselves (tests spawn it and keep its handle).
    pub fn into_server(self) -> Server {
        self.server
    }

    /// Serves until the process is told to stop (Ctrl-C or SIGTERM: actix-web stops accepting,
    /// lets in-flight requests finish, then returns).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
