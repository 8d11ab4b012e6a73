use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Source::Table)
                    .col(ColumnDef::new(Source::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Source::Slug)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Source::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Source::Url).string_len(2000))
                    .col(ColumnDef::new(Source::Publisher).string_len(200))
                    // The full text lets every write check that a quote is verbatim.
                    .col(ColumnDef::new(Source::Content).text())
                    .col(
                        ColumnDef::new(Source::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Source::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Source::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Source::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Source {
    Table,
    Id,
    Slug,
    Title,
    Url,
    Publisher,
    Content,
    Version,
    CreatedAt,
    UpdatedAt,
}
