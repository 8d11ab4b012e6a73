//! The one error type of the domain layer. `graphql::error` maps each variant to a code.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DomainError {
    /// Input that breaks a rule; `field` names the offending input field.
    #[error("{field}: {reason}")]
    InvalidInput { field: String, reason: String },
    #[error("{what} not found")]
    NotFound { what: String },
    /// A write carried a stale version.
    #[error("version conflict: you sent version {expected}, the current version is {found}")]
    Conflict { expected: i32, found: i32 },
    /// No valid credentials for an operation that needs them.
    #[error("{reason}")]
    Unauthenticated { reason: String },
    /// Valid credentials without the role the operation needs.
    #[error("{reason}")]
    Forbidden { reason: String },
    /// Anything the caller cannot fix: logged in full, shown to clients only as a code.
    #[error("database error")]
    Db(#[from] sea_orm::DbErr),
    /// An error of one item of a larger input (a link of a saved page), with the item's path.
    #[error("{path}: {error}")]
    At {
        path: String,
        error: Box<DomainError>,
    },
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Names the input item the error is about: bad input gets the path in front of its field
    /// (`links[2].citations[0].quote`); other errors keep their kind and carry the path.
    /// Database errors are left alone: they are not about the input.
    pub fn at(self, path: &str) -> Self {
        match self {
            Self::InvalidInput { field, reason } => Self::InvalidInput {
                field: format!("{path}.{field}"),
                reason,
            },
            Self::Db(_) => self,
            Self::At { path: inner, error } => Self::At {
                path: format!("{path}.{inner}"),
                error,
            },
            other => Self::At {
                path: path.to_owned(),
                error: Box::new(other),
            },
        }
    }
}
