//! One transaction per write: the change, its citations and its audit event land together.

use std::future::Future;
use std::pin::Pin;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionError, TransactionTrait};

use crate::domain::DomainError;

/// A write to run inside a transaction.
pub type Work<'c, T> = Pin<Box<dyn Future<Output = Result<T, DomainError>> + Send + 'c>>;

/// Runs `work` in a transaction: committed when it returns `Ok`, rolled back otherwise.
pub async fn write<T, F>(db: &DatabaseConnection, work: F) -> Result<T, DomainError>
where
    T: Send,
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> Work<'c, T> + Send,
{
    db.transaction(work).await.map_err(|err| match err {
        TransactionError::Connection(db) => DomainError::Db(db),
        TransactionError::Transaction(domain) => domain,
    })
}
