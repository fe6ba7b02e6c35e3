//! WAL recycling (the full and lossy spaces): a primary keeps the last [`KEEP`] bytes of its
//! WAL (`wal_keep_size`) and whatever its physical replication slots still need; older WAL
//! is removed, and a standby that has not received it can no longer stream from it
//! ("requested WAL segment has already been removed") until it is cloned again. A slot is
//! created reserving from the last checkpoint's redo (see [`reserve_from`]) and follows the
//! member it is named after while that member streams.
//!
//! Standbys keep all the WAL they received (their restartpoints are not modelled).

use super::pg_state::DataDir;
use super::state::SimState;
use crate::postgres::slot_name;

/// Bytes of WAL a primary keeps whatever its slots say (about a minute of the simulated
/// clients' writes).
pub const KEEP: u64 = 16 * 1024 * 1024;

/// Where a new physical slot on `data` starts retaining WAL: on a primary, the last
/// checkpoint's redo ([`KEEP`] behind the end, roughly); on a standby, its last
/// restartpoint's, which is minutes behind (here: all it kept, as standbys recycle nothing).
pub fn reserve_from(data: &DataDir) -> u64 {
    if data.standby {
        return data.recycled;
    }
    data.wal.end().saturating_sub(KEEP).max(data.recycled)
}

/// Whether a standby at `position` can stream from `source`: the WAL it needs is still there.
pub fn can_stream_from(source: &DataDir, position: u64) -> bool {
    position >= source.recycled
}

/// After standby `member` received up to `position` from `source`: its slot there, if any,
/// no longer needs the WAL before it.
pub fn advance_slot(source: &mut DataDir, member: &str, position: u64) {
    if let Some(restart) = source.slot_restart.get_mut(&slot_name(member)) {
        *restart = (*restart).max(position);
    }
}

/// Every running primary removes the WAL neither [`KEEP`] nor a slot retains.
pub fn recycle(state: &mut SimState) {
    for node in &mut state.nodes {
        if !node.pg.is_running_primary() {
            continue;
        }
        if let Some(data) = node.pg.data.as_mut() {
            recycle_dir(data);
        }
    }
}

/// Removes the WAL of `data` that neither [`KEEP`] nor a slot retains.
pub fn recycle_dir(data: &mut DataDir) {
    let kept = data.wal.end().saturating_sub(KEEP);
    let by_slots = data
        .slot_restart
        .values()
        .copied()
        .min()
        .unwrap_or(u64::MAX);
    data.recycled = data.recycled.max(kept.min(by_slots));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::wal::Wal;

    #[test]
    fn a_slot_keeps_the_wal_its_member_has_not_received() {
        let mut data = DataDir::with_wal(Wal::initdb(1, 40 * 1024 * 1024), false);
        data.slot_restart
            .insert("n2".into(), reserve_from(&data) - 1_000);
        recycle_dir(&mut data);
        let behind = data.wal.end() - KEEP - 1_000;
        assert!(can_stream_from(&data, behind), "n2's slot keeps its WAL");
        data.slot_restart.clear();
        recycle_dir(&mut data);
        assert!(!can_stream_from(&data, behind), "removed without the slot");
        assert!(can_stream_from(&data, data.wal.end() - KEEP));
        advance_slot(&mut data, "n3", 0);
        assert!(data.slot_restart.is_empty(), "no slot for n3");
    }
}
