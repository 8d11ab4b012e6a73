//! Full-text search over nodes: names, synonyms, summaries and citation quotes, ranked by
//! relevance. One interface, two indexes: SQLite's FTS5 and PostgreSQL's `tsvector` (both
//! kept current by triggers, see the `create_search_index` migration).

use entity::node;
use entity::sea_orm_active_enums::NodeKind;
use sea_orm::{ActiveEnum as _, ConnectionTrait, DbBackend, FromQueryResult, Statement};

use super::sql::{self, Params};

use crate::domain::{DomainError, Visibility};

/// Longest search text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Most words of a search text that are used; the rest are ignored.
pub const MAX_WORDS: usize = 12;
/// Words longer than this are no medical term; they are cut.
const MAX_WORD_CHARS: usize = 40;
/// Markers around the matched words in a snippet.
pub const MARK_START: &str = "**";
pub const MARK_END: &str = "**";

/// How the words of a search combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// Every word must match: precise, tried first.
    All,
    /// Any word may match: the fallback when no node has them all.
    Any,
}

/// A validated search.
#[derive(Clone, Debug)]
pub struct SearchQuery {
    words: Vec<String>,
    pub kinds: Vec<NodeKind>,
    pub visibility: Visibility,
}

impl SearchQuery {
    /// Splits `text` into words; refuses blank, over-long or wordless text.
    pub fn new(
        text: &str,
        kinds: Vec<NodeKind>,
        visibility: Visibility,
    ) -> Result<Self, DomainError> {
        if text.trim().is_empty() {
            return Err(DomainError::invalid("text", "must not be blank"));
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(DomainError::invalid(
                "text",
                format!("must be at most {MAX_TEXT_CHARS} characters (got {chars})"),
            ));
        }
        let words = words(text);
        if words.is_empty() {
            return Err(DomainError::invalid(
                "text",
                "must contain at least one letter or digit",
            ));
        }
        Ok(Self {
            words,
            kinds,
            visibility,
        })
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }
}

/// Lower-cased runs of letters and digits: the only characters that reach an index query, so
/// no user text can change a query's syntax.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_WORD_CHARS).collect())
        .take(MAX_WORDS)
        .collect()
}

/// One result.
#[derive(Clone, Debug)]
pub struct Hit {
    pub node: node::Model,
    /// Relevance: higher is better; comparable within one search only.
    pub score: f64,
    /// The best-matching passage, matched words between `MARK_START` and `MARK_END`.
    pub snippet: String,
}

/// A search index: how one database family finds and ranks nodes.
trait SearchIndex {
    fn statement(&self, query: &SearchQuery, how: Match, offset: u64, limit: u64) -> Statement;
}

/// SQLite FTS5, Porter stemming, BM25 ranking with names and synonyms weighted highest.
struct Fts5;

/// PostgreSQL `tsvector` with English stemming and `ts_rank_cd` over weighted fields.
struct Tsvector;

fn index_for(backend: DbBackend) -> Result<&'static dyn SearchIndex, DomainError> {
    match backend {
        DbBackend::Sqlite => Ok(&Fts5),
        DbBackend::Postgres => Ok(&Tsvector),
        other => Err(DomainError::Db(sea_orm::DbErr::Custom(format!(
            "full-text search is not implemented for {other:?}"
        )))),
    }
}

/// Filters shared by both indexes: visibility and kinds.
fn filters(query: &SearchQuery, params: &mut Params) -> String {
    let mut sql = String::new();
    if query.visibility == Visibility::PublishedOnly {
        sql.push_str(&format!(" AND n.status = {}", params.bind("PUBLISHED")));
    }
    if !query.kinds.is_empty() {
        let kinds = params.bind_all(query.kinds.iter().map(|k| k.to_value()));
        sql.push_str(&format!(" AND n.kind IN ({kinds})"));
    }
    sql
}

impl SearchIndex for Fts5 {
    fn statement(&self, query: &SearchQuery, how: Match, offset: u64, limit: u64) -> Statement {
        // Each word quoted (it is alphanumeric, so quoting is exact); the last also as a
        // prefix, for people still typing.
        let mut terms: Vec<String> = query.words.iter().map(|w| format!("\"{w}\"")).collect();
        if let Some(last) = query.words.last().filter(|w| w.chars().count() >= 3) {
            terms.pop();
            terms.push(format!("(\"{last}\" OR \"{last}\"*)"));
        }
        let expr = terms.join(match how {
            Match::All => " AND ",
            Match::Any => " OR ",
        });
        let mut params = Params::new(DbBackend::Sqlite);
        let expr = params.bind(expr);
        let filter_sql = filters(query, &mut params);
        let limit = params.bind(sql::count(limit));
        let offset = params.bind(sql::count(offset));
        let sql = format!(
            "SELECT n.*, -bm25(node_search, 10.0, 8.0, 3.0, 1.0) AS score, \
             snippet(node_search, -1, '{MARK_START}', '{MARK_END}', '…', 16) AS snippet \
             FROM node_search \
             JOIN node_search_key k ON k.key = node_search.rowid \
             JOIN node n ON n.id = k.node_id \
             WHERE node_search MATCH {expr}{filter_sql} \
             ORDER BY score DESC, n.name, n.id LIMIT {limit} OFFSET {offset}"
        );
        params.statement(sql)
    }
}

impl SearchIndex for Tsvector {
    fn statement(&self, query: &SearchQuery, how: Match, offset: u64, limit: u64) -> Statement {
        let mut terms: Vec<String> = query.words.clone();
        if let Some(last) = query.words.last().filter(|w| w.chars().count() >= 3) {
            terms.pop();
            terms.push(format!("({last} | {last}:*)"));
        }
        let expr = terms.join(match how {
            Match::All => " & ",
            Match::Any => " | ",
        });
        let mut params = Params::new(DbBackend::Postgres);
        let expr = params.bind(expr);
        let filter_sql = filters(query, &mut params);
        let limit = params.bind(sql::count(limit));
        let offset = params.bind(sql::count(offset));
        // Headlines are costly: made for the page's rows only, after ranking.
        let sql = format!(
            "SELECT ranked.*, ts_headline('english', \
               s.name || ' · ' || s.synonyms || ' · ' || s.summary || ' · ' || s.quotes, \
               to_tsquery('english', {expr}), \
               'StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=1, MaxWords=18, MinWords=6, FragmentDelimiter=\" … \"') \
               AS snippet \
             FROM ( \
               SELECT n.*, ts_rank_cd(s.document, q)::float8 AS score \
               FROM node_search s JOIN node n ON n.id = s.node_id, to_tsquery('english', {expr}) q \
               WHERE s.document @@ q{filter_sql} \
               ORDER BY score DESC, n.name, n.id LIMIT {limit} OFFSET {offset} \
             ) ranked JOIN node_search s ON s.node_id = ranked.id \
             ORDER BY ranked.score DESC, ranked.name, ranked.id"
        );
        params.statement(sql)
    }
}

/// Up to `limit` hits after the first `offset`, best first, combining the words as `how` says.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &SearchQuery,
    how: Match,
    offset: u64,
    limit: u64,
) -> Result<Vec<Hit>, DomainError> {
    let index = index_for(db.get_database_backend())?;
    let rows = db
        .query_all_raw(index.statement(query, how, offset, limit))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Hit {
                node: node::Model::from_query_result(row, "")?,
                score: row.try_get("", "score")?,
                snippet: row.try_get("", "snippet")?,
            })
        })
        .collect()
}

/// The first page of a search: all words when any node has them all, else any word.
pub async fn first_page(
    db: &impl ConnectionTrait,
    query: &SearchQuery,
    limit: u64,
) -> Result<(Match, Vec<Hit>), DomainError> {
    let hits = search(db, query, Match::All, 0, limit).await?;
    if !hits.is_empty() || query.words.len() == 1 {
        return Ok((Match::All, hits));
    }
    Ok((Match::Any, search(db, query, Match::Any, 0, limit).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_letters_and_digits_reach_the_index() {
        assert_eq!(
            words("Lumbar-pain\" OR *; DROP"),
            vec!["lumbar", "pain", "or", "drop"]
        );
        assert_eq!(words("Ödem  Ü"), vec!["ödem", "ü"]);
    }

    #[test]
    fn blank_long_and_wordless_texts_are_refused() {
        let vis = Visibility::PublishedOnly;
        assert!(SearchQuery::new("  ", vec![], vis).is_err());
        assert!(SearchQuery::new("?!-", vec![], vis).is_err());
        assert!(SearchQuery::new(&"a".repeat(MAX_TEXT_CHARS + 1), vec![], vis).is_err());
        assert!(SearchQuery::new(&"a".repeat(MAX_TEXT_CHARS), vec![], vis).is_ok());
    }
}
