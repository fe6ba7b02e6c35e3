//! A conformance [`Harness`] over [`MemoryDcs`] on a manual clock, optionally with a layer
//! of your own around each client: how a `Dcs` wrapper proves itself without a server.

use super::conformance::Harness;
use crate::dcs::{Dcs, MemoryDcs, MemoryStore};
use crate::time::ManualClock;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// Wraps each `MemoryDcs` client the suite asks for.
pub type Layer = Box<dyn Fn(MemoryDcs) -> Box<dyn Dcs> + Send + Sync>;

/// A `MemoryStore` on a `ManualClock`: advancing moves the clock and expires leases at once.
pub struct MemoryHarness {
    clock: Arc<ManualClock>,
    store: MemoryStore,
    layer: Layer,
}

impl MemoryHarness {
    /// Plain `MemoryDcs` clients.
    pub fn new() -> MemoryHarness {
        MemoryHarness::wrapping(|dcs| Box::new(dcs))
    }

    /// Clients made by `layer` around each `MemoryDcs` client.
    pub fn wrapping(
        layer: impl Fn(MemoryDcs) -> Box<dyn Dcs> + Send + Sync + 'static,
    ) -> MemoryHarness {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        MemoryHarness {
            store: MemoryStore::new(clock.clone()),
            clock,
            layer: Box::new(layer),
        }
    }
}

impl Default for MemoryHarness {
    fn default() -> MemoryHarness {
        MemoryHarness::new()
    }
}

#[async_trait]
impl Harness for MemoryHarness {
    async fn client(&self, scope: &str, node: &str) -> Box<dyn Dcs> {
        (self.layer)(self.store.client(scope, node))
    }

    async fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.store.expire();
    }

    fn ttl(&self) -> Duration {
        Duration::from_secs(30)
    }

    fn expiry_slack(&self) -> Duration {
        Duration::ZERO
    }
}
