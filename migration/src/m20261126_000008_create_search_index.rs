use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Full-text search over each node's name, synonyms, summary and citation quotes.
///
/// Triggers keep the index in step with `node` and `citation`, so it follows every write in
/// the write's own transaction, whoever makes it (the API, the seed loader, a peer system).
/// Quotes awaiting review on published content are left out: readers must not find text
/// they cannot see.
///
/// SQLite: an FTS5 table (Porter stemming) keyed by `node_search_key`, whose INTEGER PRIMARY
/// KEY survives VACUUM (a plain rowid would not). PostgreSQL: a weighted `tsvector` with a
/// GIN index, English stemming.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(
            manager,
            "full-text search",
            || SQLITE_UP.to_vec(),
            || POSTGRES_UP.to_vec(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(
            manager,
            "full-text search",
            || SQLITE_DOWN.to_vec(),
            || POSTGRES_DOWN.to_vec(),
        )
        .await
    }
}

/// Rebuilds one node's entry; `{id}` is the node id expression of the trigger.
macro_rules! sqlite_refresh {
    ($id:literal) => {
        concat!(
            "DELETE FROM node_search WHERE rowid = (SELECT key FROM node_search_key WHERE node_id = ",
            $id,
            "); ",
            "INSERT INTO node_search (rowid, name, synonyms, summary, quotes) ",
            "SELECT k.key, n.name, ",
            "coalesce((SELECT group_concat(value, ' ; ') FROM json_each(n.synonyms)), ''), ",
            "coalesce(n.summary, ''), ",
            "coalesce((SELECT group_concat(c.quote, ' … ') FROM citation c ",
            "WHERE c.node_id = n.id AND (c.status = 'PUBLISHED' OR n.status <> 'PUBLISHED')), '') ",
            "FROM node n JOIN node_search_key k ON k.node_id = n.id WHERE n.id = ",
            $id,
            ";"
        )
    };
}

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE node_search_key (key INTEGER PRIMARY KEY, node_id uuid_text NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE node_search USING fts5(name, synonyms, summary, quotes, \
     tokenize = 'porter unicode61 remove_diacritics 2')",
    concat!(
        "CREATE TRIGGER node_search_node_insert AFTER INSERT ON node BEGIN ",
        "INSERT INTO node_search_key (node_id) VALUES (new.id); ",
        sqlite_refresh!("new.id"),
        " END"
    ),
    concat!(
        "CREATE TRIGGER node_search_node_update AFTER UPDATE OF name, synonyms, summary, status ON node BEGIN ",
        sqlite_refresh!("new.id"),
        " END"
    ),
    "CREATE TRIGGER node_search_node_delete AFTER DELETE ON node BEGIN \
     DELETE FROM node_search WHERE rowid = (SELECT key FROM node_search_key WHERE node_id = old.id); \
     DELETE FROM node_search_key WHERE node_id = old.id; END",
    concat!(
        "CREATE TRIGGER node_search_citation_insert AFTER INSERT ON citation WHEN new.node_id IS NOT NULL BEGIN ",
        sqlite_refresh!("new.node_id"),
        " END"
    ),
    concat!(
        "CREATE TRIGGER node_search_citation_update AFTER UPDATE ON citation WHEN new.node_id IS NOT NULL BEGIN ",
        sqlite_refresh!("new.node_id"),
        " END"
    ),
    concat!(
        "CREATE TRIGGER node_search_citation_delete AFTER DELETE ON citation WHEN old.node_id IS NOT NULL BEGIN ",
        sqlite_refresh!("old.node_id"),
        " END"
    ),
    // Index what is already there.
    "INSERT INTO node_search_key (node_id) SELECT id FROM node",
    "INSERT INTO node_search (rowid, name, synonyms, summary, quotes) \
     SELECT k.key, n.name, \
     coalesce((SELECT group_concat(value, ' ; ') FROM json_each(n.synonyms)), ''), \
     coalesce(n.summary, ''), \
     coalesce((SELECT group_concat(c.quote, ' … ') FROM citation c \
     WHERE c.node_id = n.id AND (c.status = 'PUBLISHED' OR n.status <> 'PUBLISHED')), '') \
     FROM node n JOIN node_search_key k ON k.node_id = n.id",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS node_search_citation_delete",
    "DROP TRIGGER IF EXISTS node_search_citation_update",
    "DROP TRIGGER IF EXISTS node_search_citation_insert",
    "DROP TRIGGER IF EXISTS node_search_node_delete",
    "DROP TRIGGER IF EXISTS node_search_node_update",
    "DROP TRIGGER IF EXISTS node_search_node_insert",
    "DROP TABLE IF EXISTS node_search",
    "DROP TABLE IF EXISTS node_search_key",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE node_search ( \
       node_id uuid PRIMARY KEY REFERENCES node (id) ON DELETE CASCADE, \
       name text NOT NULL, synonyms text NOT NULL, summary text NOT NULL, quotes text NOT NULL, \
       document tsvector NOT NULL)",
    "CREATE INDEX idx_node_search_document ON node_search USING GIN (document)",
    "CREATE FUNCTION caregraph_refresh_node_search(target uuid) RETURNS void LANGUAGE plpgsql AS $$ \
     BEGIN \
       DELETE FROM node_search WHERE node_id = target; \
       INSERT INTO node_search (node_id, name, synonyms, summary, quotes, document) \
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
       WHERE n.id = target; \
     END $$",
    "CREATE FUNCTION caregraph_node_search_on_node() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN PERFORM caregraph_refresh_node_search(NEW.id); RETURN NULL; END $$",
    "CREATE TRIGGER node_search_node AFTER INSERT OR UPDATE OF name, synonyms, summary, status \
     ON node FOR EACH ROW EXECUTE FUNCTION caregraph_node_search_on_node()",
    "CREATE FUNCTION caregraph_node_search_on_citation() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' THEN \
         IF OLD.node_id IS NOT NULL THEN PERFORM caregraph_refresh_node_search(OLD.node_id); END IF; \
       ELSIF NEW.node_id IS NOT NULL THEN \
         PERFORM caregraph_refresh_node_search(NEW.node_id); \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER node_search_citation AFTER INSERT OR UPDATE OR DELETE \
     ON citation FOR EACH ROW EXECUTE FUNCTION caregraph_node_search_on_citation()",
    "SELECT caregraph_refresh_node_search(id) FROM node",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS node_search_citation ON citation",
    "DROP TRIGGER IF EXISTS node_search_node ON node",
    "DROP FUNCTION IF EXISTS caregraph_node_search_on_citation()",
    "DROP FUNCTION IF EXISTS caregraph_node_search_on_node()",
    "DROP FUNCTION IF EXISTS caregraph_refresh_node_search(uuid)",
    "DROP TABLE IF EXISTS node_search",
];
