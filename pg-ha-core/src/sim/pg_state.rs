//! `PgState`: one simulated PostgreSQL instance as data (data directory, process, role,
//! replication settings, write fence). The cross-node operations live in `postgres.rs`.

use super::wal::Wal;
use crate::postgres::{ProcessState, SyncStandbyNames};
use crate::time::Mono;

/// An initialized data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    /// The system identifier.
    pub sysid: String,
    /// The WAL (and so the timeline and position).
    pub wal: Wal,
    /// `standby.signal` present: starts in recovery.
    pub standby: bool,
    /// pg_control says it was shut down cleanly.
    pub clean: bool,
    /// Replication slots (`pg_replslot`): not copied by a clone or a rewind.
    pub slots: Vec<crate::postgres::SlotSpec>,
    /// The last pg_rewind into it failed: it needs a new base backup (or a human).
    pub rewind_failed: bool,
    /// WAL before this position has been removed from `pg_wal` (see
    /// [`super::wal_retention`]).
    pub recycled: u64,
    /// Each physical slot's `restart_lsn`: the WAL it retains.
    pub slot_restart: std::collections::BTreeMap<String, u64>,
}

#[cfg(test)]
impl DataDir {
    /// A clean data directory of system "1" holding `wal` (for invariant tests).
    pub(crate) fn with_wal(wal: Wal, standby: bool) -> DataDir {
        DataDir {
            sysid: "1".into(),
            wal,
            standby,
            clean: true,
            slots: Vec::new(),
            rewind_failed: false,
            recycled: 0,
            slot_restart: Default::default(),
        }
    }
}

/// One simulated PostgreSQL instance.
#[derive(Debug, Clone, PartialEq)]
pub struct PgState {
    /// The data directory, `None` when empty.
    pub data: Option<DataDir>,
    /// The postmaster.
    pub process: ProcessState,
    /// A standby's configured upstream (member name).
    pub upstream: Option<String>,
    /// A standby's WAL receiver is connected and streaming (set by replication ticks).
    pub streaming: bool,
    /// `synchronous_standby_names` as the server's processes use it (what commits wait for).
    pub sync_names: SyncStandbyNames,
    /// A new value written and reloaded but not yet picked up by every process, and the
    /// global time it will be: `SHOW` already returns it.
    pub sync_names_reload: Option<(SyncStandbyNames, super::clock::Micros)>,
    /// The write fence deadline on the node's local clock.
    pub fence: Option<Mono>,
}

impl PgState {
    /// An instance with an empty data directory and no server.
    pub fn empty() -> PgState {
        PgState {
            data: None,
            process: ProcessState::Stopped,
            upstream: None,
            streaming: false,
            sync_names: SyncStandbyNames::Off,
            sync_names_reload: None,
            fence: None,
        }
    }

    /// `synchronous_standby_names` as `SHOW` returns it (the reloaded value).
    pub fn shown_sync_names(&self) -> &SyncStandbyNames {
        self.sync_names_reload
            .as_ref()
            .map_or(&self.sync_names, |(names, _)| names)
    }

    /// Puts a reloaded `synchronous_standby_names` in force once `now` reaches its time.
    pub fn pick_up_reload(&mut self, now: super::clock::Micros) {
        if self
            .sync_names_reload
            .as_ref()
            .is_some_and(|(_, at)| *at <= now)
        {
            if let Some((names, _)) = self.sync_names_reload.take() {
                self.sync_names = names;
            }
        }
    }

    /// The WAL, if the data directory is initialized.
    pub fn wal(&self) -> Option<&Wal> {
        self.data.as_ref().map(|d| &d.wal)
    }

    /// The server runs.
    pub fn running(&self) -> bool {
        self.process == ProcessState::Running
    }

    /// The server runs out of recovery.
    pub fn is_running_primary(&self) -> bool {
        self.running() && self.data.as_ref().is_some_and(|d| !d.standby)
    }

    /// The server runs in recovery.
    pub fn is_running_standby(&self) -> bool {
        self.running() && self.data.as_ref().is_some_and(|d| d.standby)
    }

    /// The server accepts writes at the local time `local`: a running primary that the fence
    /// guard (if armed) has not killed yet ([`super::fence_guard::kill_at`]).
    pub fn accepts_writes(&self, local: Mono) -> bool {
        self.is_running_primary()
            && self
                .fence
                .is_none_or(|deadline| local < super::fence_guard::kill_at(deadline))
    }

    /// The postmaster dies (kill -9 or a crash): no clean shutdown, no streaming.
    pub fn crash(&mut self) {
        if self.process != ProcessState::Stopped {
            self.process = ProcessState::Crashed;
        }
        if let Some(data) = &mut self.data {
            data.clean = false;
        }
        self.streaming = false;
    }

    /// A standby streaming from `primary` with its WAL, if it is one.
    pub fn streams_from(&self, primary: &str) -> bool {
        self.is_running_standby() && self.streaming && self.upstream.as_deref() == Some(primary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn primary() -> PgState {
        PgState {
            data: Some(DataDir {
                sysid: "1".into(),
                wal: Wal::initdb(1, 100),
                standby: false,
                clean: true,
                slots: Vec::new(),
                rewind_failed: false,
                recycled: 0,
                slot_restart: Default::default(),
            }),
            process: ProcessState::Running,
            ..PgState::empty()
        }
    }

    #[test]
    fn the_fence_stops_writes_when_the_guard_fires() {
        let mut pg = primary();
        assert!(pg.accepts_writes(Mono::from_millis(10)));
        let deadline = Mono::from_millis(1000);
        pg.fence = Some(deadline);
        let kill = super::super::fence_guard::kill_at(deadline);
        assert!(pg.accepts_writes(Mono(kill.0 - std::time::Duration::from_micros(1))));
        assert!(!pg.accepts_writes(kill));
    }

    #[test]
    fn standbys_and_stopped_servers_refuse_writes() {
        let mut pg = primary();
        pg.crash();
        assert_eq!(pg.process, ProcessState::Crashed);
        assert!(!pg.accepts_writes(Mono::ZERO));
        let mut standby = primary();
        if let Some(d) = &mut standby.data {
            d.standby = true;
        }
        assert!(!standby.accepts_writes(Mono::ZERO));
        assert!(standby.is_running_standby());
    }

    #[test]
    fn a_reloaded_sync_names_shows_at_once_and_is_in_force_at_its_time() {
        let mut pg = primary();
        let names = SyncStandbyNames::Any {
            count: 1,
            names: vec!["n2".into()],
        };
        pg.sync_names_reload = Some((names.clone(), 1_000));
        assert_eq!(pg.shown_sync_names(), &names, "SHOW returns the new value");
        assert_eq!(
            pg.sync_names,
            SyncStandbyNames::Off,
            "commits do not wait yet"
        );
        pg.pick_up_reload(999);
        assert_eq!(pg.sync_names, SyncStandbyNames::Off);
        pg.pick_up_reload(1_000);
        assert_eq!(pg.sync_names, names);
        assert!(pg.sync_names_reload.is_none());
    }
}
