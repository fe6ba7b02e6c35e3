//! `SimPostgres`: the [`Postgres`] trait over a node's [`PgState`] in the shared simulation
//! state. Cross-node operations (clone, rewind) read the source node's WAL and fail when it
//! cannot be reached.
//!
//! With [`SimState::pg_latency`] (the full and lossy spaces) operations take simulated time
//! while the other nodes go on, as on a real machine: initdb, a base backup and pg_rewind
//! (the agent's own children) take effect at the end of their time, from the source as it is
//! then; a start, a stop or a promotion (which the server carries out whatever its agent does
//! meanwhile) take effect at once, and the agent waits for them.

use super::clock::Micros;
use super::pg_state::{DataDir, PgState};
use super::replication::flush_to_standbys;
use super::state::{Happening, Shared, SimState};
use super::wal::Wal;
use crate::lsn::Lsn;
use crate::postgres::{
    slot_name, DataDirState, ExistingSlot, PgError, PgRole, PgStatus, Postgres, ProcessState,
    ReplicaConnection, SlotKind, SlotSpec, StopMode, SyncStandbyNames, Upstream,
};
use crate::time::Mono;
use async_trait::async_trait;

/// Bytes written by initdb before the first commit.
const INITDB_WAL: u64 = 0x0100_0000;
/// Bytes of the end-of-recovery record a promotion writes on its new timeline.
const PROMOTE_RECORD: u64 = 120;

/// One node's simulated PostgreSQL.
#[derive(Debug, Clone)]
pub struct SimPostgres {
    node: usize,
    shared: Shared,
}

impl SimPostgres {
    /// The PostgreSQL of node `node`.
    pub fn new(node: usize, shared: Shared) -> SimPostgres {
        SimPostgres { node, shared }
    }

    /// Waits as long as `op` takes on this node now (nothing without pg_latency).
    async fn takes(&self, op: Op) {
        self.waits(op, |state| state.pg_latency).await;
    }

    /// Waits as long as the status query takes on a loaded machine (nothing without
    /// [`SimState::query_latency`]): a few milliseconds, one query in ten 50 to 400 ms.
    async fn queries(&self) {
        let slow = {
            let state = self.shared.lock();
            draw(self.node, state.now(), Op::SlowQuery as u64).is_multiple_of(10)
        };
        let op = if slow { Op::SlowQuery } else { Op::Query };
        self.waits(op, |state| state.query_latency).await;
    }

    /// Waits as long as `op` takes on this node now, if `enabled` says so.
    async fn waits(&self, op: Op, enabled: impl FnOnce(&SimState) -> bool) {
        let (clock, until) = {
            let state = self.shared.lock();
            if !enabled(&state) {
                return;
            }
            let now = state.now();
            let (lo, hi) = op.range_ms();
            let spread = draw(self.node, now, op as u64) % (hi - lo + 1);
            (
                std::sync::Arc::clone(&state.clock),
                now + (lo + spread) * 1_000,
            )
        };
        super::clock::SleepUntil::new(clock, until).await;
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&mut SimState, usize) -> Result<R, PgError>,
    ) -> Result<R, PgError> {
        let mut state = self.shared.lock();
        f(&mut state, self.node)
    }
}

fn pg(state: &mut SimState, i: usize) -> Result<&mut PgState, PgError> {
    state
        .nodes
        .get_mut(i)
        .map(|n| &mut n.pg)
        .ok_or_else(|| PgError::Setup(format!("no node {i}")))
}

fn invalid(what: &str) -> PgError {
    PgError::InvalidState(what.to_string())
}

/// One pg_rewind in ten fails (as a real one can, e.g. when the WAL it needs is gone), drawn
/// from the node and the time rather than the run's RNG, so that every other draw of a seed
/// stays as it was.
fn rewind_fails(node: usize, now: u64) -> bool {
    draw(node, now, 0) % 10 == 7
}

/// A number from the node, the time and `salt`, not from the run's RNG.
fn draw(node: usize, now: u64, salt: u64) -> u64 {
    let mixed = now.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (node as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ salt.wrapping_mul(0x94D0_49BB_1331_11EB);
    mixed >> 40
}

/// The operations that take time, each with its range.
#[derive(Debug, Clone, Copy)]
enum Op {
    Initdb = 1,
    BaseBackup,
    Rewind,
    Start,
    Stop,
    Promote,
    Query,
    SlowQuery,
}

impl Op {
    /// The least and most milliseconds the operation takes.
    fn range_ms(self) -> (u64, u64) {
        match self {
            Op::Initdb => (500, 2_000),
            Op::BaseBackup => (500, 3_000),
            Op::Rewind => (200, 2_000),
            Op::Start => (50, 800),
            Op::Stop => (20, 500),
            Op::Promote => (10, 400),
            Op::Query => (1, 30),
            Op::SlowQuery => (50, 400),
        }
    }
}

/// The source's WAL for a clone or rewind, if the source can be reached and runs.
fn source_wal(state: &SimState, me: usize, source: &Upstream) -> Result<Wal, PgError> {
    let src = state
        .index_of(&source.name)
        .ok_or_else(|| PgError::Unreachable(format!("unknown member {}", source.name)))?;
    let node = &state.nodes[src];
    if src == me || !state.connected(me, src) || !node.pg.running() {
        return Err(PgError::Unreachable(format!(
            "{} cannot be reached",
            source.name
        )));
    }
    node.pg
        .wal()
        .cloned()
        .ok_or_else(|| PgError::Unreachable(format!("{} has no data", source.name)))
}

fn became_primary(state: &mut SimState, node: usize, how: &'static str, before: u64) {
    let at: Micros = state.now();
    state.journal.push(Happening::BecamePrimary {
        node,
        at,
        how,
        position_before: before,
    });
}

/// The status PostgreSQL would report for node `i`.
pub fn status_of(state: &SimState, i: usize) -> PgStatus {
    let node = &state.nodes[i];
    let pg = &node.pg;
    let Some(data) = &pg.data else {
        return PgStatus::empty();
    };
    let running = pg.running();
    let role = running.then_some(if data.standby {
        PgRole::Standby
    } else {
        PgRole::Primary
    });
    let end = Some(Lsn(data.wal.end()));
    let standby_pos = if running && data.standby { end } else { None };
    PgStatus {
        data_dir: DataDirState::Initialized {
            sysid: data.sysid.clone(),
            clean_shutdown: data.clean,
            standby_signal: data.standby,
        },
        process: pg.process,
        role,
        timeline: Some(data.wal.timeline()),
        write_lsn: if role == Some(PgRole::Standby) {
            None
        } else {
            end
        },
        receive_lsn: standby_pos,
        replay_lsn: standby_pos,
        upstream: if data.standby {
            pg.upstream.clone()
        } else {
            None
        },
        streaming: running && data.standby && pg.streaming,
        replicas: if role == Some(PgRole::Primary) {
            replicas_of(state, i)
        } else {
            Vec::new()
        },
        sync_standby_names: pg.shown_sync_names().to_guc(),
        pending_restart: false,
        pending_restart_reason: Default::default(),
        timeline_history: data.wal.history(),
        slots: running.then(|| slots_of(state, i, data)),
        server_version: running.then_some(150_018),
    }
}

fn replicas_of(state: &SimState, i: usize) -> Vec<ReplicaConnection> {
    let me = &state.nodes[i];
    let sync = sync_set(state, i);
    state
        .nodes
        .iter()
        .enumerate()
        .filter(|(j, n)| *j != i && n.pg.streams_from(&me.name) && state.connected(i, *j))
        .map(|(j, n)| ReplicaConnection {
            application_name: n.name.clone(),
            state: "streaming".to_string(),
            sync_state: sync_state_name(&me.pg.sync_names, &n.name, sync.contains(&j)),
            flush_lsn: n.pg.wal().map(|w| Lsn(w.end())),
        })
        .collect()
}

fn sync_state_name(names: &SyncStandbyNames, name: &str, in_sync_set: bool) -> String {
    let listed = names.names().iter().any(|n| n.eq_ignore_ascii_case(name));
    match names {
        SyncStandbyNames::Off => "async",
        _ if !listed => "async",
        SyncStandbyNames::Any { .. } => "quorum",
        SyncStandbyNames::First { .. } if in_sync_set => "sync",
        SyncStandbyNames::First { .. } => "potential",
    }
    .to_string()
}

/// The standbys whose confirmation node `i`'s commits wait for under `FIRST n`: the first `n`
/// listed names that stream from it. Empty for `ANY` and `Off`.
pub fn sync_set(state: &SimState, i: usize) -> Vec<usize> {
    let me = &state.nodes[i];
    let SyncStandbyNames::First { count, names } = &me.pg.sync_names else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|name| {
            let j = state
                .nodes
                .iter()
                .position(|n| n.name.eq_ignore_ascii_case(name))?;
            (j != i && state.nodes[j].pg.streams_from(&me.name) && state.connected(i, j))
                .then_some(j)
        })
        .take(*count as usize)
        .collect()
}

#[async_trait]
impl Postgres for SimPostgres {
    async fn status(&self) -> Result<PgStatus, PgError> {
        self.queries().await;
        self.with(|state, i| Ok(status_of(state, i)))
    }

    async fn bootstrap(&self) -> Result<String, PgError> {
        self.takes(Op::Initdb).await;
        self.with(|state, i| {
            if pg(state, i)?.data.is_some() {
                return Err(invalid("bootstrap needs an empty data directory"));
            }
            let branch = state.new_branch();
            state.next_sysid += 1;
            let sysid = format!("{}", 7_300_000_000_000_000_000u64 + state.next_sysid);
            let pg = pg(state, i)?;
            pg.data = Some(DataDir {
                sysid: sysid.clone(),
                wal: Wal::initdb(branch, INITDB_WAL),
                standby: false,
                clean: true,
                slots: Vec::new(),
                rewind_failed: false,
                recycled: 0,
                slot_restart: Default::default(),
            });
            pg.process = ProcessState::Running;
            pg.upstream = None;
            became_primary(state, i, "bootstrap", 0);
            Ok(sysid)
        })
    }

    async fn clone_replica(&self, source: &Upstream) -> Result<(), PgError> {
        self.takes(Op::BaseBackup).await;
        self.with(|state, i| {
            if pg(state, i)?.data.is_some() {
                return Err(invalid("clone needs an empty data directory"));
            }
            clone_into(state, i, source)
        })
    }

    async fn start_primary(&self) -> Result<(), PgError> {
        self.with(|state, i| {
            let pg = pg(state, i)?;
            let data = pg
                .data
                .as_mut()
                .ok_or_else(|| invalid("no data directory"))?;
            if pg.process == ProcessState::Running {
                return if data.standby {
                    Err(invalid("running as a standby"))
                } else {
                    Ok(())
                };
            }
            data.standby = false;
            let before = data.wal.end();
            pg.process = ProcessState::Running;
            pg.upstream = None;
            pg.streaming = false;
            became_primary(state, i, "start_primary", before);
            Ok(())
        })?;
        self.takes(Op::Start).await;
        Ok(())
    }

    async fn start_standby(&self, upstream: Option<&Upstream>) -> Result<(), PgError> {
        self.with(|state, i| {
            let pg = pg(state, i)?;
            let data = pg
                .data
                .as_mut()
                .ok_or_else(|| invalid("no data directory"))?;
            if pg.process == ProcessState::Running && !data.standby {
                return Err(invalid("running as a primary"));
            }
            data.standby = true;
            pg.process = ProcessState::Running;
            pg.upstream = upstream.map(|u| u.name.clone());
            pg.streaming = false;
            Ok(())
        })?;
        self.takes(Op::Start).await;
        Ok(())
    }

    async fn stop(&self, mode: StopMode) -> Result<(), PgError> {
        self.with(|state, i| {
            let fast = mode != StopMode::Immediate;
            if fast && pg(state, i)?.is_running_primary() {
                flush_to_standbys(state, i);
            }
            let pg = pg(state, i)?;
            let was_running = pg.process == ProcessState::Running;
            if let Some(data) = &mut pg.data {
                if was_running {
                    data.clean = fast;
                }
            }
            pg.process = ProcessState::Stopped;
            pg.streaming = false;
            Ok(())
        })?;
        self.takes(Op::Stop).await;
        Ok(())
    }

    async fn promote(&self, above_timeline: u32) -> Result<(), PgError> {
        self.with(|state, i| {
            if !pg(state, i)?.is_running_standby() {
                return Err(invalid("promote needs a running standby"));
            }
            let branch = state.new_branch();
            let pg = pg(state, i)?;
            let data = pg
                .data
                .as_mut()
                .ok_or_else(|| invalid("no data directory"))?;
            let before = data.wal.end();
            data.wal.fork(branch, PROMOTE_RECORD, above_timeline);
            data.standby = false;
            pg.upstream = None;
            pg.streaming = false;
            became_primary(state, i, "promote", before);
            Ok(())
        })?;
        self.takes(Op::Promote).await;
        Ok(())
    }

    async fn follow(&self, upstream: Option<&Upstream>) -> Result<(), PgError> {
        self.with(|state, i| {
            let pg = pg(state, i)?;
            if !pg.is_running_standby() {
                return Err(invalid("follow needs a running standby"));
            }
            let name = upstream.map(|u| u.name.clone());
            if pg.upstream != name {
                pg.upstream = name;
                pg.streaming = false;
            }
            Ok(())
        })
    }

    async fn rewind(&self, source: &Upstream) -> Result<(), PgError> {
        self.takes(Op::Rewind).await;
        self.with(|state, i| {
            let now = state.now();
            let wal = source_wal(state, i, source)?;
            let pg = pg(state, i)?;
            if pg.process == ProcessState::Running {
                return Err(invalid("pg_rewind needs a stopped server"));
            }
            let data = pg
                .data
                .as_mut()
                .ok_or_else(|| invalid("no data directory"))?;
            if rewind_fails(i, now) {
                data.rewind_failed = true;
                return Err(PgError::CommandFailed {
                    command: "pg_rewind".to_string(),
                    reason: "could not find previous WAL record".to_string(),
                });
            }
            data.wal = wal;
            data.standby = true;
            data.clean = true;
            data.rewind_failed = false;
            data.recycled = 0;
            // pg_rewind (PostgreSQL 11 and later) empties pg_replslot: slots on the
            // target's abandoned branch would otherwise hold positions the new one lacks.
            data.slots.clear();
            data.slot_restart.clear();
            Ok(())
        })
    }

    async fn reinit(&self, source: &Upstream) -> Result<(), PgError> {
        self.takes(Op::BaseBackup).await;
        self.with(|state, i| {
            source_wal(state, i, source)?;
            let pg = pg(state, i)?;
            pg.process = ProcessState::Stopped;
            pg.data = None;
            pg.streaming = false;
            clone_into(state, i, source)
        })
    }

    async fn restart(&self) -> Result<(), PgError> {
        self.with(|state, i| {
            let pg = pg(state, i)?;
            let data = pg
                .data
                .as_mut()
                .ok_or_else(|| invalid("no data directory"))?;
            let primary = !data.standby;
            let before = data.wal.end();
            let was_running = pg.process == ProcessState::Running;
            pg.process = ProcessState::Running;
            pg.streaming = false;
            if primary && !was_running {
                became_primary(state, i, "restart", before);
            }
            Ok(())
        })?;
        self.takes(Op::Start).await;
        Ok(())
    }

    /// With pg_latency the server's processes pick the new value up 1 to 200 ms later
    /// (each on its next loop after the reload signal); `SHOW` returns it at once.
    async fn set_sync_standby_names(&self, names: &SyncStandbyNames) -> Result<(), PgError> {
        self.with(|state, i| {
            let now = state.now();
            let latency = state.pg_latency;
            let pg = pg(state, i)?;
            if latency && pg.running() {
                let at = now + 1_000 + draw(i, now, 7) % 200_000;
                pg.sync_names_reload = Some((names.clone(), at));
            } else {
                pg.sync_names = names.clone();
                pg.sync_names_reload = None;
            }
            Ok(())
        })
    }

    async fn set_write_fence(&self, deadline: Option<Mono>) -> Result<(), PgError> {
        self.with(|state, i| {
            pg(state, i)?.fence = deadline;
            Ok(())
        })
    }

    async fn create_slots(&self, slots: &[SlotSpec]) -> Result<(), PgError> {
        self.with(|state, i| {
            let pg = pg(state, i)?;
            let running = pg.running();
            let data = pg.data.as_mut().filter(|_| running);
            let data = data.ok_or_else(|| invalid("slots need a running server"))?;
            for slot in slots {
                if data.standby && slot.kind != SlotKind::Physical {
                    return Err(invalid("logical slots need a primary"));
                }
                if !data.slots.iter().any(|s| s.name == slot.name) {
                    data.slots.push(slot.clone());
                    if slot.kind == SlotKind::Physical {
                        let from = super::wal_retention::reserve_from(data);
                        data.slot_restart.insert(slot.name.clone(), from);
                    }
                }
            }
            data.slots.sort();
            Ok(())
        })
    }

    async fn drop_slots(&self, names: &[String]) -> Result<(), PgError> {
        self.with(|state, i| {
            let pg = pg(state, i)?;
            let running = pg.running();
            let data = pg.data.as_mut().filter(|_| running);
            let data = data.ok_or_else(|| invalid("slots need a running server"))?;
            data.slots.retain(|s| !names.contains(&s.name));
            data.slot_restart.retain(|name, _| !names.contains(name));
            Ok(())
        })
    }

    /// Copies the source's logical slots of these names (a restart of a running standby).
    async fn copy_logical_slots(&self, source: &Upstream, names: &[String]) -> Result<(), PgError> {
        self.with(|state, i| {
            source_wal(state, i, source)?;
            let src = state.index_of(&source.name).unwrap_or(i);
            let copies: Vec<SlotSpec> = state.nodes[src]
                .pg
                .data
                .iter()
                .flat_map(|d| d.slots.iter())
                .filter(|s| s.kind != SlotKind::Physical && names.contains(&s.name))
                .cloned()
                .collect();
            let pg = pg(state, i)?;
            if !pg.is_running_standby() {
                return Err(invalid("slot copies need a running standby"));
            }
            let data = pg
                .data
                .as_mut()
                .ok_or_else(|| invalid("no data directory"))?;
            for copy in copies {
                if !data.slots.iter().any(|s| s.name == copy.name) {
                    data.slots.push(copy);
                }
            }
            data.slots.sort();
            pg.streaming = false;
            Ok(())
        })
    }

    /// Physical slots move their `restart_lsn` forward (never past this server's WAL);
    /// logical slots have no simulated position.
    async fn advance_slots(&self, slots: &[(String, Lsn)]) -> Result<(), PgError> {
        self.with(|state, i| {
            let pg = pg(state, i)?;
            let running = pg.running();
            let data = pg.data.as_mut().filter(|_| running);
            let data = data.ok_or_else(|| invalid("slots need a running server"))?;
            let end = data.wal.end();
            for (name, lsn) in slots {
                if let Some(restart) = data.slot_restart.get_mut(name) {
                    *restart = (*restart).max(lsn.0.min(end));
                }
            }
            Ok(())
        })
    }

    /// The simulated server has no parameters: a configuration is accepted as applied.
    async fn apply_config(
        &self,
        _config: &crate::config::PostgresqlDynamic,
    ) -> Result<(), PgError> {
        Ok(())
    }
}

/// Node `i`'s slots as `pg_replication_slots` shows them: a physical slot is active while
/// the member whose slot name it is streams from node `i`.
fn slots_of(state: &SimState, i: usize, data: &DataDir) -> Vec<ExistingSlot> {
    let me = &state.nodes[i].name;
    data.slots
        .iter()
        .map(|slot| ExistingSlot {
            position: data.slot_restart.get(&slot.name).map(|p| Lsn(*p)),
            name: slot.name.clone(),
            kind: slot.kind.clone(),
            active: slot.kind == SlotKind::Physical
                && state.nodes.iter().enumerate().any(|(j, n)| {
                    j != i
                        && slot_name(&n.name) == slot.name
                        && n.pg.streams_from(me)
                        && state.connected(i, j)
                }),
        })
        .collect()
}

fn clone_into(state: &mut SimState, i: usize, source: &Upstream) -> Result<(), PgError> {
    let wal = source_wal(state, i, source)?;
    let src = state.index_of(&source.name).unwrap_or(i);
    let sysid = state.nodes[src]
        .pg
        .data
        .as_ref()
        .map(|d| d.sysid.clone())
        .unwrap_or_default();
    let pg = pg(state, i)?;
    pg.data = Some(DataDir {
        sysid,
        wal,
        standby: true,
        clean: true,
        slots: Vec::new(),
        rewind_failed: false,
        recycled: 0,
        slot_restart: Default::default(),
    });
    pg.process = ProcessState::Stopped;
    pg.upstream = None;
    pg.streaming = false;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::GlobalClock;
    use crate::sim::executor::block_on;
    use crate::sim::rng::SimRng;
    use std::sync::Arc;
    use std::time::Duration;

    fn cluster(n: usize) -> (Shared, Vec<SimPostgres>) {
        let clock = Arc::new(GlobalClock::new());
        let names: Vec<String> = (1..=n).map(|i| format!("n{i}")).collect();
        let shared = Shared::new(SimState::new(clock, SimRng::new(3), &names));
        let pgs = (0..n)
            .map(|i| SimPostgres::new(i, shared.clone()))
            .collect();
        (shared, pgs)
    }

    fn up(name: &str) -> Upstream {
        Upstream::member(name, &format!("postgres://{name}"))
    }

    fn end(shared: &Shared, i: usize) -> u64 {
        shared.lock().nodes[i].pg.wal().map_or(0, |w| w.end())
    }

    #[test]
    fn bootstrap_clone_and_stream() {
        let (shared, pg) = cluster(2);
        let sysid = block_on(pg[0].bootstrap()).expect("bootstrap");
        assert_eq!(block_on(pg[1].clone_replica(&up("n1"))), Ok(()));
        assert_eq!(block_on(pg[1].start_standby(Some(&up("n1")))), Ok(()));
        let status = block_on(pg[1].status()).expect("status");
        assert_eq!(status.sysid(), Some(sysid.as_str()));
        assert_eq!(status.role, Some(PgRole::Standby));
        shared.lock().nodes[0]
            .pg
            .data
            .as_mut()
            .map(|d| d.wal.append(500));
        for _ in 0..10 {
            crate::sim::replication::replicate(&mut shared.lock(), u64::MAX);
        }
        assert_eq!(end(&shared, 1), end(&shared, 0));
        let primary = block_on(pg[0].status()).expect("status");
        assert_eq!(primary.replicas.len(), 1);
        assert_eq!(primary.replicas[0].application_name, "n2");
    }

    #[test]
    fn promote_moves_to_a_new_timeline_and_diverges() {
        let (shared, pg) = cluster(2);
        block_on(pg[0].bootstrap()).expect("bootstrap");
        block_on(pg[1].clone_replica(&up("n1"))).expect("clone");
        block_on(pg[1].start_standby(Some(&up("n1")))).expect("start");
        assert_eq!(block_on(pg[1].promote(0)), Ok(()));
        let status = block_on(pg[1].status()).expect("status");
        assert_eq!(status.timeline, Some(2));
        assert_eq!(status.timeline_history.len(), 1);
        assert!(status.is_running_primary());
        // The old primary writes on; it has diverged and cannot stream from the new one.
        shared.lock().nodes[0]
            .pg
            .data
            .as_mut()
            .map(|d| d.wal.append(10));
        block_on(pg[0].stop(StopMode::Fast)).expect("stop");
        block_on(pg[0].start_standby(Some(&up("n2")))).expect("start");
        crate::sim::replication::replicate(&mut shared.lock(), u64::MAX);
        assert!(!shared.lock().nodes[0].pg.streaming);
        // A slot kept on the abandoned branch...
        block_on(pg[0].create_slots(&[SlotSpec::physical("n3")])).expect("slot");
        // pg_rewind fixes it, and (as PostgreSQL 11 and later) empties pg_replslot.
        block_on(pg[0].stop(StopMode::Fast)).expect("stop");
        assert_eq!(block_on(pg[0].rewind(&up("n2"))), Ok(()));
        let data = shared.lock().nodes[0].pg.data.clone().expect("data");
        assert!(data.slots.is_empty() && data.slot_restart.is_empty());
        block_on(pg[0].start_standby(Some(&up("n2")))).expect("start");
        crate::sim::replication::replicate(&mut shared.lock(), u64::MAX);
        assert!(shared.lock().nodes[0].pg.streaming);
        assert_eq!(block_on(pg[0].status()).map(|s| s.timeline), Ok(Some(2)));
    }

    #[test]
    fn the_fence_stops_a_primary_even_without_its_agent() {
        let (shared, pg) = cluster(1);
        block_on(pg[0].bootstrap()).expect("bootstrap");
        let deadline = Mono(Duration::from_secs(5));
        block_on(pg[0].set_write_fence(Some(deadline))).expect("fence");
        let kill = crate::sim::fence_guard::kill_at(deadline).0.as_micros() as u64;
        assert!(shared.lock().accepts_writes_at(0, kill - 1));
        assert!(!shared.lock().accepts_writes_at(0, kill));
        block_on(pg[0].set_write_fence(None)).expect("fence");
        assert!(shared.lock().accepts_writes_at(0, 50_000_000));
    }

    /// The guard kills the primary once its fence fires (the agent then finds it crashed),
    /// kills it again if it is started before the fence is extended, and leaves a standby
    /// alone.
    #[test]
    fn the_fence_guard_kills_a_primary_and_keeps_it_down() {
        let (shared, pg) = cluster(2);
        block_on(pg[0].bootstrap()).expect("bootstrap");
        let deadline = Mono(Duration::from_secs(5));
        block_on(pg[0].set_write_fence(Some(deadline))).expect("fence");
        let kill = crate::sim::fence_guard::kill_at(deadline).0.as_micros() as u64;
        assert!(crate::sim::fence_guard::enforce(&mut shared.lock(), kill - 1).is_empty());
        assert_eq!(
            crate::sim::fence_guard::enforce(&mut shared.lock(), kill),
            vec![0]
        );
        let status = block_on(pg[0].status()).expect("status");
        assert_eq!(status.process, ProcessState::Crashed);
        block_on(pg[0].start_primary()).expect("start");
        assert_eq!(
            crate::sim::fence_guard::enforce(&mut shared.lock(), kill + 1),
            vec![0]
        );
        block_on(pg[0].start_standby(None)).expect("start as standby");
        assert!(crate::sim::fence_guard::enforce(&mut shared.lock(), kill + 2).is_empty());
    }

    /// One pg_rewind in ten fails and marks the data directory; a later one can succeed.
    #[test]
    fn a_failed_rewind_marks_the_data_directory() {
        let failing = (0..1_000_000u64)
            .step_by(997)
            .filter(|t| rewind_fails(1, *t))
            .count();
        assert!(
            (70..=140).contains(&failing),
            "about one in ten: {failing} of 1004"
        );
        let (shared, pg) = cluster(2);
        block_on(pg[0].bootstrap()).expect("bootstrap");
        block_on(pg[1].clone_replica(&up("n1"))).expect("clone");
        let at = (0..u64::MAX)
            .find(|t| rewind_fails(1, *t))
            .expect("a failing time");
        shared.lock().clock.advance_to(at);
        assert!(block_on(pg[1].rewind(&up("n1"))).is_err());
        assert!(shared.lock().nodes[1]
            .pg
            .data
            .as_ref()
            .is_some_and(|d| d.rewind_failed));
        let ok = (at..u64::MAX)
            .find(|t| !rewind_fails(1, *t))
            .expect("a good time");
        shared.lock().clock.advance_to(ok);
        assert_eq!(block_on(pg[1].rewind(&up("n1"))), Ok(()));
        assert!(shared.lock().nodes[1]
            .pg
            .data
            .as_ref()
            .is_some_and(|d| !d.rewind_failed));
    }

    #[test]
    fn operations_in_the_wrong_state_fail() {
        let (shared, pg) = cluster(2);
        assert!(block_on(pg[0].promote(0)).is_err());
        assert!(block_on(pg[0].start_primary()).is_err());
        block_on(pg[0].bootstrap()).expect("bootstrap");
        assert!(block_on(pg[0].bootstrap()).is_err());
        assert!(block_on(pg[0].follow(Some(&up("n2")))).is_err());
        // A source that is down cannot be cloned.
        shared.lock().nodes[0].pg.crash();
        assert!(matches!(
            block_on(pg[1].clone_replica(&up("n1"))),
            Err(PgError::Unreachable(_))
        ));
        assert_eq!(
            block_on(pg[0].status()).map(|s| s.process),
            Ok(ProcessState::Crashed)
        );
    }
}
