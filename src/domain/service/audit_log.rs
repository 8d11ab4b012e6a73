//! Reading the audit log, and reverting an event as a new, audited change.

use entity::{audit_event, citation, edge, node, source};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, PrimaryKeyTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::audit::{self, insertable};
use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, Snapshot, TargetType, to_json};
use crate::domain::rules::auth::{Actor, Permission};
use crate::domain::service::versioned::Versioned;
use sea_orm::PaginatorTrait;

/// Newest first; `after` is the id of the last event of the previous page.
pub async fn list(
    db: &impl ConnectionTrait,
    target_id: Option<Uuid>,
    actor: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<audit_event::Model>, bool), DomainError> {
    let mut q = audit_event::Entity::find();
    if let Some(t) = target_id {
        q = q.filter(audit_event::Column::TargetId.eq(t));
    }
    if let Some(a) = actor {
        q = q.filter(audit_event::Column::ActorName.eq(a));
    }
    if let Some(a) = after {
        q = q.filter(audit_event::Column::Id.lt(a));
    }
    let q = q.order_by_desc(audit_event::Column::Id);
    Ok(super::sql::one_page(db, q, limit).await?)
}

/// What reverting an event needs: the permission of its action (`Action::permission_to_revert`).
/// An action this build does not know is refused rather than guessed.
pub fn permission_to_revert(event: &audit_event::Model) -> Result<Permission, DomainError> {
    let created = event
        .after
        .as_ref()
        .and_then(|after| after.pointer("/row/status"))
        .and_then(|status| serde_json::from_value(status.clone()).ok());
    Action::parse(&event.action)
        .map(|action| action.permission_to_revert(created))
        .ok_or_else(|| {
            DomainError::invalid(
                "auditEventId",
                format!(
                    "the event's action {:?} is not one this server can revert",
                    event.action
                ),
            )
        })
}

pub async fn event(db: &impl ConnectionTrait, id: Uuid) -> Result<audit_event::Model, DomainError> {
    audit_event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound {
            what: format!("audit event {id}"),
        })
}

/// Puts the event's target back as it was before the event: a creation is undone by deleting,
/// a deletion by re-inserting (with what it took along), a change by restoring the old row.
/// The target must still be as the event left it (else CONFLICT): a revert never silently
/// overwrites a later change.
pub async fn revert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    event: &audit_event::Model,
) -> Result<audit_event::Model, DomainError> {
    let parse = |v: &Option<serde_json::Value>| -> Result<Option<Snapshot>, DomainError> {
        v.clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| {
                DomainError::invalid(
                    "auditEventId",
                    format!("the event cannot be read back: {e}"),
                )
            })
    };
    let (before, after) = (parse(&event.before)?, parse(&event.after)?);
    let id = event.target_id;
    let target = TargetType::parse(&event.target_type)
        .ok_or_else(|| DomainError::invalid("auditEventId", "unknown target type"))?;
    let (before_ref, after_ref) = (before.as_ref(), after.as_ref());
    let (was, now) = match target {
        TargetType::Node => restore::<node::Entity>(db, id, before_ref, after_ref).await?,
        TargetType::Edge => restore::<edge::Entity>(db, id, before_ref, after_ref).await?,
        TargetType::Source => restore::<source::Entity>(db, id, before_ref, after_ref).await?,
        TargetType::Citation => restore::<citation::Entity>(db, id, before_ref, after_ref).await?,
        TargetType::ApiToken => {
            return Err(DomainError::invalid(
                "auditEventId",
                "token events are not reverted: create or revoke a token instead",
            ));
        }
    };
    // A re-inserted deletion brings back what the deletion took along.
    if after.is_none()
        && let Some(snapshot) = &before
    {
        reinsert_edges(db, &snapshot.edges).await?;
        reinsert_citations(db, &snapshot.citations).await?;
    }
    audit::record(db, actor, Action::Revert, target, id, was, now).await
}

/// How a revert tells whether a row changed since an event, and stamps the restored row.
trait Restorable: EntityTrait {
    fn version(row: &Self::Model) -> i32;
    fn restamp(row: &mut Self::Model, version: i32);
}

macro_rules! restorable {
    ($($module:ident),*) => {
        $(impl Restorable for $module::Entity {
            fn version(row: &Self::Model) -> i32 {
                <Self as Versioned>::version(row)
            }
            fn restamp(row: &mut Self::Model, version: i32) {
                <Self as Versioned>::restamp(row, version);
            }
        })*
    };
}

restorable!(node, edge, source);

/// Citations are only ever added or removed, never changed: there is no version to compare.
impl Restorable for citation::Entity {
    fn version(_: &Self::Model) -> i32 {
        0
    }
    fn restamp(_: &mut Self::Model, _: i32) {}
}

async fn restore<E>(
    db: &impl ConnectionTrait,
    id: Uuid,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
) -> Result<(Option<Snapshot>, Option<Snapshot>), DomainError>
where
    E: Restorable,
    E::Model: Serialize + DeserializeOwned + IntoActiveModel<E::ActiveModel> + Clone,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let current = E::find_by_id(id).one(db).await?;
    let decode = |s: &Snapshot| -> Result<E::Model, DomainError> {
        serde_json::from_value(s.row.clone()).map_err(|e| {
            DomainError::invalid(
                "auditEventId",
                format!("the event's row cannot be read back: {e}"),
            )
        })
    };
    // The target must be as the event left it.
    match (&current, after) {
        (Some(cur), Some(a)) => {
            let left = decode(a)?;
            if E::version(cur) != E::version(&left) {
                return Err(DomainError::Conflict {
                    expected: E::version(&left),
                    found: E::version(cur),
                });
            }
        }
        (None, Some(_)) => {
            return Err(DomainError::NotFound {
                what: format!("the event's target {id} (deleted since)"),
            });
        }
        (Some(cur), None) => {
            return Err(DomainError::Conflict {
                expected: 0,
                found: E::version(cur),
            });
        }
        (None, None) => {}
    }
    match (current, before) {
        // Undo a creation.
        (Some(cur), None) => {
            E::delete_by_id(id).exec(db).await?;
            Ok((
                Some(Snapshot {
                    row: to_json(&cur),
                    ..Snapshot::default()
                }),
                None,
            ))
        }
        // Undo a deletion.
        (None, Some(b)) => {
            let row = decode(b)?;
            E::insert(insertable::<_, E::ActiveModel>(row.clone()))
                .exec_without_returning(db)
                .await?;
            Ok((
                None,
                Some(Snapshot {
                    row: to_json(&row),
                    ..Snapshot::default()
                }),
            ))
        }
        // Undo a change.
        (Some(cur), Some(b)) => {
            let mut row = decode(b)?;
            E::restamp(&mut row, E::version(&cur) + 1);
            insertable::<_, E::ActiveModel>(row.clone())
                .update(db)
                .await?;
            Ok((
                Some(Snapshot {
                    row: to_json(&cur),
                    ..Snapshot::default()
                }),
                Some(Snapshot {
                    row: to_json(&row),
                    ..Snapshot::default()
                }),
            ))
        }
        (None, None) => Err(DomainError::invalid(
            "auditEventId",
            "the event records no row",
        )),
    }
}

/// Re-inserts the edges a deletion took along whose two ends exist again.
async fn reinsert_edges(
    db: &impl ConnectionTrait,
    rows: &[serde_json::Value],
) -> Result<(), DomainError> {
    for raw in rows {
        let Ok(row) = serde_json::from_value::<edge::Model>(raw.clone()) else {
            continue;
        };
        let ends = node::Entity::find()
            .filter(node::Column::Id.is_in([row.subject_id, row.object_id]))
            .count(db)
            .await?;
        if ends == 2 && edge::Entity::find_by_id(row.id).one(db).await?.is_none() {
            edge::Entity::insert(insertable::<_, edge::ActiveModel>(row))
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(())
}

/// Re-inserts the citations a deletion took along whose source and target exist again.
async fn reinsert_citations(
    db: &impl ConnectionTrait,
    rows: &[serde_json::Value],
) -> Result<(), DomainError> {
    for raw in rows {
        let Ok(row) = serde_json::from_value::<citation::Model>(raw.clone()) else {
            continue;
        };
        let source = source::Entity::find_by_id(row.source_id)
            .one(db)
            .await?
            .is_some();
        let target = match (row.node_id, row.edge_id) {
            (Some(n), _) => node::Entity::find_by_id(n).one(db).await?.is_some(),
            (None, Some(e)) => edge::Entity::find_by_id(e).one(db).await?.is_some(),
            (None, None) => false,
        };
        if source
            && target
            && citation::Entity::find_by_id(row.id)
                .one(db)
                .await?
                .is_none()
        {
            citation::Entity::insert(insertable::<_, citation::ActiveModel>(row))
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(())
}
