//! Managing API tokens through the API (admin).

use async_graphql::{Context, Object, Result};

use super::gql;
use crate::domain::rules::auth::Permission;
use crate::domain::service::{tokens, tx};
use crate::graphql::context::state;
use crate::graphql::types::{ApiToken, CreatedToken, Role};

#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    /// Creates a token (admin). Its secret is in the answer, and only there.
    async fn create_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who will hold it; audit events name it.")] name: String,
        #[graphql(desc = "What it may do.")] role: Role,
    ) -> Result<CreatedToken> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Admin)?;
        let issued = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { tokens::create(txn, &actor, &name, role.into()).await })
        })
        .await)?;
        Ok(CreatedToken {
            token: ApiToken(issued.row),
            secret: issued.token,
        })
    }

    /// Revokes a token at once (admin).
    async fn revoke_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's name.")] name: String,
    ) -> Result<ApiToken> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Admin)?;
        let row = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { tokens::revoke(txn, &actor, &name).await })
        })
        .await)?;
        Ok(ApiToken(row))
    }
}
