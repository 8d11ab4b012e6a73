//! Change sets: the audit events of one multi-row write (a saved page), undone as one.

use std::collections::HashSet;

use entity::{audit_event, edge, node};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::audit_log;
use super::workflow::{self, Reviewed};
use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, TargetType};
use crate::domain::rules::auth::Actor;
use crate::domain::rules::workflow::{self as workflow_rules, ReviewPolicy, Step};

/// The events of change set `id`, oldest first; NOT_FOUND when there are none.
pub async fn events(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<audit_event::Model>, DomainError> {
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::ChangeSetId.eq(id))
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    if events.is_empty() {
        return Err(DomainError::NotFound {
            what: format!("change set {id}"),
        });
    }
    Ok(events)
}

/// Undoes change set `id`, newest event first, as a new change set (returned with its
/// events). Each event needs the permission its own revert needs. Refused, with nothing
/// undone, when a later write touched a row of the set: a revert never overwrites newer work.
pub async fn revert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(Uuid, Vec<audit_event::Model>), DomainError> {
    let events = events(db, id).await?;
    for event in &events {
        actor.require(audit_log::permission_to_revert(event)?)?;
    }
    let targets: HashSet<Uuid> = events.iter().map(|e| e.target_id).collect();
    let last = events.last().map(|e| e.id).unwrap_or(id);
    let later = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.is_in(targets.iter().copied()))
        .filter(audit_event::Column::Id.gt(last))
        .order_by_asc(audit_event::Column::Id)
        .one(db)
        .await?;
    if let Some(later) = later {
        return Err(DomainError::invalid(
            "id",
            format!(
                "{} {} was changed after this change set ({} by {} at {}): revert that first, or edit by hand",
                later.target_type, later.target_id, later.action, later.actor_name, later.at
            ),
        ));
    }
    // Undoing a node's creation deletes it, and the database would take along any link
    // someone added to it since: refuse instead.
    let created: Vec<Uuid> = events
        .iter()
        .filter(|e| e.action == Action::CreateNode.as_str())
        .map(|e| e.target_id)
        .collect();
    if !created.is_empty() {
        let foreign = edge::Entity::find()
            .filter(
                Condition::any()
                    .add(edge::Column::SubjectId.is_in(created.clone()))
                    .add(edge::Column::ObjectId.is_in(created)),
            )
            .all(db)
            .await?
            .into_iter()
            .find(|e| !targets.contains(&e.id));
        if let Some(link) = foreign {
            return Err(DomainError::invalid(
                "id",
                format!(
                    "link {} joins a node this change set created and is not part of it: remove it first",
                    link.id
                ),
            ));
        }
    }
    let undo = Uuid::now_v7();
    let actor = actor.in_change_set(undo);
    let mut done = Vec::new();
    for event in net_changes(&events).iter().rev() {
        let what = format!("{} {}", event.target_type, event.target_id);
        done.push(
            audit_log::revert(db, &actor, event)
                .await
                .map_err(|e| e.at(&what))?,
        );
    }
    Ok((undo, done))
}

/// One event per row the set touched, from the row before its first write to the row after
/// its last, ordered by that last write: undoing them newest first takes each row straight
/// back to where the set found it. (Undoing a row's writes one by one would not: each undo is
/// a new version, which the next older undo would take for a later change.) A row the set
/// both created and deleted is left out: there is nothing to undo.
fn net_changes(events: &[audit_event::Model]) -> Vec<audit_event::Model> {
    let mut by_target: Vec<audit_event::Model> = Vec::new();
    for event in events {
        match by_target
            .iter()
            .position(|e| e.target_id == event.target_id)
        {
            Some(i) => {
                let mut net = by_target.remove(i);
                net.after.clone_from(&event.after);
                net.id = event.id;
                by_target.push(net);
            }
            None => by_target.push(event.clone()),
        }
    }
    by_target.retain(|e| e.before.is_some() || e.after.is_some());
    by_target
}

/// Takes every node and link a change set wrote, that the step applies to, through `step`
/// (submit, publish or reject a whole saved page). INVALID when it applies to none of them.
pub async fn take_step(
    db: &impl ConnectionTrait,
    actor: &Actor,
    policy: &ReviewPolicy,
    id: Uuid,
    step: Step,
    reason: Option<String>,
) -> Result<Vec<Reviewed>, DomainError> {
    let events = events(db, id).await?;
    let mut seen = HashSet::new();
    let mut done = Vec::new();
    for event in &events {
        if !seen.insert(event.target_id) {
            continue;
        }
        let current = match TargetType::parse(&event.target_type) {
            Some(TargetType::Node) => node::Entity::find_by_id(event.target_id)
                .one(db)
                .await?
                .map(|n| (n.status, n.pending_status, n.version)),
            Some(TargetType::Edge) => edge::Entity::find_by_id(event.target_id)
                .one(db)
                .await?
                .map(|e| (e.status, e.pending_status, e.version)),
            _ => None,
        };
        let Some((status, pending, version)) = current else {
            continue;
        };
        if workflow_rules::next(status, pending, step).is_err() {
            continue;
        }
        let what = format!("{} {}", event.target_type, event.target_id);
        done.push(
            workflow::apply(
                db,
                actor,
                policy,
                event.target_id,
                version,
                step,
                reason.clone(),
            )
            .await
            .map_err(|e| e.at(&what))?,
        );
    }
    if done.is_empty() {
        return Err(DomainError::invalid(
            "id",
            format!("nothing in change set {id} can be taken through this step"),
        ));
    }
    Ok(done)
}
