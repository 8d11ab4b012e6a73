use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `content_generation`: one row whose `value` changes with every committed change to the
/// content readers see (`node`, `edge`, `citation`, `source`).
///
/// Each caregraph process caches anonymous responses and polls this row (one primary-key read
/// every 200 ms by default); a new value drops its cache. Triggers do the bumping, so every
/// writer is caught: this replica, the other replicas, the seed loader, the synthetic-graph
/// loader, and a peer system writing SQL of its own.
///
/// SQLite has row triggers only, and one writer at a time, so each changed row bumps the value
/// in the writer's own transaction.
///
/// PostgreSQL bumps once per writing transaction, at its commit, so writers never queue on
/// the row for longer than a commit, and two transactions writing the same content rows in a
/// different order cannot deadlock on it:
/// - a statement trigger on each content table (bulk loads pay once per statement, not per
///   row) notes the change in a transaction-local setting and, the first time, inserts a row
///   into `content_generation_pending`;
/// - a deferred constraint trigger on that row bumps `content_generation` at commit and
///   deletes the row again. A rolled-back transaction (or savepoint) takes its note and its
///   row with it, so it bumps nothing.
///
/// Since the bump commits with the change, a reader that sees value `v` sees every change
/// bumped up to `v`.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(manager, "the content generation", sqlite_up, postgres_up).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(
            manager,
            "the content generation",
            sqlite_down,
            postgres_down,
        )
        .await
    }
}

/// The tables whose rows make up what readers see.
const CONTENT_TABLES: [&str; 4] = ["node", "edge", "citation", "source"];
const SQLITE_EVENTS: [&str; 3] = ["INSERT", "UPDATE", "DELETE"];

fn sqlite_up() -> Vec<String> {
    let mut statements = vec![
        // The CHECK keeps it a single row.
        "CREATE TABLE content_generation (id INTEGER PRIMARY KEY CHECK (id = 1), \
         value INTEGER NOT NULL)"
            .to_owned(),
        "INSERT INTO content_generation (id, value) VALUES (1, 0)".to_owned(),
    ];
    for table in CONTENT_TABLES {
        for event in SQLITE_EVENTS {
            statements.push(format!(
                "CREATE TRIGGER content_generation_{table}_{event} AFTER {event} ON {table} \
                 BEGIN UPDATE content_generation SET value = value + 1 WHERE id = 1; END",
                event = event.to_ascii_lowercase(),
            ));
        }
    }
    statements
}

fn sqlite_down() -> Vec<String> {
    let mut statements = Vec::new();
    for table in CONTENT_TABLES {
        for event in SQLITE_EVENTS {
            statements.push(format!(
                "DROP TRIGGER IF EXISTS content_generation_{table}_{}",
                event.to_ascii_lowercase()
            ));
        }
    }
    statements.push("DROP TABLE IF EXISTS content_generation".to_owned());
    statements
}

fn postgres_up() -> Vec<String> {
    let mut statements = vec![
        "CREATE TABLE content_generation (id smallint PRIMARY KEY CHECK (id = 1), \
         value bigint NOT NULL)"
            .to_owned(),
        "INSERT INTO content_generation (id, value) VALUES (1, 0)".to_owned(),
        // At most one row per open writing transaction; each deletes its own at commit.
        "CREATE TABLE content_generation_pending (id bigserial PRIMARY KEY)".to_owned(),
        // Once per transaction: the setting is transaction-local (and undone with a rolled-back
        // savepoint, as the inserted row is).
        "CREATE FUNCTION caregraph_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF current_setting('caregraph.content_changed', true) IS DISTINCT FROM 'on' THEN \
             PERFORM set_config('caregraph.content_changed', 'on', true); \
             INSERT INTO content_generation_pending DEFAULT VALUES; \
           END IF; \
           RETURN NULL; \
         END $$"
            .to_owned(),
        "CREATE FUNCTION caregraph_bump_content_generation() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           UPDATE content_generation SET value = value + 1 WHERE id = 1; \
           DELETE FROM content_generation_pending WHERE id = NEW.id; \
           RETURN NULL; \
         END $$"
            .to_owned(),
        "CREATE CONSTRAINT TRIGGER content_generation_bump AFTER INSERT \
         ON content_generation_pending DEFERRABLE INITIALLY DEFERRED \
         FOR EACH ROW EXECUTE FUNCTION caregraph_bump_content_generation()"
            .to_owned(),
    ];
    for table in CONTENT_TABLES {
        statements.push(format!(
            "CREATE TRIGGER content_generation_{table} \
             AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
             FOR EACH STATEMENT EXECUTE FUNCTION caregraph_content_changed()"
        ));
    }
    statements
}

fn postgres_down() -> Vec<String> {
    let mut statements: Vec<String> = CONTENT_TABLES
        .iter()
        .map(|table| format!("DROP TRIGGER IF EXISTS content_generation_{table} ON {table}"))
        .collect();
    statements.extend(
        [
            "DROP TRIGGER IF EXISTS content_generation_bump ON content_generation_pending",
            "DROP FUNCTION IF EXISTS caregraph_bump_content_generation()",
            "DROP FUNCTION IF EXISTS caregraph_content_changed()",
            "DROP TABLE IF EXISTS content_generation_pending",
            "DROP TABLE IF EXISTS content_generation",
        ]
        .map(str::to_owned),
    );
    statements
}
