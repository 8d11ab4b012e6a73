//! Follows the change feed and hands each change to this process's subscribers. Every
//! process follows the feed in the database, so a subscriber hears of a publish made through
//! any replica, or by any other writer.

use std::ops::ControlFlow;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, watch};

use super::follow::{Reader, follow};
use crate::domain::service::changes::{self, Change, Position};
use crate::domain::service::generation;
use crate::reads::Reads;

/// Changes a slow subscriber may fall behind by before it is told it missed some.
const BACKLOG: usize = 1024;
/// Changes read from the feed per statement.
const BATCH: u64 = 500;
/// How many times to read again (every 5 ms) when a notification announced a generation the
/// read database has not replayed yet (a lagging standby).
const CATCH_UP_TRIES: u32 = 200;

pub struct ChangeHub {
    sender: broadcast::Sender<Arc<Change>>,
}

impl Default for ChangeHub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl ChangeHub {
    /// The changes committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.sender.subscribe()
    }

    /// Starts following the feed where anonymous reads go, from its newest change: on every
    /// tick of `interval` and on every generation `pushed` announces, it reads the content
    /// generation and, when it moved, the feed. Stops when the hub is dropped.
    pub fn spawn(
        self: &Arc<Self>,
        reads: Arc<Reads>,
        interval: Duration,
        pushed: watch::Receiver<i64>,
    ) {
        let hub: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let Some(position) = start(&reads, &hub).await else {
                return;
            };
            let mut reader = Follower {
                hub,
                reads,
                position,
                forwarded: None,
                failing: false,
            };
            follow(interval, pushed, CATCH_UP_TRIES, &mut reader).await;
            tracing::debug!("change feed follower stopped");
        });
    }

    /// Sends every change after `position` to the subscribers, moving `position` on.
    async fn forward(
        &self,
        db: &DatabaseConnection,
        position: &mut Option<Position>,
    ) -> Result<(), sea_orm::DbErr> {
        loop {
            let batch = changes::after(db, *position, BATCH, None).await?;
            let full = batch.len() as u64 == BATCH;
            for change in batch {
                *position = Some(change.position);
                // No subscriber is not an error: the change is in the feed for later readers.
                let _ = self.sender.send(Arc::new(change));
            }
            if !full {
                return Ok(());
            }
        }
    }
}

/// The newest change of the feed, read until it can be (or the hub is dropped: `None`):
/// subscribers get what is committed after they subscribe, never the feed's history.
async fn start(reads: &Reads, hub: &Weak<ChangeHub>) -> Option<Option<Position>> {
    let mut pause = Duration::from_millis(100);
    loop {
        hub.upgrade()?;
        match changes::latest(reads.current()).await {
            Ok(position) => return Some(position),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the change feed yet; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// The hub's side of following the generation.
struct Follower {
    hub: Weak<ChangeHub>,
    reads: Arc<Reads>,
    /// The last change sent.
    position: Option<Position>,
    /// The generation the feed was last read at: the feed has nothing new before the
    /// generation moves (a change and its bump commit together).
    forwarded: Option<i64>,
    /// Whether the last read failed (logged once per outage).
    failing: bool,
}

impl Reader for Follower {
    async fn read(&mut self) -> ControlFlow<(), Option<i64>> {
        let Some(hub) = self.hub.upgrade() else {
            return ControlFlow::Break(());
        };
        let db = self.reads.current();
        let read = match generation::current(db).await {
            Ok(now) if self.forwarded == Some(now) => Ok(now),
            Ok(now) => hub.forward(db, &mut self.position).await.map(|()| now),
            Err(err) => Err(err),
        };
        match read {
            Ok(now) => {
                self.forwarded = Some(now);
                if std::mem::take(&mut self.failing) {
                    tracing::info!("change feed readable again");
                }
                ControlFlow::Continue(Some(now))
            }
            Err(err) => {
                if !std::mem::replace(&mut self.failing, true) {
                    tracing::warn!(error = %err, "cannot read the change feed; retrying");
                }
                ControlFlow::Continue(None)
            }
        }
    }
}
