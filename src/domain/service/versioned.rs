//! Optimistic concurrency for versioned rows.
//!
//! A write first bumps the row's version with `UPDATE … SET version = version + 1 WHERE id = ?
//! AND version = ?`. That one statement is the check (a stale version matches no row) and
//! the lock (on PostgreSQL the row lock, on SQLite the write lock), so of two writers holding
//! the same version exactly one proceeds and the other gets CONFLICT, on both databases.

use chrono::Utc;
use entity::sea_orm_active_enums::Status;
use entity::{citation, edge, node, source};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, IntoActiveModel};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter};
use serde::Serialize;
use uuid::Uuid;

use super::audit::{self, insertable};
use super::citations::{self, Cited, NewCitation};
use crate::domain::DomainError;
use crate::domain::rules::audit::{Action, Snapshot, TargetType, to_json};
use crate::domain::rules::auth::Actor;

/// A table whose rows carry a version.
pub trait Versioned: EntityTrait {
    /// How errors name a row of this table.
    const WHAT: &'static str;
    fn id_col() -> Self::Column;
    fn version_col() -> Self::Column;
    fn version(row: &Self::Model) -> i32;
    fn set_version(row: &mut Self::Model, version: i32);
    /// The audit log's name for this table.
    const TARGET: TargetType;
    /// The citation column pointing at rows of this table.
    const CITED_BY: citation::Column;
    fn id_of(row: &Self::Model) -> Uuid;
    /// Stamps a row about to be saved: its new version and the time.
    fn restamp(row: &mut Self::Model, version: i32);
}

macro_rules! versioned {
    ($module:ident, $what:literal, $target:ident, $cited_by:ident) => {
        impl Versioned for $module::Entity {
            const WHAT: &'static str = $what;
            const TARGET: TargetType = TargetType::$target;
            const CITED_BY: citation::Column = citation::Column::$cited_by;
            fn id_of(row: &Self::Model) -> Uuid {
                row.id
            }
            fn restamp(row: &mut Self::Model, version: i32) {
                row.version = version;
                row.updated_at = Utc::now();
            }
            fn id_col() -> Self::Column {
                $module::Column::Id
            }
            fn version_col() -> Self::Column {
                $module::Column::Version
            }
            fn version(row: &Self::Model) -> i32 {
                row.version
            }
            fn set_version(row: &mut Self::Model, version: i32) {
                row.version = version;
            }
        }
    };
}

versioned!(node, "node", Node, NodeId);
versioned!(edge, "link", Edge, EdgeId);
versioned!(source, "source", Source, SourceId);

/// Claims version `expected` of row `id`; returns the row as it was at that version (the
/// "before" of the write). NOT_FOUND when there is no such row, CONFLICT with the current
/// version when `expected` is stale.
pub async fn claim<E>(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected: i32,
) -> Result<E::Model, DomainError>
where
    E: Versioned,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let bumped = E::update_many()
        .col_expr(E::version_col(), Expr::col(E::version_col()).add(1))
        .filter(E::id_col().eq(id))
        .filter(E::version_col().eq(expected))
        .exec(db)
        .await?;
    match E::find_by_id(id).one(db).await? {
        None => Err(DomainError::NotFound {
            what: format!("{} {id}", E::WHAT),
        }),
        Some(row) if bumped.rows_affected == 0 => Err(DomainError::Conflict {
            expected,
            found: E::version(&row),
        }),
        Some(mut row) => {
            E::set_version(&mut row, expected);
            Ok(row)
        }
    }
}

/// Inserts a new row with its citations (in the row's status) and the audit event that keeps
/// both, so a revert of the creation knows what it took.
pub async fn insert_cited<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
    row: E::Model,
    cited: Cited,
    new_citations: &[NewCitation],
    status: Status,
) -> Result<E::Model, DomainError>
where
    E: Versioned,
    E::Model: Serialize + IntoActiveModel<E::ActiveModel> + Clone,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    E::insert(insertable::<_, E::ActiveModel>(row.clone()))
        .exec_without_returning(db)
        .await?;
    let cites = citations::attach(db, cited, new_citations, "citations", status).await?;
    let after = Snapshot {
        citations: cites.iter().map(to_json).collect(),
        ..Snapshot::of(&row)
    };
    audit::record(
        db,
        actor,
        action,
        E::TARGET,
        E::id_of(&row),
        None,
        Some(after),
    )
    .await?;
    Ok(row)
}

/// Saves `row` (claimed from `before`) as the next version and records the audit event;
/// `reason` goes into the event (a rejection's why).
pub async fn save<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
    before: &E::Model,
    mut row: E::Model,
    reason: Option<String>,
) -> Result<E::Model, DomainError>
where
    E: Versioned,
    E::Model: Serialize + IntoActiveModel<E::ActiveModel> + Clone,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    E::restamp(&mut row, E::version(before) + 1);
    insertable::<_, E::ActiveModel>(row.clone())
        .update(db)
        .await?;
    let after = Snapshot {
        reason,
        ..Snapshot::of(&row)
    };
    audit::record(
        db,
        actor,
        action,
        E::TARGET,
        E::id_of(&row),
        Some(Snapshot::of(before)),
        Some(after),
    )
    .await?;
    Ok(row)
}

/// Deletes row `id` (claimed at `version`) and, by cascade, the citations pointing at it; the
/// audit event keeps them, so a revert can bring them back.
pub async fn delete_with_citations<E>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
    id: Uuid,
    version: i32,
) -> Result<(), DomainError>
where
    E: Versioned,
    E::Model: Serialize,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let before = claim::<E>(db, id, version).await?;
    let cites = citation::Entity::find()
        .filter(E::CITED_BY.eq(id))
        .all(db)
        .await?;
    E::delete_by_id(id).exec(db).await?;
    let snapshot = Snapshot {
        citations: cites.iter().map(to_json).collect(),
        ..Snapshot::of(&before)
    };
    audit::record(db, actor, action, E::TARGET, id, Some(snapshot), None).await?;
    Ok(())
}
