//! Facts the runner keeps between cycles from what it observed: when PostgreSQL went down
//! under the lease, when the cluster lost its leader, when WAL last moved, when members
//! were last seen.

use crate::decide::Facts;
use crate::model::Cluster;
use crate::postgres::{PgStatus, SyncStandbyNames};
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

/// Remembers a position at or after the last change of `synchronous_standby_names` took
/// effect: the primary's WAL position the first time `pg_stat_replication` shows the value
/// in force (a listed standby reported `sync`, `potential` or `quorum`), for a change this
/// node made ([`Facts::sync_names_pending`]) or one it found (it started on a primary that
/// already had one). A standby that has flushed past it holds every commit acknowledged
/// before the change: commits acknowledged after `SHOW` showed the new value but before the
/// server's processes picked it up did not wait for it (seed 70764 of the simulator's full
/// space lost one when the position was taken at the reload).
pub(super) fn track_sync_names(facts: &mut Facts, pg: &PgStatus) {
    if pg.sync_standby_names.is_empty() || pg.role != Some(crate::postgres::PgRole::Primary) {
        return;
    }
    let Ok(shown) = SyncStandbyNames::parse(&pg.sync_standby_names) else {
        return;
    };
    let awaited = facts
        .sync_names_pending
        .as_ref()
        .is_none_or(|p| *p == shown);
    if awaited && facts.sync_names_lsn.is_none() && in_force(&shown, pg) {
        facts.sync_names_lsn = pg.write_lsn;
        facts.sync_names_pending = None;
    }
}

/// Whether `pg_stat_replication` shows `names` in force: a listed standby is synchronous
/// (or a potential one) by it.
fn in_force(names: &SyncStandbyNames, pg: &PgStatus) -> bool {
    let wanted: &[&str] = match names {
        SyncStandbyNames::Off => return true,
        SyncStandbyNames::Any { .. } => &["quorum"],
        SyncStandbyNames::First { .. } => &["sync", "potential"],
    };
    pg.replicas.iter().any(|r| {
        names
            .real_names()
            .any(|n| n.eq_ignore_ascii_case(&r.application_name))
            && wanted.contains(&r.sync_state.as_str())
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsn::Lsn;
    use crate::postgres::PgRole;

    /// A primary at `lsn` showing `guc`, with standby `a` reported as `sync_state`.
    fn primary_with(guc: &str, lsn: u64, sync_state: &str) -> PgStatus {
        let mut pg = PgStatus::empty();
        pg.role = Some(PgRole::Primary);
        pg.sync_standby_names = guc.into();
        pg.write_lsn = Some(Lsn(lsn));
        pg.replicas = vec![crate::postgres::ReplicaConnection {
            application_name: "a".into(),
            state: "streaming".into(),
            sync_state: sync_state.into(),
            flush_lsn: Some(Lsn(lsn)),
        }];
        pg
    }

    fn primary(guc: &str, lsn: u64) -> PgStatus {
        primary_with(guc, lsn, "quorum")
    }

    /// A change this node made: the threshold is the position once pg_stat_replication shows
    /// the new names in force, not when SHOW first returns them.
    #[test]
    fn a_set_sync_names_threshold_waits_until_the_names_are_in_force() {
        let mut facts = Facts {
            sync_names_pending: Some(SyncStandbyNames::Any {
                count: 1,
                names: vec!["a".into()],
            }),
            ..Facts::default()
        };
        track_sync_names(&mut facts, &primary_with("ANY 1 (\"b\")", 100, "quorum"));
        assert_eq!(facts.sync_names_lsn, None, "the old value still shows");
        track_sync_names(&mut facts, &primary_with("ANY 1 (\"a\")", 200, "async"));
        assert_eq!(facts.sync_names_lsn, None, "shown, not yet in force");
        track_sync_names(&mut facts, &primary_with("ANY 1 (\"a\")", 300, "quorum"));
        assert_eq!(facts.sync_names_lsn, Some(Lsn(300)));
        assert_eq!(facts.sync_names_pending, None);
    }

    /// An agent that starts on a primary with synchronous names already set fixes its
    /// threshold once, so that a standby behind a moving write position is confirmed after all.
    #[test]
    fn a_sync_names_threshold_is_fixed_the_first_time_a_primary_shows_names() {
        let mut facts = Facts::default();
        track_sync_names(&mut facts, &primary("", 100));
        assert_eq!(facts.sync_names_lsn, None);
        track_sync_names(&mut facts, &primary("ANY 1 (\"a\")", 200));
        assert_eq!(facts.sync_names_lsn, Some(Lsn(200)));
        track_sync_names(&mut facts, &primary("ANY 1 (\"a\")", 300));
        assert_eq!(facts.sync_names_lsn, Some(Lsn(200)));
    }
}
