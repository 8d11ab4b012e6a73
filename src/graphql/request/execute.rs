//! Running one request on the schema: on the database its operation needs, for its caller,
//! until the deadline; counted in the metrics whether it ran or was refused.

use std::time::Instant;

use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Response, Value};

use super::body::{self, SQL_STATEMENTS};
use super::limits::timed_out;
use super::operation::{self, Selected};
use super::outcome::{Answer, Body, Outcome, Refusal, RefusalSlot, Refused};
use super::{AnswerCache, Env, record_operation};
use crate::db::CountingConn;
use crate::domain::rules::auth::Viewer;
use crate::graphql::{GraphQl, RequestState};

/// What running one request gave.
pub(super) struct Executed {
    pub(super) response: Response,
    /// The label its metrics are counted under.
    pub(super) operation: String,
    pub(super) kind: Option<OperationType>,
    pub(super) outcome: Outcome,
    pub(super) statements: usize,
    /// Whether the client asked for the statement count.
    pub(super) count_statements: bool,
}

impl Executed {
    /// Whether its answer may be cached: a query that ran and answered data, nothing else.
    pub(super) fn cacheable(&self) -> bool {
        self.outcome == Outcome::Ok
            && self.kind != Some(OperationType::Mutation)
            && self.response.extensions.is_empty()
    }

    /// Whether it ran (its answer has a `data` member).
    fn ran(&self) -> bool {
        matches!(self.outcome, Outcome::Ok | Outcome::Partial)
    }

    /// The response to send, with the statement count when it was asked for, and whether
    /// it ran.
    pub(super) fn finish(mut self) -> (Response, bool) {
        if self.count_statements {
            self.response
                .extensions
                .insert(SQL_STATEMENTS.to_owned(), Value::from(self.statements));
        }
        let ran = self.ran();
        (self.response, ran)
    }

    pub(super) fn into_answer<E>(self) -> Answer<E> {
        let (operation, outcome) = (self.kind, self.outcome);
        let (response, ran) = self.finish();
        Answer {
            operation,
            outcome,
            body: Body::Json(body::json(&response, ran)),
        }
    }
}

/// Runs `request` on the schema for `viewer`, stopped at `deadline`, or answers with what it
/// was refused for (`checked`); either way it is counted in the metrics. Stopping drops the
/// execution: a transaction it had open is rolled back, never half-committed.
///
/// Anonymous queries read from the read database; mutations and token holders' queries read
/// from the primary, so a content team reads its own writes at once. After a mutation the
/// content generation is read again, so this process's cache drops what the mutation
/// changed before the mutation's answer is sent.
pub(super) async fn execute<C: AnswerCache>(
    env: &Env<'_, C>,
    mut request: Request,
    viewer: &Viewer,
    deadline: tokio::time::Instant,
    checked: Result<Selected, Refused>,
) -> Executed {
    let started = Instant::now();
    let count_statements = request
        .extensions
        .0
        .remove(SQL_STATEMENTS)
        .is_some_and(|v| v == Value::Boolean(true));
    // A refused document may be one the limits kept from the parser: it is never read here.
    let (operation, kind, refused) = match checked {
        Ok(selected) => (
            env.observer.operation_label(selected.name),
            selected.kind,
            None,
        ),
        Err(refused) => (env.observer.operation_label(None), None, Some(refused)),
    };
    record_operation(&operation);
    let mutation = kind == Some(OperationType::Mutation);
    let reads = if mutation || matches!(viewer, Viewer::Token(_)) {
        env.db
    } else {
        env.read_db
    };
    let db = CountingConn::with_metrics(reads.clone(), env.observer.statement_seconds())
        .writing_to(env.db.clone());
    let (response, outcome) = match refused {
        Some(Refused { refusal, error }) => (
            Response::from_errors(vec![*error]),
            Outcome::Refused(refusal),
        ),
        None => {
            let persisted = persisted_refusal(&request);
            let slot = RefusalSlot::default();
            let request = request
                .data(RequestState::new(db.clone(), viewer.clone(), kind))
                .data(slot.clone());
            let schema = env.graphql.schema_for(viewer);
            match tokio::time::timeout_at(deadline, schema.execute(request)).await {
                Ok(response) => {
                    let outcome = outcome_of(&response, slot.get().or(persisted));
                    (response, outcome)
                }
                Err(_) => {
                    tracing::warn!(
                        operation = %operation,
                        "graphql request stopped at the execution time limit"
                    );
                    let limit = env.graphql.limits().execution_time();
                    (
                        Response::from_errors(vec![timed_out(limit)]),
                        Outcome::TimedOut,
                    )
                }
            }
        }
    };
    if mutation && env.cache.enabled() {
        env.cache.refresh(env.read_db).await;
    }
    let statements = db.statements();
    env.observer
        .executed(&operation, &response, started.elapsed(), statements);
    tracing::debug!(
        sql_statements = statements,
        errors = response.errors.len(),
        "graphql request executed"
    );
    Executed {
        response,
        operation,
        kind,
        outcome,
        statements,
        count_statements,
    }
}

/// Runs a request the server wrote itself (its documents are not checked against the
/// limits) for an anonymous reader, like any other: on the read database, under the time
/// limit, counted in the metrics.
pub async fn execute_own<C: AnswerCache>(env: &Env<'_, C>, mut request: Request) -> Response {
    let deadline = tokio::time::Instant::now() + env.graphql.limits().execution_time();
    let selected = operation::select(&mut request);
    execute(env, request, &Viewer::Anonymous, deadline, Ok(selected))
        .await
        .response
}

/// The refusal of `request` if the persisted-query extension refuses it: a hash this server
/// does not hold (the document was not found before execution), or a `persistedQuery` that
/// is malformed or does not match the query sent with it. That extension refuses a request
/// before its data (and a [`RefusalSlot`]) reaches the extensions, so it is told from the
/// request.
fn persisted_refusal(request: &Request) -> Option<Refusal> {
    if !request.extensions.contains_key("persistedQuery") {
        return None;
    }
    Some(
        if request.query.is_empty() && GraphQl::persisted_hash(request).is_some() {
            Refusal::PersistedQueryNotFound
        } else {
            Refusal::PersistedQueryMismatch
        },
    )
}

/// How an execution went. Errors without a field path and no data mean async-graphql
/// refused the request before running it: `refused` says why (recorded by the extension
/// that codes parse and validation errors, else told from the request); a refusal no one
/// recorded is the document's (validation).
fn outcome_of(response: &Response, refused: Option<Refusal>) -> Outcome {
    if response.errors.is_empty() {
        return if response.data == Value::Null {
            Outcome::Partial
        } else {
            Outcome::Ok
        };
    }
    let never_ran =
        response.data == Value::Null && response.errors.iter().all(|e| e.path.is_empty());
    if never_ran {
        Outcome::Refused(refused.unwrap_or(Refusal::Validation))
    } else {
        Outcome::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persisted_query_refusals_are_told_from_the_request() {
        let with = |query: &str, persisted: serde_json::Value| {
            let mut request = Request::new(query);
            request.extensions.0.insert(
                "persistedQuery".to_owned(),
                Value::from_json(persisted).expect("value"),
            );
            persisted_refusal(&request)
        };
        let hash = serde_json::json!({ "version": 1, "sha256Hash": "ab" });
        assert_eq!(
            with("", hash.clone()),
            Some(Refusal::PersistedQueryNotFound)
        );
        assert_eq!(with("{ a }", hash), Some(Refusal::PersistedQueryMismatch));
        assert_eq!(
            with("", serde_json::json!({ "version": 2 })),
            Some(Refusal::PersistedQueryMismatch)
        );
        assert_eq!(persisted_refusal(&Request::new("{ a }")), None);
    }

    #[test]
    fn a_response_without_data_or_paths_never_ran() {
        let refused = Response::from_errors(vec![async_graphql::ServerError::new("x", None)]);
        assert_eq!(
            outcome_of(&refused, Some(Refusal::Parse)),
            Outcome::Refused(Refusal::Parse)
        );
        assert_eq!(
            outcome_of(&refused, None),
            Outcome::Refused(Refusal::Validation)
        );
        let data = Value::from_json(serde_json::json!({ "a": 1 })).expect("value");
        assert_eq!(outcome_of(&Response::new(data.clone()), None), Outcome::Ok);
        let mut partial = Response::new(data);
        partial
            .errors
            .push(async_graphql::ServerError::new("x", None));
        assert_eq!(outcome_of(&partial, None), Outcome::Partial);
        assert_eq!(
            outcome_of(&Response::new(Value::Null), None),
            Outcome::Partial
        );
    }
}
