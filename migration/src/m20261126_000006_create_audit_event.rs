use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(
                        ColumnDef::new(AuditEvent::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditEvent::ActorName)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvent::ActorRole)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvent::Action).string_len(32).not_null())
                    .col(
                        ColumnDef::new(AuditEvent::TargetType)
                            .string_len(16)
                            .not_null(),
                    )
                    // No foreign key: the log outlives what it describes (deletions included).
                    .col(ColumnDef::new(AuditEvent::TargetId).uuid().not_null())
                    .col(ColumnDef::new(AuditEvent::Before).json_binary())
                    .col(ColumnDef::new(AuditEvent::After).json_binary())
                    .col(
                        ColumnDef::new(AuditEvent::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // `auditEvents(targetId:)` and `auditEvents(actor:)` page by id (time order).
        for (name, col) in [
            ("idx_audit_event_target", AuditEvent::TargetId),
            ("idx_audit_event_actor", AuditEvent::ActorName),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditEvent::Table)
                        .col(col)
                        .col(AuditEvent::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvent::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    ActorName,
    ActorRole,
    Action,
    TargetType,
    TargetId,
    Before,
    After,
    At,
}
