//! `node(id:)`: any node by its id.

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions as _, ID, Object, Result};
use uuid::Uuid;

use crate::domain::service::nodes;
use crate::graphql::context::state;
use crate::graphql::error::bad_input;
use crate::graphql::types::Node;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any node by its id; `null` when there is none the caller may see.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The node's id (a UUID).")] id: ID,
    ) -> Result<Option<Node>> {
        let id = Uuid::parse_str(&id)
            .map_err(|_| bad_input("id", format!("{:?} is not a node id (a UUID)", id.as_str())))?;
        let state = state(ctx)?;
        let row = nodes::by_id(&state.db, id, state.visibility())
            .await
            .map_err(|e| e.extend())?;
        Ok(row.map(|r| Node::from(Arc::new(r))))
    }
}
