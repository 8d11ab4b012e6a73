//! Taking a node or a link through a workflow step (`rules::workflow`), in one transaction
//! with its citations and its audit event.

use chrono::Utc;
use entity::sea_orm_active_enums::Status;
use entity::{audit_event, citation, edge, node};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

use super::versioned::{self, Versioned};
use crate::domain::DomainError;
use crate::domain::rules::audit::Action;
use crate::domain::rules::auth::Actor;
use crate::domain::rules::content::Reviewed as ReviewedRow;
use crate::domain::rules::validate;
use crate::domain::rules::workflow::{self, ReviewPolicy, Step};

/// The row a step applies to, after the step.
pub enum Reviewed {
    Node(node::Model),
    Edge(edge::Model),
}

pub async fn apply(
    db: &impl ConnectionTrait,
    actor: &Actor,
    policy: &ReviewPolicy,
    id: Uuid,
    version: i32,
    step: Step,
    reason: Option<String>,
) -> Result<Reviewed, DomainError> {
    actor.require(step.permission())?;
    if step == Step::Publish {
        policy.check_publisher(actor, submitter(db, id).await?.as_deref())?;
    }
    if step == Step::Reject {
        validate::optional_text("reason", reason.as_deref(), validate::REASON_MAX)?;
    }
    if node::Entity::find_by_id(id).one(db).await?.is_some() {
        let row = take::<node::Entity>(db, actor, policy, id, version, step, reason).await?;
        return Ok(Reviewed::Node(row));
    }
    let row = take::<edge::Entity>(db, actor, policy, id, version, step, reason).await?;
    Ok(Reviewed::Edge(row))
}

async fn take<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    policy: &ReviewPolicy,
    id: Uuid,
    version: i32,
    step: Step,
    reason: Option<String>,
) -> Result<E::Model, DomainError>
where
    E: Versioned,
    E::Model: ReviewedRow + Serialize + sea_orm::IntoActiveModel<E::ActiveModel> + Clone,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let before = versioned::claim::<E>(db, id, version).await?;
    let mut row = before.clone();
    workflow::take(&mut row, step, actor, Utc::now(), policy)?;
    if step == Step::Publish {
        publish_citations(db, E::CITED_BY, id).await?;
    }
    versioned::save::<E>(db, actor, step.action(), &before, row, reason).await
}

/// Who last submitted row `id` for review, from the audit log.
async fn submitter(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<String>, DomainError> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(id))
        .filter(audit_event::Column::Action.eq(Action::SubmitForReview.as_str()))
        .order_by_desc(audit_event::Column::Id)
        .one(db)
        .await?
        .map(|e| e.actor_name))
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
