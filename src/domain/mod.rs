//! The graph's rules (`rules`, pure) and the queries and writes that enforce them (`service`).
//! No GraphQL and no HTTP here.

pub mod error;
pub mod rules;
pub mod service;

pub use error::DomainError;

/// Who is reading: anonymous readers see published content only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    PublishedOnly,
    Everything,
}
