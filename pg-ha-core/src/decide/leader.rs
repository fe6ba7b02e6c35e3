//! This node holds the leader key.

use super::handover::{handover, Handover};
use super::promote::{promotion, skipped_entry};
use super::slots::{retained_members, slot_actions, slot_positions};
use super::standby_cluster::standby_leader;
use super::switchover::{handing_over, switchover};
use super::sync::sync_actions;
use super::{Action, Ctx, Decision, Reason};
use crate::model::{Condition, Failsafe, History, HistoryEntry, Status};
use crate::postgres::{DataDirState, PgRole, ProcessState};

/// Decides for the lease holder: renew first, then act on PostgreSQL's state.
pub(super) fn lead(ctx: &Ctx<'_>) -> Decision {
    if let Some(remote) = ctx.dynamic().remote_upstream() {
        return standby_leader(ctx, remote);
    }
    match (ctx.pg.process, ctx.pg.role) {
        (ProcessState::Running, Some(PgRole::Primary)) => running_primary(ctx),
        (ProcessState::Running, _) if ctx.obs.facts.promotion_refused => {
            Decision::act(Reason::PromotionRefused, vec![Action::ReleaseLeader])
        }
        (ProcessState::Running, _) if ctx.obs.facts.watchdog_failed => {
            Decision::act(Reason::WatchdogFailed, vec![Action::ReleaseLeader])
        }
        (ProcessState::Running, _) => {
            let mut actions = vec![Action::RenewLeader];
            actions.extend(promotion(ctx));
            Decision::act(Reason::Promoting, actions)
        }
        (ProcessState::Starting, _) => Decision::act(
            Reason::PrimaryRestarting {
                down_for: down_for(ctx),
            },
            vec![Action::RenewLeader],
        ),
        (ProcessState::Stopped | ProcessState::Crashed, _) => match handing_over(ctx) {
            Some(candidate) => handover(ctx, Handover::Switchover { candidate }),
            None => primary_down(ctx),
        },
    }
}

fn running_primary(ctx: &Ctx<'_>) -> Decision {
    let mut actions = vec![Action::RenewLeader];
    if let Some(decision) = switchover(ctx) {
        let mut all = actions;
        all.extend(decision.actions);
        return Decision {
            actions: all,
            ..decision
        };
    }
    actions.extend(repairs(ctx));
    let sync = sync_actions(ctx);
    let reason = if sync.is_empty() {
        Reason::LeaderRenewed
    } else {
        Reason::SyncUpdate
    };
    actions.extend(sync);
    actions.extend(slot_actions(ctx));
    Decision::act(reason, actions).wake(ctx.now() + ctx.loop_wait())
}

/// The lease holder's PostgreSQL is down: restart it in place within primary_start_timeout;
/// after that, give the lease up if another member can take over.
fn primary_down(ctx: &Ctx<'_>) -> Decision {
    let down = down_for(ctx);
    let timeout = ctx.dynamic().primary_start_timeout;
    let others = ctx
        .failover_targets()
        .any(|m| m.data.state == crate::model::MemberState::Running);
    if down >= timeout && others {
        return Decision::act(Reason::PrimaryStartTimedOut, vec![Action::ReleaseLeader]);
    }
    let standby = matches!(
        ctx.pg.data_dir,
        DataDirState::Initialized {
            standby_signal: true,
            ..
        }
    );
    let start = if standby {
        Action::StartStandby { upstream: None }
    } else {
        Action::StartPrimary
    };
    let mut decision = Decision::act(
        Reason::PrimaryRestarting { down_for: down },
        vec![Action::RenewLeader, start],
    );
    if let Some(since) = ctx.obs.facts.primary_down_since {
        decision = decision.wake(since + timeout);
    }
    decision
}

fn down_for(ctx: &Ctx<'_>) -> std::time::Duration {
    ctx.obs
        .facts
        .primary_down_since
        .map_or(std::time::Duration::ZERO, |t| ctx.now().since(t))
}

/// Keeps `initialize`, `config`, `status`, `history` and `failsafe` right.
fn repairs(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = key_repairs(ctx);
    if let Some(history) = history_update(ctx) {
        actions.push(Action::WriteHistory(history));
    }
    actions.extend(status_and_failsafe(ctx));
    actions
}

/// Keeps `initialize` (the system id) and `config` right.
pub(super) fn key_repairs(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    if let Some(sysid) = ctx.pg.sysid() {
        if ctx.cluster.initialize.as_deref() != Some(sysid) {
            actions.push(Action::WriteInitialize {
                sysid: sysid.to_string(),
            });
        }
    }
    if ctx.cluster.config.is_none() {
        actions.push(Action::WriteConfig {
            value: ctx.dynamic().to_json(),
            condition: Condition::Any,
        });
    }
    actions
}

/// Keeps `status` (optime, slots) and `failsafe` right.
fn status_and_failsafe(ctx: &Ctx<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    if let Some(lsn) = ctx.pg.write_lsn {
        let retain_slots = if ctx.dynamic().postgresql.use_slots {
            retained_members(ctx)
        } else {
            Vec::new()
        };
        let slots = slot_positions(ctx);
        let status = &ctx.cluster.status;
        let changed = status.optime != Some(lsn.0)
            || status.retain_slots != retain_slots
            || (ctx.pg.slots.is_some() && status.slots != slots);
        if changed {
            let slots = match ctx.pg.slots {
                Some(_) => slots,
                None => status.slots.clone(),
            };
            actions.push(Action::WriteStatus(Status {
                optime: Some(lsn.0),
                slots,
                retain_slots,
            }));
        }
    }
    if ctx.dynamic().failsafe_mode {
        let map = failsafe_map(ctx);
        if ctx.cluster.failsafe.as_ref() != Some(&map) {
            actions.push(Action::WriteFailsafe(map));
        }
    }
    actions
}

/// The history the cluster should show: rebuilt from the primary's own timeline history
/// file (keeping timestamps of entries already in the key), plus an entry for each number
/// the promotion skipped, when the key differs from it.
fn history_update(ctx: &Ctx<'_>) -> Option<History> {
    let timeline = ctx.pg.timeline?;
    if ctx.pg.timeline_history.is_empty() {
        return None;
    }
    let existing = &ctx.cluster.history.0;
    let mut entries: Vec<HistoryEntry> = ctx
        .pg
        .timeline_history
        .iter()
        .map(|(tl, lsn)| {
            let kept = existing
                .iter()
                .find(|e| e.timeline == *tl && e.switch_lsn == lsn.0);
            kept.cloned().unwrap_or_else(|| HistoryEntry {
                timeline: *tl,
                switch_lsn: lsn.0,
                reason: "no recovery target specified".to_string(),
                timestamp: None,
                new_leader: (*tl + 1 == timeline).then(|| ctx.me().to_string()),
            })
        })
        .collect();
    let in_file: Vec<u32> = entries.iter().map(|e| e.timeline).collect();
    for tl in (1..timeline).filter(|tl| !in_file.contains(tl)) {
        let kept = existing
            .iter()
            .find(|e| e.timeline == tl && e.switch_lsn == 0);
        entries.push(kept.cloned().unwrap_or_else(|| skipped_entry(tl, ctx.me())));
    }
    entries.sort_by_key(|e| e.timeline);
    let max = ctx.dynamic().max_timelines_history as usize;
    if max > 0 && entries.len() > max {
        entries.drain(..entries.len() - max);
    }
    let same = |a: &[HistoryEntry], b: &[HistoryEntry]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.timeline == y.timeline && x.switch_lsn == y.switch_lsn)
    };
    (!same(&entries, existing)).then_some(History(entries))
}

fn failsafe_map(ctx: &Ctx<'_>) -> Failsafe {
    let mut map = Failsafe::default();
    for m in &ctx.cluster.members {
        if let Some(api) = &m.data.api_url {
            map.0.insert(m.name.clone(), api.clone());
        }
    }
    map.0
        .insert(ctx.me().to_string(), ctx.cfg.node.api_url.clone());
    map
}
