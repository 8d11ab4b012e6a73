//! Synthetic graphs for benchmarks: `caregraph seed --synthetic --nodes N --edges-per-node M`.
//!
//! The graph looks like a national content library: all five kinds in fixed proportions,
//! every predicate of [`RULES`] joining the kinds it allows, edge attributes (a treatment's
//! place, a symptom's timing, hedges and denials) on some links, names, synonyms and summaries
//! made of medical words so search has something to find, popular symptoms and causes shared
//! by many conditions, and every node and edge citing a passage of a synthetic source whose
//! text holds the quote verbatim. Everything but the ids and timestamps is a pure function of
//! the seed and the node's position, so a seed always gives the same slugs, names and links.
//!
//! Loading is one transaction of batched multi-row inserts: a failed load leaves nothing
//! behind. Rows are generated on a blocking thread while the previous batch is being written.
//! The full-text index triggers are switched off for the load and the index is rebuilt once at
//! the end, set-based, with the expressions of the triggers' own statements (a test checks that
//! the result equals what the triggers build), before the triggers come back in the same
//! transaction; other triggers (and every foreign key) keep firing. On PostgreSQL the load ends
//! with `ANALYZE`, so the first queries after it are planned on real statistics.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::node;
use entity::sea_orm_active_enums::{NodeKind, Predicate, Status, TreatmentPlace, TreatmentType};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveEnum as _, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, Statement, TransactionTrait, Value,
};
use thiserror::Error;
use uuid::Uuid;

use crate::domain::rules::predicate::{RULES, Rule};

/// Fewest nodes a synthetic graph may have: enough for every kind and every predicate.
pub const MIN_NODES: u64 = 20;
/// Most nodes: ids, kinds and per-kind positions are held in memory (about 25 bytes a node).
pub const MAX_NODES: u64 = 50_000_000;
/// Most edges per node on average.
pub const MAX_EDGES_PER_NODE: u32 = 100;
/// Most bind parameters in one statement: SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (32766 since
/// 3.32) and PostgreSQL's protocol limit (65535).
const SQLITE_MAX_PARAMS: usize = 32_766;
const POSTGRES_MAX_PARAMS: usize = 65_535;
/// Most rows in one insert: past about a thousand, larger statements stop paying off.
const MAX_ROWS_PER_INSERT: usize = 1_000;
/// A source is closed once its text reaches this many bytes: about the size of a
/// consumer-health article (the bundled one is 5.8 kB), so citation reads stay realistic.
const SOURCE_TARGET_BYTES: usize = 5_000;
/// Who the synthetic content says reviewed it.
const REVIEWER: &str = "caregraph synthetic generator";

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub nodes: u64,
    /// Average edges per node: the graph has about `nodes * edges_per_node` edges.
    pub edges_per_node: u32,
    /// The same seed gives the same slugs, names, texts and links.
    pub seed: u64,
    /// Add to a database that already holds nodes instead of refusing.
    pub append: bool,
    /// Draw a progress bar on standard error (only when it is a terminal).
    pub progress: bool,
}

/// What a load wrote and how long it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub seed: u64,
    pub nodes: u64,
    pub edges: u64,
    pub citations: u64,
    pub sources: u64,
    /// Time spent writing rows.
    pub load: Duration,
    /// Time spent rebuilding the full-text index.
    pub index: Duration,
}

impl Report {
    pub fn rows(&self) -> u64 {
        self.nodes + self.edges + self.citations + self.sources
    }

    pub fn elapsed(&self) -> Duration {
        self.load + self.index
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed().as_secs_f64();
        write!(
            f,
            "synthetic graph (seed {}): {} nodes, {} edges, {} citations, {} sources in {:.1} s \
             ({:.1} s rows + {:.1} s search index; {:.0} rows/s)",
            self.seed,
            self.nodes,
            self.edges,
            self.citations,
            self.sources,
            secs,
            self.load.as_secs_f64(),
            self.index.as_secs_f64(),
            self.rows() as f64 / secs.max(f64::EPSILON),
        )
    }
}

#[derive(Debug, Error)]
pub enum SyntheticError {
    #[error(
        "the database already holds {nodes} nodes; a synthetic graph is loaded into an empty \
         database (pass --append to add one next to them anyway)"
    )]
    NotEmpty { nodes: u64 },
    #[error("{0}")]
    Invalid(String),
    #[error("loading the synthetic graph failed, nothing was written: {0}")]
    Db(#[from] DbErr),
    #[error("the synthetic graph generator stopped: {0}")]
    Generator(String),
}

/// Generates and loads a synthetic graph in one transaction.
pub async fn load(db: &DatabaseConnection, options: &Options) -> Result<Report, SyntheticError> {
    check(options)?;
    let backend = db.get_database_backend();
    if !matches!(backend, DbBackend::Sqlite | DbBackend::Postgres) {
        return Err(SyntheticError::Invalid(format!(
            "synthetic graphs are implemented for SQLite and PostgreSQL, not {backend:?}"
        )));
    }
    let existing = node::Entity::find().count(db).await?;
    if existing > 0 && !options.append {
        return Err(SyntheticError::NotEmpty { nodes: existing });
    }

    let plan = Plan::new(options.nodes, options.edges_per_node, options.seed);
    let bar = progress_bar(options.progress, plan.nodes + plan.edges);
    let started = Instant::now();
    let txn = db.begin().await?;
    if backend == DbBackend::Postgres {
        // The configured statement timeout guards requests; rebuilding the index of a million
        // nodes is one statement that takes longer.
        txn.execute_unprepared("SET LOCAL statement_timeout = 0")
            .await?;
    }
    let search = SearchTriggers::suspend(&txn).await?;

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(4);
    let producer = tokio::task::spawn_blocking(move || produce(&plan, backend, &tx));
    let mut written: u64 = 0;
    while let Some(batch) = rx.recv().await {
        txn.execute_raw(batch.statement).await?;
        written += batch.progress;
        bar.set_position(written);
    }
    let counts = producer
        .await
        .map_err(|e| SyntheticError::Generator(e.to_string()))?
        .ok_or_else(|| SyntheticError::Generator("its batches were not all written".into()))?;
    let load_time = started.elapsed();

    bar.set_message("rebuilding the search index");
    let indexed = Instant::now();
    search.rebuild_and_resume(&txn).await?;
    txn.commit().await?;
    bar.finish_and_clear();

    Ok(Report {
        seed: options.seed,
        nodes: counts.nodes,
        edges: counts.edges,
        citations: counts.citations,
        sources: counts.sources,
        load: load_time,
        index: indexed.elapsed(),
    })
}

fn check(options: &Options) -> Result<(), SyntheticError> {
    if !(MIN_NODES..=MAX_NODES).contains(&options.nodes) {
        return Err(SyntheticError::Invalid(format!(
            "--nodes must be between {MIN_NODES} and {MAX_NODES} (got {})",
            options.nodes
        )));
    }
    if !(1..=MAX_EDGES_PER_NODE).contains(&options.edges_per_node) {
        return Err(SyntheticError::Invalid(format!(
            "--edges-per-node must be between 1 and {MAX_EDGES_PER_NODE} (got {})",
            options.edges_per_node
        )));
    }
    Ok(())
}

fn progress_bar(enabled: bool, len: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    // `ProgressBar::new` draws on standard error, and only when it is a terminal.
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} nodes+edges {per_sec} eta {eta} {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

// ---------------------------------------------------------------------------------------------
// The search index triggers.

/// The full-text index triggers of `node` and `citation`, switched off for a bulk load.
enum SearchTriggers {
    /// SQLite cannot disable a trigger: they are dropped and recreated from their own text.
    Sqlite {
        triggers: Vec<(String, String)>,
        last_key: i64,
    },
    /// PostgreSQL: `ALTER TABLE … DISABLE TRIGGER`, transactional like the rest.
    Postgres { triggers: Vec<(String, String)> },
}

impl SearchTriggers {
    async fn suspend(txn: &impl ConnectionTrait) -> Result<Self, DbErr> {
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
    async fn rebuild_and_resume(self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
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

// ---------------------------------------------------------------------------------------------
// The plan: how many nodes of each kind and how many edges of each rule.

/// Share of the nodes of each kind, per thousand.
const KIND_SHARES: [(NodeKind, u64); 5] = [
    (NodeKind::Condition, 250),
    (NodeKind::Symptom, 250),
    (NodeKind::Treatment, 200),
    (NodeKind::Cause, 150),
    (NodeKind::Risk, 150),
];

/// Share of the edges of each rule of [`RULES`]; a rule added later gets a small share, so
/// every rule is always used.
fn rule_share(rule: &Rule) -> f64 {
    match (rule.predicate, rule.subject) {
        (Predicate::HasSymptom, _) => 0.30,
        (Predicate::TreatedBy, _) => 0.20,
        (Predicate::CausedBy, _) | (Predicate::HasRiskFactor, _) => 0.12,
        (Predicate::HasAdverseRisk, _) => 0.10,
        (Predicate::MayLeadTo, _) => 0.05,
        (Predicate::DifferentialOf, _) => 0.04,
        (Predicate::IsCondition, NodeKind::Cause) => 0.03,
        _ => 0.02,
    }
}

/// Positions of kinds and degrees, computed up front: cheap, and it fixes the totals.
struct Plan {
    seed: u64,
    nodes: u64,
    edges: u64,
    /// Kind of each node, by global position.
    kinds: Vec<NodeKind>,
    /// Position of each node among the nodes of its kind.
    kind_index: Vec<u32>,
    /// Global positions of the nodes of each kind, by kind.
    by_kind: HashMap<NodeKind, Vec<u32>>,
    /// Per rule of [`RULES`]: edges before capping, split over its subjects.
    rule_edges: Vec<u64>,
}

impl Plan {
    fn new(nodes: u64, edges_per_node: u32, seed: u64) -> Self {
        let n = usize::try_from(nodes).unwrap_or(usize::MAX);
        // Exact counts per kind (the remainder to the first kinds), then interleaved evenly so every stretch
        // of the graph holds every kind.
        let mut counts: Vec<u64> = KIND_SHARES.iter().map(|(_, s)| nodes * s / 1_000).collect();
        let mut left = nodes - counts.iter().sum::<u64>();
        let kinds_count = counts.len();
        let mut i = 0;
        while left > 0 {
            counts[i % kinds_count] += 1;
            left -= 1;
            i += 1;
        }
        let mut kinds = Vec::with_capacity(n);
        let mut kind_index = Vec::with_capacity(n);
        let mut assigned = [0u64; 5];
        let mut by_kind: HashMap<NodeKind, Vec<u32>> =
            KIND_SHARES.iter().map(|(k, _)| (*k, Vec::new())).collect();
        for pos in 0..nodes {
            // The kind furthest behind its share of the first `pos + 1` nodes.
            let mut best = 0;
            let mut best_deficit = f64::MIN;
            for (k, count) in counts.iter().enumerate() {
                if assigned[k] >= *count {
                    continue;
                }
                let deficit = *count as f64 * (pos + 1) as f64 / nodes as f64 - assigned[k] as f64;
                if deficit > best_deficit {
                    best = k;
                    best_deficit = deficit;
                }
            }
            let kind = KIND_SHARES[best].0;
            kinds.push(kind);
            kind_index.push(u32::try_from(assigned[best]).unwrap_or(u32::MAX));
            assigned[best] += 1;
            if let Some(list) = by_kind.get_mut(&kind) {
                list.push(u32::try_from(pos).unwrap_or(u32::MAX));
            }
        }

        let total_share: f64 = RULES.iter().map(rule_share).sum();
        let wanted = nodes * u64::from(edges_per_node);
        let rule_edges: Vec<u64> = RULES
            .iter()
            .map(|r| ((rule_share(r) / total_share * wanted as f64).round() as u64).max(1))
            .collect();
        let mut plan = Self {
            seed,
            nodes,
            edges: 0,
            kinds,
            kind_index,
            by_kind,
            rule_edges,
        };
        plan.edges = (0..RULES.len())
            .map(|r| {
                let subjects = plan.subjects(r).len();
                (0..subjects).map(|j| plan.degree(r, j)).sum::<u64>()
            })
            .sum();
        plan
    }

    fn list(&self, kind: NodeKind) -> &[u32] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    fn subjects(&self, rule: usize) -> &[u32] {
        self.list(RULES[rule].subject)
    }

    /// How many objects subject `j` (its position among its kind) may have under `rule`.
    fn available(&self, rule: usize, j: usize) -> usize {
        let r = &RULES[rule];
        let objects = self.list(r.object).len();
        if r.predicate == Predicate::SubclassOf {
            // Only broader conditions that come earlier: the hierarchy has no cycles.
            j
        } else if r.subject == r.object {
            objects.saturating_sub(1)
        } else {
            objects
        }
    }

    /// The out-degree of subject `j` under `rule`: an even share with a zero-sum jitter
    /// between neighbours (some conditions have more symptoms than others), capped by what
    /// exists.
    fn degree(&self, rule: usize, j: usize) -> u64 {
        let subjects = self.subjects(rule).len() as u64;
        if subjects == 0 {
            return 0;
        }
        let j64 = j as u64;
        let total = self.rule_edges[rule];
        let base = total / subjects;
        let mut degree = base + u64::from(j64 < total % subjects);
        let pair_complete = (j64 | 1) < subjects;
        if pair_complete && base >= 2 {
            let jitter = mix(&[self.seed, 0xD0, rule as u64, j64 / 2]) % (base / 2 + 1);
            if j64.is_multiple_of(2) {
                degree += jitter;
            } else {
                degree -= jitter;
            }
        }
        degree.min(self.available(rule, j) as u64)
    }
}

// ---------------------------------------------------------------------------------------------
// Generating rows and turning them into batched inserts.

/// One insert statement for the loader, and how many nodes or edges it writes.
struct Batch {
    statement: Statement,
    progress: u64,
}

#[derive(Default)]
struct Counts {
    nodes: u64,
    edges: u64,
    citations: u64,
    sources: u64,
}

/// Rows of one table waiting to be written, sent as multi-row inserts of a few fixed sizes
/// (so each size is prepared once per connection).
struct Batcher {
    backend: DbBackend,
    table: &'static str,
    columns: &'static [&'static str],
    cap: usize,
    values: Vec<Value>,
    /// Per pending row: what must be written first (source and edge sequence numbers).
    needs: Vec<(u64, u64)>,
    counts_progress: bool,
    sql: HashMap<usize, String>,
    written: u64,
}

impl Batcher {
    fn new(
        backend: DbBackend,
        table: &'static str,
        columns: &'static [&'static str],
        max_rows: usize,
        counts_progress: bool,
    ) -> Self {
        let limit = match backend {
            DbBackend::Postgres => POSTGRES_MAX_PARAMS,
            _ => SQLITE_MAX_PARAMS,
        };
        Self {
            backend,
            table,
            columns,
            cap: (limit / columns.len()).min(max_rows).max(1),
            values: Vec::new(),
            needs: Vec::new(),
            counts_progress,
            sql: HashMap::new(),
            written: 0,
        }
    }

    fn pending(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    fn push(&mut self, row: impl IntoIterator<Item = Value>, needs: (u64, u64)) {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.columns.len());
        self.needs.push(needs);
    }

    fn sql(&mut self, rows: usize) -> String {
        let (backend, table, columns) = (self.backend, self.table, self.columns);
        self.sql
            .entry(rows)
            .or_insert_with(|| insert_sql(backend, table, columns, rows))
            .clone()
    }

    /// Takes the first `rows` pending rows as one statement.
    fn take(&mut self, rows: usize) -> Batch {
        let sql = self.sql(rows);
        let values: Vec<Value> = self.values.drain(..rows * self.columns.len()).collect();
        self.needs.drain(..rows);
        self.written += rows as u64;
        Batch {
            statement: Statement::from_sql_and_values(self.backend, sql, values),
            progress: if self.counts_progress { rows as u64 } else { 0 },
        }
    }

    /// Full batches of the first rows whose prerequisites are written. Needs never decrease
    /// from one row to the next, so a batch is ready when its last row is.
    fn full(&mut self, written: (u64, u64)) -> Vec<Batch> {
        let mut out = Vec::new();
        while self.pending() >= self.cap {
            let (source, edge) = self.needs[self.cap - 1];
            if source > written.0 || edge > written.1 {
                break;
            }
            out.push(self.take(self.cap));
        }
        out
    }

    /// Everything pending: full batches, then the rest in power-of-two sizes.
    fn all(&mut self) -> Vec<Batch> {
        let mut out = self.full((u64::MAX, u64::MAX));
        let mut rest = self.pending();
        let mut size = self.cap.next_power_of_two();
        while rest > 0 {
            if size <= rest {
                out.push(self.take(size));
                rest -= size;
            }
            size /= 2;
        }
        out
    }
}

fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            match backend {
                DbBackend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

const NODE_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "slug",
    "name",
    "synonyms",
    "summary",
    "treatment_type",
    "status",
    "reviewed_by",
    "reviewed_at",
    "version",
    "created_at",
    "updated_at",
];
const EDGE_COLUMNS: &[&str] = &[
    "id",
    "subject_id",
    "predicate",
    "object_id",
    "negated",
    "place",
    "timing",
    "circumstance",
    "how_to",
    "note",
    "status",
    "reviewed_by",
    "reviewed_at",
    "version",
    "created_at",
    "updated_at",
];
const CITATION_COLUMNS: &[&str] = &[
    "id",
    "source_id",
    "node_id",
    "edge_id",
    "quote",
    "status",
    "created_at",
];
const SOURCE_COLUMNS: &[&str] = &[
    "id",
    "slug",
    "title",
    "url",
    "publisher",
    "content",
    "version",
    "created_at",
    "updated_at",
];

fn text(s: impl Into<String>) -> Value {
    Value::String(Some(s.into()))
}

fn opt_text(s: Option<String>) -> Value {
    Value::String(s)
}

fn uuid(id: Uuid) -> Value {
    Value::Uuid(Some(id))
}

fn time(t: DateTime<Utc>) -> Value {
    Value::ChronoDateTimeUtc(Some(t))
}

/// Generates the whole graph, sending inserts in an order the foreign keys accept: every
/// node, then edges, sources and citations as they become ready. Returns `None` when the
/// loader stopped reading.
fn produce(
    plan: &Plan,
    backend: DbBackend,
    tx: &tokio::sync::mpsc::Sender<Batch>,
) -> Option<Counts> {
    let send = |batches: Vec<Batch>| -> Option<()> {
        for b in batches {
            tx.blocking_send(b).ok()?;
        }
        Some(())
    };
    let now = Utc::now();
    let published = text(Status::Published.to_value());
    let mut counts = Counts::default();

    // Every node first: edges may point anywhere.
    let mut nodes = Batcher::new(backend, "node", NODE_COLUMNS, MAX_ROWS_PER_INSERT, true);
    let mut ids = Vec::with_capacity(plan.kinds.len());
    // Names are quoted by the edges that reach a node: kept rather than made again.
    let mut names: Vec<Box<str>> = Vec::with_capacity(plan.kinds.len());
    for pos in 0..plan.kinds.len() {
        let id = Uuid::now_v7();
        ids.push(id);
        let n = node_text(plan, pos);
        names.push(n.name.clone().into_boxed_str());
        nodes.push(
            [
                uuid(id),
                text(n.kind.to_value()),
                text(n.slug),
                text(n.name),
                Value::Json(Some(Box::new(serde_json::json!(n.synonyms)))),
                text(n.summary),
                opt_text(n.treatment_type.map(|t| t.to_value())),
                published.clone(),
                text(REVIEWER),
                time(now),
                Value::Int(Some(1)),
                time(now),
                time(now),
            ],
            (0, 0),
        );
        send(nodes.full((0, 0)))?;
    }
    send(nodes.all())?;
    counts.nodes = nodes.written;

    let mut edges = Batcher::new(backend, "edge", EDGE_COLUMNS, MAX_ROWS_PER_INSERT, true);
    // Sources are large (a few kB each): fewer per statement.
    let mut sources = Batcher::new(backend, "source", SOURCE_COLUMNS, 50, false);
    let mut citations = Batcher::new(
        backend,
        "citation",
        CITATION_COLUMNS,
        MAX_ROWS_PER_INSERT,
        false,
    );
    let mut source = OpenSource::new(plan.seed, 0);
    let mut edge_seq: u64 = 0;
    // The newest edge a citation so far needs: keeps the needs of the rows non-decreasing.
    let mut edge_need: u64 = 0;
    for pos in 0..plan.kinds.len() {
        let bundle = bundle(plan, pos, &names);
        for quote in &bundle.node_quotes {
            source.cite(Cited::Node(ids[pos]), quote);
        }
        for e in bundle.edges {
            let id = Uuid::now_v7();
            edge_seq += 1;
            source.cite(Cited::Edge(id, edge_seq), &e.quote);
            edges.push(
                [
                    uuid(id),
                    uuid(ids[e.subject]),
                    text(e.predicate.to_value()),
                    uuid(ids[e.object]),
                    Value::Bool(Some(e.negated)),
                    opt_text(e.place.map(|p| p.to_value())),
                    opt_text(e.timing),
                    opt_text(e.circumstance),
                    opt_text(e.how_to),
                    opt_text(e.note),
                    published.clone(),
                    text(REVIEWER),
                    time(now),
                    Value::Int(Some(1)),
                    time(now),
                    time(now),
                ],
                (0, 0),
            );
        }
        send(edges.full((0, 0)))?;
        let last = pos + 1 == plan.kinds.len();
        if source.content.len() >= SOURCE_TARGET_BYTES || (last && !source.cited.is_empty()) {
            let number = source.number;
            let finished = std::mem::replace(&mut source, OpenSource::new(plan.seed, number + 1));
            let source_seq = number + 1;
            for (cited, quote) in finished.cited {
                let (node_id, edge_id) = match cited {
                    Cited::Node(id) => (Some(id), None),
                    Cited::Edge(id, seq) => {
                        edge_need = edge_need.max(seq);
                        (None, Some(id))
                    }
                };
                citations.push(
                    [
                        uuid(Uuid::now_v7()),
                        uuid(finished.id),
                        Value::Uuid(node_id),
                        Value::Uuid(edge_id),
                        text(quote),
                        published.clone(),
                        time(now),
                    ],
                    (source_seq, edge_need),
                );
            }
            sources.push(
                [
                    uuid(finished.id),
                    text(finished.slug),
                    text(finished.title),
                    Value::String(None),
                    text(REVIEWER),
                    text(finished.content),
                    Value::Int(Some(1)),
                    time(now),
                    time(now),
                ],
                (0, 0),
            );
            send(sources.full((0, 0)))?;
        }
        send(citations.full((sources.written, edges.written)))?;
    }
    send(edges.all())?;
    send(sources.all())?;
    send(citations.all())?;
    counts.edges = edges.written;
    counts.sources = sources.written;
    counts.citations = citations.written;
    Some(counts)
}

#[derive(Clone, Copy)]
enum Cited {
    Node(Uuid),
    /// The edge and its sequence number (edges are written in that order).
    Edge(Uuid, u64),
}

/// The synthetic source being written: its text is the quotes that cite it.
struct OpenSource {
    id: Uuid,
    number: u64,
    slug: String,
    title: String,
    content: String,
    cited: Vec<(Cited, String)>,
}

impl OpenSource {
    fn new(seed: u64, number: u64) -> Self {
        let title = format!("Synthetic clinical reference {}, seed {seed}", number + 1);
        Self {
            id: Uuid::now_v7(),
            number,
            slug: format!("synthetic-s{seed}-reference-{}", number + 1),
            content: format!("{title}.\n\n"),
            title,
            cited: Vec::new(),
        }
    }

    fn cite(&mut self, what: Cited, quote: &str) {
        self.content.push_str(quote);
        self.content.push(' ');
        self.cited.push((what, quote.to_owned()));
    }
}

// ---------------------------------------------------------------------------------------------
// Content: names, texts and links as pure functions of the seed and a position.

/// SplitMix64 over several words: a cheap, well-mixed hash for deriving per-item seeds.
fn mix(words: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for w in words {
        h ^= *w;
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = z ^ (z >> 31);
    }
    h
}

fn rng_for(seed: u64, stream: u64, pos: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(&[seed, stream, pos as u64]))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Body sites: the clinical adjective and the words patients use.
const SITES: &[(&str, &str)] = &[
    ("lumbar", "lower back"),
    ("cervical", "neck"),
    ("thoracic", "upper back"),
    ("sacral", "tailbone"),
    ("pelvic", "pelvis"),
    ("abdominal", "belly"),
    ("cardiac", "heart"),
    ("renal", "kidneys"),
    ("hepatic", "liver"),
    ("pulmonary", "lungs"),
    ("gastric", "stomach"),
    ("dermal", "skin"),
    ("ocular", "eyes"),
    ("cranial", "head"),
    ("femoral", "thigh"),
    ("plantar", "sole of the foot"),
    ("patellar", "kneecap"),
    ("brachial", "upper arm"),
    ("carpal", "wrist"),
    ("spinal", "spine"),
    ("vertebral", "backbone"),
    ("muscular", "muscles"),
    ("articular", "joints"),
    ("neural", "nerves"),
    ("vascular", "blood vessels"),
    ("lymphatic", "lymph nodes"),
    ("thyroid", "thyroid gland"),
    ("uterine", "womb"),
    ("sciatic", "sciatic nerve"),
    ("costal", "ribs"),
];

/// Condition heads: the clinical term and a plain-language reading.
const CONDITION_HEADS: &[(&str, &str)] = &[
    ("stenosis", "narrowing"),
    ("neuropathy", "nerve damage"),
    ("arthritis", "joint inflammation"),
    ("myalgia", "muscle pain"),
    ("strain", "overstretched tissue"),
    ("inflammation", "swelling and irritation"),
    ("insufficiency", "weakened function"),
    ("fibrosis", "scarring"),
    ("herniation", "bulging tissue"),
    ("spasm", "sudden tightening"),
    ("degeneration", "wear and tear"),
    ("syndrome", "group of symptoms"),
    ("dysfunction", "poor function"),
    ("infection", "infection"),
    ("tendinopathy", "tendon damage"),
    ("neuralgia", "nerve pain"),
    ("instability", "loose joints"),
    ("compression", "pressure on tissue"),
    ("edema", "fluid build-up"),
    ("sprain", "torn ligament"),
];

const CONDITION_QUALIFIERS: &[&str] = &[
    "chronic",
    "acute",
    "postpartum",
    "recurrent",
    "idiopathic",
    "degenerative",
    "inflammatory",
    "traumatic",
    "congenital",
    "mild",
    "severe",
    "postoperative",
    "age-related",
    "exercise-induced",
    "nocturnal",
];

const POPULATIONS: &[&str] = &[
    "",
    " in pregnancy",
    " in older adults",
    " in athletes",
    " after childbirth",
    " in children",
    " in office workers",
    " after surgery",
    " after an injection",
    " in manual workers",
];

const COURSES: &[&str] = &[
    "usually settles within a few weeks",
    "may last for months without treatment",
    "often returns after heavy lifting",
    "tends to worsen with age",
    "can follow childbirth or surgery",
    "is often mistaken for a simple strain",
    "improves with rest and gentle movement",
    "should be gone within six months with proper care",
    "flares up in cold weather",
    "needs a doctor's assessment when it persists",
];

const INTENSITIES: &[&str] = &[
    "sharp",
    "dull",
    "burning",
    "throbbing",
    "mild",
    "severe",
    "constant",
    "intermittent",
    "sudden",
    "radiating",
    "aching",
    "shooting",
];

const SYMPTOM_WORDS: &[&str] = &[
    "pain",
    "stiffness",
    "numbness",
    "tingling",
    "swelling",
    "weakness",
    "tenderness",
    "cramping",
    "itching",
    "soreness",
    "burning sensation",
    "pressure",
    "heaviness",
    "twitching",
    "redness",
];

const SYMPTOM_CONTEXTS: &[&str] = &[
    "",
    " at night",
    " after exercise",
    " when sitting",
    " on waking",
    " when lifting",
    " after meals",
    " during pregnancy",
    " when walking",
    " in cold weather",
];

const CAUSE_HEADS: &[&str] = &[
    "Overuse of the",
    "Injury to the",
    "Pressure on the",
    "Inflammation of the",
    "Weakness of the",
    "Wear of the",
    "Infection of the",
    "Poor blood flow to the",
    "Strain on the",
    "Swelling around the",
    "Scar tissue in the",
    "Nerve irritation in the",
    "Hormonal changes affecting the",
    "Repetitive movement of the",
    "Prolonged sitting straining the",
    "A fall injuring the",
    "Heavy lifting straining the",
    "Poor posture loading the",
    "Dehydration of the",
    "Autoimmune attack on the",
];

const RISK_HEADS: &[&str] = &[
    "Nerve damage in the",
    "Bleeding near the",
    "Infection of the",
    "Blood clot in the",
    "Allergic reaction affecting the",
    "Scarring of the",
    "Loss of strength in the",
    "Lasting pain in the",
    "Fracture of the",
    "Reduced mobility of the",
    "Obesity straining the",
    "Smoking damaging the",
    "Family history of disease of the",
    "Previous surgery on the",
    "Diabetes affecting the",
    "Inactivity weakening the",
];

const TREATMENT_HEADS: &[(&str, TreatmentType)] = &[
    ("Physical therapy for the", TreatmentType::Therapy),
    ("Massage of the", TreatmentType::Therapy),
    ("Cold therapy for the", TreatmentType::SelfCare),
    ("Heat therapy for the", TreatmentType::SelfCare),
    ("Rest and gentle stretching of the", TreatmentType::SelfCare),
    (
        "Anti-inflammatory medication for the",
        TreatmentType::Medication,
    ),
    ("Muscle relaxant for the", TreatmentType::Medication),
    ("Steroid injection into the", TreatmentType::Procedure),
    ("Nerve block of the", TreatmentType::Procedure),
    ("Imaging of the", TreatmentType::Diagnostic),
    ("Nerve conduction study of the", TreatmentType::Diagnostic),
    ("Decompression surgery of the", TreatmentType::Surgery),
    ("Fusion surgery of the", TreatmentType::Surgery),
    ("Acupuncture for the", TreatmentType::Therapy),
    ("Topical analgesic cream for the", TreatmentType::Medication),
    ("Posture training for the", TreatmentType::Therapy),
    ("Compression bandage for the", TreatmentType::SelfCare),
    ("Ultrasound therapy for the", TreatmentType::Therapy),
    ("Blood test for the", TreatmentType::Diagnostic),
    ("Laser therapy for the", TreatmentType::Procedure),
];

const TREATMENT_REGIMENS: &[&str] = &[
    "",
    " twice daily",
    " for six weeks",
    " at home",
    " under supervision",
    " in a clinic",
    " at bedtime",
    " with exercise",
    " in short sessions",
    " after meals",
];

const TIMINGS: &[&str] = &[
    "starts within a few days",
    "should be gone within a few days",
    "may last up to six months",
    "worse in the morning",
    "comes and goes over weeks",
    "appears after long periods of sitting",
    "eases within two weeks with rest",
    "can persist for years without care",
];

const HOW_TOS: &[&str] = &[
    "apply for 15 to 20 minutes at a time, several times a day",
    "start gently and increase slowly over several weeks",
    "take with food and do not exceed the stated dose",
    "repeat the exercises every morning and evening",
    "use a cloth between the skin and the pack",
    "book sessions with a licensed therapist",
];

const CIRCUMSTANCES: &[&str] = &[
    "if the pain persists beyond two weeks",
    "when self-care has not helped",
    "only in extreme cases",
    "after a doctor has ruled out a fracture",
    "during pregnancy only with a doctor's approval",
    "when the symptoms disturb sleep",
];

const NOTES: &[&str] = &[
    "the source hedges: \"not necessarily\"",
    "the source says this is common but not universal",
    "reported in small studies only",
    "the wording of the source is ambiguous here",
];

/// Name, slug and texts of one node.
struct NodeText {
    kind: NodeKind,
    slug: String,
    name: String,
    synonyms: Vec<String>,
    summary: String,
    treatment_type: Option<TreatmentType>,
    /// Site of the body the node is about, as patients say it.
    site: &'static str,
}

/// Decodes `j` (a position among a kind) into vocabulary choices: a permutation of the
/// combinations (so names do not repeat until every combination is used), then a variant
/// number for the rounds after that.
fn combination(seed: u64, kind: NodeKind, j: u32, radices: &[usize]) -> (Vec<usize>, u64) {
    let space: u64 = radices.iter().map(|r| *r as u64).product();
    const STEP: u64 = 1_000_003; // prime, larger than any space: a full-period permutation
    let offset = mix(&[seed, 0xC0, kind_tag(kind)]) % space;
    let j = u64::from(j);
    let mut idx = (j % space * (STEP % space) + offset) % space;
    let mut digits = Vec::with_capacity(radices.len());
    for r in radices {
        digits.push((idx % *r as u64) as usize);
        idx /= *r as u64;
    }
    (digits, j / space)
}

fn kind_tag(kind: NodeKind) -> u64 {
    match kind {
        NodeKind::Condition => 1,
        NodeKind::Cause => 2,
        NodeKind::Symptom => 3,
        NodeKind::Risk => 4,
        NodeKind::Treatment => 5,
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercased_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lowercase words of letters and digits joined by single hyphens, at most 60 characters.
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > 60 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug
}

fn with_variant(name: String, round: u64) -> String {
    if round == 0 {
        name
    } else {
        format!("{name} (variant {})", round + 1)
    }
}

fn node_text(plan: &Plan, pos: usize) -> NodeText {
    let seed = plan.seed;
    let kind = plan.kinds[pos];
    let j = plan.kind_index[pos];
    let mut rng = rng_for(seed, 0x4E, pos);
    let (name, site, synonyms, summary, treatment_type) = match kind {
        NodeKind::Condition => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[
                    CONDITION_QUALIFIERS.len(),
                    SITES.len(),
                    CONDITION_HEADS.len(),
                    POPULATIONS.len(),
                ],
            );
            let (qualifier, (adjective, site), (term, lay), population) = (
                CONDITION_QUALIFIERS[d[0]],
                SITES[d[1]],
                CONDITION_HEADS[d[2]],
                POPULATIONS[d[3]],
            );
            let name = capitalized(&format!("{qualifier} {adjective} {term}{population}"));
            let mut synonyms = vec![format!("{lay} of the {site}")];
            if rng.random_bool(0.5) {
                synonyms.push(format!("{qualifier} {site} {term}"));
            }
            if rng.random_bool(0.3) {
                synonyms.push(format!("{adjective} {lay}"));
            }
            let summary = format!(
                "A {qualifier} {lay} of the {site}{population} that {}.",
                pick(&mut rng, COURSES)
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Symptom => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[
                    INTENSITIES.len(),
                    SYMPTOM_WORDS.len(),
                    SITES.len(),
                    SYMPTOM_CONTEXTS.len(),
                ],
            );
            let (intensity, word, (adjective, site), context) = (
                INTENSITIES[d[0]],
                SYMPTOM_WORDS[d[1]],
                SITES[d[2]],
                SYMPTOM_CONTEXTS[d[3]],
            );
            let name = capitalized(&format!("{intensity} {word} in the {site}{context}"));
            let mut synonyms = Vec::new();
            if rng.random_bool(0.6) {
                synonyms.push(format!("{adjective} {word}"));
            }
            if rng.random_bool(0.3) {
                synonyms.push(format!("{word} around the {adjective} area"));
            }
            let summary = format!(
                "A {intensity} {word} felt in the {site}{context}, which {}.",
                pick(&mut rng, TIMINGS)
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Cause => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[CAUSE_HEADS.len(), SITES.len(), POPULATIONS.len()],
            );
            let (head, (adjective, site), population) =
                (CAUSE_HEADS[d[0]], SITES[d[1]], POPULATIONS[d[2]]);
            let name = format!("{head} {site}{population}");
            let mut synonyms = Vec::new();
            if rng.random_bool(0.4) {
                synonyms.push(format!("{adjective} {}", lowercased_first(head)));
            }
            let summary = format!(
                "A common cause of trouble in the {site}{population}: {}.",
                lowercased_first(head).trim_end_matches(" the")
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Risk => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[RISK_HEADS.len(), SITES.len(), POPULATIONS.len()],
            );
            let (head, (adjective, site), population) =
                (RISK_HEADS[d[0]], SITES[d[1]], POPULATIONS[d[2]]);
            let name = format!("{head} {site}{population}");
            let mut synonyms = Vec::new();
            if rng.random_bool(0.4) {
                synonyms.push(format!("{adjective} risk"));
            }
            let summary = format!(
                "A risk to the {site}{population} that {}.",
                pick(&mut rng, COURSES)
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Treatment => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[TREATMENT_HEADS.len(), SITES.len(), TREATMENT_REGIMENS.len()],
            );
            let ((head, treatment_type), (adjective, site), regimen) =
                (TREATMENT_HEADS[d[0]], SITES[d[1]], TREATMENT_REGIMENS[d[2]]);
            let name = format!("{head} {site}{regimen}");
            let mut synonyms = Vec::new();
            if rng.random_bool(0.4) {
                synonyms.push(format!(
                    "{adjective} {}",
                    lowercased_first(head.trim_end_matches(" the"))
                ));
            }
            let summary = format!(
                "A treatment for the {site}{regimen}; {}.",
                pick(&mut rng, HOW_TOS)
            );
            (
                with_variant(name, round),
                site,
                synonyms,
                summary,
                Some(treatment_type),
            )
        }
    };
    NodeText {
        kind,
        slug: format!("{}-syn{seed}-{pos}", slugify(&name)),
        name,
        synonyms,
        summary,
        treatment_type,
        site,
    }
}

/// One generated edge, by global node positions.
struct EdgeRow {
    subject: usize,
    predicate: Predicate,
    object: usize,
    negated: bool,
    place: Option<TreatmentPlace>,
    timing: Option<String>,
    circumstance: Option<String>,
    how_to: Option<String>,
    note: Option<String>,
    quote: String,
}

/// A node's citations and its outgoing edges with theirs.
struct Bundle {
    node_quotes: Vec<String>,
    edges: Vec<EdgeRow>,
}

fn bundle(plan: &Plan, pos: usize, names: &[Box<str>]) -> Bundle {
    let me = node_text(plan, pos);
    let mut rng = rng_for(plan.seed, 0xED, pos);
    let lower = lowercased_first(&me.name);
    let mut node_quotes = vec![format!("{} is {}", me.name, lowercased_first(&me.summary))];
    if rng.random_bool(0.2) {
        node_quotes.push(match me.synonyms.first() {
            Some(s) => format!("Patients also describe {lower} as {s}."),
            None => format!("Clinicians see {lower} often in the {}.", me.site),
        });
    }

    let mut edges = Vec::new();
    let j = plan.kind_index[pos] as usize;
    for (r, rule) in RULES.iter().enumerate() {
        if rule.subject != me.kind {
            continue;
        }
        let degree = plan.degree(r, j) as usize;
        if degree == 0 {
            continue;
        }
        let candidates = plan.list(rule.object);
        let limit = if rule.predicate == Predicate::SubclassOf {
            j
        } else {
            candidates.len()
        };
        let exclude = (rule.subject == rule.object).then_some(j);
        for object_j in objects(&mut rng, limit, degree, exclude) {
            let object = candidates[object_j] as usize;
            edges.push(edge_row(
                &mut rng,
                pos,
                &me.name,
                rule.predicate,
                object,
                &names[object],
            ));
        }
    }
    Bundle { node_quotes, edges }
}

/// `count` distinct positions below `limit` (never `exclude`), favouring low positions: a few
/// symptoms, causes and treatments are shared by many conditions, as in real libraries.
fn objects(rng: &mut ChaCha8Rng, limit: usize, count: usize, exclude: Option<usize>) -> Vec<usize> {
    let usable = limit - usize::from(exclude.is_some_and(|x| x < limit));
    let count = count.min(usable);
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    if count * 2 > usable {
        // Dense: a partial shuffle of every candidate.
        let mut all: Vec<usize> = (0..limit).filter(|x| Some(*x) != exclude).collect();
        for i in 0..count {
            let k = rng.random_range(i..all.len());
            all.swap(i, k);
        }
        all.truncate(count);
        return all;
    }
    while chosen.len() < count {
        let u: f64 = rng.random();
        let x = ((u * u * limit as f64) as usize).min(limit - 1);
        if Some(x) != exclude && !chosen.contains(&x) {
            chosen.push(x);
        }
    }
    chosen
}

fn edge_row(
    rng: &mut ChaCha8Rng,
    subject: usize,
    s: &str,
    predicate: Predicate,
    object: usize,
    o: &str,
) -> EdgeRow {
    let (sl, ol) = (lowercased_first(s), lowercased_first(o));
    let mut row = EdgeRow {
        subject,
        predicate,
        object,
        negated: false,
        place: None,
        timing: None,
        circumstance: None,
        how_to: None,
        note: None,
        quote: String::new(),
    };
    let note =
        |rng: &mut ChaCha8Rng, p: f64| rng.random_bool(p).then(|| (*pick(rng, NOTES)).to_owned());
    row.quote = match predicate {
        Predicate::HasSymptom => {
            row.timing = rng
                .random_bool(0.35)
                .then(|| (*pick(rng, TIMINGS)).to_owned());
            format!("People with {sl} often report {ol}.")
        }
        Predicate::CausedBy => {
            row.negated = rng.random_bool(0.02);
            row.note = note(rng, 0.05);
            if row.negated {
                row.note = Some("the source denies this cause".to_owned());
                format!("{s} is not caused by {ol}.")
            } else {
                format!("{s} can be caused by {ol}.")
            }
        }
        Predicate::TreatedBy => {
            let roll: f64 = rng.random();
            row.place = if roll < 0.35 {
                Some(TreatmentPlace::FirstLine)
            } else if roll < 0.55 {
                Some(TreatmentPlace::WhenSevere)
            } else if roll < 0.65 {
                Some(TreatmentPlace::LastResort)
            } else if roll < 0.70 {
                Some(TreatmentPlace::ExtremeCases)
            } else {
                None
            };
            row.how_to = rng
                .random_bool(0.3)
                .then(|| (*pick(rng, HOW_TOS)).to_owned());
            row.circumstance = rng
                .random_bool(0.2)
                .then(|| (*pick(rng, CIRCUMSTANCES)).to_owned());
            format!("{o} is used to treat {sl}.")
        }
        Predicate::HasRiskFactor => {
            row.note = note(rng, 0.1);
            format!("{o} raises the risk of {sl}.")
        }
        Predicate::HasAdverseRisk => {
            row.circumstance = rng
                .random_bool(0.3)
                .then(|| (*pick(rng, CIRCUMSTANCES)).to_owned());
            format!("{s} carries a risk of {ol}.")
        }
        Predicate::MayLeadTo => {
            row.timing = rng
                .random_bool(0.2)
                .then(|| (*pick(rng, TIMINGS)).to_owned());
            format!("{s} may lead to {ol}.")
        }
        Predicate::IsCondition => format!("{s} is itself a condition: {ol}."),
        Predicate::DifferentialOf => {
            row.note = note(rng, 0.05);
            format!("{s} is often confused with {ol}.")
        }
        Predicate::SubclassOf => format!("{s} is a form of {ol}."),
    };
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_use_every_kind_and_rule_and_honour_the_totals() {
        let plan = Plan::new(1_000, 10, 7);
        for (kind, share) in KIND_SHARES {
            assert_eq!(plan.list(kind).len() as u64, share, "{kind:?}");
        }
        for (r, rule) in RULES.iter().enumerate() {
            let subjects = plan.subjects(r).len();
            assert!((0..subjects).any(|j| plan.degree(r, j) > 0), "{rule:?}");
        }
        // The caps of subclass_of (only earlier conditions) cost a few edges at most.
        assert!(plan.edges <= 10_000 && plan.edges > 9_900, "{}", plan.edges);
    }

    #[test]
    fn names_are_deterministic_and_unique_within_a_kind() {
        let plan = Plan::new(2_000, 5, 42);
        let again = Plan::new(2_000, 5, 42);
        let mut names = std::collections::HashSet::new();
        for pos in 0..2_000 {
            let (a, b) = (node_text(&plan, pos), node_text(&again, pos));
            assert_eq!(
                (&a.slug, &a.name, &a.summary),
                (&b.slug, &b.name, &b.summary)
            );
            assert!(
                names.insert((kind_tag(a.kind), a.name.clone())),
                "{}",
                a.name
            );
            crate::domain::rules::validate::slug("slug", &a.slug).expect("a valid slug");
        }
        assert_ne!(
            node_text(&Plan::new(2_000, 5, 43), 0).name,
            node_text(&plan, 0).name
        );
    }

    #[test]
    fn objects_are_distinct_and_skip_the_subject() {
        let mut rng = rng_for(1, 2, 3);
        for (limit, count) in [(5, 4), (100, 10), (3, 3)] {
            let got = objects(&mut rng, limit, count, Some(1));
            let set: std::collections::HashSet<_> = got.iter().collect();
            assert_eq!(set.len(), got.len());
            assert!(!got.contains(&1));
            assert!(got.iter().all(|x| *x < limit));
        }
    }

    #[test]
    fn batches_respect_the_parameter_limits() {
        for (backend, limit) in [
            (DbBackend::Sqlite, SQLITE_MAX_PARAMS),
            (DbBackend::Postgres, POSTGRES_MAX_PARAMS),
        ] {
            for columns in [NODE_COLUMNS, EDGE_COLUMNS, CITATION_COLUMNS, SOURCE_COLUMNS] {
                let b = Batcher::new(backend, "t", columns, usize::MAX, false);
                assert!(b.cap * columns.len() <= limit);
            }
        }
        assert_eq!(
            insert_sql(DbBackend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }
}
