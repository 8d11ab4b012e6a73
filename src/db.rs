//! Connecting to the database, migrating it, and counting the statements a request runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use prometheus::Histogram;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};

use crate::config::Config;
use crate::error::StartupError;

/// Opens the pool. SQLite files are created when missing and run in WAL mode, so readers
/// never wait for a writer; a busy timeout makes concurrent writers queue instead of failing.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, StartupError> {
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(config.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(config.db_acquire_timeout())
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(options)
        .await
        .map_err(|source| StartupError::Connect {
            url: config.database_url_redacted(),
            source,
        })
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection, config: &Config) -> Result<(), StartupError> {
    Migrator::up(db, None)
        .await
        .map_err(|source| StartupError::Migrate {
            url: config.database_url_redacted(),
            source,
        })
}

/// A connection that counts the statements run through it. Each GraphQL request gets its own,
/// which makes the "statements grow with depth, not with results" rule observable and testable.
#[derive(Clone, Debug)]
pub struct CountingConn {
    inner: DatabaseConnection,
    count: Arc<AtomicUsize>,
    statement_seconds: Option<Histogram>,
}

impl CountingConn {
    pub fn new(inner: DatabaseConnection) -> Self {
        Self {
            inner,
            count: Arc::new(AtomicUsize::new(0)),
            statement_seconds: None,
        }
    }

    /// Like [`CountingConn::new`], also observing each statement's duration in
    /// `statement_seconds`.
    pub fn with_metrics(inner: DatabaseConnection, statement_seconds: Histogram) -> Self {
        Self {
            statement_seconds: Some(statement_seconds),
            ..Self::new(inner)
        }
    }

    /// The pool itself, for writes (which run in transactions and are not counted).
    pub fn pool(&self) -> &DatabaseConnection {
        &self.inner
    }

    /// Statements run so far through this connection and its clones.
    pub fn statements(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    fn tick(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a statement and times it when a histogram is attached.
    async fn run<T>(&self, statement: impl Future<Output = T>) -> T {
        self.tick();
        let Some(histogram) = &self.statement_seconds else {
            return statement.await;
        };
        let started = Instant::now();
        let result = statement.await;
        histogram.observe(started.elapsed().as_secs_f64());
        result
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for CountingConn {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.run(self.inner.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.run(self.inner.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.run(self.inner.query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.run(self.inner.query_all_raw(stmt)).await
    }
}
