//! `sources`: the documents the graph cites.

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions as _, Object, Result};

use crate::domain::service::sources;
use crate::graphql::context::state;
use crate::graphql::types::Source;

#[derive(Default)]
pub struct SourceQuery;

#[Object]
impl SourceQuery {
    /// Every source the graph cites, by title.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<Source>> {
        let rows = sources::all(&state(ctx)?.db)
            .await
            .map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(|r| Source(Arc::new(r))).collect())
    }
}
