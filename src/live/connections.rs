//! The WebSocket connections open: at most so many in all and per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use prometheus::IntGauge;

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
    gauge: IntGauge,
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
    gauge: IntGauge,
}

impl Connections {
    /// `gauge` follows the number open.
    pub fn new(config: &LiveConfig, gauge: IntGauge) -> Self {
        Self {
            max_total: config.ws_max_connections,
            max_per_client: config.ws_max_per_client,
            open: Arc::default(),
            gauge,
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
        self.gauge.inc();
        Ok(Admitted {
            client,
            open: Arc::clone(&self.open),
            gauge: self.gauge.clone(),
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
        self.gauge.dec();
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
        let gauge = IntGauge::new("open", "open").expect("gauge");
        let connections = Connections::new(
            &LiveConfig {
                ws_max_connections: 3,
                ws_max_per_client: 2,
                ..LiveConfig::default()
            },
            gauge.clone(),
        );
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let first = connections.admit(a).expect("first");
        let _second = connections.admit(a).expect("second");
        assert_eq!(connections.admit(a).err(), Some(Full::Client));
        let _third = connections.admit(b).expect("another client");
        assert_eq!(connections.admit(b).err(), Some(Full::Server));
        assert_eq!(gauge.get(), 3);
        drop(first);
        assert_eq!(connections.open(), 2);
        assert_eq!(gauge.get(), 2);
        assert!(connections.admit(a).is_ok());
    }
}
