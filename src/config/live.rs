//! Subscriptions over WebSocket: how many, and how long a quiet one stays open.

use std::time::Duration;

use clap::Args;

#[derive(Clone, Debug, Args)]
pub struct LiveConfig {
    /// Most WebSocket connections open at once, in all; further upgrades are answered 503.
    #[arg(long, env = "CAREGRAPH_WS_MAX_CONNECTIONS", default_value_t = 1000)]
    pub ws_max_connections: usize,

    /// Most WebSocket connections open at once from one client address; further upgrades
    /// from it are answered 429.
    #[arg(long, env = "CAREGRAPH_WS_MAX_PER_CLIENT", default_value_t = 16)]
    pub ws_max_per_client: usize,

    /// How long a new connection may take to send `connection_init`, in seconds; then it is
    /// closed with 4408, as the graphql-transport-ws protocol says.
    #[arg(long, env = "CAREGRAPH_WS_INIT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,

    /// How often the server pings each connection, in seconds.
    #[arg(long, env = "CAREGRAPH_WS_PING_SECS", default_value_t = 15)]
    pub ws_ping_secs: u64,

    /// A connection that answers nothing (not even a pong) for this long is closed, in
    /// seconds. Subscribers stay open as long as their client answers pings.
    #[arg(long, env = "CAREGRAPH_WS_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub ws_idle_timeout_secs: u64,

    /// Most operations one connection may run at once.
    #[arg(long, env = "CAREGRAPH_WS_MAX_OPERATIONS", default_value_t = 32)]
    pub ws_max_operations: usize,

    /// On PostgreSQL, learn of commits through `LISTEN caregraph_content` (polling stays as
    /// the fallback while the listening connection is down).
    #[arg(long, env = "CAREGRAPH_LISTEN", default_value_t = true, action = clap::ArgAction::Set)]
    pub listen: bool,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            ws_max_connections: 1000,
            ws_max_per_client: 16,
            ws_init_timeout_secs: 10,
            ws_ping_secs: 15,
            ws_idle_timeout_secs: 60,
            ws_max_operations: 32,
            listen: true,
        }
    }
}

impl LiveConfig {
    pub fn init_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_init_timeout_secs.max(1))
    }

    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ws_ping_secs.max(1))
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_idle_timeout_secs.max(1))
    }
}
