//! Errors that stop the process at start-up or end a CLI command. Request-time errors are
//! `domain::DomainError`, mapped to GraphQL codes in `graphql::error`.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StartupError {
    /// The database could not be reached, even after retrying for the start-up timeout.
    #[error(
        "cannot connect to the database at {url} after {attempts} attempt(s) in {waited_secs} s (set DATABASE_URL to a reachable sqlite:// or postgres:// URL, or wait longer with CAREGRAPH_DB_STARTUP_TIMEOUT_SECS): {source}"
    )]
    Connect {
        url: String,
        attempts: u32,
        waited_secs: u64,
        source: sea_orm::DbErr,
    },
    #[error("cannot migrate the database at {url}: {source}")]
    Migrate { url: String, source: sea_orm::DbErr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
}
