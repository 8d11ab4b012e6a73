//! Hand-written SQL shared by both databases: placeholders in each one's syntax.

use sea_orm::{DbBackend, Statement, Value};

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
