//! Rows of one table turned into multi-row inserts of a few fixed sizes, within the bind
//! parameter limits of SQLite and PostgreSQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

/// Most bind parameters in one statement: SQLite's `SQLITE_MAX_VARIABLE_NUMBER` (32766 since
/// 3.32) and PostgreSQL's protocol limit (65535).
const SQLITE_MAX_PARAMS: usize = 32_766;
const POSTGRES_MAX_PARAMS: usize = 65_535;
/// Most rows in one insert: past about a thousand, larger statements stop paying off.
pub(super) const MAX_ROWS_PER_INSERT: usize = 1_000;

/// One insert statement for the loader, and how many nodes or edges it writes.
pub(super) struct Batch {
    pub(super) statement: Statement,
    pub(super) progress: u64,
}

/// Rows of one table waiting to be written, sent as multi-row inserts of a few fixed sizes
/// (so each size is prepared once per connection).
pub(super) struct Batcher {
    backend: DbBackend,
    table: &'static str,
    columns: &'static [&'static str],
    cap: usize,
    values: Vec<Value>,
    /// Per pending row: what must be written first (source and edge sequence numbers).
    needs: Vec<(u64, u64)>,
    counts_progress: bool,
    sql: HashMap<usize, String>,
    pub(super) written: u64,
}

impl Batcher {
    pub(super) fn new(
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

    pub(super) fn push(&mut self, row: impl IntoIterator<Item = Value>, needs: (u64, u64)) {
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
    pub(super) fn full(&mut self, written: (u64, u64)) -> Vec<Batch> {
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
    pub(super) fn all(&mut self) -> Vec<Batch> {
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

pub(super) const NODE_COLUMNS: &[&str] = &[
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
pub(super) const EDGE_COLUMNS: &[&str] = &[
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
pub(super) const CITATION_COLUMNS: &[&str] = &[
    "id",
    "source_id",
    "node_id",
    "edge_id",
    "quote",
    "status",
    "created_at",
];
pub(super) const SOURCE_COLUMNS: &[&str] = &[
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

pub(super) fn text(s: impl Into<String>) -> Value {
    Value::String(Some(s.into()))
}

pub(super) fn opt_text(s: Option<String>) -> Value {
    Value::String(s)
}

pub(super) fn uuid(id: Uuid) -> Value {
    Value::Uuid(Some(id))
}

pub(super) fn time(t: DateTime<Utc>) -> Value {
    Value::ChronoDateTimeUtc(Some(t))
}

#[cfg(test)]
mod tests {
    use super::*;

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
