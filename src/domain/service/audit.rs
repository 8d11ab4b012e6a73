//! Writing audit events, in the write's own transaction.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
};
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, Snapshot, TargetType, to_json};
use crate::domain::rules::auth::Actor;

/// Records one event; call it inside the write's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
    target_type: TargetType,
    target_id: Uuid,
    before: Option<Snapshot>,
    after: Option<Snapshot>,
) -> Result<audit_event::Model, DomainError> {
    let event = audit_event::Model {
        id: Uuid::now_v7(),
        actor_name: actor.name.clone(),
        actor_role: actor.role,
        action: action.as_str().to_owned(),
        target_type: target_type.as_str().to_owned(),
        target_id,
        before: before.map(|s| to_json(&s)),
        after: after.map(|s| to_json(&s)),
        at: Utc::now(),
        change_set_id: actor.change_set,
    };
    audit_event::Entity::insert(insertable(event.clone()))
        .exec_without_returning(db)
        .await?;
    Ok(event)
}

/// A model as an active model with every column set, ready to insert or to overwrite a row.
pub fn insertable<M, A>(model: M) -> A
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + ActiveModelBehavior,
{
    model.into_active_model().reset_all()
}
