//! The editorial workflow, the audit log's revert.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};

use super::link::with_ends;
use super::{gql, uuid};
use crate::domain::rules::auth::Permission;
use crate::domain::rules::workflow::{ReviewPolicy, Step};
use crate::domain::service::workflow::{self, Reviewed};
use crate::domain::service::{audit_log, change_set, review_due, tx};
use crate::graphql::context::state;
use crate::graphql::types::{AuditEvent, Content, Node};

async fn step(
    ctx: &Context<'_>,
    id: ID,
    version: i32,
    step: Step,
    reason: Option<String>,
) -> Result<Content> {
    let state = state(ctx)?;
    let actor = state.require(step.permission())?;
    let uid = uuid("id", &id)?;
    let policy = *ctx.data::<ReviewPolicy>()?;
    gql(tx::write(state.db.pool(), move |txn| {
        Box::pin(async move {
            let row = workflow::apply(txn, &actor, &policy, uid, version, step, reason).await?;
            as_content(txn, row).await
        })
    })
    .await)
}

async fn change_set_step(
    ctx: &Context<'_>,
    id: ID,
    step: Step,
    reason: Option<String>,
) -> Result<Vec<Content>> {
    let state = state(ctx)?;
    let actor = state.require(step.permission())?;
    let uid = uuid("id", &id)?;
    let policy = *ctx.data::<ReviewPolicy>()?;
    gql(tx::write(state.db.pool(), move |txn| {
        Box::pin(async move {
            let rows = change_set::take_step(txn, &actor, &policy, uid, step, reason).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(as_content(txn, row).await?);
            }
            Ok(out)
        })
    })
    .await)
}

/// A node or link as the `Content` union, a link with both ends read in the transaction.
pub(crate) async fn as_content(
    db: &impl sea_orm::ConnectionTrait,
    row: Reviewed,
) -> std::result::Result<Content, crate::domain::DomainError> {
    Ok(match row {
        Reviewed::Node(row) => Content::from(Node::from(Arc::new(row))),
        Reviewed::Edge(row) => Content::Link(with_ends(db, row).await?),
    })
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Sends a draft node or link (or the pending edit of a published one) to review
    /// (editor or admin).
    async fn submit_for_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The node or link.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
    ) -> Result<Content> {
        step(ctx, id, version, Step::SubmitForReview, None).await
    }

    /// Publishes a node or link in review, or the pending edit of a published one, and marks
    /// it as reviewed by you (reviewer or admin). Its draft citations are published with it.
    async fn publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The node or link.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
    ) -> Result<Content> {
        step(ctx, id, version, Step::Publish, None).await
    }

    /// Sends content in review back to its editors (reviewer or admin).
    async fn reject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The node or link.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
        #[graphql(desc = "Why; kept in the audit log.")] reason: Option<String>,
    ) -> Result<Content> {
        step(ctx, id, version, Step::Reject, reason).await
    }

    /// Sets when a published node or link is next due for review (reviewer or admin).
    /// Publishing sets it the configured interval ahead; this overrides it for one item.
    async fn set_review_due(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The published node or link.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
        #[graphql(desc = "When it is next due for review.")] due: chrono::DateTime<chrono::Utc>,
    ) -> Result<Content> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Review)?;
        let uid = uuid("id", &id)?;
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move {
                let row = review_due::set(txn, &actor, uid, version, due).await?;
                as_content(txn, row).await
            })
        })
        .await)
    }

    /// Submits every draft node and link of a change set (a page saved with `savePage`) for
    /// review (editor or admin).
    async fn submit_change_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change set.")] id: ID,
    ) -> Result<Vec<Content>> {
        change_set_step(ctx, id, Step::SubmitForReview, None).await
    }

    /// Publishes every node and link of a change set that is in review (reviewer or admin),
    /// under the same rules as `publish`, the four-eyes rule included.
    async fn publish_change_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change set.")] id: ID,
    ) -> Result<Vec<Content>> {
        change_set_step(ctx, id, Step::Publish, None).await
    }

    /// Sends every node and link of a change set that is in review back to its editors
    /// (reviewer or admin).
    async fn reject_change_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change set.")] id: ID,
        #[graphql(desc = "Why; kept in the audit log.")] reason: Option<String>,
    ) -> Result<Vec<Content>> {
        change_set_step(ctx, id, Step::Reject, reason).await
    }

    /// Withdraws a node or link from readers, keeping it for the record (reviewer or admin).
    async fn archive(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The node or link.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
    ) -> Result<Content> {
        step(ctx, id, version, Step::Archive, None).await
    }

    /// Restores what an audit event changed to its state before the event, as a new audited
    /// change. It needs the role the original action needed, and the target must not have
    /// changed since (CONFLICT otherwise).
    async fn revert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The audit event to undo.")] audit_event_id: ID,
    ) -> Result<AuditEvent> {
        let state = state(ctx)?;
        state.require(Permission::ReadDrafts)?;
        let uid = uuid("auditEventId", &audit_event_id)?;
        let event = gql(audit_log::event(state.db.pool(), uid).await)?;
        let actor = state.require(gql(audit_log::permission_to_revert(&event))?)?;
        let reverted = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { audit_log::revert(txn, &actor, &event).await })
        })
        .await)?;
        Ok(AuditEvent(reverted))
    }
}
