//! Quorum mode (`synchronous_mode: quorum`): the order of `sync` key and
//! `synchronous_standby_names` changes that keeps every acknowledged commit within reach of an
//! election (Patroni's QuorumStateResolver).
//!
//! Under `ANY k (V)` a commit is on the leader and on k standbys of V. A candidate needs the
//! votes of more than `quorum` standbys of the key's list W. The two sets meet when the key
//! *covers* the GUC: V ⊆ W and quorum ≥ |W| − k. Each step keeps the key covering the GUC in
//! force and the one that comes next: the key widens first, then the GUC changes, and the key
//! narrows to the target only once k of the new names hold everything acknowledged before.

use super::{Action, Ctx};
use crate::model::{Condition, SyncState};
use crate::postgres::SyncStandbyNames;

/// The `sync` key's list of voters and its quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    voters: Vec<String>,
    quorum: u32,
}

impl Key {
    /// A key listing `voters` with `quorum`.
    pub(super) fn new(voters: Vec<String>, quorum: u32) -> Key {
        Key { voters, quorum }
    }

    /// True when every commit acknowledged under `guc` is on some voter of every set of more
    /// than `quorum` voters. A key whose quorum is at least its number of voters lets no vote
    /// set form (only its leader may take over), so it covers every GUC, "off" included; any
    /// other key covers no "off" (a commit then is on the leader alone).
    fn covers(&self, guc: &SyncStandbyNames) -> bool {
        let size = self.voters.len() as u32;
        self.quorum >= size
            || (guc.count() > 0
                && guc.real_names().all(|n| contains(&self.voters, n))
                && self.quorum >= size.saturating_sub(guc.count()))
    }

    /// The smallest widening of this key that covers every GUC of `gucs`: their names added,
    /// and a quorum of |W| − k for the smallest k among them (|W| if one is off).
    fn widened(&self, gucs: &[&SyncStandbyNames]) -> Key {
        let mut voters = self.voters.clone();
        for name in gucs.iter().flat_map(|g| g.real_names()) {
            if !contains(&voters, name) {
                voters.push(name.to_string());
            }
        }
        let size = voters.len() as u32;
        let quorum = gucs
            .iter()
            .map(|g| size.saturating_sub(g.count()))
            .max()
            .unwrap_or(self.quorum);
        Key { voters, quorum }
    }

    /// The key that exactly matches `guc`: its names, and a quorum of |V| − k.
    fn exact(guc: &SyncStandbyNames) -> Key {
        let voters: Vec<String> = guc.real_names().map(str::to_string).collect();
        Key {
            quorum: (voters.len() as u32).saturating_sub(guc.count()),
            voters,
        }
    }

    fn same_as(&self, other: &Key) -> bool {
        self.quorum == other.quorum
            && self.voters.len() == other.voters.len()
            && self.voters.iter().all(|v| contains(&other.voters, v))
    }
}

/// The next quorum-mode action for a leader whose `sync` key is `key` (written under
/// `condition`), moving towards `target`, of whose names `confirmed` hold everything
/// acknowledged before the GUC last changed; empty when in step.
pub(super) fn quorum_actions(
    ctx: &Ctx<'_>,
    key: Key,
    condition: Condition,
    target: SyncStandbyNames,
    confirmed: u32,
) -> Vec<Action> {
    let write = |key: Key| {
        let state = SyncState::new(ctx.me(), &key.voters, key.quorum);
        vec![Action::WriteSync { state, condition }]
    };
    // A value PostgreSQL accepted always parses; anything else reads as "off", which only a
    // key that lets nobody but its leader take over covers: the strictest reading.
    let current = SyncStandbyNames::parse(&ctx.pg.sync_standby_names).unwrap_or_default();
    if !key.covers(&current) {
        return write(key.widened(&[&current]));
    }
    if current.to_guc() != target.to_guc() {
        if !key.covers(&target) {
            return write(key.widened(&[&current, &target]));
        }
        return vec![Action::SetSyncStandbyNames(target)];
    }
    let exact = Key::exact(&target);
    if key.same_as(&exact) || confirmed < target.count().min(exact.voters.len() as u32) {
        return Vec::new();
    }
    write(exact)
}

fn contains(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}
