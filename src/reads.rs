//! Where anonymous reads go: the read replica (`DATABASE_READ_URL`) while it answers, the
//! primary while it does not. A health check pings the replica every second; the first
//! failed ping sends reads to the primary, the first good one brings them back. Writes never
//! go to the replica, and content teams always read the primary, so they see their own
//! writes at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::DatabaseConnection;

/// How often the replica is pinged, and how long a ping may take.
const CHECK_EVERY: Duration = Duration::from_secs(1);
const PING_TIMEOUT: Duration = Duration::from_millis(800);

pub struct Reads {
    primary: DatabaseConnection,
    replica: Option<DatabaseConnection>,
    replica_up: AtomicBool,
}

impl Reads {
    pub fn new(primary: DatabaseConnection, replica: Option<DatabaseConnection>) -> Arc<Self> {
        let reads = Arc::new(Self {
            primary,
            replica,
            replica_up: AtomicBool::new(true),
        });
        if reads.replica.is_some() {
            reads.spawn_health_check();
        }
        reads
    }

    /// The database anonymous reads go to now.
    pub fn current(&self) -> &DatabaseConnection {
        match &self.replica {
            Some(replica) if self.replica_up.load(Ordering::Relaxed) => replica,
            _ => &self.primary,
        }
    }

    /// What is degraded, for /readyz: `None` when reads go where they should.
    pub fn degraded(&self) -> Option<&'static str> {
        (self.replica.is_some() && !self.replica_up.load(Ordering::Relaxed))
            .then_some("read replica unavailable: anonymous reads go to the primary")
    }

    fn spawn_health_check(self: &Arc<Self>) {
        let reads: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(CHECK_EVERY);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(reads) = reads.upgrade() else { break };
                let Some(replica) = reads.replica.clone() else {
                    break;
                };
                let up = matches!(
                    tokio::time::timeout(PING_TIMEOUT, replica.ping()).await,
                    Ok(Ok(()))
                );
                if reads.replica_up.swap(up, Ordering::Relaxed) != up {
                    if up {
                        tracing::info!("read replica answers again: anonymous reads go to it");
                    } else {
                        tracing::warn!(
                            "read replica does not answer: anonymous reads go to the primary"
                        );
                    }
                }
            }
        });
    }
}
