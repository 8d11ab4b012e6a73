//! Following the content generation of the database anonymous reads go to: on every tick of
//! the poll interval, and at once when a notification announces a new generation; then,
//! while that database has not replayed the announced generation yet (a lagging standby),
//! again shortly, so a follower acts as soon as the change is there and never before.

use std::future::Future;
use std::ops::ControlFlow;
use std::time::Duration;

use tokio::sync::watch;

/// How soon to read again a generation a notification announced that the database has not
/// replayed yet.
const CATCH_UP_PAUSE: Duration = Duration::from_millis(5);

/// What follows the generation.
pub trait Reader: Send {
    /// Reads the database once; answers with the generation found (`None` when it could not
    /// read: the next tick tries again), or `Break` once the reader's owner is gone.
    fn read(&mut self) -> impl Future<Output = ControlFlow<(), Option<i64>>> + Send;
}

/// Runs `reader` every `interval` and on each generation `pushed` announces; after an
/// announcement, again every 5 ms, at most `tries` times, until it finds the announced
/// generation. Returns when the reader breaks or the announcements end (the server stops).
pub async fn follow(
    interval: Duration,
    mut pushed: watch::Receiver<i64>,
    tries: u32,
    reader: &mut impl Reader,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            changed = pushed.changed() => if changed.is_err() { return },
        }
        let target = *pushed.borrow_and_update();
        for attempt in 0..=tries {
            if attempt > 0 {
                tokio::time::sleep(CATCH_UP_PAUSE).await;
            }
            match reader.read().await {
                ControlFlow::Break(()) => return,
                ControlFlow::Continue(Some(found)) if found >= target => break,
                ControlFlow::Continue(Some(_)) => {}
                ControlFlow::Continue(None) => break,
            }
        }
    }
}
