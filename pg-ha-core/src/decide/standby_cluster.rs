//! A standby cluster (`standby_cluster` with `host`, `port` or `restore_command`): the lock
//! holder is the standby leader and replicates from the remote primary (or its archive);
//! the other members follow it as usual. Its bootstrap clones the remote instead of
//! running initdb. Removing the section promotes the standby leader (`promote-cluster`);
//! adding it to a running cluster demotes the primary to a standby leader
//! (`demote-cluster`). No synchronous replication, no timeline check.

use super::leader_keys::key_repairs;
use super::slots::reserve_member_slots;
use super::{Action, Ctx, Decision, Reason};
use crate::model::Condition;
use crate::postgres::{PgRole, ProcessState, Upstream};

/// The lock holder of a standby cluster: keep the lease and run as a standby of `remote`,
/// with the slots of the other members for them to stream through.
pub(super) fn standby_leader(ctx: &Ctx<'_>, remote: Upstream) -> Decision {
    let mut actions = vec![Action::RenewLeader];
    actions.extend(key_repairs(ctx));
    match (ctx.pg.process, ctx.pg.role) {
        (ProcessState::Running, Some(PgRole::Primary)) => {
            actions.push(Action::Stop {
                mode: ctx.primary_stop(),
            });
            actions.push(Action::StartStandbyOfRemote(remote));
        }
        (ProcessState::Stopped | ProcessState::Crashed, _) => {
            actions.push(Action::StartStandbyOfRemote(remote))
        }
        (ProcessState::Running, _) if ctx.pg.upstream.as_deref() != Some(&remote.name) => {
            actions.push(Action::FollowRemote(remote))
        }
        (ProcessState::Running, _) => actions.extend(reserve_member_slots(ctx)),
        (ProcessState::Starting, _) => {}
    }
    Decision::act(Reason::StandbyLeader, actions).wake(ctx.now() + ctx.loop_wait())
}

/// The bootstrap race of a standby cluster: the winner clones the remote, starts as its
/// standby and takes the leader key.
pub(super) fn bootstrap_from_remote(ctx: &Ctx<'_>, remote: Upstream) -> Decision {
    Decision::act(
        Reason::Bootstrapping,
        vec![
            Action::AttemptInitialize,
            Action::CloneFromRemote(remote.clone()),
            Action::StartStandbyOfRemote(remote),
            Action::AcquireLeader,
            Action::WriteConfig {
                value: ctx.dynamic().to_json(),
                condition: Condition::Absent,
            },
        ],
    )
}

/// The election winner of a standby cluster follows the remote instead of promoting.
pub(super) fn won_standby_election(mut actions: Vec<Action>, remote: Upstream) -> Decision {
    actions.push(Action::FollowRemote(remote));
    Decision::act(Reason::StandbyLeader, actions)
}
