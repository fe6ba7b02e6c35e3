//! `Reason`: why a decision was taken, in words a user understands (`GET /why`, logs).

use std::fmt;
use std::time::Duration;

/// Why this node did what it did this cycle. Every "why am I not promoting" has an answer here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The DCS has no `initialize` key and this node won the bootstrap race.
    Bootstrapping,
    /// Another node is bootstrapping the cluster.
    WaitingForBootstrap,
    /// No cluster exists and this node may not bootstrap one.
    CannotBootstrap,
    /// Bootstrap failed on this node; `initialize` is removed so another node can try.
    BootstrapFailed,
    /// Cloning a replica from a member.
    Cloning {
        /// The source member.
        source: String,
    },
    /// The data directory is empty and there is no leader to clone from.
    WaitingForLeaderToClone,
    /// No leader: creating the replica with a `no_leader` method (from backups).
    CloningWithoutLeader,
    /// The data directory belongs to another cluster.
    SystemIdMismatch {
        /// The cluster's system id.
        cluster: String,
        /// The local data directory's system id.
        local: String,
    },
    /// The cluster has no `initialize` key: recording this data directory's system id.
    AdoptingDataDirectory,
    /// This node holds the leader lease and runs as primary.
    LeaderRenewed,
    /// Promoting this node after winning the leader race.
    Promoting,
    /// A hook (`pre_promote`) refused this node's promotion: it gives the leader key up.
    PromotionRefused,
    /// The required watchdog could not be armed: this node gives the leader key up instead
    /// of promoting.
    WatchdogFailed,
    /// This node holds the lease but its PostgreSQL is down: restarting it in place.
    PrimaryRestarting {
        /// How long it has been down.
        down_for: Duration,
    },
    /// The primary could not be restarted within primary_start_timeout: releasing the lease.
    PrimaryStartTimedOut,
    /// This node lost the leader key while primary: demoting.
    LeaderKeyLost,
    /// The DCS cannot be reached; the lease is still valid locally for `remaining`.
    DcsUnreachableHoldingLease {
        /// Time left before the local lease deadline.
        remaining: Duration,
    },
    /// The DCS cannot be reached and the local lease deadline is less than
    /// [`clean_demotion_lead`](crate::config::clean_demotion_lead) away: stopping cleanly so
    /// that the standbys receive every acknowledged commit before the lease runs out.
    DcsUnreachableDemotingCleanly {
        /// Time left before the local lease deadline.
        remaining: Duration,
    },
    /// The DCS cannot be reached and the local lease deadline passed: demoting.
    DcsUnreachableDemoting,
    /// The DCS cannot be reached, but every member confirmed this primary (failsafe_mode).
    FailsafeHolding,
    /// The DCS cannot be reached; this node is not primary and does nothing.
    DcsUnreachableWaiting,
    /// Following the leader.
    Following {
        /// The leader.
        leader: String,
    },
    /// Demoting because another node holds the leader key.
    DemotingForLeader {
        /// The leader.
        leader: String,
    },
    /// Starting PostgreSQL as a replica.
    StartingAsReplica,
    /// Re-pointing replication to the leader.
    Repointing {
        /// The new upstream.
        leader: String,
    },
    /// Rewinding the diverged data directory from the leader.
    Rewinding {
        /// The source member.
        source: String,
    },
    /// Wiping and re-cloning from the leader.
    Reinitializing {
        /// The source member.
        source: String,
    },
    /// Timelines diverged, and neither pg_rewind nor reinit is allowed: staying down.
    DivergedNeedsManualAction,
    /// Racing for the leader key: this node is the healthiest.
    AcquiringLeader,
    /// Not racing for the leader key, and why.
    NotHealthiest(Ineligible),
    /// The cluster is paused: no automatic action.
    Paused,
    /// A switchover is scheduled for later.
    SwitchoverScheduled {
        /// Milliseconds until it is due.
        in_ms: i64,
    },
    /// Demoting for a switchover.
    SwitchingOver {
        /// The candidate, if one was named.
        candidate: Option<String>,
    },
    /// PostgreSQL stopped for a switchover or shutdown: keeping the key until the candidate
    /// (or, on a shutdown, a replica that may take over) reports the shutdown checkpoint.
    HandingOver {
        /// The named candidate.
        to: Option<String>,
    },
    /// The key was released after a switchover's stop.
    HandedOver {
        /// The named candidate.
        to: Option<String>,
        /// The candidate had reported the shutdown checkpoint (else the wait timed out).
        received: bool,
    },
    /// A switchover or failover request was refused and cleared.
    FailoverRejected {
        /// Why.
        why: String,
    },
    /// Updating synchronous replication (sync key / synchronous_standby_names).
    SyncUpdate,
    /// Restarting PostgreSQL on request.
    RestartRequested,
    /// Running the restart scheduled for now.
    ScheduledRestart,
    /// The scheduled restart was dropped without running.
    ScheduledRestartSkipped {
        /// Why.
        why: String,
    },
    /// A local request (restart, reinit) was refused.
    RequestRefused {
        /// Why.
        why: String,
    },
    /// Shutting down: stopping PostgreSQL and releasing the leader key.
    ShuttingDown,
    /// Leader of a standby cluster, following the remote.
    StandbyLeader,
    /// PostgreSQL's state is unknown: waiting.
    PostgresUnknown,
}

/// Why a node does not race for the leader key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ineligible {
    /// Tagged nofailover or failover_priority <= 0.
    NoFailover,
    /// Lags behind the last known primary position by more than maximum_lag_on_failover.
    Lagging {
        /// The lag in bytes.
        lag: u64,
        /// maximum_lag_on_failover.
        max: u64,
    },
    /// On an older timeline than the cluster (check_timeline).
    TimelineBehind {
        /// Local timeline.
        local: u32,
        /// Cluster timeline.
        cluster: u32,
    },
    /// A peer still reports itself primary.
    PeerIsPrimary {
        /// The peer.
        peer: String,
    },
    /// A peer has received more WAL.
    PeerAhead {
        /// The peer.
        peer: String,
    },
    /// A peer at the same position has a higher failover_priority.
    PeerPreferred {
        /// The peer.
        peer: String,
    },
    /// Synchronous replication is active and this node is not a sync standby.
    NotSyncStandby,
    /// Quorum mode: not enough votes.
    NoQuorum {
        /// Votes gathered.
        votes: u32,
        /// Votes needed.
        needed: u32,
    },
    /// A failover request names another candidate.
    NotTheCandidate {
        /// The named candidate.
        candidate: String,
    },
    /// A leader vouched for itself through failsafe recently.
    FailsafeLeaderAlive {
        /// That leader.
        leader: String,
    },
    /// failsafe_mode is on and this node is not in the failsafe map.
    NotInFailsafeMap,
    /// A switchover is under way and this node lacks WAL its old leader published.
    MissingFinalWal {
        /// This node's WAL position.
        position: u64,
        /// The old leader's last published position.
        needed: u64,
    },
    /// PostgreSQL is not running.
    PostgresNotRunning,
    /// The WAL position is unknown.
    PositionUnknown,
    /// The watchdog is required and cannot be used.
    WatchdogUnusable,
    /// `primary_race_backoff`: the old primary may still be alive (WAL still arrives, or the
    /// leader key has only just gone).
    RaceBackoff,
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

impl fmt::Display for Ineligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ineligible::NoFailover => write!(f, "tagged nofailover"),
            Ineligible::Lagging { lag, max } => {
                write!(f, "lag {} > maximum_lag_on_failover {}", mb(*lag), mb(*max))
            }
            Ineligible::TimelineBehind { local, cluster } => {
                write!(
                    f,
                    "timeline {local} is behind the cluster timeline {cluster}"
                )
            }
            Ineligible::PeerIsPrimary { peer } => write!(f, "{peer} still reports it is primary"),
            Ineligible::PeerAhead { peer } => write!(f, "{peer} has received more WAL"),
            Ineligible::PeerPreferred { peer } => {
                write!(
                    f,
                    "{peer} is as far ahead and has a higher failover_priority"
                )
            }
            Ineligible::NotSyncStandby => write!(f, "not a synchronous standby"),
            Ineligible::NoQuorum { votes, needed } => {
                write!(f, "only {votes} of {needed} quorum votes")
            }
            Ineligible::NotTheCandidate { candidate } => {
                write!(f, "the failover request names {candidate}")
            }
            Ineligible::FailsafeLeaderAlive { leader } => {
                write!(f, "{leader} is still primary (failsafe)")
            }
            Ineligible::NotInFailsafeMap => write!(f, "not in the failsafe member list"),
            Ineligible::MissingFinalWal { position, needed } => write!(
                f,
                "WAL up to {} received, the old leader stopped at {}",
                crate::Lsn(*position),
                crate::Lsn(*needed)
            ),
            Ineligible::PostgresNotRunning => write!(f, "PostgreSQL is not running"),
            Ineligible::PositionUnknown => write!(f, "the WAL position is unknown"),
            Ineligible::WatchdogUnusable => write!(f, "the required watchdog cannot be used"),
            Ineligible::RaceBackoff => write!(
                f,
                "primary_race_backoff: WAL still arrives from the old primary"
            ),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Bootstrapping => write!(f, "bootstrapping a new cluster"),
            Reason::WaitingForBootstrap => write!(f, "waiting for leader to bootstrap"),
            Reason::CannotBootstrap => {
                write!(f, "no cluster and no bootstrap section (or nofailover): waiting")
            }
            Reason::BootstrapFailed => write!(f, "bootstrap failed: removed initialize"),
            Reason::Cloning { source } => write!(f, "creating replica from {source}"),
            Reason::CloningWithoutLeader => {
                write!(f, "no leader: creating replica with a no_leader method")
            }
            Reason::WaitingForLeaderToClone => write!(f, "empty data directory: waiting for a leader to clone from"),
            Reason::SystemIdMismatch { cluster, local } => write!(
                f,
                "system ID mismatch: the cluster is {cluster}, the data directory is {local}"
            ),
            Reason::AdoptingDataDirectory => {
                write!(f, "no initialize key: adopting the existing data directory")
            }
            Reason::LeaderRenewed => write!(f, "no action: I am the leader with the lock"),
            Reason::Promoting => write!(f, "promoted self to leader by acquiring session lock"),
            Reason::WatchdogFailed => write!(
                f,
                "the required watchdog could not be armed: releasing the leader key"
            ),
            Reason::PromotionRefused => write!(
                f,
                "pre_promote refused the promotion: releasing the leader key"
            ),
            Reason::PrimaryRestarting { down_for } => write!(
                f,
                "PostgreSQL of the leader is down for {:.1}s: starting it in place",
                down_for.as_secs_f64()
            ),
            Reason::PrimaryStartTimedOut => {
                write!(f, "primary_start_timeout exceeded: releasing the leader key")
            }
            Reason::LeaderKeyLost => write!(f, "demoting: the leader key is lost"),
            Reason::DcsUnreachableHoldingLease { remaining } => write!(
                f,
                "DCS unreachable: keeping the primary for {:.1}s more while the lease is valid",
                remaining.as_secs_f64()
            ),
            Reason::DcsUnreachableDemotingCleanly { remaining } => write!(
                f,
                "DCS unreachable and the lease ends in {:.1}s: demoting cleanly (standbys get all WAL)",
                remaining.as_secs_f64()
            ),
            Reason::DcsUnreachableDemoting => {
                write!(f, "DCS unreachable and the lease deadline passed: demoting")
            }
            Reason::FailsafeHolding => {
                write!(f, "DCS unreachable: every member confirmed this primary (failsafe)")
            }
            Reason::DcsUnreachableWaiting => write!(f, "DCS unreachable: no action"),
            Reason::Following { leader } => write!(f, "no action: following the leader {leader}"),
            Reason::DemotingForLeader { leader } => {
                write!(f, "demoting: {leader} holds the leader key")
            }
            Reason::StartingAsReplica => write!(f, "starting PostgreSQL as a replica"),
            Reason::Repointing { leader } => write!(f, "re-pointing replication to {leader}"),
            Reason::Rewinding { source } => write!(f, "running pg_rewind from {source}"),
            Reason::Reinitializing { source } => write!(f, "reinitializing from {source}"),
            Reason::DivergedNeedsManualAction => write!(
                f,
                "timelines diverged and neither use_pg_rewind nor remove_data_directory_on_* allows a fix"
            ),
            Reason::AcquiringLeader => write!(f, "the healthiest node: racing for the leader key"),
            Reason::NotHealthiest(why) => write!(f, "not promoting: {why}"),
            Reason::Paused => write!(f, "PAUSE: no automatic action"),
            Reason::SwitchoverScheduled { in_ms } => {
                write!(f, "switchover scheduled in {:.1}s", *in_ms as f64 / 1000.0)
            }
            Reason::SwitchingOver { candidate: Some(c) } => {
                write!(f, "switchover: demoting in favour of {c}")
            }
            Reason::SwitchingOver { candidate: None } => {
                write!(f, "switchover: demoting in favour of the healthiest replica")
            }
            Reason::HandingOver { to } => write!(
                f,
                "PostgreSQL stopped: keeping the leader key until {} reports the shutdown checkpoint",
                to.as_deref().unwrap_or("a replica")
            ),
            Reason::HandedOver { to, received } => write!(
                f,
                "released the leader key: {} {}",
                to.as_deref().unwrap_or("the replicas"),
                if *received {
                    "received the shutdown checkpoint"
                } else {
                    "did not report the shutdown checkpoint in time"
                }
            ),
            Reason::FailoverRejected { why } => write!(f, "failover request cleared: {why}"),
            Reason::SyncUpdate => write!(f, "updating synchronous replication"),
            Reason::RequestRefused { why } => write!(f, "request refused: {why}"),
            Reason::RestartRequested => write!(f, "restarting PostgreSQL on request"),
            Reason::ScheduledRestart => write!(f, "running the scheduled restart"),
            Reason::ScheduledRestartSkipped { why } => {
                write!(f, "scheduled restart skipped: {why}")
            }
            Reason::ShuttingDown => write!(f, "shutting down: stopping PostgreSQL and releasing the leader key"),
            Reason::StandbyLeader => write!(f, "leader of a standby cluster"),
            Reason::PostgresUnknown => write!(f, "PostgreSQL state unknown: waiting"),
        }
    }
}
