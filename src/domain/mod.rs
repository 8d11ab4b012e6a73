//! The rules of the graph: which links are allowed, what valid content looks like, and the
//! queries and writes that enforce them. No GraphQL and no HTTP here.

pub mod audit;
pub mod auth;
pub mod error;
pub mod predicate;
pub mod service;
pub mod validate;

pub use error::DomainError;

/// Who is reading: anonymous readers see published content only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    PublishedOnly,
    Everything,
}
