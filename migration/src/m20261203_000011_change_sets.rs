use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `audit_event.change_set_id`: the events of one multi-row write (a page saved in one
/// transaction, an imported file) share an id, so the write can be reviewed and reverted as
/// one. Single mutations leave it null.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("audit_event"))
                    .add_column(ColumnDef::new(Alias::new("change_set_id")).uuid())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_event_change_set")
                    .table(Alias::new("audit_event"))
                    .col(Alias::new("change_set_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_event_change_set")
                    .table(Alias::new("audit_event"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("audit_event"))
                    .drop_column(Alias::new("change_set_id"))
                    .to_owned(),
            )
            .await
    }
}
