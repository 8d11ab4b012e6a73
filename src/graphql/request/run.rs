//! One request to /graphql, from its parsed GraphQL-over-HTTP form to its answer: the
//! response cache first, then the persisted-query document, the limits, the operation and
//! execution; a batch's requests one after the other under one deadline.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, ErrorExtensions as _, Pos, Request, ServerError, Value};

use super::answer_cache::{self, AnswerCache, CachedAnswer, Key};
use super::body::{self, SQL_STATEMENTS};
use super::execute::{Executed, execute};
use super::operation;
use super::outcome::{Answer, Body, Outcome, Refusal, Refused, Reply};
use super::{Env, record_operation};
use crate::domain::DomainError;
use crate::domain::rules::auth::Viewer;
use crate::graphql::error::code;

/// Who sent a request, and how.
pub struct Call<'a> {
    pub viewer: &'a Viewer,
    /// False for a GET: browsers and caches send GETs on their own, so a GET must never
    /// change anything.
    pub mutations_allowed: bool,
    /// The key of the request's exact bytes, when it came anonymously with the cache on.
    pub exact: Option<Key>,
    /// When the request arrived, for the metrics of an answer from the cache.
    pub started: Instant,
}

/// The answer to an anonymous request that repeats, byte for byte, one already answered:
/// served before its JSON or its document is read.
pub fn cached<C: AnswerCache>(
    env: &Env<'_, C>,
    exact: &Key,
    started: Instant,
) -> Option<Answer<C::Entry>> {
    let entry = env.cache.get_exact(exact)?;
    Some(from_cache(env, entry, false, started))
}

/// The answer to a request whose caller could not be identified (their token could not be
/// checked): it fails with the database's error, never as UNAUTHENTICATED.
pub fn refused_caller<E>(err: &DomainError) -> Answer<E> {
    let refusal = match err {
        DomainError::Db(db) if crate::db::is_unavailable(db) => Refusal::Unavailable,
        DomainError::Db(_) => Refusal::Internal,
        _ => Refusal::Unauthenticated,
    };
    refused(
        None,
        refusal,
        err.extend().into_server_error(Pos::default()),
    )
}

/// Runs `batch` for `call`'s caller.
pub async fn run<C: AnswerCache>(
    env: &Env<'_, C>,
    batch: BatchRequest,
    call: Call<'_>,
) -> Reply<C::Entry> {
    // One deadline for the whole request, every operation of a batch included.
    let deadline = tokio::time::Instant::now() + env.graphql.limits().execution_time();
    match batch {
        BatchRequest::Single(request) => Reply::Single(single(env, request, call, deadline).await),
        BatchRequest::Batch(requests) => {
            let mut finished = Vec::with_capacity(requests.len());
            // One after the other: a batch never holds more than one pooled connection, and
            // its writes land in the order sent.
            for mut request in requests {
                let checked = check(env, &mut request, call.viewer)
                    .await
                    .map(|()| operation::select(&mut request));
                let executed = execute(env, request, call.viewer, deadline, checked).await;
                finished.push(executed.finish());
            }
            Reply::Batch(body::batch(finished.iter().map(|(r, ran)| (r, *ran))))
        }
    }
}

async fn single<C: AnswerCache>(
    env: &Env<'_, C>,
    mut request: Request,
    call: Call<'_>,
    deadline: tokio::time::Instant,
) -> Answer<C::Entry> {
    let viewer = call.viewer;
    let cache_key = cache_key(env, &request, viewer);
    let count = wants_statement_count(&request);
    // Only a request that passes the checks below and needs no count may be answered by its
    // bytes alone next time.
    let exact = call
        .exact
        .filter(|_| !count && matches!(viewer, Viewer::Anonymous));
    if let Some(key) = &cache_key
        && let Some(entry) = env.cache.get(key)
    {
        // Same tokens, operation and variables as a request that passed every check.
        if let Some(exact) = exact {
            env.cache.alias(exact, &entry);
        }
        return from_cache(env, entry, count, call.started);
    }
    // Taken before anything is read: an answer computed from content older than a change
    // this process has seen is never stored.
    let epoch = env.cache.epoch();
    let checked = match check(env, &mut request, viewer).await {
        Ok(()) => Ok(operation::select(&mut request)),
        Err(refused) => Err(refused),
    };
    if let Ok(selected) = &checked
        && selected.kind == Some(OperationType::Mutation)
        && !call.mutations_allowed
    {
        let mut err = ServerError::new("mutations are only accepted by POST", None);
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code::METHOD_NOT_ALLOWED);
        return refused(selected.kind, Refusal::MutationNotAllowed, err);
    }
    let executed = execute(env, request, viewer, deadline, checked).await;
    match cache_key {
        Some(key) if executed.cacheable() => store(env, executed, key, exact, epoch),
        _ => executed.into_answer(),
    }
}

/// Files a cacheable answer, and answers with it.
fn store<C: AnswerCache>(
    env: &Env<'_, C>,
    executed: Executed,
    key: Key,
    exact: Option<Key>,
    epoch: u64,
) -> Answer<C::Entry> {
    let json = body::json(&executed.response, true);
    let stored = env
        .cache
        .insert(key, exact, epoch, json.clone(), executed.operation);
    let body = match stored {
        _ if executed.count_statements => {
            Body::Json(body::with_statement_count(&json, executed.statements))
        }
        Some(entry) => Body::Cached(entry),
        None => Body::Json(json),
    };
    Answer {
        operation: executed.kind,
        outcome: Outcome::Ok,
        body,
    }
}

/// A cached answer, counted as a request that ran no SQL statement.
fn from_cache<C: AnswerCache>(
    env: &Env<'_, C>,
    entry: Arc<C::Entry>,
    count_statements: bool,
    started: Instant,
) -> Answer<C::Entry> {
    record_operation(entry.operation());
    env.observer.cached(entry.operation(), started.elapsed());
    let body = if count_statements {
        Body::Json(body::with_statement_count(entry.body(), 0))
    } else {
        Body::Cached(entry)
    };
    Answer {
        operation: Some(OperationType::Query),
        outcome: Outcome::Ok,
        body,
    }
}

/// The checks before a request runs: the persisted query it names, then the limits, which
/// bound what parsing it costs, and that its operation can be chosen.
async fn check<C: AnswerCache>(
    env: &Env<'_, C>,
    request: &mut Request,
    viewer: &Viewer,
) -> Result<(), Refused> {
    let graphql = env.graphql;
    graphql
        .resolve_persisted(request)
        .await
        .map_err(|err| Refused::new(Refusal::PersistedQueryNotSupported, err))?;
    graphql
        .limits()
        .check(request, matches!(viewer, Viewer::Token(_)))
}

/// The key `request` is cached under, when its answer may come from or go to the cache: a
/// single query by a caller who reads published content only.
fn cache_key<C: AnswerCache>(env: &Env<'_, C>, request: &Request, viewer: &Viewer) -> Option<Key> {
    let role = match viewer {
        Viewer::Anonymous => "anonymous",
        Viewer::Invalid => "invalid",
        Viewer::Token(_) => return None,
    };
    // Same tokens, same answer, but a text over the size limit must still be refused.
    if !env.cache.enabled() || request.query.len() > env.graphql.limits().query_bytes() {
        return None;
    }
    // A query sent with its hash registers it: it must run, or a server that forgot the hash
    // would answer it from the cache and never learn it again.
    if !request.query.is_empty() && request.extensions.contains_key("persistedQuery") {
        return None;
    }
    answer_cache::key_of(request, role)
}

fn wants_statement_count(request: &Request) -> bool {
    request
        .extensions
        .get(SQL_STATEMENTS)
        .is_some_and(|v| *v == Value::Boolean(true))
}

/// The answer to a request refused before it ran: `err`, and no `data`.
fn refused<E>(operation: Option<OperationType>, refusal: Refusal, err: ServerError) -> Answer<E> {
    let response = async_graphql::Response::from_errors(vec![err]);
    Answer {
        operation,
        outcome: Outcome::Refused(refusal),
        body: Body::Json(body::json(&response, false)),
    }
}
