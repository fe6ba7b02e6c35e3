//! "What would the HA do now": one node's `decide()` over a cluster snapshot, with the
//! node's PostgreSQL and its peers as their member keys show them.

use pg_ha_core::config::{HaConfig, NodeConfig};
use pg_ha_core::decide::{DcsView, Facts, Observation, PgView};
use pg_ha_core::model::{Cluster, Member, Role};
use pg_ha_core::postgres::{PgRole, PgStatus};
use pg_ha_core::time::Mono;
use pg_ha_core::{decide, Decision, Lsn, PeerReport, PeerStatus};

/// The local time the observation is made at (any value: decide compares times only).
const NOW: Mono = Mono::from_millis(1_000_000);

/// `decide()` for `node` over `cluster`, as if its server ran as its member key says, every
/// peer answered as its member key says, and a leader had just renewed its lease.
pub fn decide_for(cluster: &Cluster, node: &str, wall_ms: i64) -> Result<Decision, String> {
    let me = cluster
        .member(node)
        .ok_or_else(|| format!("no member key for {node}"))?;
    let mut facts = Facts::default();
    if cluster.is_leader(node) {
        facts.lease_renewed_at = Some(NOW);
    }
    facts.last_leader = cluster.leader_name().map(str::to_string);
    let mut obs = Observation {
        now: NOW,
        wall: wall_ms,
        dcs: DcsView::Available(cluster.clone()),
        pg: PgView::Known(local_status(cluster, me)),
        peers: peers(cluster, node),
        facts,
    };
    let dynamic = cluster
        .config
        .as_ref()
        .map(|c| c.parsed.clone())
        .unwrap_or_default();
    // As in any cycle after the first: the configuration is already applied.
    obs.facts.applied_postgresql = Some(dynamic.postgresql.clone());
    let cfg = HaConfig {
        node: NodeConfig {
            name: node.to_string(),
            scope: String::new(),
            tags: me.data.tags.clone(),
            conn_url: me.data.conn_url.clone().unwrap_or_default(),
            api_url: me.data.api_url.clone().unwrap_or_default(),
            ..NodeConfig::default()
        },
        dynamic,
    };
    Ok(decide(&obs, &cfg))
}

/// The node's server as its member key shows it.
fn local_status(cluster: &Cluster, me: &Member) -> PgStatus {
    let data = &me.data;
    let primary = matches!(data.role, Role::Primary | Role::Promoted);
    let role = if primary {
        PgRole::Primary
    } else {
        PgRole::Standby
    };
    let sysid = cluster.initialize.clone().unwrap_or_default();
    let mut pg = PgStatus::running(&sysid, role);
    pg.timeline = data.timeline;
    let position = data.wal_position().map(Lsn);
    if primary {
        pg.write_lsn = position;
    } else {
        pg.receive_lsn = data.receive_lsn.map(Lsn).or(position);
        pg.replay_lsn = data.replay_lsn.map(Lsn).or(position);
        pg.upstream = cluster.leader_name().map(str::to_string);
        pg.streaming = cluster.leader_name().is_some();
    }
    pg
}

/// Every other member's answer, from its member key.
fn peers(cluster: &Cluster, node: &str) -> Vec<PeerReport> {
    cluster
        .members
        .iter()
        .filter(|m| m.name != node)
        .map(|m| PeerReport {
            name: m.name.clone(),
            status: Some(PeerStatus {
                is_primary: m.data.role == Role::Primary,
                wal_position: m.data.wal_position().map(Lsn),
                timeline: m.data.timeline,
                failover_priority: m.data.tags.failover_priority(),
                watchdog_failed: false,
            }),
        })
        .collect()
}
