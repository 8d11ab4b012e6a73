//! Connecting to the database, migrating it, and counting the statements a request runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use prometheus::Histogram;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, ExecResult,
    QueryResult, RuntimeErr, Statement, sqlx,
};

use crate::config::Config;
use crate::error::StartupError;

/// Opens the pool, waiting for PostgreSQL to come up (see [`connect_with_retry`]). SQLite files
/// are created when missing and run in WAL mode, so readers never wait for a writer; a busy
/// timeout makes concurrent writers queue instead of failing.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, StartupError> {
    let retry_for = if is_sqlite(&config.database_url) {
        // A local file: there is nothing to wait for, and a wrong path should fail at once.
        Duration::ZERO
    } else {
        config.db_startup_timeout()
    };
    connect_with_retry(config, retry_for).await
}

/// Opens the pool of the read replica (`DATABASE_READ_URL`), when one is configured, with the
/// primary's pool settings and start-up wait. It is not migrated: a replica gets its schema
/// from the primary.
pub async fn connect_read(config: &Config) -> Result<Option<DatabaseConnection>, StartupError> {
    let Some(url) = &config.database_read_url else {
        return Ok(None);
    };
    let replica = Config {
        database_url: url.clone(),
        database_read_url: None,
        ..config.clone()
    };
    connect(&replica).await.map(Some)
}

/// First delay between start-up attempts; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Longest a single connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long SQLite waits for another writer's lock before a write fails (SQLITE_BUSY).
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Tries to open the pool until it works or `retry_for` has passed, backing off exponentially
/// and logging what it waits for. Containers and databases often start together; the first
/// refusals are not worth a crash loop.
pub async fn connect_with_retry(
    config: &Config,
    retry_for: Duration,
) -> Result<DatabaseConnection, StartupError> {
    let started = Instant::now();
    let database = config.database_url_redacted();
    let mut delay = FIRST_BACKOFF;
    let mut attempt: u32 = 1;
    loop {
        match attempt_connect(config).await {
            Ok(db) => {
                if attempt > 1 {
                    tracing::info!(%database, attempt, waited_ms = started.elapsed().as_millis(), "database reachable");
                }
                return Ok(db);
            }
            Err(source) => {
                let left = retry_for.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return Err(StartupError::Connect {
                        url: database,
                        attempts: attempt,
                        waited_secs: started.elapsed().as_secs(),
                        source,
                    });
                }
                let next = delay.min(left);
                tracing::warn!(
                    %database,
                    attempt,
                    next_attempt_in_ms = next.as_millis(),
                    gives_up_in_s = left.as_secs(),
                    error = %source,
                    "waiting for the database to accept connections"
                );
                tokio::time::sleep(next).await;
                delay = (delay * 2).min(MAX_BACKOFF);
                attempt += 1;
            }
        }
    }
}

/// One attempt. PostgreSQL is first probed with a single connection: a pool that cannot
/// connect waits out its whole acquire timeout and then reports only "pool timed out", while
/// the probe fails as soon as the server refuses and says why.
async fn attempt_connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    if !is_sqlite(&config.database_url) {
        probe_postgres(&config.database_url).await?;
    }
    Database::connect(options(config)).await
}

async fn probe_postgres(url: &str) -> Result<(), DbErr> {
    use sqlx::{ConnectOptions as _, Connection as _};
    let unreachable = |err: sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err)));
    // A URL sqlx cannot parse is left for `Database::connect` to report.
    let Ok(options) = url.parse::<sqlx::postgres::PgConnectOptions>() else {
        return Ok(());
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(conn)) => {
            conn.close().await.ok();
            Ok(())
        }
        Ok(Err(err)) => Err(unreachable(err)),
        Err(_) => Err(DbErr::Conn(RuntimeErr::Internal(format!(
            "no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        )))),
    }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

fn options(config: &Config) -> ConnectOptions {
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(config.db_max_connections)
        .min_connections(1)
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(config.db_acquire_timeout())
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        })
        // Generic plans for every prepared statement: PostgreSQL otherwise re-plans the
        // page's `= ANY($1)` statements on each run (a custom plan looks cheaper for one id
        // than a generic one sized for many), which cost about a fifth of its CPU per
        // uncached condition page (bench/PLANS.md); the list, search and neighbourhood
        // queries run as fast either way. A startup parameter like the statement timeout:
        // no round trip per statement.
        //
        // No parallel workers: a generic plan sizes `= ANY($1)` for many ids, and for the
        // page's links statement (two levels in one `UNION ALL`) that estimate crossed the
        // parallel threshold: two workers started for 94 rows took 10 ms instead of 0.5.
        // caregraph's statements are small reads served side by side; parallelism across
        // requests is the pool's.
        //
        // No JIT, for the same estimates: on the 1M graph that statement's generic plan cost
        // crossed `jit_above_cost`, and PostgreSQL compiled it again on every run, 17-20 ms
        // of CPU for a statement that executes in 1 ms.
        .map_sqlx_postgres_opts(|opts| {
            opts.options([
                ("plan_cache_mode", "force_generic_plan"),
                ("max_parallel_workers_per_gather", "0"),
                ("jit", "off"),
            ])
        });
    if let Some(timeout) = config.db_statement_timeout() {
        // Sent as a connection parameter (PostgreSQL only): the server cancels a runaway
        // statement and frees its connection, with no extra round trip per statement.
        options.statement_timeout(timeout);
    }
    options
}

/// Whether `err` means the database cannot serve right now (unreachable, connection lost,
/// pool exhausted, shutting down, statement cancelled by its timeout, SQLite busy) rather than
/// a bug or bad data. Clients get SERVICE_UNAVAILABLE for these and may retry.
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unavailable(e)
        }
        _ => false,
    }
}

fn sqlx_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs and SQLite result codes that mean "not now" rather than "never".
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        // PostgreSQL (SQLSTATEs are always five characters): connection exceptions (08…),
        // insufficient resources (53…), shutdown or start-up in progress (57P01–57P03), a
        // statement cancelled by statement_timeout (57014).
        return code.starts_with("08")
            || code.starts_with("53")
            || matches!(code, "57P01" | "57P02" | "57P03" | "57014");
    }
    // SQLite (extended result codes, at most four digits): primary code SQLITE_BUSY (5) or
    // SQLITE_LOCKED (6), i.e. another writer held the lock past the busy timeout.
    code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
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
///
/// Reads go to `inner`; writes go to [`CountingConn::pool`], the primary. The two differ when
/// reads are sent to a read replica ([`CountingConn::writing_to`]).
#[derive(Clone, Debug)]
pub struct CountingConn {
    inner: DatabaseConnection,
    primary: DatabaseConnection,
    count: Arc<AtomicUsize>,
    statement_seconds: Option<Histogram>,
}

impl CountingConn {
    pub fn new(inner: DatabaseConnection) -> Self {
        Self {
            primary: inner.clone(),
            inner,
            count: Arc::new(AtomicUsize::new(0)),
            statement_seconds: None,
        }
    }

    /// The same reads, with writes going to `primary` (reads come from a replica).
    #[must_use]
    pub fn writing_to(self, primary: DatabaseConnection) -> Self {
        Self { primary, ..self }
    }

    /// Like [`CountingConn::new`], also observing each statement's duration in
    /// `statement_seconds`.
    pub fn with_metrics(inner: DatabaseConnection, statement_seconds: Histogram) -> Self {
        Self {
            statement_seconds: Some(statement_seconds),
            ..Self::new(inner)
        }
    }

    /// The primary's pool, for writes (which run in transactions and are not counted).
    pub fn pool(&self) -> &DatabaseConnection {
        &self.primary
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

#[cfg(test)]
mod tests {
    use super::unavailable_code;

    #[test]
    fn only_transient_database_codes_mean_unavailable() {
        for code in [
            "08006", "08001", "53300", "57P01", "57P03", "57014", "5", "6", "517", "261",
        ] {
            assert!(unavailable_code(code), "{code}");
        }
        // Unique and foreign-key violations, syntax errors: bugs or bad data, not outages.
        for code in ["23505", "23503", "42601", "2067", "787", "1"] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
