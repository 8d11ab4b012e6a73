//! The GraphQL work of one request to /graphql, whatever carried it: the response cache, the
//! persisted-query document, the limits, the operation chosen, execution under the time limit
//! and the outcome. HTTP reads the request and writes the answer around it
//! (`crate::http::graphql`): it learns how the request went from the typed [`Answer`], never
//! by reading error codes or the document again.

mod answer_cache;
mod body;
mod document_cache;
mod execute;
pub mod introspection;
pub mod lexer;
pub mod limits;
pub(crate) mod operation;
mod outcome;
mod run;

use std::time::Duration;

use async_graphql::Response;
use prometheus::Histogram;
use sea_orm::DatabaseConnection;

use crate::graphql::GraphQl;
pub use answer_cache::{AnswerCache, CachedAnswer, Key};
pub(crate) use document_cache::PendingValidation;
pub use execute::execute_own;
pub(crate) use outcome::RefusalSlot;
pub use outcome::{Answer, Body, Outcome, Refusal, Refused, Reply};
pub use run::{Call, cached, refused_caller, run};

/// What running requests needs from the server around it.
pub struct Env<'a, C> {
    pub graphql: &'a GraphQl,
    /// The primary: mutations, and token holders' reads.
    pub db: &'a DatabaseConnection,
    /// Where anonymous queries read: a replica, or the primary again.
    pub read_db: &'a DatabaseConnection,
    pub cache: &'a C,
    pub observer: &'a dyn Observer,
}

/// Where execution reports what it did (the server's metrics).
pub trait Observer: Send + Sync {
    /// The label an operation is counted under: its `name` (a label-safe GraphQL name), a
    /// shared one past the cap on distinct names, or the one of anonymous operations.
    fn operation_label(&self, name: Option<String>) -> String;
    /// The histogram the request's SQL statements are timed into.
    fn statement_seconds(&self) -> Histogram;
    /// One request run on the schema, or refused by the checks before it.
    fn executed(&self, operation: &str, response: &Response, elapsed: Duration, statements: usize);
    /// One request answered from the response cache.
    fn cached(&self, operation: &str, elapsed: Duration);
}

/// Names the GraphQL operation in the current request's span (the HTTP layer's request span
/// declares the field). `name` is a metrics label (a GraphQL name, `anonymous` or `other`),
/// never raw client text, so it is written as is: a `&str` field would be escaped character
/// by character on every request.
fn record_operation(name: &str) {
    tracing::Span::current().record("operation", tracing::field::display(name));
}
