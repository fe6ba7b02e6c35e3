//! `Observation`: everything `decide` may look at, gathered by the runner's observe phase.

use crate::model::Cluster;
use crate::peers::PeerReport;
use crate::postgres::PgStatus;
use crate::time::{Mono, UnixMillis};

/// What the DCS looked like this cycle.
#[derive(Debug, Clone, PartialEq)]
pub enum DcsView {
    /// A fresh consistent read.
    Available(Cluster),
    /// The read failed; the DCS has been unreachable since `since` (local monotonic time).
    Unreachable {
        /// When the first failure of this outage happened.
        since: Mono,
        /// The last cluster read successfully, if any.
        last_known: Option<Cluster>,
    },
}

impl DcsView {
    /// The fresh cluster, if the DCS answered.
    pub fn cluster(&self) -> Option<&Cluster> {
        match self {
            DcsView::Available(c) => Some(c),
            DcsView::Unreachable { .. } => None,
        }
    }
}

/// What the local PostgreSQL looked like this cycle.
// One per cycle, mostly `Known`: boxing the status would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum PgView {
    /// The status call answered.
    Known(PgStatus),
    /// Nothing could be learned (the status call failed) since `since`.
    Unknown {
        /// When the status calls started failing.
        since: Mono,
    },
}

/// A request made to this node from outside the DCS (REST, ctl, signal), kept by the runner
/// until `decide` acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalRequest {
    /// Restart PostgreSQL in its current role.
    Restart,
    /// Wipe and re-clone this replica from the leader (or a clonefrom member).
    Reinit {
        /// Clone from the leader even when a clonefrom member exists.
        from_leader: bool,
    },
    /// Stop PostgreSQL and give up leadership: the agent is shutting down.
    Shutdown,
}

/// Facts the runner remembers between cycles and feeds back to `decide`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    /// When the last successful acquire or renewal of the leader lease was *sent* (local
    /// monotonic time). The lease is safe to use until this + ttl - safety margin.
    pub lease_renewed_at: Option<Mono>,
    /// When this node, as leader, found its PostgreSQL not running (start of
    /// primary_start_timeout).
    pub primary_down_since: Option<Mono>,
    /// Bootstrap of a new cluster failed on this node.
    pub bootstrap_failed: bool,
    /// A pg_rewind against the current leader failed.
    pub rewind_failed: bool,
    /// The last promotion was refused by a hook (`pre_promote` failed): the node gives the
    /// leader key up instead of trying again.
    pub promotion_refused: bool,
    /// A required watchdog cannot be used (its device is missing or failed recently): this
    /// node must not take the leader key.
    pub watchdog_unusable: bool,
    /// The last keepalive after taking or renewing the lease failed (a required watchdog):
    /// a node that is not primary yet gives the key up instead of promoting.
    pub watchdog_failed: bool,
    /// Since when the cluster has had no leader key, as this node saw it (`None` while it
    /// has one): `primary_race_backoff` counts from then.
    pub leaderless_since: Option<Mono>,
    /// This node's WAL position and when it last moved (a standby still receiving WAL from
    /// an old primary that lost its key): `primary_race_backoff` waits while it moves.
    pub wal_progress: Option<(crate::lsn::Lsn, Mono)>,
    /// The last primary this node knew of (Patroni's old_cluster leader): the stale-primary
    /// guard and the switchover source use it.
    pub last_leader: Option<String>,
    /// A leader that vouched for itself through `POST /failsafe`, and when (it blocks racing
    /// for ttl).
    pub failsafe_leader: Option<(String, Mono)>,
    /// On a primary that cannot reach the DCS with failsafe_mode on: when every member last
    /// accepted its failsafe notice (the round started at this time).
    pub failsafe_confirmed_at: Option<Mono>,
    /// A pending request from REST, ctl or a signal.
    pub request: Option<LocalRequest>,
    /// The primary's flushed WAL position right after synchronous_standby_names last changed:
    /// a newly listed standby counts as a confirmed synchronous standby only once it has
    /// flushed this far (it then holds every commit acknowledged before it was listed).
    pub sync_names_lsn: Option<crate::lsn::Lsn>,
    /// A `synchronous_standby_names` this node set whose threshold is not fixed yet: the
    /// server's processes pick a reload up a moment later, and commits acknowledged
    /// meanwhile did not wait for the new names ([`Facts::sync_names_lsn`] is taken once
    /// `pg_stat_replication` shows it in force).
    pub sync_names_pending: Option<crate::postgres::SyncStandbyNames>,
    /// When each member was last seen in the DCS (or, for a member this node never saw, in
    /// the `status` key's `retain_slots`): the primary keeps an absent member's slot for
    /// `member_slots_ttl` after that.
    pub members_seen: std::collections::BTreeMap<String, Mono>,
    /// The dynamic `postgresql` section last applied to the server's configuration
    /// ([`Action::ApplyConfig`](super::Action::ApplyConfig)); `None` at start and after a
    /// reload of the node's own configuration, so that it is applied again.
    pub applied_postgresql: Option<crate::config::PostgresqlDynamic>,
    /// The member key value last published, and when (local time).
    pub published_member: Option<(crate::model::MemberData, Mono)>,
    /// The restart scheduled through `POST /restart` with `schedule`, if any.
    pub scheduled_restart: Option<super::ScheduledRestart>,
}

impl Facts {
    /// When this node's leadership was last confirmed: the lease renewal, or a later
    /// failsafe confirmation by every member (with failsafe_mode on). `None` without a lease.
    pub fn lease_anchor(&self, dynamic: &crate::config::DynamicConfig) -> Option<Mono> {
        let renewed = self.lease_renewed_at?;
        let confirmed = self.failsafe_confirmed_at.filter(|_| dynamic.failsafe_mode);
        Some(confirmed.map_or(renewed, |c| c.max(renewed)))
    }

    /// The local deadline of the leader lease: [`Facts::lease_anchor`] + ttl - safety
    /// margin. The one place it is computed: decide, the runner's fence and DCS call limits,
    /// and the REST API's leader checks all use it.
    pub fn lease_deadline(&self, dynamic: &crate::config::DynamicConfig) -> Option<Mono> {
        Some(self.lease_anchor(dynamic)? + dynamic.lease_budget())
    }
}

/// Everything `decide` looks at. Built by the runner's observe phase; plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The local monotonic time of this cycle.
    pub now: Mono,
    /// The wall-clock time of this cycle (for scheduled switchovers).
    pub wall: UnixMillis,
    /// The DCS read.
    pub dcs: DcsView,
    /// The local PostgreSQL.
    pub pg: PgView,
    /// Other members' answers, when the runner asked them (leader race).
    pub peers: Vec<PeerReport>,
    /// What the runner remembers.
    pub facts: Facts,
}
