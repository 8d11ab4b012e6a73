//! One configuration, read once from flags and environment variables, passed down.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

mod cache;
mod guard;
mod limits;
mod live;
mod review;

pub use cache::CacheConfig;
pub use guard::GuardConfig;
pub use limits::LimitsConfig;
pub use live::LiveConfig;
pub use review::ReviewConfig;

/// Settings shared by every subcommand. Each flag falls back to the environment variable
/// named beside it.
#[derive(Clone, Args)]
pub struct Config {
    /// Database to use: `sqlite://PATH?mode=rwc` (created when missing) or
    /// `postgres://USER@HOST:PORT/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://caregraph.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// A PostgreSQL read replica of `DATABASE_URL` (`postgres://USER@HOST:PORT/DB`). When set,
    /// anonymous GraphQL queries read from it (and the response cache follows its content);
    /// writes, token checks, content-team reads and readiness use `DATABASE_URL`. It is never
    /// migrated: it gets the schema by replication.
    #[arg(long, env = "DATABASE_READ_URL", global = true)]
    pub database_read_url: Option<String>,

    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "CAREGRAPH_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    /// How long a request waits for a pooled connection before it fails, in milliseconds.
    #[arg(
        long,
        env = "CAREGRAPH_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3000,
        global = true
    )]
    pub db_acquire_timeout_ms: u64,

    /// How long to keep retrying, with exponential backoff, when PostgreSQL cannot be reached
    /// at start, in seconds; 0 tries once. SQLite opens a local file and is never retried.
    #[arg(
        long,
        env = "CAREGRAPH_DB_STARTUP_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub db_startup_timeout_secs: u64,

    /// Longest a single SQL statement may run on PostgreSQL before the server cancels it, in
    /// milliseconds; 0 means no limit. SQLite statements run in-process; their waits for a
    /// write lock end after a fixed 5 s busy timeout.
    #[arg(
        long,
        env = "CAREGRAPH_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,

    /// Log format on standard error.
    #[arg(long, env = "CAREGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl Config {
    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.db_acquire_timeout_ms)
    }

    pub fn db_startup_timeout(&self) -> Duration {
        Duration::from_secs(self.db_startup_timeout_secs)
    }

    /// `None` when statements may run for ever.
    pub fn db_statement_timeout(&self) -> Option<Duration> {
        (self.db_statement_timeout_ms > 0)
            .then(|| Duration::from_millis(self.db_statement_timeout_ms))
    }

    /// The database URL with any password replaced, safe for logs and error messages.
    pub fn database_url_redacted(&self) -> String {
        redact_password(&self.database_url)
    }

    /// The read replica's URL with any password replaced.
    pub fn database_read_url_redacted(&self) -> Option<String> {
        self.database_read_url.as_deref().map(redact_password)
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url_redacted())
            .field("database_read_url", &self.database_read_url_redacted())
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout_ms", &self.db_acquire_timeout_ms)
            .field("db_startup_timeout_secs", &self.db_startup_timeout_secs)
            .field("db_statement_timeout_ms", &self.db_statement_timeout_ms)
            .field("log_format", &self.log_format)
            .finish()
    }
}

/// Settings of the HTTP server.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Address and port to listen on; port 0 picks a free port.
    #[arg(long, env = "CAREGRAPH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// HTTP worker threads; 0 means one per CPU core.
    #[arg(long, env = "CAREGRAPH_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Load the bundled article graph when the database holds no nodes yet.
    #[arg(long, env = "CAREGRAPH_SEED_ON_EMPTY", default_value_t = true, action = clap::ArgAction::Set)]
    pub seed_on_empty: bool,

    #[command(flatten)]
    pub limits: LimitsConfig,

    #[command(flatten)]
    pub guard: GuardConfig,

    #[command(flatten)]
    pub cache: CacheConfig,

    #[command(flatten)]
    pub review: ReviewConfig,

    #[command(flatten)]
    pub live: LiveConfig,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            workers: 0,
            seed_on_empty: true,
            limits: LimitsConfig::default(),
            guard: GuardConfig::default(),
            cache: CacheConfig::default(),
            review: ReviewConfig::default(),
            live: LiveConfig::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_password("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact_password("sqlite://caregraph.db?mode=rwc"),
            "sqlite://caregraph.db?mode=rwc"
        );
    }
}
