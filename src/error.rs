//! Errors that stop the process at start-up or end a CLI command. Request-time errors are
//! `domain::DomainError`, mapped to GraphQL codes in `graphql::error`.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error(
        "cannot connect to the database at {url} (set DATABASE_URL to a reachable sqlite:// or postgres:// URL): {source}"
    )]
    Connect { url: String, source: sea_orm::DbErr },
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
