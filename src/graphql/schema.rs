//! Building the schema: roots, limits and the extension that gives every error a code.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    EmptySubscription, Response, Schema, ServerError, ServerResult, ValidationResult, Variables,
};

use crate::graphql::error::{code, ensure_code};
use crate::graphql::mutation::MutationRoot;
use crate::graphql::query::QueryRoot;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Deepest query accepted: the condition page is 6 levels; analysts get headroom.
pub const MAX_DEPTH: usize = 12;
/// Largest query cost accepted (each field costs 1).
pub const MAX_COMPLEXITY: usize = 2000;

pub fn build_schema() -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .extension(ErrorCodes)
    .finish()
}

/// The SDL the server serves; `schema.graphql` must equal it.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// Gives every error an `extensions.code`: parse and validation failures get their own, and
/// errors raised inside async-graphql (a bad argument value) are the client's input.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for err in &mut response.errors {
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
            ensure_code(&mut err, code::GRAPHQL_PARSE_FAILED);
            err
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errs| {
            for err in &mut errs {
                ensure_code(err, code::GRAPHQL_VALIDATION_FAILED);
            }
            errs
        })
    }
}
