//! The request limits, checked before a request runs: from its text alone, in time linear in
//! its size, with no database access.
//!
//! The text is measured first (bytes, tokens, bracket nesting) so the parser never sees a
//! hostile document; the parsed document is then measured with every fragment counted where
//! it is spread, each fragment measured once. Introspection (`__schema`, `__type`) is bounded
//! by the size of its answer instead of by the data limits (see `introspection`).
//! async-graphql's own depth and complexity checks expand fragments afresh at every spread,
//! so a few lines of fragments spreading each other twice would keep them busy for hours:
//! the checks here run first and refuse such a document as too complex.

mod measure;
mod scan;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Pos, Request, ServerError, Value, Variables};

use super::document_cache::{CheckedDocument, DocumentCache};
use super::introspection::SchemaShape;
use super::operation::select_operation;
use super::outcome::{Refusal, Refused};
use crate::config::LimitsConfig;
use crate::graphql::error::code;
use measure::{Measure, most_directives};
use scan::{MAX_NESTING, Scan, scan};

/// Names of the limits, as clients see them in `extensions.limit`.
pub mod limit {
    pub const DEPTH: &str = "depth";
    pub const INTROSPECTION: &str = "introspection";
    pub const INTROSPECTION_LISTS: &str = "introspectionLists";
    pub const COMPLEXITY: &str = "complexity";
    pub const ALIASES: &str = "aliases";
    pub const ROOT_FIELDS: &str = "rootFields";
    pub const DIRECTIVES: &str = "directives";
    pub const QUERY_BYTES: &str = "queryBytes";
    pub const TOKENS: &str = "tokens";
    pub const BATCH_SIZE: &str = "batchSize";
    pub const EXECUTION_TIME: &str = "executionTime";
    pub const PAGE_SIZE: &str = "pageSize";
}

/// The largest page a list returns, in the schema's data for the connection resolvers.
pub(crate) struct PageSizeLimit(pub i32);

/// A LIMIT_EXCEEDED error naming `limit` and its value.
pub fn limit_exceeded(
    limit: &str,
    max: impl Into<Value>,
    message: impl Into<String>,
) -> ServerError {
    let mut err = ServerError::new(message, None);
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", code::LIMIT_EXCEEDED);
    ext.set("limit", limit);
    ext.set("max", max);
    err
}

/// The TIMEOUT error of a request stopped at the execution time limit.
pub fn timed_out(max: Duration) -> ServerError {
    let ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    let mut err = ServerError::new(
        format!(
            "the request ran longer than the execution time limit ({ms} ms) and was stopped; \
             a write it had not finished was rolled back"
        ),
        None,
    );
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", code::TIMEOUT);
    ext.set("limit", limit::EXECUTION_TIME);
    ext.set("max", ms);
    err
}

/// The limits one request is checked against, read once from the configuration.
#[derive(Clone, Debug)]
pub struct RequestLimits {
    depth: usize,
    complexity: usize,
    aliases: usize,
    root_fields: usize,
    directives: usize,
    query_bytes: usize,
    tokens: usize,
    batch_size: usize,
    execution_time: Duration,
    introspection_needs_token: bool,
    introspection: Arc<SchemaShape>,
    documents: Arc<DocumentCache>,
}

impl RequestLimits {
    /// `introspection`: the schema the requests run on, which bounds introspection queries.
    pub fn new(config: &LimitsConfig, introspection: Arc<SchemaShape>) -> Self {
        Self {
            depth: config.max_depth,
            complexity: config.max_complexity,
            aliases: config.max_aliases,
            root_fields: config.max_root_fields,
            directives: config.max_directives,
            query_bytes: config.max_query_bytes,
            tokens: config.max_tokens,
            batch_size: config.max_batch_size,
            execution_time: config.max_execution_time(),
            introspection_needs_token: config.introspection_needs_token(),
            introspection,
            documents: Arc::default(),
        }
    }

    /// Longest query text accepted, in bytes.
    pub fn query_bytes(&self) -> usize {
        self.query_bytes
    }

    /// Longest time one request may execute.
    pub fn execution_time(&self) -> Duration {
        self.execution_time
    }

    /// Refuses a batch of `len` operations when batches that large are not accepted.
    pub fn check_batch(&self, len: usize) -> Result<(), ServerError> {
        if len <= self.batch_size {
            return Ok(());
        }
        let message = if self.batch_size == 0 {
            "batched requests are not accepted here (limit batchSize is 0): send one request \
             per POST"
                .to_owned()
        } else {
            format!(
                "the batch holds {len} operations; at most {} are accepted (limit batchSize)",
                self.batch_size
            )
        };
        Err(limit_exceeded(limit::BATCH_SIZE, self.batch_size, message))
    }

    /// Checks `request` against every limit, and that the operation to run can be chosen.
    /// Leaves the parsed document in the request, so it is parsed once; a text seen before is
    /// not parsed again. A document that does not parse passes: execution reports the syntax
    /// error with its position.
    /// `token_holder` is true when the caller presented a valid token.
    pub fn check(&self, request: &mut Request, token_holder: bool) -> Result<(), Refused> {
        let bytes = request.query.len();
        if bytes > self.query_bytes {
            return Err(over_limit(limit_exceeded(
                limit::QUERY_BYTES,
                self.query_bytes,
                format!(
                    "the query is {bytes} bytes long; at most {} are accepted (limit queryBytes)",
                    self.query_bytes
                ),
            )));
        }
        let operation_name = request.operation_name.take();
        let variables = std::mem::take(&mut request.variables);
        let checked =
            self.check_parsed(request, operation_name.as_deref(), &variables, token_holder);
        request.operation_name = operation_name;
        request.variables = variables;
        checked
    }

    /// The checks after the size: those of the text alone once per text (see
    /// `document_cache`), those of the request every time.
    fn check_parsed(
        &self,
        request: &mut Request,
        operation_name: Option<&str>,
        variables: &Variables,
        token_holder: bool,
    ) -> Result<(), Refused> {
        // A persisted query's document arrives parsed, with no text to key it by.
        let cached = (!request.query.is_empty())
            .then(|| self.documents.get(&request.query))
            .flatten();
        if let Some(hit) = cached {
            select_operation(&hit.document, operation_name)
                .map_err(|err| Refused::new(Refusal::Operation, err))?;
            self.check_access(&hit.document, hit.introspects_at, variables, token_holder)?;
            request.set_parsed_query(hit.document.clone());
            hit.mark(request);
            return Ok(());
        }
        self.check_text(&request.query)?;
        let text = (!request.query.is_empty()).then(|| request.query.clone());
        let Ok(doc) = request.parsed_query() else {
            // Execution reports the syntax error with its position.
            return Ok(());
        };
        select_operation(doc, operation_name)
            .map_err(|err| Refused::new(Refusal::Operation, err))?;
        let introspects_at = self.check_document(doc)?;
        let access = self.check_access(doc, introspects_at, variables, token_holder);
        // Only a document kept by its text can skip validation later; a persisted query's
        // is validated in full each time, with no copy made.
        if let Some(text) = text {
            let checked = CheckedDocument::new(doc.clone(), introspects_at);
            checked.mark(request);
            self.documents.insert(&text, checked);
        }
        access
    }

    /// The checks that depend on who asks and with which variables: whether they may
    /// introspect, and what their introspection costs.
    fn check_access(
        &self,
        doc: &ExecutableDocument,
        introspects_at: Option<Pos>,
        variables: &Variables,
        token_holder: bool,
    ) -> Result<(), Refused> {
        let Some(pos) = introspects_at else {
            return Ok(());
        };
        if self.introspection_needs_token && !token_holder {
            let mut err = ServerError::new(
                "introspection (__schema, __type) needs a valid bearer token on this server",
                Some(pos),
            );
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", code::UNAUTHENTICATED);
            return Err(Refused::new(Refusal::Unauthenticated, err));
        }
        self.check_introspection(doc, variables)
    }

    /// Tokens and bracket nesting, before anything parses the text.
    fn check_text(&self, query: &str) -> Result<(), Refused> {
        match scan(query, self.tokens) {
            Scan::Fine => Ok(()),
            Scan::TooManyTokens => Err(over_limit(limit_exceeded(
                limit::TOKENS,
                self.tokens,
                format!(
                    "the query has more than {} tokens (limit tokens)",
                    self.tokens
                ),
            ))),
            Scan::TooDeep => {
                let mut err = ServerError::new(
                    format!("the query nests brackets more than {MAX_NESTING} deep"),
                    None,
                );
                err.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code::GRAPHQL_PARSE_FAILED);
                Err(Refused::new(Refusal::Parse, err))
            }
        }
    }

    /// The limits of the document alone; where an operation introspects, if one does.
    fn check_document(&self, doc: &ExecutableDocument) -> Result<Option<Pos>, Refused> {
        let directives = most_directives(doc);
        if directives > self.directives {
            return Err(over_limit(limit_exceeded(
                limit::DIRECTIVES,
                self.directives,
                format!(
                    "a field carries {directives} directives; at most {} are accepted (limit \
                     directives)",
                    self.directives
                ),
            )));
        }
        let mut measure = Measure::new(doc);
        // Every operation of the document is validated, so every one is measured.
        let mut introspects_at = None;
        for (_, operation) in doc.operations.iter() {
            let shape = measure
                .selection_set(&operation.node.selection_set.node)
                .map_err(|err| Refused::new(Refusal::Validation, err))?;
            self.check_shape(&shape).map_err(over_limit)?;
            if shape.introspects {
                introspects_at.get_or_insert(operation.pos);
            }
        }
        Ok(introspects_at)
    }

    /// Refuses introspection whose answer would be larger than the budget: graphql-js's
    /// fullest query twice over, whatever its depth.
    fn check_introspection(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
    ) -> Result<(), Refused> {
        let budget = self.introspection.budget();
        let cost = self
            .introspection
            .cost(doc, variables, budget)
            .map_err(|message| {
                let mut err = ServerError::new(message, None);
                err.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code::GRAPHQL_VALIDATION_FAILED);
                Refused::new(Refusal::Validation, err)
            })?;
        if cost <= budget {
            return Ok(());
        }
        Err(over_limit(limit_exceeded(
            limit::INTROSPECTION,
            budget,
            format!(
                "the introspection would answer more than {budget} values, twice what \
                 graphql-js's fullest introspection query answers on this schema (limit \
                 introspection); ask for the schema once, without following types through \
                 their fields again"
            ),
        )))
    }
}

/// A refusal for the limit `err` names.
fn over_limit(err: ServerError) -> Refused {
    Refused::new(Refusal::Limit, err)
}
