//! `Action`: one step of a decision, executed by the runner against the traits, in order.

use crate::config::PostgresqlDynamic;
use crate::lsn::Lsn;
use crate::model::{Condition, Failsafe, History, Status, SyncState};
use crate::postgres::{SlotSpec, StopMode, SyncStandbyNames, Upstream};

/// One idempotent step. The runner executes a decision's actions in order and stops at the
/// first that fails (an error, or a conditional write whose condition did not hold).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create `initialize` with `""` if absent (the bootstrap race).
    AttemptInitialize,
    /// Set `initialize` to the system id.
    WriteInitialize {
        /// The system identifier.
        sysid: String,
    },
    /// Delete `initialize` (failed bootstrap).
    DeleteInitialize,
    /// Write the `config` key.
    WriteConfig {
        /// The JSON to write.
        value: serde_json::Value,
        /// The write condition.
        condition: Condition,
    },
    /// Create the leader key for this node (create-if-absent) and arm the write fence.
    AcquireLeader,
    /// Renew this node's lease and check the leader key is still ours; arm the write fence.
    RenewLeader,
    /// Delete the leader key if it is still ours.
    ReleaseLeader,
    /// Set `failover` to `{}`.
    ClearFailover {
        /// The write condition.
        condition: Condition,
    },
    /// Write the `sync` key.
    WriteSync {
        /// The new state.
        state: SyncState,
        /// The write condition.
        condition: Condition,
    },
    /// Delete the `sync` key (sync replication off).
    DeleteSync {
        /// The delete condition.
        condition: Condition,
    },
    /// Write the `history` key.
    WriteHistory(History),
    /// Write the `status` key.
    WriteStatus(Status),
    /// Write the `failsafe` key.
    WriteFailsafe(Failsafe),
    /// initdb a new cluster and start it as primary.
    Bootstrap,
    /// Clone the data directory from a member.
    CloneFrom {
        /// The member to clone from.
        source: String,
    },
    /// Start PostgreSQL as a read-write primary.
    StartPrimary,
    /// Start PostgreSQL as a standby of `upstream` (none: read-only without streaming).
    StartStandby {
        /// The member to stream from.
        upstream: Option<String>,
    },
    /// Create the replica without a leader, with a `no_leader` replica method.
    CloneWithoutLeader,
    /// Clone the data directory from the remote primary of a standby cluster (its bootstrap).
    CloneFromRemote(Upstream),
    /// Start PostgreSQL as a standby of the remote primary of a standby cluster (or of its
    /// archive): the standby leader.
    StartStandbyOfRemote(Upstream),
    /// Point the running standby at the remote primary of a standby cluster.
    FollowRemote(Upstream),
    /// Stop PostgreSQL.
    Stop {
        /// How.
        mode: StopMode,
    },
    /// Promote the standby to primary, onto a timeline numbered above `above_timeline` (the
    /// highest timeline the cluster has seen in use) and above its own: no timeline number is
    /// ever used by two branches, even when the node that last promoted died before the
    /// others followed it.
    Promote {
        /// The highest timeline number already taken in the cluster.
        above_timeline: u32,
    },
    /// Point the running standby at a new upstream.
    Follow {
        /// The member to stream from.
        upstream: Option<String>,
    },
    /// pg_rewind from `source` (PostgreSQL must be stopped).
    Rewind {
        /// The member to rewind from.
        source: String,
    },
    /// Wipe the data directory and clone again from `source`.
    Reinit {
        /// The member to clone from.
        source: String,
    },
    /// Restart PostgreSQL in its current role.
    Restart,
    /// Set `synchronous_standby_names`.
    SetSyncStandbyNames(SyncStandbyNames),
    /// Create these replication slots on the running server.
    CreateSlots(Vec<SlotSpec>),
    /// Drop these replication slots on the running server.
    DropSlots(Vec<String>),
    /// Copy these logical slots of `source` (the leader) into this standby, which restarts
    /// to load them: PostgreSQL 15 cannot create a logical slot on a standby, and a copy
    /// lets the slot's consumer continue on this node after a failover (as on Patroni).
    CopyLogicalSlots {
        /// The member whose slots are copied.
        source: String,
        /// The slot names.
        slots: Vec<String>,
    },
    /// Move these logical slots of this standby forward to the leader's positions.
    AdvanceSlots(Vec<(String, Lsn)>),
    /// Apply the dynamic `postgresql` section (merged with the node's local settings) to
    /// the server's configuration: rewrite its files, reload a running server.
    ApplyConfig(PostgresqlDynamic),
    /// Drop the pending local request (it was acted on or refused).
    ClearRequest,
    /// Forget the scheduled restart (it runs now, or no longer applies).
    ClearScheduledRestart,
}

impl Action {
    /// False for housekeeping: a slot that cannot be created or dropped, or a configuration
    /// that cannot be applied, does not stop the actions after it (a promotion) and is tried
    /// again next cycle, not at once.
    pub fn stops_on_failure(&self) -> bool {
        !matches!(
            self,
            Action::CreateSlots(_)
                | Action::DropSlots(_)
                | Action::ApplyConfig(_)
                | Action::CopyLogicalSlots { .. }
                | Action::AdvanceSlots(_)
        )
    }

    /// True for the actions carried out on PostgreSQL (they change what its status reports).
    pub fn is_postgres(&self) -> bool {
        matches!(
            self,
            Action::Bootstrap
                | Action::CloneFrom { .. }
                | Action::CloneFromRemote(_)
                | Action::CloneWithoutLeader
                | Action::StartStandbyOfRemote(_)
                | Action::FollowRemote(_)
                | Action::StartPrimary
                | Action::StartStandby { .. }
                | Action::Stop { .. }
                | Action::Promote { .. }
                | Action::Follow { .. }
                | Action::Rewind { .. }
                | Action::Reinit { .. }
                | Action::Restart
                | Action::SetSyncStandbyNames(_)
                | Action::CreateSlots(_)
                | Action::DropSlots(_)
                | Action::ApplyConfig(_)
                | Action::CopyLogicalSlots { .. }
                | Action::AdvanceSlots(_)
        )
    }
}
