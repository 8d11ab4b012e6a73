//! Error codes in one place, and the one mapping from domain errors to them.

use std::sync::Arc;

use async_graphql::{Error, ErrorExtensions, ServerError};

use crate::domain::DomainError;

/// The `extensions.code` values clients can rely on.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const CONFLICT: &str = "CONFLICT";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const INTERNAL: &str = "INTERNAL";
    /// The document is not valid GraphQL syntax.
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    /// The document does not fit the schema (unknown field, wrong argument or variable type…).
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    /// The request exceeds a configured limit; `extensions.limit` names it and
    /// `extensions.max` gives its value.
    pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";
    /// The request ran longer than the execution time limit and was stopped.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// Too many requests from this client; retry after `Retry-After` seconds.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The database cannot be reached right now; retry later.
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    /// A subscriber fell too far behind the changes and missed some.
    pub const CHANGES_MISSED: &str = "CHANGES_MISSED";

    /// Not a well-formed GraphQL-over-HTTP request: malformed JSON, not an object, invalid
    /// UTF-8, no `query`, a field of the wrong type.
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// `Content-Type` missing or not one /graphql reads.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
    /// `Accept` names no media type /graphql answers with.
    pub const NOT_ACCEPTABLE: &str = "NOT_ACCEPTABLE";
    /// A method /graphql does not serve, or a mutation sent by GET.
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    /// A request named a persisted query this server does not hold (or no longer does): the
    /// client sends the query text with its hash next time. Apollo clients look for this code
    /// (and the message `PersistedQueryNotFound`).
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// Persisted queries are off on this server; the client sends query texts.
    pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
}

impl ErrorExtensions for DomainError {
    fn extend(&self) -> Error {
        match self {
            DomainError::InvalidInput { field, .. } => {
                Error::new(self.to_string()).extend_with(|_, e| {
                    e.set("code", code::BAD_USER_INPUT);
                    e.set("field", field.as_str());
                })
            }
            DomainError::NotFound { .. } => {
                Error::new(self.to_string()).extend_with(|_, e| e.set("code", code::NOT_FOUND))
            }
            DomainError::Conflict { found, .. } => {
                Error::new(self.to_string()).extend_with(|_, e| {
                    e.set("code", code::CONFLICT);
                    e.set("currentVersion", *found);
                })
            }
            DomainError::Unauthenticated { .. } => Error::new(self.to_string())
                .extend_with(|_, e| e.set("code", code::UNAUTHENTICATED)),
            DomainError::Forbidden { .. } => {
                Error::new(self.to_string()).extend_with(|_, e| e.set("code", code::FORBIDDEN))
            }
            DomainError::Db(err) if crate::db::is_unavailable(err) => {
                // An outage, not a bug: the client may retry; the cause stays in the log.
                tracing::warn!(error = %err, "database unavailable while serving a request");
                Error::new("the database is unavailable right now; retry later")
                    .extend_with(|_, e| e.set("code", code::SERVICE_UNAVAILABLE))
            }
            DomainError::At { path, error } => {
                let mut err = ErrorExtensions::extend(error.as_ref());
                err.message = self.to_string();
                err.extensions
                    .get_or_insert_with(Default::default)
                    .set("field", path.as_str());
                err
            }
            DomainError::Db(err) => {
                // The client sees a code only; the cause stays in the log.
                tracing::error!(error = %err, "database error while serving a request");
                Error::new("internal error").extend_with(|_, e| e.set("code", code::INTERNAL))
            }
        }
    }
}

/// Loaders need a `Clone` error; they share the domain error behind an `Arc`.
pub(crate) type LoadError = Arc<DomainError>;

pub(crate) fn from_load(err: LoadError) -> Error {
    err.extend()
}

/// A client mistake with no domain rule behind it (a malformed id, a page size out of range).
pub(crate) fn bad_input(field: &str, message: impl Into<String>) -> Error {
    DomainError::invalid(field, message).extend()
}

/// Adds `code` to an error that has none.
pub(crate) fn ensure_code(err: &mut ServerError, default: &str) {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", default);
    }
}
