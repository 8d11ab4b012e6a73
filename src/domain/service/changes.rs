//! The change feed: each change to published content, in commit order, as the database's
//! triggers recorded it (the view `content_feed` of `m20261204_000013_content_changes`). Read
//! by `changes` (a consumer catching up) and by the subscription hub (a process pushing to its
//! subscribers).

use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::sql::{Params, count};

/// A place in the feed: a change's content generation and its row. The feed is ordered by
/// both, which is commit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub generation: i64,
    pub id: i64,
}

impl Position {
    fn read(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            generation: row.try_get("", "generation")?,
            id: row.try_get("", "id")?,
        })
    }
}

/// One change to what anonymous readers see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub position: Position,
    /// `CONDITION`, `CAUSE`, `SYMPTOM`, `RISK`, `TREATMENT`, `LINK`, `CITATION` or `SOURCE`.
    pub kind: String,
    pub row_id: Uuid,
    /// A node's or a source's slug.
    pub slug: Option<String>,
    /// `PUBLISHED`, `UPDATED` or `WITHDRAWN`.
    pub change: String,
    /// For `UPDATED`, the fields whose published value changed, by their GraphQL names.
    pub fields: Vec<String>,
    /// The nodes whose pages show what changed.
    pub nodes: Vec<Uuid>,
}

/// Up to `first` changes after `after` (from the start without it), of `kinds` only when
/// given, oldest first.
pub async fn after(
    db: &impl ConnectionTrait,
    after: Option<Position>,
    first: u64,
    kinds: Option<&[String]>,
) -> Result<Vec<Change>, DbErr> {
    let mut params = Params::new(db.get_database_backend());
    let mut conditions = Vec::new();
    if let Some(Position { generation, id }) = after {
        let g = params.bind(generation);
        let g2 = params.bind(generation);
        let i = params.bind(id);
        // Spelt out rather than a row comparison, which SQLite plans as a full scan.
        conditions.push(format!(
            "(generation > {g} OR (generation = {g2} AND id > {i}))"
        ));
    }
    if let Some(kinds) = kinds {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        conditions.push(format!(
            "kind IN ({})",
            params.bind_all(kinds.iter().cloned())
        ));
    }
    let limit = params.bind(count(first));
    let sql = format!(
        "SELECT id, generation, kind, row_id, slug, change, fields, node_a, node_b \
         FROM content_feed {filter} ORDER BY generation, id LIMIT {limit}",
        filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        }
    );
    db.query_all_raw(params.statement(sql))
        .await?
        .iter()
        .map(read)
        .collect()
}

/// The newest change's place, or `None` when the feed is empty: where a subscriber starting
/// now begins.
pub async fn latest(db: &impl ConnectionTrait) -> Result<Option<Position>, DbErr> {
    let sql = "SELECT id, generation FROM content_feed ORDER BY generation DESC, id DESC LIMIT 1";
    let row = db
        .query_one_raw(Params::new(db.get_database_backend()).statement(sql.to_owned()))
        .await?;
    row.as_ref().map(Position::read).transpose()
}

fn read(row: &QueryResult) -> Result<Change, DbErr> {
    let fields: String = row.try_get("", "fields")?;
    let nodes = [
        row.try_get::<Option<Uuid>>("", "node_a")?,
        row.try_get::<Option<Uuid>>("", "node_b")?,
    ];
    Ok(Change {
        position: Position::read(row)?,
        kind: row.try_get("", "kind")?,
        row_id: row.try_get("", "row_id")?,
        slug: row.try_get("", "slug")?,
        change: row.try_get("", "change")?,
        fields: fields
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        nodes: nodes.into_iter().flatten().collect(),
    })
}
