use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Codings on every node: `node.codings` holds a JSON array of FHIR-style codings (system,
/// code, display, match, source), edited and reviewed with the rest of the node's content.
///
/// `node_coding` indexes them by (system, code) for lookups by code. Triggers keep it in step
/// with `node.codings` in the write's own transaction, whoever writes (the API, the seed, a
/// peer system), like the search index. It holds the live codings of every node; lookups
/// join `node` for visibility, so a draft's codes are found only by those who may see drafts
/// and a pending edit's codes only once it is published.
///
/// The two single-code columns, `icd10cm` and `snomed_ct`, become codings (EXACT, as the
/// columns were documented "only where certain") and are dropped. An open pending edit gets
/// the node's codings too, so publishing it keeps them.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(
            manager,
            "codings",
            || SQLITE_UP.to_vec(),
            || POSTGRES_UP.to_vec(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(
            manager,
            "codings",
            || SQLITE_DOWN.to_vec(),
            || POSTGRES_DOWN.to_vec(),
        )
        .await
    }
}

/// The source named on codings carried over from the old columns: nobody recorded where
/// they were confirmed.
macro_rules! migrated_source {
    () => {
        "the former caregraph icd10cm / snomed_ct column (source not recorded)"
    };
}

/// Rebuilds one node's index rows; `$id` and `$codings` are the trigger's row expressions.
macro_rules! sqlite_index {
    ($id:literal, $codings:literal) => {
        concat!(
            "INSERT OR IGNORE INTO node_coding (system, code, node_id) ",
            "SELECT json_extract(value, '$.system'), json_extract(value, '$.code'), ",
            $id,
            " FROM json_each(",
            $codings,
            ") WHERE json_extract(value, '$.system') IS NOT NULL ",
            "AND json_extract(value, '$.code') IS NOT NULL;"
        )
    };
}

const SQLITE_UP: &[&str] = &[
    "ALTER TABLE node ADD COLUMN codings jsonb_text NOT NULL DEFAULT '[]'",
    concat!(
        "UPDATE node SET codings = json_insert(codings, '$[#]', json_object(",
        "'system', 'http://hl7.org/fhir/sid/icd-10-cm', 'code', icd10cm, 'match', 'EXACT', ",
        "'source', json_object('name', '",
        migrated_source!(),
        "'))) WHERE icd10cm IS NOT NULL"
    ),
    concat!(
        "UPDATE node SET codings = json_insert(codings, '$[#]', json_object(",
        "'system', 'http://snomed.info/sct', 'code', snomed_ct, 'match', 'EXACT', ",
        "'source', json_object('name', '",
        migrated_source!(),
        "'))) WHERE snomed_ct IS NOT NULL"
    ),
    "UPDATE node SET pending = json_set(pending, '$.codings', json(codings)) \
     WHERE pending IS NOT NULL",
    "ALTER TABLE node DROP COLUMN icd10cm",
    "ALTER TABLE node DROP COLUMN snomed_ct",
    "CREATE TABLE node_coding (system TEXT NOT NULL, code TEXT NOT NULL, \
     node_id uuid_text NOT NULL REFERENCES node (id) ON DELETE CASCADE, \
     PRIMARY KEY (system, code, node_id)) WITHOUT ROWID",
    "CREATE INDEX idx_node_coding_node ON node_coding (node_id)",
    concat!(
        "CREATE TRIGGER node_coding_insert AFTER INSERT ON node BEGIN ",
        sqlite_index!("new.id", "new.codings"),
        " END"
    ),
    concat!(
        "CREATE TRIGGER node_coding_update AFTER UPDATE OF codings ON node BEGIN ",
        "DELETE FROM node_coding WHERE node_id = new.id; ",
        sqlite_index!("new.id", "new.codings"),
        " END"
    ),
    concat!(
        "INSERT OR IGNORE INTO node_coding (system, code, node_id) ",
        "SELECT json_extract(c.value, '$.system'), json_extract(c.value, '$.code'), n.id ",
        "FROM node n, json_each(n.codings) c"
    ),
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS node_coding_update",
    "DROP TRIGGER IF EXISTS node_coding_insert",
    "DROP TABLE IF EXISTS node_coding",
    "ALTER TABLE node ADD COLUMN icd10cm varchar(16)",
    "ALTER TABLE node ADD COLUMN snomed_ct varchar(20)",
    "UPDATE node SET icd10cm = (SELECT json_extract(value, '$.code') FROM json_each(node.codings) \
     WHERE json_extract(value, '$.system') = 'http://hl7.org/fhir/sid/icd-10-cm' LIMIT 1), \
     snomed_ct = (SELECT json_extract(value, '$.code') FROM json_each(node.codings) \
     WHERE json_extract(value, '$.system') = 'http://snomed.info/sct' LIMIT 1)",
    "ALTER TABLE node DROP COLUMN codings",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE node ADD COLUMN codings jsonb NOT NULL DEFAULT '[]'::jsonb",
    concat!(
        "UPDATE node SET codings = codings || jsonb_build_array(jsonb_build_object(",
        "'system', 'http://hl7.org/fhir/sid/icd-10-cm', 'code', icd10cm, 'match', 'EXACT', ",
        "'source', jsonb_build_object('name', '",
        migrated_source!(),
        "'))) WHERE icd10cm IS NOT NULL"
    ),
    concat!(
        "UPDATE node SET codings = codings || jsonb_build_array(jsonb_build_object(",
        "'system', 'http://snomed.info/sct', 'code', snomed_ct, 'match', 'EXACT', ",
        "'source', jsonb_build_object('name', '",
        migrated_source!(),
        "'))) WHERE snomed_ct IS NOT NULL"
    ),
    "UPDATE node SET pending = jsonb_set(pending, '{codings}', codings) WHERE pending IS NOT NULL",
    "ALTER TABLE node DROP COLUMN icd10cm",
    "ALTER TABLE node DROP COLUMN snomed_ct",
    "CREATE TABLE node_coding (system text NOT NULL, code text NOT NULL, \
     node_id uuid NOT NULL REFERENCES node (id) ON DELETE CASCADE, \
     PRIMARY KEY (system, code, node_id))",
    "CREATE INDEX idx_node_coding_node ON node_coding (node_id)",
    "CREATE FUNCTION caregraph_index_node_codings() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'UPDATE' THEN DELETE FROM node_coding WHERE node_id = NEW.id; END IF; \
       INSERT INTO node_coding (system, code, node_id) \
         SELECT DISTINCT c->>'system', c->>'code', NEW.id FROM jsonb_array_elements(NEW.codings) c \
         WHERE c->>'system' IS NOT NULL AND c->>'code' IS NOT NULL \
         ON CONFLICT DO NOTHING; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER node_coding_insert AFTER INSERT ON node FOR EACH ROW \
     EXECUTE FUNCTION caregraph_index_node_codings()",
    "CREATE TRIGGER node_coding_update AFTER UPDATE OF codings ON node FOR EACH ROW \
     WHEN (OLD.codings IS DISTINCT FROM NEW.codings) \
     EXECUTE FUNCTION caregraph_index_node_codings()",
    "INSERT INTO node_coding (system, code, node_id) \
     SELECT DISTINCT c->>'system', c->>'code', n.id FROM node n, jsonb_array_elements(n.codings) c \
     ON CONFLICT DO NOTHING",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS node_coding_update ON node",
    "DROP TRIGGER IF EXISTS node_coding_insert ON node",
    "DROP FUNCTION IF EXISTS caregraph_index_node_codings()",
    "DROP TABLE IF EXISTS node_coding",
    "ALTER TABLE node ADD COLUMN icd10cm varchar(16)",
    "ALTER TABLE node ADD COLUMN snomed_ct varchar(20)",
    "UPDATE node SET icd10cm = (SELECT c->>'code' FROM jsonb_array_elements(node.codings) c \
     WHERE c->>'system' = 'http://hl7.org/fhir/sid/icd-10-cm' LIMIT 1), \
     snomed_ct = (SELECT c->>'code' FROM jsonb_array_elements(node.codings) c \
     WHERE c->>'system' = 'http://snomed.info/sct' LIMIT 1)",
    "ALTER TABLE node DROP COLUMN codings",
];
