//! Schema migrations of caregraph. Schema only: content comes from `caregraph seed`.
//! Migrations are forward-only in production; `down` exists for development.

#![expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait is an async_trait whose methods take `&SchemaManager` without naming its lifetime"
)]

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_node;
mod m20261126_000002_create_edge;
mod m20261126_000003_create_source;
mod m20261126_000004_create_citation;
mod m20261126_000005_create_api_token;
mod m20261126_000006_create_audit_event;
mod m20261126_000007_add_review_columns;
mod m20261126_000008_create_search_index;
mod m20261126_000009_create_content_generation;
mod m20261203_000010_node_codings;
mod m20261203_000011_change_sets;
mod m20261203_000012_review_due;
mod m20261204_000013_content_changes;

pub struct Migrator;

/// Runs the statements written for the connection's database: SQL that differs between
/// SQLite and PostgreSQL (triggers, full-text search, JSON). `what` names the feature in the
/// refusal for any other database.
async fn run_per_backend<S: AsRef<str>>(
    manager: &SchemaManager<'_>,
    what: &str,
    sqlite: impl FnOnce() -> Vec<S>,
    postgres: impl FnOnce() -> Vec<S>,
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};
    let db = manager.get_connection();
    let statements = match db.get_database_backend() {
        DatabaseBackend::Sqlite => sqlite(),
        DatabaseBackend::Postgres => postgres(),
        other => {
            return Err(DbErr::Migration(format!(
                "{what} is not implemented for {other:?}"
            )));
        }
    };
    for sql in statements {
        db.execute_unprepared(sql.as_ref()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_node::Migration),
            Box::new(m20261126_000002_create_edge::Migration),
            Box::new(m20261126_000003_create_source::Migration),
            Box::new(m20261126_000004_create_citation::Migration),
            Box::new(m20261126_000005_create_api_token::Migration),
            Box::new(m20261126_000006_create_audit_event::Migration),
            Box::new(m20261126_000007_add_review_columns::Migration),
            Box::new(m20261126_000008_create_search_index::Migration),
            Box::new(m20261126_000009_create_content_generation::Migration),
            Box::new(m20261203_000010_node_codings::Migration),
            Box::new(m20261203_000011_change_sets::Migration),
            Box::new(m20261203_000012_review_due::Migration),
            Box::new(m20261204_000013_content_changes::Migration),
        ]
    }
}
