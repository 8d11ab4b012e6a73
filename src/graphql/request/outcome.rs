//! How one request went, typed: what HTTP needs to pick a status and write the answer, so it
//! never reads error codes or the document again.

use std::sync::{Arc, OnceLock};

use async_graphql::ServerError;
use async_graphql::parser::types::OperationType;
use bytes::Bytes;

/// The answer to one GraphQL request.
pub struct Answer<E> {
    /// The operation the request ran, or would have run: `None` when it was refused before
    /// its document was read, or the document does not parse.
    pub operation: Option<OperationType>,
    pub outcome: Outcome,
    pub body: Body<E>,
}

impl<E> Answer<E> {
    /// Whether it ran a mutation (or was refused for being one).
    pub fn mutation(&self) -> bool {
        self.operation == Some(OperationType::Mutation)
    }
}

/// What a request to /graphql came to: one answer, or a batch's answers.
pub enum Reply<E> {
    Single(Answer<E>),
    /// A batch's answers in the order of its requests (`[…]`), each saying how its request
    /// went; the batch as a whole always succeeds.
    Batch(Bytes),
}

/// The JSON of an answer.
pub enum Body<E> {
    /// Serialized here: `{"data":…}`, with `errors` and `extensions` when there are any, and
    /// no `data` member when the request never ran.
    Json(Bytes),
    /// As the response cache holds it (`{"data":…}`); its entity tags were computed when it
    /// was stored.
    Cached(Arc<E>),
}

/// The class of a request's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Ran, with data and no error: the answer may be cached and validated.
    Ok,
    /// Ran, but not every field has its data: errors in fields (the data is partial or
    /// null), or no data at all.
    Partial,
    /// Refused before anything ran; the answer has errors and no `data` member.
    Refused(Refusal),
    /// Stopped at the execution time limit; anything it had begun to write was rolled back.
    TimedOut,
}

/// Why a request was refused before it ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not GraphQL syntax, or brackets nested deeper than the parser goes.
    Parse,
    /// Does not fit the schema (unknown field, wrong argument or variable type, a fragment
    /// that spreads itself), or its variables do not fit the operation.
    Validation,
    /// Over a configured limit; `extensions.limit` names it.
    Limit,
    /// The operation to run cannot be chosen: an `operationName` the document does not
    /// define, or several operations and none named.
    Operation,
    /// The caller may not do this without a valid token (introspection, where it needs one),
    /// or presented credentials that could not be read.
    Unauthenticated,
    /// A persisted query this server does not hold (or no longer does).
    PersistedQueryNotFound,
    /// Persisted queries are off on this server.
    PersistedQueryNotSupported,
    /// A `persistedQuery` extension that is malformed, or whose hash is not the query's.
    PersistedQueryMismatch,
    /// A mutation sent where only queries are accepted (a GET).
    MutationNotAllowed,
    /// The caller could not be identified: the database is unavailable.
    Unavailable,
    /// The caller could not be identified: the server failed.
    Internal,
}

/// A refusal and the error the client reads about it (boxed: it is large, and rare).
#[derive(Debug)]
pub struct Refused {
    pub refusal: Refusal,
    pub error: Box<ServerError>,
}

impl Refused {
    pub fn new(refusal: Refusal, error: ServerError) -> Self {
        Self {
            refusal,
            error: Box::new(error),
        }
    }
}

/// Where async-graphql refused a request (parsing, validation, the persisted-query
/// extension), recorded by the extension that gives its errors their codes
/// (`schema::ErrorCodes`) in the request's data; the first refusal recorded stands.
#[derive(Clone, Default)]
pub(crate) struct RefusalSlot(Arc<OnceLock<Refusal>>);

impl RefusalSlot {
    pub(crate) fn record(&self, refusal: Refusal) {
        let _first_stands = self.0.set(refusal);
    }

    pub(crate) fn get(&self) -> Option<Refusal> {
        self.0.get().copied()
    }
}
