//! Live content: what each process learns of commits, and pushes on.
//!
//! - [`push`]: on PostgreSQL, a listening connection hears `NOTIFY caregraph_content` from the
//!   commit trigger of every writer, and publishes the new generation at once. Polling stays
//!   as the fallback (every poll interval, and always while the listener is down).
//! - [`follow`]: reads the generation on every tick and at once when one is announced.
//! - [`hub`]: follows the change feed and hands each change to this process's subscribers.
//! - [`connections`]: the WebSocket connections open, counted in all and per client.

pub mod connections;
pub mod follow;
pub mod hub;
pub mod push;

use std::sync::Arc;

use prometheus::IntGauge;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::config::ServeConfig;
use crate::reads::Reads;
pub use connections::Connections;
pub use hub::ChangeHub;

/// What the server shares for live content.
pub struct Live {
    pub hub: Arc<ChangeHub>,
    pub connections: Connections,
    /// The newest generation a notification announced; pollers read again until their
    /// database has it.
    pushed: watch::Sender<i64>,
}

impl Live {
    /// Starts following the feed where anonymous reads go and, on PostgreSQL, listening on
    /// `db` (the primary: a standby cannot `LISTEN`). Both tasks stop when `Live` is dropped.
    pub fn start(
        db: &DatabaseConnection,
        reads: &Arc<Reads>,
        config: &ServeConfig,
        open_connections: IntGauge,
    ) -> Self {
        let (pushed, _) = watch::channel(0);
        if config.live.listen {
            push::spawn_listener(db, pushed.clone());
        }
        let hub = Arc::new(ChangeHub::default());
        hub.spawn(
            Arc::clone(reads),
            config.cache.poll_interval(),
            pushed.subscribe(),
        );
        Self {
            hub,
            connections: Connections::new(&config.live, open_connections),
            pushed,
        }
    }

    /// A receiver of the generations notifications announce.
    pub fn pushed(&self) -> watch::Receiver<i64> {
        self.pushed.subscribe()
    }
}
