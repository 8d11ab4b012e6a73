//! Editorial workflow: DRAFT → IN_REVIEW → PUBLISHED (or REJECTED), ARCHIVED at any time.
//! A published row's pending edit goes through the same steps; publishing it replaces the
//! published content and stamps the reviewer's mark.

use chrono::Utc;
use entity::sea_orm_active_enums::Status;
use entity::{citation, edge, node};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::edge_write::LinkAttributes;
use super::node_write::NodeContent;
use super::versioned;
use crate::domain::DomainError;
use crate::domain::auth::Actor;

/// A workflow step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    SubmitForReview,
    Publish,
    Reject,
    Archive,
}

impl Step {
    fn action(self) -> &'static str {
        match self {
            Step::SubmitForReview => "submit_for_review",
            Step::Publish => "publish",
            Step::Reject => "reject",
            Step::Archive => "archive",
        }
    }
}

/// The row a step applies to, after the step.
pub enum Reviewed {
    Node(node::Model),
    Edge(edge::Model),
}

/// The status pair (live, pending) after `step`, or why the step does not apply.
fn next(
    status: Status,
    pending: Option<Status>,
    step: Step,
) -> Result<(Status, Option<Status>), DomainError> {
    use Status::*;
    let refuse = |why: &str| Err(DomainError::invalid("id", why.to_owned()));
    match (step, status, pending) {
        (Step::Archive, Archived, _) => refuse("already archived"),
        (Step::Archive, _, _) => Ok((Archived, None)),
        (Step::SubmitForReview, Draft | Rejected, _) => Ok((InReview, None)),
        (Step::SubmitForReview, Published, Some(Draft | Rejected)) => {
            Ok((Published, Some(InReview)))
        }
        (Step::SubmitForReview, InReview, _)
        | (Step::SubmitForReview, Published, Some(InReview)) => refuse("already in review"),
        (Step::SubmitForReview, _, _) => refuse("there is no draft to submit"),
        (Step::Publish | Step::Reject, InReview, _) => Ok((
            if step == Step::Publish {
                Published
            } else {
                Rejected
            },
            None,
        )),
        (Step::Publish, Published, Some(InReview)) => Ok((Published, None)),
        (Step::Reject, Published, Some(InReview)) => Ok((Published, Some(Rejected))),
        (Step::Publish | Step::Reject, _, _) => {
            refuse("only content in review can be published or rejected; submit it first")
        }
    }
}

pub async fn apply(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    version: i32,
    step: Step,
    reason: Option<String>,
) -> Result<Reviewed, DomainError> {
    if step == Step::Reject {
        crate::domain::validate::optional_text("reason", reason.as_deref(), 2000)?;
    }
    let is_node = node::Entity::find_by_id(id).one(db).await?.is_some();
    let publishing = step == Step::Publish;
    if is_node {
        let before = versioned::claim::<node::Entity>(db, id, version).await?;
        let (status, pending_status) = next(before.status, before.pending_status, step)?;
        let mut row = before.clone();
        if publishing
            && before.status == Status::Published
            && let Some(content) = NodeContent::pending(&before)
        {
            content.write_into(&mut row);
        }
        if pending_status.is_none() && (publishing || step == Step::Archive) {
            row.pending = None;
        }
        row.status = status;
        row.pending_status = pending_status;
        if publishing {
            stamp(&mut row.reviewed_by, &mut row.reviewed_at, actor);
            publish_citations(db, citation::Column::NodeId, id).await?;
        }
        let row =
            versioned::save::<node::Entity>(db, actor, step.action(), &before, row, reason).await?;
        return Ok(Reviewed::Node(row));
    }
    let before = versioned::claim::<edge::Entity>(db, id, version).await?;
    let (status, pending_status) = next(before.status, before.pending_status, step)?;
    let mut row = before.clone();
    if publishing
        && before.status == Status::Published
        && let Some(attrs) = LinkAttributes::pending(&before)
    {
        attrs.write_into(&mut row);
    }
    if pending_status.is_none() && (publishing || step == Step::Archive) {
        row.pending = None;
    }
    row.status = status;
    row.pending_status = pending_status;
    if publishing {
        stamp(&mut row.reviewed_by, &mut row.reviewed_at, actor);
        publish_citations(db, citation::Column::EdgeId, id).await?;
    }
    Ok(Reviewed::Edge(
        versioned::save::<edge::Entity>(db, actor, step.action(), &before, row, reason).await?,
    ))
}

fn stamp(by: &mut Option<String>, at: &mut Option<chrono::DateTime<Utc>>, actor: &Actor) {
    *by = Some(actor.name.clone());
    *at = Some(Utc::now());
}

/// Citations added while the target was in draft reach readers with it.
async fn publish_citations(
    db: &impl ConnectionTrait,
    column: citation::Column,
    id: Uuid,
) -> Result<(), DomainError> {
    citation::Entity::update_many()
        .col_expr(citation::Column::Status, Expr::value(Status::Published))
        .filter(column.eq(id))
        .filter(citation::Column::Status.eq(Status::Draft))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn transitions() {
        assert_eq!(
            next(Draft, None, Step::SubmitForReview).ok(),
            Some((InReview, None))
        );
        assert_eq!(
            next(InReview, None, Step::Publish).ok(),
            Some((Published, None))
        );
        assert_eq!(
            next(InReview, None, Step::Reject).ok(),
            Some((Rejected, None))
        );
        assert_eq!(
            next(Published, Some(Draft), Step::SubmitForReview).ok(),
            Some((Published, Some(InReview)))
        );
        assert_eq!(
            next(Published, Some(InReview), Step::Publish).ok(),
            Some((Published, None))
        );
        assert_eq!(
            next(Published, Some(InReview), Step::Reject).ok(),
            Some((Published, Some(Rejected)))
        );
        assert!(
            next(Draft, None, Step::Publish).is_err(),
            "publishing needs a review"
        );
        assert!(next(Published, None, Step::SubmitForReview).is_err());
        assert_eq!(
            next(Published, None, Step::Archive).ok(),
            Some((Archived, None))
        );
        assert!(next(Archived, None, Step::Archive).is_err());
    }
}
