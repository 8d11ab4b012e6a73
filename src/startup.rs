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
    read_db: Option<DatabaseConnection>,
    grace_secs: u64,
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
        let read_db = db::connect_read(config).await?;
        if let Some(replica) = config.database_read_url_redacted() {
            tracing::info!(%replica, "anonymous queries read from the read replica");
        }
        let server = http::server(
            listener,
            db.clone(),
            crate::reads::Reads::new(db.clone(), read_db.clone()),
            serve,
        )
        .await
        .map_err(|source| StartupError::Bind {
            addr: serve.bind,
            source,
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
            read_db,
            grace_secs: serve.guard.shutdown_grace_secs,
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

    /// Serves until the process is told to stop. SIGTERM or Ctrl-C: stop accepting
    /// connections, let in-flight requests finish within the shutdown grace period, then close
    /// the pool. A second signal cuts the remaining requests at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let grace = self.grace_secs;
        tokio::spawn(async move {
            let signal = stop_signal().await;
            tracing::info!(
                signal,
                grace_secs = grace,
                "stopping: no new connections; in-flight requests may finish"
            );
            let graceful = handle.stop(true);
            tokio::select! {
                () = graceful => {}
                signal = stop_signal() => {
                    tracing::warn!(signal, "second stop signal: cutting in-flight requests");
                    handle.stop(false).await;
                }
            }
        });
        let served = self.server.await;
        // Every worker is done: nothing uses the pool any more.
        if let Err(err) = self.db.close().await {
            tracing::warn!(error = %err, "closing the database pool");
        }
        if let Some(read_db) = self.read_db
            && let Err(err) = read_db.close().await
        {
            tracing::warn!(error = %err, "closing the read replica's pool");
        }
        tracing::info!("caregraph stopped");
        served
    }
}

/// Waits for SIGTERM (service managers, `docker stop`, Kubernetes) or Ctrl-C; names it.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                () = ctrl_c() => "Ctrl-C",
            },
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM; only Ctrl-C stops gracefully");
                ctrl_c().await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        ctrl_c().await;
        "Ctrl-C"
    }
}

/// Ctrl-C; never, when its handler cannot be installed (a failure must not read as a stop).
async fn ctrl_c() {
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::warn!(error = %err, "cannot listen for Ctrl-C");
        std::future::pending::<()>().await;
    }
}
