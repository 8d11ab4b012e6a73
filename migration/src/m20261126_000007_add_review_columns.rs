use sea_orm_migration::prelude::*;

use crate::m20261126_000001_create_node::Node;
use crate::m20261126_000002_create_edge::Edge;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Editing published content must not change what readers see until a reviewer publishes the
/// edit: the edit waits in `pending`. `reviewed_by`/`reviewed_at` are the review mark.
/// Citations get a status so a quote added to published content waits for review too.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one column at a time.
        for table in [Node::Table.into_iden(), Edge::Table.into_iden()] {
            for col in [
                ColumnDef::new(Alias::new("pending"))
                    .json_binary()
                    .to_owned(),
                ColumnDef::new(Alias::new("pending_status"))
                    .string_len(16)
                    .to_owned(),
                ColumnDef::new(Alias::new("reviewed_by"))
                    .string_len(100)
                    .to_owned(),
                ColumnDef::new(Alias::new("reviewed_at"))
                    .timestamp_with_time_zone()
                    .to_owned(),
            ] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .add_column(col)
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("citation"))
                    .add_column(
                        ColumnDef::new(Alias::new("status"))
                            .string_len(16)
                            .not_null()
                            .default("PUBLISHED"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("citation"))
                    .drop_column(Alias::new("status"))
                    .to_owned(),
            )
            .await?;
        for table in [Node::Table.into_iden(), Edge::Table.into_iden()] {
            for col in ["pending", "pending_status", "reviewed_by", "reviewed_at"] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .drop_column(Alias::new(col))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
