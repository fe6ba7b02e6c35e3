//! Builds this node's member key value from what the runner observed.

use crate::config::HaConfig;
use crate::model::{Cluster, MemberData, MemberState, Role};
use crate::postgres::{DataDirState, PgRole, PgStatus, ProcessState};

/// The version number published in `version`, which Patroni tools parse as a Patroni version.
pub const PATRONI_COMPAT_VERSION: &str = "4.1.5";

/// This node's member key value, exactly as Patroni writes it.
pub fn member_data(cfg: &HaConfig, pg: Option<&PgStatus>, cluster: Option<&Cluster>) -> MemberData {
    let holds_lock = cluster.is_some_and(|c| c.is_leader(&cfg.node.name));
    let (state, role) = match pg {
        None => (MemberState::Stopped, Role::Uninitialized),
        Some(pg) => (
            state_of(pg),
            role_of(pg, holds_lock, cfg.dynamic.is_standby_cluster()),
        ),
    };
    let mut data = MemberData::new(state, role);
    data.conn_url = Some(cfg.node.conn_url.clone());
    data.api_url = Some(cfg.node.api_url.clone());
    if let Some(proxy) = &cfg.node.proxy_url {
        data.extra
            .insert("proxy_url".into(), serde_json::Value::String(proxy.clone()));
    }
    data.version = Some(PATRONI_COMPAT_VERSION.to_string());
    data.pg_ha_version = Some(env!("CARGO_PKG_VERSION").to_string());
    data.tags = cfg.node.tags.clone();
    if cfg.dynamic.pause {
        data.pause = Some(true);
    }
    if let Some(pg) = pg.filter(|pg| pg.process != ProcessState::Stopped) {
        add_wal_fields(&mut data, pg);
        add_pending_restart(&mut data, pg);
    }
    data
}

/// `pending_restart: true` and, when known, `pending_restart_reason`, as Patroni writes them
/// (absent when nothing is pending).
fn add_pending_restart(data: &mut MemberData, pg: &PgStatus) {
    if !pg.pending_restart {
        return;
    }
    data.pending_restart = Some(true);
    if !pg.pending_restart_reason.is_empty() {
        data.pending_restart_reason = serde_json::to_value(&pg.pending_restart_reason).ok();
    }
}

fn state_of(pg: &PgStatus) -> MemberState {
    match pg.process {
        ProcessState::Running => MemberState::Running,
        ProcessState::Starting => MemberState::Starting,
        ProcessState::Crashed => MemberState::Crashed,
        ProcessState::Stopped => MemberState::Stopped,
    }
}

fn role_of(pg: &PgStatus, holds_lock: bool, standby_cluster: bool) -> Role {
    if pg.data_dir == DataDirState::Empty {
        return Role::Uninitialized;
    }
    match pg.role {
        Some(PgRole::Primary) => Role::Primary,
        Some(PgRole::Standby) if holds_lock && standby_cluster => Role::StandbyLeader,
        _ => Role::Replica,
    }
}

fn add_wal_fields(data: &mut MemberData, pg: &PgStatus) {
    data.timeline = pg.timeline;
    match pg.role {
        Some(PgRole::Primary) => data.xlog_location = pg.write_lsn.map(|l| l.0),
        _ => {
            data.receive_lsn = pg.receive_lsn.map(|l| l.0);
            data.replay_lsn = pg.replay_lsn.map(|l| l.0);
            data.xlog_location = pg.wal_position().map(|l| l.0);
            data.replication_state = Some(
                if pg.streaming {
                    "streaming"
                } else {
                    "in archive recovery"
                }
                .to_string(),
            );
        }
    }
}
