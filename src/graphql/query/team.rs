//! What content teams read beyond the published graph: who they are, the audit log, tokens.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::domain::rules::auth::{Permission, Viewer};
use crate::domain::service::{audit_log, tokens};
use crate::graphql::context::state;
use crate::graphql::error::bad_input;
use crate::graphql::mutation::{gql, uuid};
use crate::graphql::types::{ApiToken, AuditEvent, AuditEventPage, Role};

/// The caller of this request.
#[derive(SimpleObject)]
pub(crate) struct ViewerInfo {
    /// The token's name; `null` for anonymous readers.
    name: Option<String>,
    /// The token's role; `null` for anonymous readers.
    role: Option<Role>,
}

#[derive(Default)]
pub struct TeamQuery;

#[Object]
impl TeamQuery {
    /// Who is asking: the bearer token's name and role, or nulls for anonymous readers.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<ViewerInfo> {
        Ok(match &state(ctx)?.viewer {
            Viewer::Token(a) => ViewerInfo {
                name: Some(a.name.clone()),
                role: Some(a.role.into()),
            },
            Viewer::Anonymous | Viewer::Invalid => ViewerInfo {
                name: None,
                role: None,
            },
        })
    }

    /// The audit log, newest first (content-team token).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only events about this node, link, source or citation.")]
        target_id: Option<ID>,
        #[graphql(desc = "Only events by this token name.")] actor: Option<String>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "`nextCursor` of the previous page.")] after: Option<ID>,
    ) -> Result<AuditEventPage> {
        let state = state(ctx)?;
        state.require(Permission::ReadDrafts)?;
        let first = first.unwrap_or(20);
        if !(1..=100).contains(&first) {
            return Err(bad_input(
                "first",
                format!("must be between 1 and 100 (got {first})"),
            ));
        }
        let target = target_id
            .as_ref()
            .map(|t| uuid("targetId", t))
            .transpose()?;
        let after = after.as_ref().map(|a| uuid("after", a)).transpose()?;
        let limit = u64::try_from(first).unwrap_or(20);
        let (rows, more) =
            gql(audit_log::list(&state.db, target, actor.as_deref(), after, limit).await)?;
        let next_cursor = if more {
            rows.last().map(|r| ID(r.id.to_string()))
        } else {
            None
        };
        Ok(AuditEventPage {
            events: rows.into_iter().map(AuditEvent).collect(),
            next_cursor,
        })
    }

    /// Every API token, without secrets (admin).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let state = state(ctx)?;
        state.require(Permission::Admin)?;
        Ok(gql(tokens::list(&state.db).await)?
            .into_iter()
            .map(ApiToken)
            .collect())
    }
}
