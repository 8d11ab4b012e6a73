use sea_orm_migration::prelude::*;

use crate::m20261126_000001_create_node::Node;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Edge::Table)
                    .col(ColumnDef::new(Edge::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Edge::SubjectId).uuid().not_null())
                    .col(ColumnDef::new(Edge::Predicate).string_len(32).not_null())
                    .col(ColumnDef::new(Edge::ObjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(Edge::Negated)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Edge::Place).string_len(16))
                    .col(ColumnDef::new(Edge::Timing).text())
                    .col(ColumnDef::new(Edge::Circumstance).text())
                    .col(ColumnDef::new(Edge::HowTo).text())
                    .col(ColumnDef::new(Edge::Note).text())
                    .col(ColumnDef::new(Edge::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Edge::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Edge::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Edge::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_edge_subject")
                            .from(Edge::Table, Edge::SubjectId)
                            .to(Node::Table, Node::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_edge_object")
                            .from(Edge::Table, Edge::ObjectId)
                            .to(Node::Table, Node::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One fact is stated once: asserting and denying the same triple cannot coexist either.
        // Leading on subject_id, it also serves the outgoing lookups by (subject, predicate).
        manager
            .create_index(
                Index::create()
                    .name("ux_edge_subject_predicate_object")
                    .table(Edge::Table)
                    .col(Edge::SubjectId)
                    .col(Edge::Predicate)
                    .col(Edge::ObjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Incoming lookups (`Symptom.conditions`, `Risk.treatments`…) go by (object, predicate).
        manager
            .create_index(
                Index::create()
                    .name("idx_edge_object_predicate")
                    .table(Edge::Table)
                    .col(Edge::ObjectId)
                    .col(Edge::Predicate)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Edge::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Edge {
    Table,
    Id,
    SubjectId,
    Predicate,
    ObjectId,
    Negated,
    Place,
    Timing,
    Circumstance,
    HowTo,
    Note,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}
