//! Synchronous replication on the leader (spec 2.9): which standbys are synchronous, and the
//! order in which the `sync` key and synchronous_standby_names change so that a name is in the
//! key only while it is in the GUC: removal from the key first, addition to the GUC first.
//! Quorum mode orders its changes in [`sync_quorum`].

use super::{sync_quorum, Action, Ctx};
use crate::config::SyncMode;
use crate::model::{Condition, SyncState};
use crate::postgres::SyncStandbyNames;
use crate::postgres::STRICT_PLACEHOLDER;

/// The next sync actions for a running primary holding the lease (empty when in step).
pub(super) fn sync_actions(ctx: &Ctx<'_>) -> Vec<Action> {
    match ctx.sync_mode() {
        SyncMode::Off => sync_off(ctx),
        mode => sync_on(ctx, mode),
    }
}

fn sync_off(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    if let Some(sync) = &ctx.cluster.sync {
        if sync.value.is_active() {
            actions.push(Action::DeleteSync {
                condition: Condition::Version(sync.version),
            });
        }
    }
    if !ctx.pg.sync_standby_names.is_empty() {
        actions.push(Action::SetSyncStandbyNames(SyncStandbyNames::Off));
    }
    actions
}

fn sync_on(ctx: &Ctx<'_>, mode: SyncMode) -> Vec<Action> {
    let me = ctx.me();
    let (listed, condition) = match &ctx.cluster.sync {
        Some(s)
            if s.value
                .leader
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(me)) =>
        {
            (s.value.members(), Condition::Version(s.version))
        }
        Some(s) => return vec![write(ctx, &[], Condition::Version(s.version))],
        None => return vec![write(ctx, &[], Condition::Absent)],
    };
    let desired = desired_standbys(ctx);
    if mode == SyncMode::Quorum {
        let quorum = ctx.cluster.sync.as_ref().map_or(0, |s| s.value.quorum);
        let target = guc_for(ctx, mode, &listed, &desired);
        let confirmed = target
            .real_names()
            .filter(|n| confirmed_sync(ctx, n))
            .count();
        let key = sync_quorum::Key::new(listed, quorum);
        return sync_quorum::quorum_actions(ctx, key, condition, target, confirmed as u32);
    }
    let kept: Vec<String> = if strict_needs(ctx, &listed, &desired) {
        listed.clone()
    } else {
        listed
            .iter()
            .filter(|n| contains(&desired, n))
            .cloned()
            .collect()
    };
    if kept.len() < listed.len() {
        // Removal: the key first; the GUC follows in the next step.
        return vec![write(ctx, &kept, condition)];
    }
    let guc = guc_for(ctx, mode, &listed, &desired);
    if guc.to_guc() != ctx.pg.sync_standby_names {
        // Addition: the GUC first; the key follows once the standby confirms.
        return vec![Action::SetSyncStandbyNames(guc)];
    }
    let confirmed: Vec<String> = desired
        .iter()
        .filter(|n| confirmed_sync(ctx, n))
        .cloned()
        .collect();
    let mut next = kept;
    for name in confirmed {
        if !contains(&next, &name) {
            next.push(name);
        }
    }
    if next.len() != listed.len() {
        return vec![write(ctx, &next, condition)];
    }
    Vec::new()
}

/// Streaming standbys eligible for sync duty, best first, at most synchronous_node_count
/// (in quorum mode: all of them). With `maximum_lag_on_syncnode` above 0, a standby whose
/// flushed position is further behind the primary's than that is not eligible (a listed one
/// is then swapped for another, or, in strict mode, kept while nobody else qualifies).
fn desired_standbys(ctx: &Ctx<'_>) -> Vec<String> {
    let max_lag = u64::try_from(ctx.dynamic().maximum_lag_on_syncnode)
        .ok()
        .filter(|lag| *lag > 0);
    let primary_lsn = ctx.pg.write_lsn.map_or(0, |l| l.0);
    let mut candidates: Vec<(i64, bool, u64, String)> = Vec::new();
    for conn in &ctx.pg.replicas {
        let Some(member) = ctx
            .cluster
            .members
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(&conn.application_name))
        else {
            continue;
        };
        let tags = &member.data.tags;
        if conn.state != "streaming" || tags.nosync() || tags.nostream() || member.name == ctx.me()
        {
            continue;
        }
        let listed = ctx
            .cluster
            .sync
            .as_ref()
            .is_some_and(|s| s.value.has_standby(&member.name));
        let lsn = conn.flush_lsn.map_or(0, |l| l.0);
        if max_lag.is_some_and(|max| primary_lsn.saturating_sub(lsn) > max) {
            continue;
        }
        candidates.push((tags.sync_priority(), listed, lsn, member.name.clone()));
    }
    candidates.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(a.3.cmp(&b.3))
    });
    let names = candidates.into_iter().map(|c| c.3);
    match ctx.sync_mode() {
        SyncMode::Quorum => names.collect(),
        _ => names
            .take(ctx.dynamic().synchronous_node_count as usize)
            .collect(),
    }
}

/// Strict mode keeps listed standbys while fewer than synchronous_node_count are available.
fn strict_needs(ctx: &Ctx<'_>, listed: &[String], desired: &[String]) -> bool {
    ctx.dynamic().synchronous_mode_strict
        && desired.len() < ctx.dynamic().synchronous_node_count as usize
        && !listed.is_empty()
}

fn guc_for(
    ctx: &Ctx<'_>,
    mode: SyncMode,
    listed: &[String],
    desired: &[String],
) -> SyncStandbyNames {
    let mut names: Vec<String> = desired.to_vec();
    if strict_needs(ctx, listed, desired) {
        for n in listed {
            if !contains(&names, n) {
                names.push(n.clone());
            }
        }
    }
    if names.is_empty() {
        if !ctx.dynamic().synchronous_mode_strict {
            return SyncStandbyNames::Off;
        }
        names.push(STRICT_PLACEHOLDER.to_string());
    }
    names.sort();
    let wanted = ctx.dynamic().synchronous_node_count;
    match mode {
        SyncMode::Quorum => {
            let count = wanted.min(names.len() as u32).max(1);
            SyncStandbyNames::Any { count, names }
        }
        _ => SyncStandbyNames::First {
            count: wanted.min(names.len() as u32).max(1),
            names,
        },
    }
}

/// A standby confirmed as synchronous: PostgreSQL reports it `sync`/`quorum`, and it has
/// flushed past the primary's position at the time the GUC listed it (spec 2.9), so it holds
/// every commit acknowledged before it became synchronous.
fn confirmed_sync(ctx: &Ctx<'_>, name: &str) -> bool {
    let threshold = ctx.obs.facts.sync_names_lsn.or(ctx.pg.write_lsn);
    ctx.pg.replicas.iter().any(|r| {
        r.application_name.eq_ignore_ascii_case(name)
            && matches!(r.sync_state.as_str(), "sync" | "quorum")
            && r.flush_lsn
                .is_some_and(|f| threshold.is_none_or(|t| f >= t))
    })
}

/// The key naming `standbys` (quorum mode writes its own through [`sync_quorum`]; a fresh
/// key lists no voters, so its quorum of 0 lets nobody but the leader take over).
fn write(ctx: &Ctx<'_>, standbys: &[String], condition: Condition) -> Action {
    let state = SyncState::new(ctx.me(), standbys, 0);
    Action::WriteSync { state, condition }
}

fn contains(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}
