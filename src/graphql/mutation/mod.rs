//! The mutation root, merged from one object per domain. Every mutation needs a bearer token
//! (UNAUTHENTICATED without one, FORBIDDEN without the role), runs in one transaction with
//! its audit event, and returns what it changed so clients can update their caches.

mod content;
mod link;
mod page;
mod review;
mod source;
mod token;

use async_graphql::{ErrorExtensions as _, ID, MergedObject, Result};
use uuid::Uuid;

use crate::domain::DomainError;
pub(crate) use review::as_content;

/// Change the knowledge graph (content teams, with a bearer token).
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    content::NodeMutation,
    link::LinkMutation,
    page::PageMutation,
    source::SourceMutation,
    review::ReviewMutation,
    token::TokenMutation,
);

/// An id argument as a UUID, or BAD_USER_INPUT naming the field.
pub(crate) fn uuid(field: &str, id: &ID) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| {
        DomainError::invalid(field, format!("{:?} is not an id (a UUID)", id.as_str())).extend()
    })
}

/// Maps a domain result to GraphQL, with its error code.
pub(crate) fn gql<T>(r: std::result::Result<T, DomainError>) -> Result<T> {
    r.map_err(|e| e.extend())
}
