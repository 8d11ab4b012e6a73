//! What content teams read beyond the published graph: who they are, the audit log, tokens.

use async_graphql::connection::{CursorType as _, OpaqueCursor};
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::domain::rules::auth::{Permission, Viewer};
use crate::domain::service::{audit_log, review_due, tokens};
use crate::graphql::context::state;
use crate::graphql::error::bad_input;
use crate::graphql::mutation::as_content;
use crate::graphql::mutation::{gql, uuid};
use crate::graphql::types::{ApiToken, AuditEvent, AuditEventPage, Content, Role};

/// The caller of this request.
#[derive(SimpleObject)]
pub(crate) struct ViewerInfo {
    /// The token's name; `null` for anonymous readers.
    name: Option<String>,
    /// The token's role; `null` for anonymous readers.
    role: Option<Role>,
}

/// Content past its review date.
#[derive(SimpleObject)]
pub(crate) struct OverdueItem {
    /// The published node or link.
    content: Content,
    /// When its review was due.
    review_due: chrono::DateTime<chrono::Utc>,
}

/// A page of the overdue list, the longest overdue first.
#[derive(SimpleObject)]
pub(crate) struct OverduePage {
    /// The items of this page.
    items: Vec<OverdueItem>,
    /// Pass as `after` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
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

    /// Published nodes and links past their review date (`reviewDue`), the longest overdue
    /// first (content-team token).
    async fn overdue_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).", default = 20)] first: i32,
        #[graphql(desc = "`nextCursor` of the previous page.")] after: Option<String>,
    ) -> Result<OverduePage> {
        let state = state(ctx)?;
        state.require(Permission::ReadDrafts)?;
        if !(1..=100).contains(&first) {
            return Err(bad_input("first", "must be between 1 and 100"));
        }
        let cursor = after
            .as_deref()
            .map(|c| {
                OpaqueCursor::<review_due::Cursor>::decode_cursor(c)
                    .map(|c| c.0)
                    .map_err(|_| bad_input("after", "not a cursor of this list"))
            })
            .transpose()?;
        let limit = u64::try_from(first).unwrap_or(20);
        let (items, more) =
            gql(review_due::overdue(&state.db, chrono::Utc::now(), cursor.as_ref(), limit).await)?;
        let next_cursor = match (more, items.last()) {
            (true, Some(last)) => Some(
                OpaqueCursor(review_due::Cursor {
                    due: last.due,
                    id: review_due::id_of(&last.item),
                })
                .encode_cursor(),
            ),
            _ => None,
        };
        let mut out = Vec::with_capacity(items.len());
        for o in items {
            out.push(OverdueItem {
                review_due: o.due,
                content: gql(as_content(&state.db, o.item).await)?,
            });
        }
        Ok(OverduePage {
            items: out,
            next_cursor,
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
