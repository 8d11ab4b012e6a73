use sea_orm_migration::prelude::*;

use crate::m20261126_000001_create_node::Node;
use crate::m20261126_000002_create_edge::Edge;
use crate::m20261126_000003_create_source::Source;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Citation::Table)
                    .col(ColumnDef::new(Citation::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Citation::SourceId).uuid().not_null())
                    .col(ColumnDef::new(Citation::NodeId).uuid())
                    .col(ColumnDef::new(Citation::EdgeId).uuid())
                    .col(ColumnDef::new(Citation::Quote).text().not_null())
                    .col(
                        ColumnDef::new(Citation::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // A citation backs exactly one thing: a node or an edge, never both or neither.
                    .check(Expr::cust("(node_id IS NULL) <> (edge_id IS NULL)"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citation_source")
                            .from(Citation::Table, Citation::SourceId)
                            .to(Source::Table, Source::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citation_node")
                            .from(Citation::Table, Citation::NodeId)
                            .to(Node::Table, Node::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citation_edge")
                            .from(Citation::Table, Citation::EdgeId)
                            .to(Edge::Table, Edge::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Citations are loaded in batches by the node or edge they back, and by source.
        for (name, col) in [
            ("idx_citation_node", Citation::NodeId),
            ("idx_citation_edge", Citation::EdgeId),
            ("idx_citation_source", Citation::SourceId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Citation::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Citation::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Citation {
    Table,
    Id,
    SourceId,
    NodeId,
    EdgeId,
    Quote,
    CreatedAt,
}
