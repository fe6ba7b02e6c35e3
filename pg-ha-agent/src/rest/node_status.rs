//! `NodeStatus`: the node's status at one instant, typed, computed once from the loop's
//! [`NodeView`]. `/patroni` renders it as JSON (`status.rs`); the health checks and
//! the metrics read its fields.

use super::NodeView;
use pg_ha_core::config::{HaConfig, SyncMode};
use pg_ha_core::member_report::member_data;
use pg_ha_core::model::{MemberState, Role};
use pg_ha_core::postgres::{PgRole, PgStatus, ProcessState};
use pg_ha_core::time::Mono;

/// The node's status as Patroni's `get_postgresql_status` reports it.
pub(crate) struct NodeStatus<'a> {
    /// The view it was computed from (the fields the renderer copies as they are).
    pub view: &'a NodeView,
    /// The member state.
    pub state: MemberState,
    /// The member role.
    pub role: Role,
    /// What SQL reports; `None` unless PostgreSQL runs with a known role.
    pub sql: Option<SqlStatus>,
    /// No fresh DCS read shows a leader.
    pub cluster_unlocked: bool,
}

/// The part of the status that comes from a running server.
pub(crate) struct SqlStatus {
    /// The WAL positions.
    pub xlog: Xlog,
    /// The server's timeline.
    pub timeline: Option<u32>,
    /// How a replica gets its WAL.
    pub replication_state: Option<ReplicationState>,
    /// The replica is listed in a fresh `sync` key while synchronous mode is on.
    pub sync_duty: Option<SyncDuty>,
}

/// `xlog`: the primary's location, or a replica's positions.
pub(crate) enum Xlog {
    /// A primary.
    Primary {
        /// Flushed WAL position.
        location: u64,
    },
    /// A replica.
    Replica {
        /// Received position.
        received: u64,
        /// Replayed position.
        replayed: u64,
        /// Commit time of the last replayed transaction.
        replayed_timestamp: Option<String>,
        /// Replay is paused.
        paused: bool,
    },
}

/// `replication_state` of a replica.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplicationState {
    /// A WAL receiver streams from the upstream.
    Streaming,
    /// WAL comes from `restore_command`.
    InArchiveRecovery,
}

impl ReplicationState {
    /// Patroni's text.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ReplicationState::Streaming => "streaming",
            ReplicationState::InArchiveRecovery => "in archive recovery",
        }
    }
}

/// The synchronous duty of a replica.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncDuty {
    /// `sync_standby` (synchronous_mode on).
    Sync,
    /// `quorum_standby` (synchronous_mode quorum).
    Quorum,
}

impl<'a> NodeStatus<'a> {
    /// The status of the node `view` shows, at `now`.
    pub(crate) fn of(view: &'a NodeView, now: Mono) -> NodeStatus<'a> {
        let cfg = HaConfig {
            node: view.node.clone(),
            dynamic: view.dynamic.clone(),
        };
        let member = member_data(&cfg, view.pg.as_ref(), view.cluster.as_ref());
        let sql = view
            .pg
            .as_ref()
            .filter(|pg| pg.process == ProcessState::Running && pg.role.is_some())
            .map(|pg| sql_status(view, pg, member.role, now));
        NodeStatus {
            view,
            state: view.state.unwrap_or(member.state),
            role: member.role,
            sql,
            cluster_unlocked: view.fresh_cluster(now).is_none_or(|c| c.leader.is_none()),
        }
    }

    /// The replayed position (0 unless a running replica).
    pub(crate) fn replayed(&self) -> u64 {
        match self.sql.as_ref().map(|s| &s.xlog) {
            Some(Xlog::Replica { replayed, .. }) => *replayed,
            _ => 0,
        }
    }

    /// The replica's replication state, if any.
    pub(crate) fn replication_state(&self) -> Option<ReplicationState> {
        self.sql.as_ref().and_then(|s| s.replication_state)
    }

    /// The replica's synchronous duty, if any.
    pub(crate) fn sync_duty(&self) -> Option<SyncDuty> {
        self.sql.as_ref().and_then(|s| s.sync_duty)
    }

    /// The server version, reported while PostgreSQL runs.
    pub(crate) fn server_version(&self) -> Option<u32> {
        self.sql.as_ref().and(self.view.server_version)
    }

    /// Running with the `running` state.
    pub(crate) fn running(&self) -> bool {
        self.state == MemberState::Running
    }
}

fn sql_status(view: &NodeView, pg: &PgStatus, role: Role, now: Mono) -> SqlStatus {
    let primary = pg.role == Some(PgRole::Primary);
    let xlog = if primary {
        Xlog::Primary {
            location: pg.write_lsn.map_or(0, |l| l.0),
        }
    } else {
        Xlog::Replica {
            received: view.received_location(),
            replayed: pg.replay_lsn.map_or(0, |l| l.0),
            replayed_timestamp: view.replayed_timestamp.clone(),
            paused: view.replay_paused,
        }
    };
    let replication_state = if primary {
        None
    } else if pg.streaming {
        Some(ReplicationState::Streaming)
    } else if view.restore_command {
        Some(ReplicationState::InArchiveRecovery)
    } else {
        None
    };
    SqlStatus {
        xlog,
        timeline: pg.timeline,
        replication_state,
        sync_duty: (role == Role::Replica)
            .then(|| sync_duty(view, now))
            .flatten(),
    }
}

/// `sync_standby` or `quorum_standby` when this replica is listed in a fresh `sync` key
/// and synchronous mode is on.
fn sync_duty(view: &NodeView, now: Mono) -> Option<SyncDuty> {
    let cluster = view.fresh_cluster(now)?;
    let sync = cluster.sync_state()?;
    if !sync.value.has_standby(&view.node.name) {
        return None;
    }
    match view.dynamic.synchronous_mode {
        SyncMode::Off => None,
        SyncMode::On => Some(SyncDuty::Sync),
        SyncMode::Quorum => Some(SyncDuty::Quorum),
    }
}
