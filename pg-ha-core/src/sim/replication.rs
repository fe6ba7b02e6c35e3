//! Streaming replication progress: each tick, every running standby that can reach its
//! upstream and whose WAL is a prefix of the upstream's receives up to `chunk` more bytes.
//! A standby whose WAL diverged from its upstream's cannot stream (it needs pg_rewind).

use super::state::SimState;
use super::wal::Wal;

/// Advances every standby by up to `chunk` bytes; updates their `streaming` flags.
pub fn replicate(state: &mut SimState, chunk: u64) {
    let now = state.now();
    for j in 0..state.nodes.len() {
        let source = upstream_wal(state, j);
        let stalled = state.nodes[j].faults.replication_stalled(now);
        let jitter = state.rng.chance(0.1);
        let pg = &mut state.nodes[j].pg;
        let (Some(source), Some(data)) = (source, pg.data.as_mut()) else {
            pg.streaming = false;
            continue;
        };
        if !data.wal.is_prefix_of(&source) {
            pg.streaming = false;
            continue;
        }
        pg.streaming = true;
        if stalled || jitter {
            continue;
        }
        let upto = source.end().min(data.wal.end() + chunk);
        if upto > data.wal.end() {
            data.wal = Wal::truncated(&source, upto);
        }
    }
}

/// The WAL that standby `j` can stream from now, if any.
fn upstream_wal(state: &SimState, j: usize) -> Option<Wal> {
    let node = &state.nodes[j];
    if !node.pg.is_running_standby() {
        return None;
    }
    let i = state.index_of(node.pg.upstream.as_deref()?)?;
    let up = &state.nodes[i];
    if i == j || !state.connected(i, j) || !up.pg.running() {
        return None;
    }
    let same_system = up.pg.data.as_ref()?.sysid == node.pg.data.as_ref()?.sysid;
    same_system.then(|| up.pg.wal().cloned()).flatten()
}
