//! No node holds the leader key: race for it if this node is the healthiest (spec 2.3).

use super::promote::promotion;
use super::standby_cluster::won_standby_election;
use super::{Action, Ctx, Decision, Ineligible, Reason};
use crate::config::SyncMode;
use crate::model::{Condition, Failover};
use crate::postgres::{PgRole, ProcessState, StopMode};

/// Decides for a node when the cluster has no leader.
pub(super) fn elect(ctx: &Ctx<'_>) -> Decision {
    match ctx.pg.process {
        ProcessState::Stopped | ProcessState::Crashed => Decision::act(
            Reason::StartingAsReplica,
            vec![Action::StartStandby { upstream: None }],
        ),
        ProcessState::Starting => {
            Decision::idle(Reason::NotHealthiest(Ineligible::PostgresNotRunning))
        }
        ProcessState::Running => race(ctx),
    }
}

fn race(ctx: &Ctx<'_>) -> Decision {
    if let Some(until) = super::race_backoff::race_backoff(ctx) {
        return Decision::idle(Reason::NotHealthiest(Ineligible::RaceBackoff)).wake(until);
    }
    match healthiest(ctx) {
        Ok(()) => {
            let mut actions = vec![Action::AcquireLeader];
            if ctx.cluster.failover_request().is_some() {
                actions.push(Action::ClearFailover {
                    condition: Condition::Any,
                });
            }
            if ctx.pg.role == Some(PgRole::Primary) {
                return Decision::act(Reason::AcquiringLeader, actions);
            }
            if let Some(remote) = ctx.dynamic().remote_upstream() {
                return won_standby_election(actions, remote);
            }
            actions.extend(promotion(ctx));
            Decision::act(Reason::Promoting, actions)
        }
        Err(why) if ctx.pg.role == Some(PgRole::Primary) => Decision::act(
            Reason::NotHealthiest(why),
            vec![
                Action::Stop {
                    mode: StopMode::Immediate,
                },
                Action::StartStandby { upstream: None },
            ],
        ),
        Err(why) => Decision::idle(Reason::NotHealthiest(why)),
    }
}

/// Patroni's `is_healthiest_node`, with the reason when this node is not. Also asked again
/// by a standby that holds the leader key but has not promoted yet, on this cycle's view (as
/// Patroni's `enforce_primary_role`, which will not promote a node the `sync` key does not
/// list).
pub(super) fn healthiest(ctx: &Ctx<'_>) -> Result<(), Ineligible> {
    if let Some((leader, at)) = &ctx.obs.facts.failsafe_leader {
        if leader != ctx.me() && ctx.now() < *at + ctx.dynamic().ttl {
            return Err(Ineligible::FailsafeLeaderAlive {
                leader: leader.clone(),
            });
        }
    }
    // Before the failover key too: a primary riding on failsafe only asked the members of
    // the map, so a node outside it may not know the primary still runs; and a nofailover
    // node never leads, not even as a switchover's candidate (as Patroni).
    failsafe_membership(ctx)?;
    if ctx.cfg.node.tags.nofailover() {
        return Err(Ineligible::NoFailover);
    }
    if let Some(request) = ctx
        .cluster
        .failover_request()
        .filter(|r| !scheduled_later(ctx, &r.value))
    {
        return manual(ctx, &request.value);
    }
    if ctx.obs.facts.watchdog_unusable {
        return Err(Ineligible::WatchdogUnusable);
    }
    sync_membership(ctx)?;
    if ctx.pg.role == Some(PgRole::Primary) {
        primary_timeline(ctx)?;
        return no_peer_on_later_timeline(ctx);
    }
    let position = ctx.pg.wal_position().ok_or(Ineligible::PositionUnknown)?.0;
    if !sync_guarantees_me(ctx) {
        lag(ctx, position)?;
    }
    // A timeline older than the history's does not bar an automatic promotion: the node that
    // started the newer one may have died before anyone followed it, and waiting for it
    // could leave the cluster without a primary for good. Peers that did follow it win the
    // comparison below, and the promotion skips the numbers taken (`Action::Promote`).
    check_timeline(ctx)?;
    let former = ctx.obs.facts.last_leader.as_deref();
    peers(
        ctx,
        position,
        Compare {
            former_leader: former,
            exclude_former: false,
        },
    )?;
    quorum(ctx, position)
}

/// In the race after a request whose candidate cannot take over, a node on a timeline older
/// than the history's races as in an election: within maximum_lag_on_failover of the WAL
/// the cluster is known to have had. Refusing it outright would leave the cluster without a
/// primary for good once the node that started the newer timeline is lost (a stale switchover
/// key naming it; seed 2648 of `--space lossy`). The promotion goes above every taken number.
fn behind_the_history(ctx: &Ctx<'_>, position: u64) -> Result<(), Ineligible> {
    match history_timeline(ctx) {
        Ok(()) => Ok(()),
        Err(behind) => lag(ctx, position).map_err(|_| behind),
    }
}

/// A switchover scheduled for later does not steer a leaderless race.
fn scheduled_later(ctx: &Ctx<'_>, request: &Failover) -> bool {
    request
        .scheduled_at_millis()
        .is_some_and(|at| ctx.wall_since(at) < 0)
}

/// A manual failover or switchover never promotes a node on a timeline older than the
/// cluster's history says: the operator asked for a healthy candidate, and one that missed a
/// whole timeline is not. A timeline announced before a promotion that never happened does
/// not count (see [`Ctx::cluster_timeline`]).
fn history_timeline(ctx: &Ctx<'_>) -> Result<(), Ineligible> {
    let cluster = ctx.cluster_timeline();
    match ctx.pg.timeline {
        Some(local) if local < cluster => Err(Ineligible::TimelineBehind { local, cluster }),
        _ => Ok(()),
    }
}

/// A failover key decides: the named candidate races alone; otherwise everyone but the old
/// leader races without the lag check, and the old leader takes the key back only when no one
/// else may. The candidate and the old leader never race from a timeline older than the
/// history's; in the race of everyone else such a node needs what an election needs (see
/// [`behind_the_history`]). In
/// `synchronous_mode: on`, a switchover's candidate must be a synchronous member: a planned
/// switchover never loses an acknowledged commit (only a manual failover, which names no
/// leader, may promote an asynchronous node).
fn manual(ctx: &Ctx<'_>, request: &Failover) -> Result<(), Ineligible> {
    let me = ctx.me();
    let needed = switchover_final(ctx, request);
    let switchover = request.leader.is_some();
    if request.member.as_deref() == Some(me) {
        // No lag check for a named candidate (as Patroni), but never a timeline collision,
        // never without the WAL the old leader stopped at, and never a switchover to a node
        // that may lack synchronously acknowledged commits.
        if switchover && !may_promote(ctx, me) {
            return Err(Ineligible::NotSyncStandby);
        }
        history_timeline(ctx)?;
        has_final(ctx, needed)?;
        if switchover && ctx.sync_mode() == SyncMode::Quorum {
            // The old leader is gone: only the voters' positions show that this node has
            // every commit a quorum acknowledged.
            let position = ctx.pg.wal_position().ok_or(Ineligible::PositionUnknown)?.0;
            quorum(ctx, position)?;
        }
        return Ok(());
    }
    if request.leader.as_deref() == Some(me) {
        // The old leader takes the key back only as a synchronous member: once another node
        // took over the `sync` key, that node may hold commits this one lacks. It defers to
        // another node only if that one could take over: in quorum mode, one that can gather
        // the votes (seed 175986 of `--space full`: the named candidate, behind the others,
        // waited for votes and the old leader waited for it, for good).
        if !may_promote(ctx, me) {
            return Err(Ineligible::NotSyncStandby);
        }
        let cluster_timeline = ctx.cluster_timeline();
        let others = ctx.obs.peers.iter().any(|p| {
            p.status.as_ref().is_some_and(|s| {
                s.failover_priority > 0
                    && !s.is_primary
                    && s.timeline.is_none_or(|t| t >= cluster_timeline)
                    && reaches(s, needed)
            }) && may_promote(ctx, &p.name)
                && votes_in_quorum(ctx, &p.name)
                && failsafe_allows(ctx, &p.name)
                && candidate_can_gather_votes(ctx, &p.name)
        });
        if others {
            return Err(Ineligible::NotTheCandidate {
                candidate: request.member.clone().unwrap_or_default(),
            });
        }
        // Taking the key back is a promotion too when this node already runs as a replica:
        // never from a timeline older than the history's. The WAL it needs is its own: a
        // published position beyond it was written by an earlier leader on another branch
        // (this one died before it published), and waiting for it would leave the cluster
        // without a primary for good. In quorum mode it needs the votes any candidate
        // needs: once the switchover's new leader took the `sync` key, that leader may hold
        // commits this node lacks (seed 87091 of the simulator's full space lost one).
        history_timeline(ctx)?;
        if ctx.sync_mode() == SyncMode::Quorum && !ctx.pg.is_running_primary() {
            let position = ctx.pg.wal_position().ok_or(Ineligible::PositionUnknown)?.0;
            quorum(ctx, position)?;
        }
        return Ok(());
    }
    if let Some(candidate) = request.member.as_deref() {
        // A candidate that may never promote (outside the sync key of a switchover, outside
        // the failsafe map, short of quorum votes) does not hold the others back for good.
        let eligible = (!switchover || may_promote(ctx, candidate))
            && failsafe_allows(ctx, candidate)
            && candidate_can_gather_votes(ctx, candidate);
        if ctx.dynamic().pause || (eligible && candidate_healthy(ctx, candidate, needed)) {
            return Err(Ineligible::NotTheCandidate {
                candidate: candidate.to_string(),
            });
        }
    }
    sync_membership(ctx)?;
    has_final(ctx, needed)?;
    let position = ctx.pg.wal_position().ok_or(Ineligible::PositionUnknown)?.0;
    behind_the_history(ctx, position)?;
    check_timeline(ctx)?;
    let former = request.leader.as_deref();
    peers(
        ctx,
        position,
        Compare {
            former_leader: former,
            exclude_former: true,
        },
    )?;
    // In quorum mode the race after a request needs the votes an election needs: the
    // acknowledged commits may be on any `quorum` of the voters.
    quorum(ctx, position)
}

/// In `synchronous_mode: on` with sync active, only sync members may take over.
pub(super) fn may_promote(ctx: &Ctx<'_>, name: &str) -> bool {
    if ctx.sync_mode() != SyncMode::On {
        return true;
    }
    ctx.sync_in_force().is_none_or(|s| s.value.is_member(name))
}

/// How peers are compared: the former leader's priority never wins a tie; in a manual
/// failover it does not take part at all.
#[derive(Clone, Copy)]
struct Compare<'a> {
    former_leader: Option<&'a str>,
    exclude_former: bool,
}

fn candidate_healthy(ctx: &Ctx<'_>, candidate: &str, needed: Option<u64>) -> bool {
    let cluster_timeline = ctx.cluster_timeline();
    ctx.obs.peers.iter().any(|p| {
        p.name == candidate
            && p.status.as_ref().is_some_and(|s| {
                s.failover_priority > 0
                    && s.timeline.is_none_or(|t| t >= cluster_timeline)
                    && reaches(s, needed)
            })
    })
}

/// In a switchover whose old leader is still a member: the last position it published
/// (its shutdown checkpoint, once it stopped). Nobody promotes without that WAL; once the old
/// leader's member key is gone, it is an ordinary failover again. When the history says the
/// old leader's timeline has ended (another node was promoted since), WAL it published past
/// that switch point is on a dead branch nobody can reach: only the WAL up to the switch
/// point is needed (seed 47790 of the simulator's full space stayed without a primary).
fn switchover_final(ctx: &Ctx<'_>, request: &Failover) -> Option<u64> {
    let leader = ctx.member(request.leader.as_deref()?)?;
    let published = ctx.cluster.status.optime?;
    let ended = leader
        .data
        .timeline
        .and_then(|tl| ctx.cluster.history.switch_point(tl));
    Some(ended.map_or(published, |switch| published.min(switch)))
}

/// This node has the WAL up to `needed`.
fn has_final(ctx: &Ctx<'_>, needed: Option<u64>) -> Result<(), Ineligible> {
    let Some(needed) = needed else {
        return Ok(());
    };
    let position = ctx.pg.wal_position().map_or(0, |l| l.0);
    if position < needed {
        return Err(Ineligible::MissingFinalWal { position, needed });
    }
    Ok(())
}

/// A peer's report shows the WAL up to `needed`.
fn reaches(status: &crate::peers::PeerStatus, needed: Option<u64>) -> bool {
    needed.is_none_or(|n| status.wal_position.is_some_and(|w| w.0 >= n))
}

fn failsafe_membership(ctx: &Ctx<'_>) -> Result<(), Ineligible> {
    if failsafe_allows(ctx, ctx.me()) {
        Ok(())
    } else {
        Err(Ineligible::NotInFailsafeMap)
    }
}

/// With failsafe_mode on and a non-empty `failsafe` map, only its members may race.
fn failsafe_allows(ctx: &Ctx<'_>, name: &str) -> bool {
    ctx.cluster
        .failsafe
        .as_ref()
        .filter(|m| ctx.dynamic().failsafe_mode && !m.0.is_empty())
        .is_none_or(|map| map.0.contains_key(name))
}

/// In `synchronous_mode: on`, only the sync leader and listed standbys may promote.
fn sync_membership(ctx: &Ctx<'_>) -> Result<(), Ineligible> {
    if ctx.sync_mode() != SyncMode::On {
        return Ok(());
    }
    match ctx.sync_in_force() {
        Some(sync) if !sync.value.is_member(ctx.me()) => Err(Ineligible::NotSyncStandby),
        _ => Ok(()),
    }
}

/// In `synchronous_mode: on`, a member of the active `sync` key holds every acknowledged
/// commit: the WAL it lacks was never acknowledged, so maximum_lag_on_failover does not bar it.
/// (Patroni checks the lag anyway, and stays without a primary when the only sync member lags
/// behind an optime published on a branch that has since ended.)
fn sync_guarantees_me(ctx: &Ctx<'_>) -> bool {
    ctx.sync_mode() == SyncMode::On
        && ctx
            .sync_in_force()
            .is_some_and(|s| s.value.is_member(ctx.me()))
}

/// A running primary without the key may retake it unless it is on an older timeline than the
/// cluster's history (a frozen old primary).
fn primary_timeline(ctx: &Ctx<'_>) -> Result<(), Ineligible> {
    let cluster = ctx.cluster_timeline();
    match ctx.pg.timeline {
        Some(local) if local < cluster => Err(Ineligible::TimelineBehind { local, cluster }),
        _ => Ok(()),
    }
}

/// A primary that lost its key (e.g. frozen past its lease) may not take it back when a peer
/// runs on a later timeline: another node was promoted meanwhile, even if it could not yet
/// write the history.
fn no_peer_on_later_timeline(ctx: &Ctx<'_>) -> Result<(), Ineligible> {
    let mine = ctx.pg.timeline.unwrap_or(0);
    for report in &ctx.obs.peers {
        if report
            .status
            .as_ref()
            .and_then(|s| s.timeline)
            .is_some_and(|t| t > mine)
        {
            return Err(Ineligible::PeerAhead {
                peer: report.name.clone(),
            });
        }
    }
    Ok(())
}

/// Lag behind the WAL the cluster is known to have had: the leader's last published optime
/// (capped where its timeline ended, when the history says it has: seed 337253 of the
/// simulator's full space waited for good on WAL of an abandoned branch), and, for a node on
/// a timeline the history says has ended, the point where it ended.
fn lag(ctx: &Ctx<'_>, position: u64) -> Result<(), Ineligible> {
    let max = ctx.dynamic().maximum_lag_on_failover;
    let optime = ctx
        .cluster
        .status
        .reachable_optime(&ctx.cluster.history)
        .unwrap_or(0);
    let switch = ctx
        .pg
        .timeline
        .and_then(|tl| ctx.cluster.history.switch_point(tl))
        .unwrap_or(0);
    let lag = optime.max(switch).saturating_sub(position);
    if lag > max {
        return Err(Ineligible::Lagging { lag, max });
    }
    Ok(())
}

fn check_timeline(ctx: &Ctx<'_>) -> Result<(), Ineligible> {
    if !ctx.dynamic().check_timeline || ctx.dynamic().is_standby_cluster() {
        return Ok(());
    }
    let cluster = ctx.election_timeline();
    match ctx.pg.timeline {
        Some(local) if local >= cluster => Ok(()),
        local => Err(Ineligible::TimelineBehind {
            local: local.unwrap_or(0),
            cluster,
        }),
    }
}

/// Compares with every peer that answered: a primary blocks; a later timeline, or more WAL on
/// the same timeline, blocks; the same WAL with a higher failover_priority blocks. Peers that could not be asked
/// are skipped (as Patroni does); nofailover peers, in sync mode non-sync peers, and peers
/// outside the failsafe map (unless primary) do not count.
fn peers(ctx: &Ctx<'_>, position: u64, compare: Compare<'_>) -> Result<(), Ineligible> {
    let my_priority = ctx.cfg.node.tags.failover_priority();
    let my_timeline = ctx.pg.timeline.unwrap_or(0);
    for report in &ctx.obs.peers {
        let Some(status) = &report.status else {
            continue;
        };
        let peer = report.name.clone();
        if status.is_primary {
            return Err(Ineligible::PeerIsPrimary { peer });
        }
        let former = compare.former_leader == Some(report.name.as_str());
        if status.failover_priority <= 0
            || status.watchdog_failed
            || (former && compare.exclude_former)
        {
            continue;
        }
        if !may_promote(ctx, &report.name) {
            continue;
        }
        if !failsafe_allows(ctx, &peer) {
            // Outside the failsafe map it may never promote: deferring to it waits for good.
            continue;
        }
        let theirs = (
            status.timeline.unwrap_or(0),
            status.wal_position.map_or(0, |l| l.0),
        );
        let mine = (my_timeline, position);
        if theirs > mine {
            return Err(Ineligible::PeerAhead { peer });
        }
        if theirs == mine
            && status.failover_priority > my_priority
            && !former
            && votes_in_quorum(ctx, &peer)
        {
            return Err(Ineligible::PeerPreferred { peer });
        }
    }
    Ok(())
}

/// In quorum mode only a member of the `sync` key's voting set (its leader and standbys, as
/// Patroni) counts: only a voter's higher failover_priority defers this node, and only a
/// voter is counted on to take over from a switchover's old leader. Other modes: anyone.
fn votes_in_quorum(ctx: &Ctx<'_>, name: &str) -> bool {
    ctx.sync_mode() != SyncMode::Quorum
        || ctx
            .cluster
            .sync_state()
            .is_none_or(|s| s.value.is_member(name))
}

/// Quorum mode: the voters at or behind this node (itself included, if a voter) must be more
/// than `sync.quorum`, so that they intersect every set that acknowledged a commit.
fn quorum(ctx: &Ctx<'_>, position: u64) -> Result<(), Ineligible> {
    let me = Wal {
        timeline: ctx.pg.timeline.unwrap_or(0),
        position,
        history: Some(&ctx.pg.timeline_history),
    };
    quorum_for(ctx, ctx.me(), me)
}

/// A node's WAL as a vote compares it: its timeline and position, and (for this node) the
/// history of its timeline.
#[derive(Clone, Copy)]
struct Wal<'a> {
    timeline: u32,
    position: u64,
    history: Option<&'a [(u32, crate::lsn::Lsn)]>,
}

impl Wal<'_> {
    /// True when a voter's WAL (`timeline`, `position`) is all in this WAL: on the same
    /// timeline and not further, or on an earlier timeline of this one's history and not
    /// past the point where that timeline ended. A voter on a later timeline, or past the
    /// switch point on its branch, holds WAL this one lacks (seed 185693 of `--space full`:
    /// a raw position compared across timelines counted a voter on the new timeline for a
    /// candidate on the abandoned branch, which lost the new primary's commits). Without the
    /// history, an earlier timeline is compared by position alone.
    fn holds(&self, timeline: u32, position: u64) -> bool {
        if timeline == self.timeline || timeline == 0 {
            return position <= self.position;
        }
        if timeline > self.timeline {
            return false;
        }
        let switch = self.history.and_then(|h| {
            h.iter()
                .find(|(tl, _)| *tl == timeline)
                .map(|(_, lsn)| lsn.0)
        });
        position <= switch.unwrap_or(self.position).min(self.position)
    }
}

/// [`quorum`] for `who` with `wal`, as this node sees the others: the peers that answered,
/// and this node itself when `who` is another node.
fn quorum_for(ctx: &Ctx<'_>, who: &str, wal: Wal<'_>) -> Result<(), Ineligible> {
    if ctx.sync_mode() != SyncMode::Quorum {
        return Ok(());
    }
    let Some(sync) = ctx.cluster.sync_state() else {
        return Ok(());
    };
    // The key's leader votes too (Patroni's voting set): a former leader that is not ahead
    // of this node proves it holds every commit that leader acknowledged.
    let is_voter = |name: &str| sync.value.is_member(name);
    let mut votes = u32::from(is_voter(who));
    let mut ahead = false;
    // Only a server that runs and reports WAL votes (as Patroni: position > 0).
    let mine = (who != ctx.me())
        .then(|| {
            let position = ctx.pg.wal_position().map(|l| l.0);
            (ctx.me(), ctx.pg.timeline.unwrap_or(0), position)
        })
        .filter(|_| !ctx.pg.is_running_primary());
    let peers = ctx.obs.peers.iter().filter_map(|report| {
        let status = report.status.as_ref().filter(|s| !s.is_primary)?;
        let position = status.wal_position.map(|l| l.0);
        Some((report.name.as_str(), status.timeline.unwrap_or(0), position))
    });
    for (name, timeline, theirs) in peers.chain(mine).filter(|(name, _, _)| *name != who) {
        let Some(theirs) = theirs.filter(|p| *p > 0) else {
            continue;
        };
        if !wal.holds(timeline, theirs) {
            ahead = true;
        } else if is_voter(name) {
            votes += 1;
        }
    }
    let needed = sync.value.quorum + 1;
    let former_leader = sync
        .value
        .leader
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case(who));
    if votes >= needed || (former_leader && !ahead) {
        Ok(())
    } else {
        Err(Ineligible::NoQuorum { votes, needed })
    }
}

/// Quorum mode: whether the named candidate, at the position it reported, can gather the
/// votes of the voters this node sees (itself included); one that cannot would hold the
/// others back for good.
fn candidate_can_gather_votes(ctx: &Ctx<'_>, candidate: &str) -> bool {
    let status = ctx
        .obs
        .peers
        .iter()
        .find(|p| p.name == candidate)
        .and_then(|p| p.status.as_ref());
    let wal = Wal {
        timeline: status.and_then(|s| s.timeline).unwrap_or(0),
        position: status.and_then(|s| s.wal_position).map_or(0, |l| l.0),
        history: None,
    };
    quorum_for(ctx, candidate, wal).is_ok()
}
