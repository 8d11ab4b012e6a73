use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `review_due` on nodes and links: when published content is due for its next medical
/// review. Publishing sets it (a configurable interval ahead) and a reviewer may set it per
/// item; the overdue list and its gauge read it through `idx_*_review_due`.
///
/// Content published before this migration is due 12 months after its last review (or, never
/// reviewed, after its creation).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["node", "edge"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new(Alias::new("review_due")).timestamp_with_time_zone(),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_{table}_review_due"))
                        .table(Alias::new(table))
                        .col(Alias::new("status"))
                        .col(Alias::new("review_due"))
                        .to_owned(),
                )
                .await?;
            let backfill = match manager.get_database_backend() {
                DatabaseBackend::Postgres => format!(
                    "UPDATE {table} SET review_due = COALESCE(reviewed_at, created_at) + interval '12 months' \
                     WHERE status = 'PUBLISHED'"
                ),
                // Written in the text form SeaORM writes timestamps in.
                _ => format!(
                    "UPDATE {table} SET review_due = \
                     strftime('%Y-%m-%d %H:%M:%f+00:00', COALESCE(reviewed_at, created_at), '+12 months') \
                     WHERE status = 'PUBLISHED'"
                ),
            };
            manager
                .get_connection()
                .execute_unprepared(&backfill)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["node", "edge"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("idx_{table}_review_due"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("review_due"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
