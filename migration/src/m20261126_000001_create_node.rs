use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Node::Table)
                    .col(ColumnDef::new(Node::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Node::Kind).string_len(16).not_null())
                    // Unique: slugs are the stable public handle frontends put in URLs.
                    .col(
                        ColumnDef::new(Node::Slug)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Node::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Node::Synonyms).json_binary().not_null())
                    .col(ColumnDef::new(Node::Summary).text())
                    .col(ColumnDef::new(Node::TreatmentType).string_len(16))
                    .col(ColumnDef::new(Node::Icd10cm).string_len(16))
                    .col(ColumnDef::new(Node::SnomedCt).string_len(20))
                    .col(ColumnDef::new(Node::Status).string_len(16).not_null())
                    // Optimistic concurrency: writers send the version they read.
                    .col(
                        ColumnDef::new(Node::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Node::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Node::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // The typed lists (`conditions`, `treatments`, …) page through one kind ordered by name.
        manager
            .create_index(
                Index::create()
                    .name("idx_node_kind_status_name")
                    .table(Node::Table)
                    .col(Node::Kind)
                    .col(Node::Status)
                    .col(Node::Name)
                    .col(Node::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Node::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Node {
    Table,
    Id,
    Kind,
    Slug,
    Name,
    Synonyms,
    Summary,
    TreatmentType,
    Icd10cm,
    SnomedCt,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}
