//! `Ledger`: the client's writes and which commits were acknowledged.
//!
//! A write goes to a node whose PostgreSQL accepts writes. With an empty
//! `synchronous_standby_names` it is acknowledged at once; otherwise only once the standbys
//! it names have received it (`FIRST n`: the first n listed that stream from the primary;
//! `ANY n`: any n listed). A commit acknowledged while synchronous_mode is on is *guaranteed*
//! (it must survive every failover and switchover; only a manual failover or turning
//! synchronous_mode off forgives it) when its primary waited for a standby to have it, or
//! when the `sync` key named that primary as leader (no other node may then promote). The
//! key can only add guarantees: deleting it wrongly forgives nothing.

use super::postgres::sync_set;
use super::state::SimState;
use super::wal::Commit;
use crate::postgres::SyncStandbyNames;
use std::collections::BTreeMap;

/// A write waiting for its synchronous standbys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pending {
    node: usize,
    commit: Commit,
}

/// An acknowledgement the client received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The primary that acknowledged.
    pub node: usize,
    /// The commit.
    pub commit: Commit,
    /// Protected by synchronous replication.
    pub guaranteed: bool,
}

/// The client's record of writes.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    pending: Vec<Pending>,
    /// Guaranteed commits, summarised as the highest LSN per branch (holding the highest
    /// implies holding every earlier one on that branch).
    guaranteed: BTreeMap<u64, u64>,
    /// Writes attempted.
    pub attempted: u64,
    /// Writes acknowledged.
    pub acknowledged: u64,
    /// Writes acknowledged under the synchronous guarantee.
    pub guaranteed_count: u64,
    /// Every acknowledged commit, as the highest acknowledged LSN per branch.
    acknowledged_upto: BTreeMap<u64, u64>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Writes `bytes` to node `node` (which accepts writes).
    pub fn write(&mut self, state: &mut SimState, node: usize, bytes: u64) {
        let Some(data) = state.nodes[node].pg.data.as_mut() else {
            return;
        };
        let commit = data.wal.append(bytes);
        self.attempted += 1;
        self.pending.push(Pending { node, commit });
    }

    /// Acknowledges every pending commit whose standbys have it; drops those whose primary
    /// stopped being a primary on that branch (the client saw an error). `sync_on`: the
    /// operator's synchronous_mode; `key_leader`: the `sync` key's leader.
    pub fn settle(
        &mut self,
        state: &SimState,
        sync_on: bool,
        key_leader: Option<&str>,
    ) -> Vec<Ack> {
        let mut acks = Vec::new();
        let mut keep = Vec::new();
        for p in std::mem::take(&mut self.pending) {
            let node = &state.nodes[p.node];
            let alive = node.pg.is_running_primary()
                && node.pg.wal().is_some_and(|w| w.branch() == p.commit.branch);
            if !alive {
                continue;
            }
            if !confirmed(state, p.node, p.commit) {
                keep.push(p);
                continue;
            }
            let waited = node.pg.sync_names != SyncStandbyNames::Off;
            let named = key_leader.is_some_and(|l| l.eq_ignore_ascii_case(&node.name));
            let guaranteed = sync_on && (waited || named);
            acks.push(Ack {
                node: p.node,
                commit: p.commit,
                guaranteed,
            });
        }
        self.pending = keep;
        for ack in &acks {
            self.acknowledged += 1;
            let last = self.acknowledged_upto.entry(ack.commit.branch).or_insert(0);
            *last = (*last).max(ack.commit.lsn);
            if ack.guaranteed {
                self.guaranteed_count += 1;
                let best = self.guaranteed.entry(ack.commit.branch).or_insert(0);
                *best = (*best).max(ack.commit.lsn);
            }
        }
        acks
    }

    /// The last commit acknowledged on `branch`, in any mode.
    pub fn last_acknowledged(&self, branch: u64) -> Option<Commit> {
        let lsn = *self.acknowledged_upto.get(&branch)?;
        Some(Commit { branch, lsn })
    }

    /// Guaranteed commits: the highest acknowledged LSN per branch.
    pub fn guaranteed(&self) -> &BTreeMap<u64, u64> {
        &self.guaranteed
    }

    /// Drops the guarantee of every commit so far: a promotion happened that synchronous
    /// replication does not cover (manual failover, or synchronous_mode off).
    pub fn forgive(&mut self) {
        self.guaranteed.clear();
    }
}

/// True when node `i`'s synchronous standbys have `commit`.
fn confirmed(state: &SimState, i: usize, commit: Commit) -> bool {
    let primary = &state.nodes[i];
    let has = |j: usize| state.nodes[j].pg.wal().is_some_and(|w| w.contains(commit));
    match &primary.pg.sync_names {
        SyncStandbyNames::Off => true,
        SyncStandbyNames::First { count, .. } => {
            let set = sync_set(state, i);
            set.len() >= *count as usize && set.iter().all(|j| has(*j))
        }
        SyncStandbyNames::Any { count, names } => {
            let confirming = state
                .nodes
                .iter()
                .enumerate()
                .filter(|(j, n)| {
                    *j != i
                        && names.iter().any(|m| m.eq_ignore_ascii_case(&n.name))
                        && n.pg.streams_from(&primary.name)
                        && state.connected(i, *j)
                        && has(*j)
                })
                .count();
            confirming >= *count as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::ProcessState;
    use crate::sim::clock::GlobalClock;
    use crate::sim::pg_state::DataDir;
    use crate::sim::rng::SimRng;
    use crate::sim::wal::Wal;
    use std::sync::Arc;

    /// A primary `n1` alone (no standby streams from it), with `names` in its GUC.
    fn primary(names: SyncStandbyNames) -> SimState {
        let mut state = SimState::new(Arc::new(GlobalClock::new()), SimRng::new(0), &["n1".into()]);
        state.nodes[0].pg.data = Some(DataDir::with_wal(Wal::initdb(1, 100), false));
        state.nodes[0].pg.process = ProcessState::Running;
        state.nodes[0].pg.sync_names = names;
        state
    }

    #[test]
    fn a_commit_acknowledged_in_synchronous_mode_is_guaranteed_without_the_sync_key() {
        // Asynchronous GUC: acknowledged at once, guaranteed only if the key names n1.
        let mut state = primary(SyncStandbyNames::Off);
        let mut ledger = Ledger::new();
        ledger.write(&mut state, 0, 10);
        let acks = ledger.settle(&state, true, None);
        assert_eq!(acks.len(), 1);
        assert!(
            !acks[0].guaranteed,
            "nobody waited for it and no key protects it"
        );
        ledger.write(&mut state, 0, 10);
        assert!(ledger.settle(&state, true, Some("n1"))[0].guaranteed);
        ledger.write(&mut state, 0, 10);
        let acks = ledger.settle(&state, false, Some("n1"));
        assert_eq!(acks.len(), 1);
        assert!(!acks[0].guaranteed, "synchronous_mode is off");
    }

    #[test]
    fn a_commit_that_waited_for_a_standby_is_guaranteed_even_if_the_key_was_deleted() {
        let names = SyncStandbyNames::Any {
            count: 0,
            names: vec!["n2".into()],
        };
        let mut state = primary(names);
        let mut ledger = Ledger::new();
        ledger.write(&mut state, 0, 10);
        let acks = ledger.settle(&state, true, None);
        assert_eq!(acks.len(), 1);
        assert!(acks[0].guaranteed);
        assert_eq!(ledger.guaranteed().len(), 1);
        ledger.forgive();
        assert!(ledger.guaranteed().is_empty());
    }
}
