//! Facts the runner keeps between cycles from what it observed: when PostgreSQL went down
//! under the lease, when the cluster lost its leader, when WAL last moved, when members
//! were last seen.

use crate::decide::Facts;
use crate::model::Cluster;
use crate::postgres::PgStatus;
use crate::time::Mono;

/// Remembers since when this node has held the key while its PostgreSQL was down.
pub(super) fn track_primary_down(
    facts: &mut Facts,
    me: &str,
    cluster: &Cluster,
    pg: &PgStatus,
    now: Mono,
) {
    let running = pg.process == crate::postgres::ProcessState::Running
        || pg.process == crate::postgres::ProcessState::Starting;
    if cluster.is_leader(me) && !running {
        facts.primary_down_since.get_or_insert(now);
    } else {
        facts.primary_down_since = None;
    }
}

/// Remembers since when the cluster has had no leader key.
pub(super) fn track_leaderless(facts: &mut Facts, cluster: &Cluster, now: Mono) {
    if cluster.leader.is_some() {
        facts.leaderless_since = None;
    } else {
        facts.leaderless_since.get_or_insert(now);
    }
}

/// Remembers this node's WAL position and when it last moved.
pub(super) fn track_wal_progress(facts: &mut Facts, pg: &PgStatus, now: Mono) {
    let Some(position) = pg.wal_position() else {
        facts.wal_progress = None;
        return;
    };
    match facts.wal_progress {
        Some((last, _)) if last == position => {}
        _ => facts.wal_progress = Some((position, now)),
    }
}

/// Marks every member in `cluster` as seen `now`, and the names of the `status` key's
/// `retain_slots` that this node has not seen yet (it keeps their slots for a full
/// member_slots_ttl from now).
pub(super) fn note_members_seen(facts: &mut Facts, cluster: &Cluster, now: Mono) {
    for member in &cluster.members {
        facts.members_seen.insert(member.name.clone(), now);
    }
    for name in &cluster.status.retain_slots {
        facts.members_seen.entry(name.clone()).or_insert(now);
    }
}
