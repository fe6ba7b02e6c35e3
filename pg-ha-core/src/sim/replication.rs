//! Streaming replication progress: each tick, every running standby that can reach its
//! upstream and whose WAL is a prefix of the upstream's receives up to `chunk` more bytes.
//! A standby whose WAL diverged from its upstream's cannot stream (it needs pg_rewind), nor
//! one that needs WAL the upstream has removed ([`super::wal_retention`]).

use super::pg_state::DataDir;
use super::state::SimState;
use super::wal::Wal;
use super::wal_retention;

/// Advances every standby by up to `chunk` bytes; updates their `streaming` flags.
pub fn replicate(state: &mut SimState, chunk: u64) {
    let now = state.now();
    for j in 0..state.nodes.len() {
        let stalled = state.nodes[j].faults.replication_stalled(now);
        let jitter = state.rng.chance(0.1);
        let (streaming, received) = match upstream(state, j) {
            None => (false, None),
            Some((source, wal)) if !wal.is_prefix_of(&source.wal) => (false, None),
            Some((source, wal)) if !wal_retention::can_stream_from(source, wal.end()) => {
                (false, None)
            }
            Some(_) if stalled || jitter => (true, None),
            Some((source, wal)) => {
                let source = &source.wal;
                let upto = source.end().min(wal.end().saturating_add(chunk));
                (
                    true,
                    (upto > wal.end()).then(|| Wal::truncated(source, upto)),
                )
            }
        };
        let pg = &mut state.nodes[j].pg;
        pg.streaming = streaming;
        if let (Some(wal), Some(data)) = (received, pg.data.as_mut()) {
            data.wal = wal;
        }
        if streaming {
            follow_slot(state, j);
        }
    }
    if state.pg_latency {
        wal_retention::recycle(state);
    }
}

/// Standby `j`'s slot on its upstream follows the WAL it has received.
fn follow_slot(state: &mut SimState, j: usize) {
    let Some(i) = state.nodes[j]
        .pg
        .upstream
        .as_deref()
        .and_then(|u| state.index_of(u))
    else {
        return;
    };
    let position = state.nodes[j].pg.wal().map_or(0, Wal::end);
    let name = state.nodes[j].name.clone();
    if let Some(source) = state.nodes[i].pg.data.as_mut() {
        wal_retention::advance_slot(source, &name, position);
    }
}

/// The upstream's data directory standby `j` can stream from now, and its own WAL.
fn upstream(state: &SimState, j: usize) -> Option<(&DataDir, &Wal)> {
    let node = &state.nodes[j];
    if !node.pg.is_running_standby() {
        return None;
    }
    let i = state.index_of(node.pg.upstream.as_deref()?)?;
    let up = &state.nodes[i];
    if i == j || !state.connected(i, j) || !up.pg.running() {
        return None;
    }
    let (theirs, mine) = (up.pg.data.as_ref()?, node.pg.data.as_ref()?);
    (theirs.sysid == mine.sysid).then_some((theirs, &mine.wal))
}

/// A primary's fast shutdown: its walsenders send every standby that streams from it (and
/// can reach it, and is not stalled) the rest of its WAL, up to the shutdown checkpoint,
/// before the postmaster exits, as PostgreSQL's walsenders do.
pub fn flush_to_standbys(state: &mut SimState, i: usize) {
    let now = state.now();
    let name = state.nodes[i].name.clone();
    for j in 0..state.nodes.len() {
        let node = &state.nodes[j];
        if j == i
            || node.pg.upstream.as_deref() != Some(name.as_str())
            || node.faults.replication_stalled(now)
        {
            continue;
        }
        let full = match upstream(state, j) {
            Some((source, wal))
                if wal.is_prefix_of(&source.wal)
                    && wal_retention::can_stream_from(source, wal.end()) =>
            {
                Wal::truncated(&source.wal, source.wal.end())
            }
            _ => continue,
        };
        if let Some(data) = state.nodes[j].pg.data.as_mut() {
            data.wal = full;
        }
    }
}
