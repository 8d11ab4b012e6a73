//! Building the schema: roots, limits, automatic persisted queries and the extension that
//! gives every error a code.

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, CacheStorage as _, LruCacheStorage,
};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Request, Response, Schema, ServerError, ServerResult, ValidationResult, Value, Variables,
};

use crate::config::LimitsConfig;
use crate::domain::rules::auth::Viewer;
use crate::graphql::error::{code, ensure_code};
use crate::graphql::mutation::MutationRoot;
use crate::graphql::query::QueryRoot;
use crate::graphql::request::introspection::SchemaShape;
use crate::graphql::request::limits::{PageSizeLimit, RequestLimits, limit, limit_exceeded};
use crate::graphql::request::{PendingValidation, Refusal, RefusalSlot};
use crate::graphql::subscription::SubscriptionRoot;

use crate::domain::rules::workflow::ReviewPolicy;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with the default limits, as `caregraph schema` prints it and tests use it.
pub fn build_schema() -> AppSchema {
    build(
        &LimitsConfig::default(),
        ReviewPolicy::default(),
        true,
        None,
    )
}

/// The SDL the server serves; `schema.graphql` must equal it.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// What /graphql serves: the schema in two builds (field suggestions only for token holders,
/// so anonymous callers cannot map the schema by misspelling fields), the limits every
/// request is checked against before it runs, and the documents of automatic persisted
/// queries, shared by both builds.
pub struct GraphQl {
    anonymous: AppSchema,
    token_holders: AppSchema,
    limits: RequestLimits,
    persisted: Option<LruCacheStorage>,
}

impl GraphQl {
    /// `persisted_queries`: most documents kept for automatic persisted queries, least
    /// recently used dropped first; 0 turns them off.
    /// Learns the schema's shape for the introspection bound by running an introspection
    /// query on it, hence async.
    pub async fn new(
        config: &LimitsConfig,
        review: ReviewPolicy,
        persisted_queries: usize,
    ) -> Self {
        let persisted = (persisted_queries > 0).then(|| LruCacheStorage::new(persisted_queries));
        // The types and fields, without any limit that would stop the introspection.
        let bare = Schema::build(
            QueryRoot::default(),
            MutationRoot::default(),
            SubscriptionRoot,
        )
        .finish();
        let shape = Arc::new(SchemaShape::of(&bare).await);
        Self {
            anonymous: build(config, review, false, persisted.as_ref()),
            token_holders: build(config, review, true, persisted.as_ref()),
            limits: RequestLimits::new(config, shape),
            persisted,
        }
    }

    /// The schema to run `viewer`'s request on.
    pub fn schema_for(&self, viewer: &Viewer) -> &AppSchema {
        match viewer {
            Viewer::Token(_) => &self.token_holders,
            Viewer::Anonymous | Viewer::Invalid => &self.anonymous,
        }
    }

    pub fn limits(&self) -> &RequestLimits {
        &self.limits
    }

    /// For a request that names a persisted query by its hash alone, puts the stored document
    /// into it, so the limits, the GET-only-reads rule and the metrics see it before it runs
    /// (async-graphql's extension would only find it during execution). A hash that is not
    /// stored is left for the extension, which answers `PersistedQueryNotFound`; registering
    /// (a query sent with its hash) is the extension's too: it checks the hash and stores the
    /// document.
    pub async fn resolve_persisted(&self, request: &mut Request) -> Result<(), ServerError> {
        if !request.query.is_empty() || !request.extensions.contains_key("persistedQuery") {
            return Ok(());
        }
        let Some(storage) = &self.persisted else {
            let mut err = ServerError::new("PersistedQueryNotSupported", None);
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", code::PERSISTED_QUERY_NOT_SUPPORTED);
            return Err(err);
        };
        let Some(hash) = Self::persisted_hash(request).map(str::to_owned) else {
            return Ok(());
        };
        if let Some(document) = storage.get(hash).await {
            request.set_parsed_query(document);
            request.extensions.remove("persistedQuery");
        }
        Ok(())
    }

    /// The hash of the persisted query (version 1) that `request` names, if any.
    pub fn persisted_hash(request: &Request) -> Option<&str> {
        let Some(Value::Object(persisted)) = request.extensions.get("persistedQuery") else {
            return None;
        };
        let version_1 =
            matches!(persisted.get("version"), Some(Value::Number(n)) if n.as_i64() == Some(1));
        match persisted.get("sha256Hash") {
            Some(Value::String(hash)) if version_1 => Some(hash),
            _ => None,
        }
    }
}

fn build(
    config: &LimitsConfig,
    review: ReviewPolicy,
    suggestions: bool,
    persisted: Option<&LruCacheStorage>,
) -> AppSchema {
    let page_size = i32::try_from(config.max_page_size).unwrap_or(i32::MAX);
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    // The checks in `limits` run first and say more; this one stays as a second line. Not
    // async-graphql's depth and complexity limits: they count introspection like data, so
    // they would refuse graphql-js's introspection query (15 deep, some 300 fields), which
    // `limits` bounds by the size of its answer instead.
    .limit_directives(config.max_directives)
    .data(PageSizeLimit(page_size))
    .data(review)
    .extension(ErrorCodes {
        directives: config.max_directives,
    });
    if let Some(storage) = persisted {
        // Its errors get their codes in `ErrorCodes::request`, which wraps the whole request.
        builder = builder.extension(ApolloPersistedQueries::new(storage.clone()));
    }
    if !suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// Gives every error an `extensions.code`: parse and validation failures get their own, and
/// errors raised inside async-graphql (a bad argument value) are the client's input. Its own
/// directive limit becomes LIMIT_EXCEEDED naming the limit. Where a request's data holds a
/// [`RefusalSlot`], records there why parsing or validation refused the request.
#[derive(Clone, Copy)]
struct ErrorCodes {
    directives: usize,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

impl ErrorCodes {
    /// async-graphql's limit error carries only a message; these are its words in 7.2.
    /// Whether `err` was that error.
    fn recode_limit(&self, err: &mut ServerError) -> bool {
        if !err
            .message
            .starts_with("The number of directives on the field")
        {
            return false;
        }
        let (name, max) = (limit::DIRECTIVES, self.directives);
        let message = format!("{} (limit {name}, at most {max})", err.message);
        let recoded = limit_exceeded(name, max, message);
        err.message = recoded.message;
        err.extensions = recoded.extensions;
        true
    }
}

fn record(ctx: &ExtensionContext<'_>, refusal: Refusal) {
    if let Some(slot) = ctx.data_opt::<RefusalSlot>() {
        slot.record(refusal);
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    /// Field errors get their code in `request`, once: no hook around every field.
    fn hooks_resolve(&self) -> bool {
        false
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for err in &mut response.errors {
            recode_persisted_query(err);
            ensure_code(err, code::BAD_USER_INPUT);
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut err| {
            let refusal = if self.recode_limit(&mut err) {
                Refusal::Limit
            } else {
                Refusal::Parse
            };
            record(ctx, refusal);
            ensure_code(&mut err, code::GRAPHQL_PARSE_FAILED);
            err
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok()
            && let Some(pending) = ctx.data_opt::<PendingValidation>()
        {
            pending.passed();
        }
        result.map_err(|mut errs| {
            let mut refusal = Refusal::Validation;
            for err in &mut errs {
                if self.recode_limit(err) {
                    refusal = Refusal::Limit;
                }
                ensure_code(err, code::GRAPHQL_VALIDATION_FAILED);
            }
            record(ctx, refusal);
            errs
        })
    }
}

/// async-graphql's persisted-query errors carry only a message; these are its words in 7.2.
/// (Execution tells these refusals from the request itself: they happen before the request's
/// data, and a [`RefusalSlot`] in it, reach the extensions.)
fn recode_persisted_query(err: &mut ServerError) {
    let code = if err.message == "PersistedQueryNotFound" {
        code::PERSISTED_QUERY_NOT_FOUND
    } else if err.message == "provided sha does not match query"
        || err.message.contains("\"PersistedQuery\" extension")
    {
        code::BAD_REQUEST
    } else {
        return;
    };
    ensure_code(err, code);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where async-graphql refuses a request, the extension says so in the request's data,
    /// so execution knows the refusal without reading error codes.
    #[tokio::test]
    async fn refusals_are_recorded_where_they_happen() {
        let config = LimitsConfig {
            max_directives: 1,
            ..LimitsConfig::default()
        };
        let storage = LruCacheStorage::new(10);
        let schema = build(&config, ReviewPolicy::default(), false, Some(&storage));
        // No slot, no record: the schema runs without one too.
        assert!(!schema.execute("{ broken").await.errors.is_empty());
        let mut unknown_hash = Request::new("");
        unknown_hash.extensions.0.insert(
            "persistedQuery".to_owned(),
            Value::from_json(serde_json::json!({ "version": 1, "sha256Hash": "ab" }))
                .expect("value"),
        );
        for (request, refusal) in [
            (Request::new("{ broken"), Some(Refusal::Parse)),
            (Request::new("{ noSuchField }"), Some(Refusal::Validation)),
            (
                Request::new("{ sources @skip(if: false) @include(if: true) { id } }"),
                Some(Refusal::Limit),
            ),
            // Refused before the request's data reaches the extensions: execution tells it
            // from the request (see `request::execute`).
            (unknown_hash, None),
            (Request::new("{ __typename }"), None),
        ] {
            let slot = RefusalSlot::default();
            let query = request.query.clone();
            let response = schema.execute(request.data(slot.clone())).await;
            assert_eq!(slot.get(), refusal, "{query}: {:?}", response.errors);
        }
    }

    /// async-graphql's own check stays behind ours; its error names the limit too.
    #[tokio::test]
    async fn built_in_limit_errors_name_the_limit() {
        let config = LimitsConfig {
            max_directives: 1,
            ..LimitsConfig::default()
        };
        let schema = build(&config, ReviewPolicy::default(), false, None);
        for (query, limit) in [(
            "{ sources @skip(if: false) @include(if: true) { id } }",
            "directives",
        )] {
            let resp = schema.execute(query).await;
            assert_eq!(resp.errors.len(), 1, "{query}: {:?}", resp.errors);
            let ext = resp.errors[0].extensions.as_ref().expect("extensions");
            assert_eq!(
                ext.get("code"),
                Some(&Value::from(code::LIMIT_EXCEEDED)),
                "{query}"
            );
            assert_eq!(ext.get("limit"), Some(&Value::from(limit)), "{query}");
        }
    }
}
