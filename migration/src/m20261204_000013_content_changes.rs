use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `content_change`: the change feed. One row for each change to what anonymous readers see
/// (a published node, link or citation, or a source), written by triggers, so every writer is
/// caught, as for the content generation (`m20261126_000009`).
///
/// Readers read the view `content_feed`: each change with the content generation it became
/// visible at, in `(generation, id)` order, which is commit order:
/// - PostgreSQL: a row carries its transaction's id (`xact`); the deferred trigger that bumps
///   the generation at commit files `(xact, generation)` in `content_commit`, one row per
///   transaction whatever its size, and the view joins the two. That trigger updates the one
///   `content_generation` row, so committing writers take their values one after the other,
///   each after the previous one committed: no reader can see generation `g + 1` before `g`.
///   The same trigger sends `NOTIFY caregraph_content` with the new generation, so listening
///   processes learn of the commit at once.
/// - SQLite has one writer at a time; each feed row bumps the generation and takes its value.
///
/// Content published before this migration is written to the feed as published, so a
/// consumer reading from the start gets everything there is.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(manager, "the change feed", sqlite_up, postgres_up).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(manager, "the change feed", sqlite_down, postgres_down).await
    }
}

/// What a feed row records of one content table.
struct Feed {
    table: &'static str,
    /// The `kind` written: an expression over the row (`{r}` is the row).
    kind: &'static str,
    /// Whether the row is visible to anonymous readers.
    visible: &'static str,
    slug: &'static str,
    /// The nodes whose pages show the row.
    node_a: &'static str,
    node_b: &'static str,
    /// (column, name in the GraphQL schema) of what readers see.
    columns: &'static [(&'static str, &'static str)],
}

const FEEDS: [Feed; 4] = [
    Feed {
        table: "node",
        kind: "{r}.kind",
        visible: "{r}.status = 'PUBLISHED'",
        slug: "{r}.slug",
        node_a: "{r}.id",
        node_b: "NULL",
        columns: &[
            ("kind", "kind"),
            ("slug", "slug"),
            ("name", "name"),
            ("synonyms", "synonyms"),
            ("summary", "summary"),
            ("treatment_type", "treatmentType"),
            ("codings", "codings"),
        ],
    },
    Feed {
        table: "edge",
        kind: "'LINK'",
        visible: "{r}.status = 'PUBLISHED'",
        slug: "NULL",
        node_a: "{r}.subject_id",
        node_b: "{r}.object_id",
        columns: &[
            ("subject_id", "subject"),
            ("predicate", "predicate"),
            ("object_id", "object"),
            ("negated", "negated"),
            ("place", "place"),
            ("timing", "timing"),
            ("circumstance", "circumstance"),
            ("how_to", "howTo"),
            ("note", "note"),
        ],
    },
    Feed {
        table: "citation",
        kind: "'CITATION'",
        visible: "{r}.status = 'PUBLISHED'",
        slug: "NULL",
        node_a: "COALESCE({r}.node_id, (SELECT subject_id FROM edge WHERE edge.id = {r}.edge_id))",
        node_b: "CASE WHEN {r}.edge_id IS NULL THEN NULL ELSE (SELECT object_id FROM edge WHERE edge.id = {r}.edge_id) END",
        columns: &[
            ("source_id", "source"),
            ("node_id", "node"),
            ("edge_id", "link"),
            ("quote", "quote"),
        ],
    },
    Feed {
        table: "source",
        kind: "'SOURCE'",
        // Sources have no workflow: what is stored is shown.
        visible: "TRUE",
        slug: "{r}.slug",
        node_a: "NULL",
        node_b: "NULL",
        columns: &[
            ("slug", "slug"),
            ("title", "title"),
            ("url", "url"),
            ("publisher", "publisher"),
            ("content", "content"),
        ],
    },
];

const INSERT_COLUMNS: &str = "kind, row_id, slug, change, fields, node_a, node_b";

impl Feed {
    fn at(expression: &str, row: &str) -> String {
        expression.replace("{r}", row)
    }

    /// `kind, row_id, slug, change, fields, node_a, node_b` of the row `row` for `change`.
    fn values(&self, row: &str, change: &str, fields: &str) -> String {
        format!(
            "{kind}, {row}.id, {slug}, {change}, {fields}, {a}, {b}",
            kind = Self::at(self.kind, row),
            slug = Self::at(self.slug, row),
            a = Self::at(self.node_a, row),
            b = Self::at(self.node_b, row),
        )
    }

    /// Whether an update changed what readers see of the row: its visibility or a visible
    /// column (`op` is the dialect's `IS NOT` / `IS DISTINCT FROM`, `cast` what columns are
    /// compared as).
    fn touched(&self, old: &str, new: &str, op: &str, cast: &str) -> String {
        let visibility = format!(
            "({}) {op} ({})",
            Self::at(self.visible, old),
            Self::at(self.visible, new)
        );
        let columns = self
            .columns
            .iter()
            .map(|(column, _)| format!("{old}.{column}{cast} {op} {new}.{column}{cast}"));
        std::iter::once(visibility)
            .chain(columns)
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// The change an update makes, from the row's visibility before and after.
    fn change(&self, old: &str, new: &str) -> String {
        format!(
            "CASE WHEN ({old}) AND ({new}) THEN 'UPDATED' WHEN ({new}) THEN 'PUBLISHED' \
             ELSE 'WITHDRAWN' END",
            old = Self::at(self.visible, old),
            new = Self::at(self.visible, new),
        )
    }
}

fn sqlite_up() -> Vec<String> {
    let mut statements = vec![
        "CREATE TABLE content_change (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         generation INTEGER NOT NULL, kind TEXT NOT NULL, row_id BLOB NOT NULL, slug TEXT, \
         change TEXT NOT NULL, fields TEXT NOT NULL, node_a BLOB, node_b BLOB)"
            .to_owned(),
        "CREATE INDEX idx_content_change_order ON content_change (generation, id)".to_owned(),
    ];
    for feed in &FEEDS {
        statements.push(backfill(
            feed,
            Some("(SELECT value FROM content_generation WHERE id = 1)"),
        ));
    }
    statements.push(
        "CREATE VIEW content_feed AS SELECT id, generation, kind, row_id, slug, change, fields, \
         node_a, node_b FROM content_change"
            .to_owned(),
    );
    // Each feed row bumps the generation and takes the new value.
    let stamp = format!(
        "UPDATE content_generation SET value = value + 1 WHERE id = 1; \
         INSERT INTO content_change (generation, {INSERT_COLUMNS}) \
         VALUES ((SELECT value FROM content_generation WHERE id = 1),"
    );
    for feed in &FEEDS {
        let table = feed.table;
        let (new, old) = ("NEW", "OLD");
        let fields = feed
            .columns
            .iter()
            .map(|(column, name)| {
                format!("CASE WHEN {old}.{column} IS NOT {new}.{column} THEN ',{name}' ELSE '' END")
            })
            .collect::<Vec<_>>()
            .join(" || ");
        let change = feed.change(old, new);
        let visible_new = Feed::at(feed.visible, new);
        let visible_old = Feed::at(feed.visible, old);
        statements.push(format!(
            "CREATE TRIGGER content_change_{table}_insert AFTER INSERT ON {table} \
             WHEN {visible_new} BEGIN {stamp} {values}); END",
            values = feed.values(new, "'PUBLISHED'", "''"),
        ));
        statements.push(format!(
            "CREATE TRIGGER content_change_{table}_update AFTER UPDATE ON {table} \
             WHEN (({visible_old}) OR ({visible_new})) \
             AND ({touched}) \
             BEGIN {stamp} {values}); END",
            touched = feed.touched(old, new, "IS NOT", ""),
            values = feed.values(
                new,
                &change,
                &format!("CASE WHEN ({visible_old}) AND ({visible_new}) THEN ltrim({fields}, ',') ELSE '' END"),
            ),
        ));
        statements.push(format!(
            "CREATE TRIGGER content_change_{table}_delete AFTER DELETE ON {table} \
             WHEN {visible_old} BEGIN {stamp} {values}); END",
            values = feed.values(old, "'WITHDRAWN'", "''"),
        ));
    }
    statements
}

/// Rows for the content already visible; SQLite's at generation `generation`.
fn backfill(feed: &Feed, generation: Option<&str>) -> String {
    let (column, value) = match generation {
        Some(generation) => ("generation, ", format!("{generation}, ")),
        None => ("", String::new()),
    };
    format!(
        "INSERT INTO content_change ({column}{INSERT_COLUMNS}) \
         SELECT {value}{values} FROM {table} r WHERE {visible} ORDER BY r.id",
        table = feed.table,
        values = feed.values("r", "'PUBLISHED'", "''"),
        visible = Feed::at(feed.visible, "r"),
    )
}

fn sqlite_down() -> Vec<String> {
    let mut statements = Vec::new();
    for feed in &FEEDS {
        for event in ["insert", "update", "delete"] {
            statements.push(format!(
                "DROP TRIGGER IF EXISTS content_change_{}_{event}",
                feed.table
            ));
        }
    }
    statements.push("DROP VIEW IF EXISTS content_feed".to_owned());
    statements.push("DROP TABLE IF EXISTS content_change".to_owned());
    statements
}

fn postgres_up() -> Vec<String> {
    let mut statements = vec![
        "CREATE TABLE content_change (id bigserial PRIMARY KEY, \
         xact xid8 NOT NULL DEFAULT pg_current_xact_id(), \
         kind varchar(16) NOT NULL, row_id uuid NOT NULL, slug varchar(100), \
         change varchar(16) NOT NULL, fields text NOT NULL, node_a uuid, node_b uuid)"
            .to_owned(),
        "CREATE INDEX idx_content_change_xact ON content_change (xact, id)".to_owned(),
        "CREATE TABLE content_commit (xact xid8 PRIMARY KEY, generation bigint NOT NULL UNIQUE)"
            .to_owned(),
        "CREATE VIEW content_feed AS SELECT c.id, k.generation, c.kind, c.row_id, c.slug, \
         c.change, c.fields, c.node_a, c.node_b \
         FROM content_change c JOIN content_commit k ON k.xact = c.xact"
            .to_owned(),
    ];
    // One statement, so one transaction: the rows and their commit entry share one xact.
    let rows: Vec<String> = FEEDS.iter().map(|feed| backfill(feed, None)).collect();
    statements.push(format!(
        "DO $$ BEGIN {}; INSERT INTO content_commit (xact, generation) \
         SELECT pg_current_xact_id(), value FROM content_generation WHERE id = 1; END $$",
        rows.join("; ")
    ));
    // The generation's commit trigger (m20261126_000009) also files the transaction's
    // generation for the feed and tells the listeners. NOTIFY is delivered at commit, and only
    // then.
    statements.push(
        "CREATE OR REPLACE FUNCTION caregraph_bump_content_generation() RETURNS trigger \
         LANGUAGE plpgsql AS $$ \
         DECLARE next_value bigint; \
         BEGIN \
           UPDATE content_generation SET value = value + 1 WHERE id = 1 RETURNING value INTO next_value; \
           INSERT INTO content_commit (xact, generation) VALUES (pg_current_xact_id(), next_value); \
           DELETE FROM content_generation_pending WHERE id = NEW.id; \
           PERFORM pg_notify('caregraph_content', next_value::text); \
           RETURN NULL; \
         END $$"
            .to_owned(),
    );
    for feed in &FEEDS {
        let table = feed.table;
        let fields = feed
            .columns
            .iter()
            .map(|(column, name)| {
                format!(
                    "CASE WHEN o.{column}::text IS DISTINCT FROM n.{column}::text THEN '{name}' END"
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let visible_old = Feed::at(feed.visible, "o");
        let visible_new = Feed::at(feed.visible, "n");
        // Statement triggers over transition tables: a bulk load pays once per statement.
        statements.push(format!(
            "CREATE FUNCTION caregraph_content_change_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP = 'INSERT' THEN \
                 INSERT INTO content_change ({INSERT_COLUMNS}) \
                 SELECT {inserted} FROM new_rows n WHERE {visible_new} ORDER BY n.id; \
               ELSIF TG_OP = 'UPDATE' THEN \
                 INSERT INTO content_change ({INSERT_COLUMNS}) \
                 SELECT {updated} FROM new_rows n JOIN old_rows o ON o.id = n.id \
                 WHERE (({visible_old}) OR ({visible_new})) \
                 AND ({touched}) ORDER BY n.id; \
               ELSE \
                 INSERT INTO content_change ({INSERT_COLUMNS}) \
                 SELECT {deleted} FROM old_rows o WHERE {visible_old} ORDER BY o.id; \
               END IF; \
               RETURN NULL; \
             END $$",
            inserted = feed.values("n", "'PUBLISHED'", "''"),
            updated = feed.values(
                "n",
                &feed.change("o", "n"),
                &format!("CASE WHEN ({visible_old}) AND ({visible_new}) THEN concat_ws(',', {fields}) ELSE '' END"),
            ),
            deleted = feed.values("o", "'WITHDRAWN'", "''"),
            touched = feed.touched("o", "n", "IS DISTINCT FROM", "::text"),
        ));
        for (event, referencing) in [
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ] {
            statements.push(format!(
                "CREATE TRIGGER content_change_{table}_{lower} AFTER {event} ON {table} \
                 REFERENCING {referencing} FOR EACH STATEMENT \
                 EXECUTE FUNCTION caregraph_content_change_{table}()",
                lower = event.to_ascii_lowercase(),
            ));
        }
    }
    statements
}

fn postgres_down() -> Vec<String> {
    let mut statements = Vec::new();
    for feed in &FEEDS {
        for event in ["insert", "update", "delete"] {
            statements.push(format!(
                "DROP TRIGGER IF EXISTS content_change_{table}_{event} ON {table}",
                table = feed.table
            ));
        }
        statements.push(format!(
            "DROP FUNCTION IF EXISTS caregraph_content_change_{}()",
            feed.table
        ));
    }
    statements.push(
        "CREATE OR REPLACE FUNCTION caregraph_bump_content_generation() RETURNS trigger \
         LANGUAGE plpgsql AS $$ \
         BEGIN \
           UPDATE content_generation SET value = value + 1 WHERE id = 1; \
           DELETE FROM content_generation_pending WHERE id = NEW.id; \
           RETURN NULL; \
         END $$"
            .to_owned(),
    );
    statements.push("DROP VIEW IF EXISTS content_feed".to_owned());
    statements.push("DROP TABLE IF EXISTS content_commit".to_owned());
    statements.push("DROP TABLE IF EXISTS content_change".to_owned());
    statements
}
