//! Hand-written SQL shared by both databases: placeholders in each one's syntax.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QuerySelect, Select, Statement,
    Value,
};
use uuid::Uuid;

/// Collects a statement's values and hands out matching placeholders (`?` or `$n`).
pub struct Params {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Params {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    /// Binds `value`; returns its placeholder.
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// Binds every value; returns their placeholders joined by commas, for `IN (…)`.
    pub fn bind_all<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        values
            .into_iter()
            .map(|v| self.bind(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// A row count as a bound value.
pub fn count(n: u64) -> Value {
    i64::try_from(n).unwrap_or(i64::MAX).into()
}

/// `column` is one of `ids`. On PostgreSQL one array parameter (`= ANY($1)`): the statement's
/// text is the same whatever the number of ids, so each connection prepares and plans it once,
/// where `IN ($1, …, $n)` is a new statement, planned afresh, for every count. SQLite, which
/// prepares in process and has no arrays, gets `IN (…)`.
pub fn one_of(backend: DbBackend, column: impl ColumnTrait, ids: &[Uuid]) -> Expr {
    match backend {
        DbBackend::Postgres => column.eq_any(ids.iter().copied()),
        _ => column.is_in(ids.iter().copied()),
    }
}

/// `column` is one of the strings `values`, like [`one_of`].
pub fn one_of_values(
    backend: DbBackend,
    column: impl ColumnTrait,
    values: impl IntoIterator<Item = String>,
) -> Expr {
    match backend {
        DbBackend::Postgres => column.eq_any(values),
        _ => column.is_in(values),
    }
}

/// Reads one page of `select`: at most `limit` rows, and whether more follow (read as one row
/// more than asked).
pub async fn one_page<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    limit: u64,
) -> Result<(Vec<E::Model>, bool), DbErr> {
    let mut rows = select.limit(limit + 1).all(db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, more))
}
