//! Synthetic graphs for benchmarks: `caregraph-tools synthetic --nodes N --edges-per-node M`.
//!
//! The graph looks like a national content library: all five kinds in fixed proportions,
//! every predicate of [`RULES`](caregraph::domain::rules::predicate::RULES) joining the kinds it
//! allows, edge attributes (a treatment's place, a symptom's timing, hedges and denials) on
//! some links, names, synonyms and summaries made of medical words so search has something to
//! find, popular symptoms and causes shared by many conditions, and every node and edge citing
//! a passage of a synthetic source whose text holds the quote verbatim. Everything but the ids
//! and timestamps is a pure function of the seed and the node's position, so a seed always
//! gives the same slugs, names and links.
//!
//! Loading is one transaction of batched multi-row inserts: a failed load leaves nothing
//! behind. Rows are generated on a blocking thread while the previous batch is being written.
//! The full-text index triggers are switched off for the load and the index is rebuilt once at
//! the end, set-based, with the expressions of the triggers' own statements (a test checks that
//! the result equals what the triggers build), before the triggers come back in the same
//! transaction; other triggers (and every foreign key) keep firing. On PostgreSQL the load ends
//! with `ANALYZE`, so the first queries after it are planned on real statistics.
//!
//! This module writes SQL of its own (multi-row `INSERT`s in `batch`, the trigger switch and
//! the index rebuild in `search_index`): the one exception to "only services and migrations
//! hold SQL". The reason is speed: a benchmark graph is millions of rows, and going through the
//! domain services (one transaction, one audit event and one statement per row) would take
//! hours where this takes minutes. The rows it writes are published content of its own
//! invention, so it skips nothing the services would protect; the API tests check the result
//! against the same rules (kinds, predicates, citations, search index).
//!
//! Files: `plan` (kinds and degrees, fixed up front), `words` and `text` (the vocabulary
//! and the names and summaries made from it), `links` (each node's edges and quotes),
//! `producer` (rows in foreign-key order, sources that hold their quotes), `batch` (rows
//! into multi-row inserts), `search_index` (the full-text triggers off and the index rebuilt),
//! `report` (what a load wrote, and its errors).

mod batch;
pub mod command;
mod links;
mod plan;
mod producer;
mod random;
mod report;
mod search_index;
mod text;
mod words;

use std::time::Instant;

use entity::node;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, TransactionTrait,
};

use batch::Batch;
use plan::Plan;
pub use report::{Report, SyntheticError};
use search_index::SearchTriggers;

/// Fewest nodes a synthetic graph may have: enough for every kind and every predicate.
pub const MIN_NODES: u64 = 20;
/// Most nodes: ids, kinds and per-kind positions are held in memory (about 25 bytes a node).
pub const MAX_NODES: u64 = 50_000_000;
/// Most edges per node on average.
pub const MAX_EDGES_PER_NODE: u32 = 100;

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
    let generator = tokio::task::spawn_blocking(move || producer::produce(&plan, backend, &tx));
    let mut written: u64 = 0;
    while let Some(batch) = rx.recv().await {
        txn.execute_raw(batch.statement).await?;
        written += batch.progress;
        bar.set_position(written);
    }
    let counts = generator
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
