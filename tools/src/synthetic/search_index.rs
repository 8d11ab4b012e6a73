//! The full-text index triggers, switched off for a bulk load, and the index rebuilt in one
//! set-based pass before they come back.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// The full-text index triggers of `node` and `citation`, switched off for a bulk load.
pub(super) enum SearchTriggers {
    /// SQLite cannot disable a trigger: they are dropped and recreated from their own text.
    Sqlite {
        triggers: Vec<(String, String)>,
        last_key: i64,
    },
    /// PostgreSQL: `ALTER TABLE … DISABLE TRIGGER`, transactional like the rest.
    Postgres { triggers: Vec<(String, String)> },
}

impl SearchTriggers {
    pub(super) async fn suspend(txn: &impl ConnectionTrait) -> Result<Self, DbErr> {
        match txn.get_database_backend() {
            DbBackend::Postgres => {
                let rows = txn
                    .query_all_raw(Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT c.relname AS table_name, t.tgname AS trigger_name \
                         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                         WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' \
                         AND c.relname IN ('node', 'citation') AND t.tgname LIKE 'node\\_search%' \
                         AND c.relnamespace = to_regnamespace(current_schema())::oid \
                         ORDER BY 1, 2",
                    ))
                    .await?;
                let mut triggers = Vec::new();
                for row in rows {
                    let table: String = row.try_get("", "table_name")?;
                    let name: String = row.try_get("", "trigger_name")?;
                    txn.execute_unprepared(&format!("ALTER TABLE {table} DISABLE TRIGGER {name}"))
                        .await?;
                    triggers.push((table, name));
                }
                Ok(Self::Postgres { triggers })
            }
            _ => {
                let rows = txn
                    .query_all_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' \
                         AND tbl_name IN ('node', 'citation') AND name LIKE 'node\\_search\\_%' ESCAPE '\\' \
                         ORDER BY name",
                    ))
                    .await?;
                let mut triggers = Vec::new();
                for row in rows {
                    let name: String = row.try_get("", "name")?;
                    let sql: String = row.try_get("", "sql")?;
                    txn.execute_unprepared(&format!("DROP TRIGGER {name}"))
                        .await?;
                    triggers.push((name, sql));
                }
                let last_key = match txn
                    .query_one_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "SELECT coalesce(max(key), 0) AS k FROM node_search_key",
                    ))
                    .await?
                {
                    Some(row) => row.try_get("", "k")?,
                    None => 0,
                };
                Ok(Self::Sqlite { triggers, last_key })
            }
        }
    }

    /// Indexes every node the load added, exactly as the triggers would have, then turns the
    /// triggers back on.
    pub(super) async fn rebuild_and_resume(self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        match self {
            Self::Postgres { triggers } => {
                // Statistics first: the tables were empty or small when last analyzed, and
                // the rebuild below (and the first requests after the load) plan on them.
                // ANALYZE inside the transaction samples its own new rows.
                txn.execute_unprepared("ANALYZE node, edge, citation, source")
                    .await?;
                // One set-based statement doing what `caregraph_refresh_node_search` (the
                // triggers' function) does for one node, for every node the load added.
                // Calling that function once per node (exact by construction) took 12 s for
                // 100k nodes but more than 5 min for 1M, CPU-bound: superlinear, most likely
                // because the plans it caches on its first call were made while
                // `node_search` was empty. A test compares this index with the triggers' own.
                txn.execute_unprepared(POSTGRES_REBUILD).await?;
                txn.execute_unprepared("ANALYZE node_search").await?;
                for (table, name) in triggers {
                    txn.execute_unprepared(&format!("ALTER TABLE {table} ENABLE TRIGGER {name}"))
                        .await?;
                }
            }
            Self::Sqlite { triggers, last_key } => {
                // What `node_search_node_insert` and the citation triggers do row by row, in two
                // set-based statements (the expression is the migration's own).
                txn.execute_unprepared(
                    "INSERT INTO node_search_key (node_id) SELECT n.id FROM node n \
                     WHERE NOT EXISTS (SELECT 1 FROM node_search_key k WHERE k.node_id = n.id) \
                     ORDER BY n.id",
                )
                .await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "INSERT INTO node_search (rowid, name, synonyms, summary, quotes) \
                     SELECT k.key, n.name, \
                     coalesce((SELECT group_concat(value, ' ; ') FROM json_each(n.synonyms)), ''), \
                     coalesce(n.summary, ''), \
                     coalesce((SELECT group_concat(c.quote, ' … ') FROM citation c \
                     WHERE c.node_id = n.id AND (c.status = 'PUBLISHED' OR n.status <> 'PUBLISHED')), '') \
                     FROM node n JOIN node_search_key k ON k.node_id = n.id WHERE k.key > ?",
                    [Value::BigInt(Some(last_key))],
                ))
                .await?;
                for (_, sql) in triggers {
                    txn.execute_unprepared(&sql).await?;
                }
            }
        }
        Ok(())
    }
}

/// The body of `caregraph_refresh_node_search` (migration `create_search_index`) for every
/// node without an entry instead of one.
const POSTGRES_REBUILD: &str = "INSERT INTO node_search (node_id, name, synonyms, summary, quotes, document) \
     SELECT n.id, n.name, s.synonyms, coalesce(n.summary, ''), q.quotes, \
       setweight(to_tsvector('english', n.name), 'A') \
       || setweight(to_tsvector('english', s.synonyms), 'A') \
       || setweight(to_tsvector('english', coalesce(n.summary, '')), 'B') \
       || setweight(to_tsvector('english', q.quotes), 'C') \
     FROM node n \
     CROSS JOIN LATERAL (SELECT coalesce(string_agg(value, ' ; '), '') AS synonyms \
       FROM jsonb_array_elements_text(n.synonyms::jsonb)) s \
     CROSS JOIN LATERAL (SELECT coalesce(string_agg(c.quote, ' … ' ORDER BY c.created_at, c.id), '') AS quotes \
       FROM citation c WHERE c.node_id = n.id \
       AND (c.status = 'PUBLISHED' OR n.status <> 'PUBLISHED')) q \
     WHERE NOT EXISTS (SELECT 1 FROM node_search x WHERE x.node_id = n.id)";
