//! One transaction per write: the change, its citations and its audit event land together.

use std::future::Future;
use std::pin::Pin;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::domain::DomainError;

/// A write to run inside a transaction.
pub type Work<'c, T> = Pin<Box<dyn Future<Output = Result<T, DomainError>> + Send + 'c>>;

/// Runs `work` in a transaction: committed when it returns `Ok`, rolled back otherwise.
///
/// On SQLite the transaction takes the write lock when it begins (`BEGIN IMMEDIATE`). A
/// deferred one reads first and upgrades later; when another writer holds the lock by then,
/// SQLite fails at once instead of waiting out the busy timeout, so concurrent writers would
/// fail rather than queue.
pub async fn write<T, F>(db: &DatabaseConnection, work: F) -> Result<T, DomainError>
where
    T: Send,
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> Work<'c, T> + Send,
{
    let txn = begin(db).await?;
    match work(&txn).await {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(err) => {
            // Dropping rolls back too; rolling back explicitly returns the connection clean.
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a failed write");
            }
            Err(err)
        }
    }
}

/// Runs `work` in a transaction and rolls it back whatever it returns: what a write would do,
/// checked against the database as it is, without doing it (`caregraph import --check`).
pub async fn rehearse<T, F>(db: &DatabaseConnection, work: F) -> Result<T, DomainError>
where
    T: Send,
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> Work<'c, T> + Send,
{
    let txn = begin(db).await?;
    let result = work(&txn).await;
    txn.rollback().await?;
    result
}

async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DomainError> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}
