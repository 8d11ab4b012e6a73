//! The whole published graph at one moment, for exports.

use entity::sea_orm_active_enums::Status;
use entity::{citation, edge, node, source};
use sea_orm::{
    AccessMode, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    IsolationLevel, QueryFilter, TransactionTrait,
};

use crate::domain::DomainError;

/// Every published node, edge and citation (with its source).
pub struct Published {
    pub nodes: Vec<node::Model>,
    pub edges: Vec<edge::Model>,
    pub citations: Vec<(citation::Model, Option<source::Model>)>,
}

/// Reads the published graph in one snapshot: an edit committed between the three reads could
/// otherwise leave an edge or a citation pointing at a node the reader never saw. Whole
/// tables, not `IN (…)` lists of ids: the reader wants everything anyway, and lists of
/// thousands of ids run into SQLite's limit on bound parameters.
pub async fn graph(db: &DatabaseConnection) -> Result<Published, DomainError> {
    let txn = snapshot(db).await?;
    let nodes = node::Entity::find()
        .filter(node::Column::Status.eq(Status::Published))
        .all(&txn)
        .await?;
    let edges = edge::Entity::find()
        .filter(edge::Column::Status.eq(Status::Published))
        .all(&txn)
        .await?;
    let citations = citation::Entity::find()
        .filter(citation::Column::Status.eq(Status::Published))
        .find_also_related(source::Entity)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(Published {
        nodes,
        edges,
        citations,
    })
}

/// A read-only transaction that sees one state of the database. PostgreSQL's default (READ
/// COMMITTED) gives each statement its own snapshot, hence REPEATABLE READ; a SQLite
/// transaction holds one snapshot from its first read and rejects isolation settings.
async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
}
