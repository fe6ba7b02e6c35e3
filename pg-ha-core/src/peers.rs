//! The `Peers` trait: asking other members about themselves during elections and failsafe.

use crate::lsn::Lsn;
use crate::model::Member;
use async_trait::async_trait;

/// What a peer reports about itself (Patroni's `GET /patroni`, the fields peers parse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    /// The peer runs PostgreSQL as a primary.
    pub is_primary: bool,
    /// Its WAL position: flush on a primary, max(received, replayed) on a replica.
    pub wal_position: Option<Lsn>,
    /// Its timeline.
    pub timeline: Option<u32>,
    /// Its effective failover priority (0 = nofailover).
    pub failover_priority: i64,
    /// Its watchdog failed: it may not be a failover target.
    pub watchdog_failed: bool,
}

/// One peer's answer in an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerReport {
    /// The peer's member name.
    pub name: String,
    /// Its status, or `None` when it could not be asked in time.
    pub status: Option<PeerStatus>,
}

/// The failsafe message a primary sends every member during a DCS outage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailsafeNotice {
    /// The primary's member name.
    pub name: String,
    /// Its conn_url.
    pub conn_url: String,
    /// Its api_url.
    pub api_url: String,
}

/// Talking to other members' agents (REST in the agent, direct calls in the simulator).
///
/// Called by the runner's observe phase only: during a leader race (`status`) and, on a primary
/// that cannot reach the DCS with failsafe_mode on, to collect failsafe votes (`failsafe`).
/// Every call is bounded by a short timeout (Patroni: 2 s).
#[async_trait]
pub trait Peers: Send + Sync {
    /// Asks `member` for its status.
    async fn status(&self, member: &Member) -> Result<PeerStatus, String>;

    /// Tells `member` that `notice.name` is still primary; `Ok(())` when it accepted.
    async fn failsafe(&self, member: &Member, notice: &FailsafeNotice) -> Result<(), String>;
}
