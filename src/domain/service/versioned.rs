//! Optimistic concurrency for versioned rows.
//!
//! A write first bumps the row's version with `UPDATE … SET version = version + 1 WHERE id = ?
//! AND version = ?`. That one statement is the check (a stale version matches no row) and
//! the lock (on PostgreSQL the row lock, on SQLite the write lock), so of two writers holding
//! the same version exactly one proceeds and the other gets CONFLICT, on both databases.

use entity::{edge, node, source};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter};
use uuid::Uuid;

use crate::domain::DomainError;

/// A table whose rows carry a version.
pub trait Versioned: EntityTrait {
    /// How errors name a row of this table.
    const WHAT: &'static str;
    fn id_col() -> Self::Column;
    fn version_col() -> Self::Column;
    fn version(row: &Self::Model) -> i32;
    fn set_version(row: &mut Self::Model, version: i32);
}

macro_rules! versioned {
    ($module:ident, $what:literal) => {
        impl Versioned for $module::Entity {
            const WHAT: &'static str = $what;
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

versioned!(node, "node");
versioned!(edge, "link");
versioned!(source, "source");

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
