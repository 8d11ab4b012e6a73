//! Follows the change feed and hands each change to this process's subscribers. Every
//! process follows the feed in the database, so a subscriber hears of a publish made through
//! any replica, or by any other writer.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, watch};

use crate::domain::service::changes::{self, Change, Position};
use crate::reads::Reads;

/// Changes a slow subscriber may fall behind by before it is told it missed some.
const BACKLOG: usize = 1024;
/// Changes read from the feed per statement.
const BATCH: u64 = 500;
/// How soon to read again when a notification announced a generation the read database
/// has not replayed yet (a lagging standby), and how many times.
const CATCH_UP_PAUSE: Duration = Duration::from_millis(5);
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

    /// Starts following the feed of `db` from its newest change: on every tick of `interval`
    /// and on every generation `pushed` announces. Stops when the hub is dropped.
    pub fn spawn(
        self: &Arc<Self>,
        reads: Arc<Reads>,
        interval: Duration,
        mut pushed: watch::Receiver<i64>,
    ) {
        let hub: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let Some(mut position) = start(&reads, &hub).await else {
                return;
            };
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut failing = false;
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    changed = pushed.changed() => if changed.is_err() { break },
                }
                let Some(hub) = hub.upgrade() else { break };
                let target = *pushed.borrow_and_update();
                let mut tries = 0;
                loop {
                    match hub.forward(reads.current(), &mut position).await {
                        Ok(()) => {
                            if std::mem::take(&mut failing) {
                                tracing::info!("change feed readable again");
                            }
                        }
                        Err(err) => {
                            if !std::mem::replace(&mut failing, true) {
                                tracing::warn!(error = %err, "cannot read the change feed; retrying");
                            }
                            break;
                        }
                    }
                    let behind = position.is_none_or(|p| p.generation < target);
                    tries += 1;
                    if !behind || tries >= CATCH_UP_TRIES {
                        break;
                    }
                    tokio::time::sleep(CATCH_UP_PAUSE).await;
                }
            }
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
