//! `LISTEN caregraph_content` on PostgreSQL: the commit trigger of every writer notifies with
//! the new content generation (`m20261204_000013_content_changes`).

use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use tokio::sync::watch;

/// The channel the commit trigger notifies on.
pub const CHANNEL: &str = "caregraph_content";

/// Longest wait between two attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Listens on the database of `db` when it is PostgreSQL, on a connection of its own,
/// publishing each notified generation to `pushed`, and reconnects by itself; stops when every
/// receiver and `pushed`'s owner are gone.
pub fn spawn_listener(db: &DatabaseConnection, pushed: watch::Sender<i64>) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    // A connection of its own, outside the server's pool: listening holds it for good, and
    // the pool's connections are for requests.
    let options = db.get_postgres_connection_pool().connect_options();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*options).clone());
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(250);
        loop {
            match listen(&pool, &pushed, &mut backoff).await {
                Ok(()) => return,
                Err(err) => tracing::warn!(
                    error = %err,
                    retry_in_ms = backoff.as_millis(),
                    "not listening for content changes; polling until listening again"
                ),
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = pushed.closed() => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    });
}

/// Listens until an error sqlx cannot recover from by reconnecting (the caller retries) or
/// the server stops (`Ok`).
async fn listen(
    pool: &sea_orm::sqlx::PgPool,
    pushed: &watch::Sender<i64>,
    backoff: &mut Duration,
) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    tracing::info!(channel = CHANNEL, "listening for content changes");
    // Commits made while nothing listened were not notified: the pollers read now.
    pushed.send_modify(|_| {});
    *backoff = Duration::from_millis(250);
    loop {
        let notification = tokio::select! {
            received = listener.try_recv() => received?,
            () = pushed.closed() => return Ok(()),
        };
        let Some(notification) = notification else {
            // The connection was lost and sqlx has listened again on a new one; what was
            // committed in between was not notified, so the pollers read now.
            tracing::warn!("the listening connection was lost; listening again");
            pushed.send_modify(|_| {});
            continue;
        };
        match notification.payload().parse::<i64>() {
            Ok(generation) => {
                pushed.send_if_modified(|newest| {
                    let newer = generation > *newest;
                    if newer {
                        *newest = generation;
                    }
                    newer
                });
            }
            Err(_) => tracing::warn!(
                payload = notification.payload(),
                "a notification on {CHANNEL} that is not a generation; ignored"
            ),
        }
    }
}
