//! `Watchdog`: a device that resets the machine unless it is kept alive (Patroni's
//! `watchdog`). The runner keeps it alive after every lease renewal while this node runs
//! the primary, and disarms it otherwise: a frozen machine (which the write fence's guard,
//! frozen with it, cannot stop) is reset before its lease expires and another node promotes.

use std::time::Duration;

/// A watchdog the runner arms while this node leads.
pub trait Watchdog: Send + Sync {
    /// False when the watchdog is required and cannot be used now: this node must not take
    /// the leader key. Always true when the watchdog is off or only used if available.
    fn usable(&self) -> bool;

    /// Arms the watchdog (timeout `ttl` less the safety margin, adjusted when `ttl`
    /// changes) and keeps it alive. An error means a required watchdog cannot be used; an
    /// optional one logs its problems and returns `Ok`.
    fn keepalive(&self, ttl: Duration, loop_wait: Duration) -> Result<(), String>;

    /// Disarms the watchdog (magic close) if it is armed.
    fn disable(&self);
}
