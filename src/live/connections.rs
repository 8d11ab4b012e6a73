//! The WebSocket connections open: at most so many in all and per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::LiveConfig;

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The server holds its most connections.
    Server,
    /// This client holds its most connections.
    Client,
}

pub struct Connections {
    max_total: usize,
    max_per_client: usize,
    open: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// One admitted connection; dropping it frees its place.
pub struct Admitted {
    client: IpAddr,
    open: Arc<Mutex<Open>>,
}

impl Connections {
    pub fn new(config: &LiveConfig) -> Self {
        Self {
            max_total: config.ws_max_connections,
            max_per_client: config.ws_max_per_client,
            open: Arc::default(),
        }
    }

    /// Admits a connection from `client` when both bounds allow it.
    pub fn admit(&self, client: IpAddr) -> Result<Admitted, Full> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.max_total {
            return Err(Full::Server);
        }
        let mine = open.per_client.entry(client).or_default();
        if *mine >= self.max_per_client {
            return Err(Full::Client);
        }
        *mine += 1;
        open.total += 1;
        Ok(Admitted {
            client,
            open: Arc::clone(&self.open),
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(mine) = open.per_client.get_mut(&self.client) {
            *mine -= 1;
            if *mine == 0 {
                open.per_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_and_places_come_back() {
        let connections = Connections::new(&LiveConfig {
            ws_max_connections: 3,
            ws_max_per_client: 2,
            ..LiveConfig::default()
        });
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let first = connections.admit(a).expect("first");
        let _second = connections.admit(a).expect("second");
        assert_eq!(connections.admit(a).err(), Some(Full::Client));
        let _third = connections.admit(b).expect("another client");
        assert_eq!(connections.admit(b).err(), Some(Full::Server));
        drop(first);
        assert_eq!(connections.open(), 2);
        assert!(connections.admit(a).is_ok());
    }
}
