//! The fence guard: a separate process that SIGKILLs a primary postmaster when the agent's
//! deadline passes without an extension, even when the agent is frozen or dead. It reads
//! [`FenceCommand`] lines from stdin. A deadline that passed stays in force: while no new
//! command comes, a primary that runs again (restarted by anyone) is killed again within
//! [`RECHECK`]. When stdin closes it still enforces the last deadline, then exits.
//!
//! A deadline may come with a clean-stop point before it, the stop the agent itself would
//! make had it not been frozen: when that passes without an extension, the guard asks a
//! primary for a fast shutdown (SIGINT to the postmaster), in which the connected standbys
//! receive every WAL record before the server exits; the kill at the deadline stays.
//! Without it, commits acknowledged in the last milliseconds before the kill may not have
//! reached any standby (the ttl 2 fault suite lost 46 in 10 agent freezes).

use super::protocol::{monotonic_now, FenceCommand};
use crate::paths::DataPaths;
use crate::pidfile::{running_postmaster, PmStatus};
use crate::procs::{kill_server, request_fast_shutdown};
use std::io::BufRead;
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// How often a deadline that already passed is enforced again.
pub const RECHECK: Duration = Duration::from_millis(100);

/// What enforcing the fence did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FireOutcome {
    /// The postmaster (pid) and its children were SIGKILLed.
    Killed(u32),
    /// A fast shutdown was requested of the postmaster (pid).
    Stopping(u32),
    /// The server runs as a standby: left alone.
    NotPrimary,
    /// No postmaster runs.
    NotRunning,
}

/// Something the guard did, for its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardEvent {
    /// A deadline this far ahead was set (zero if it already passed).
    Armed(Duration),
    /// The deadline was removed.
    Disarmed,
    /// The deadline passed (reported once per deadline, and for every later kill).
    Fired(FireOutcome),
    /// The clean-stop point passed before the deadline (reported once per deadline).
    CleanStop(FireOutcome),
    /// The agent closed stdin.
    InputClosed,
    /// A line that is not a command.
    BadLine(String),
}

/// What the guard acts on when a deadline passes.
pub trait FenceTarget {
    /// Stops the server from accepting writes if it runs as a primary.
    fn enforce(&self) -> FireOutcome;

    /// Asks the server for a fast shutdown if it runs as a primary.
    fn stop_cleanly(&self) -> FireOutcome;
}

/// The postmaster of a data directory: killed unless it runs as a standby.
///
/// Standby-ness comes from the server's own state in `global/pg_control` (archive recovery),
/// not from the recovery signal file, which can sit next to a primary before a demotion took
/// effect. (`postmaster.pid` cannot tell: a hot standby reports `ready` like a primary.) The
/// signal file counts only while the server is still starting: it will come up as a
/// standby, and its pg_control may still show the state of the primary it was.
#[derive(Debug, Clone)]
pub struct DataDirTarget {
    paths: DataPaths,
}

impl DataDirTarget {
    /// The server of `data_dir`.
    pub fn new(data_dir: &Path) -> DataDirTarget {
        DataDirTarget {
            paths: DataPaths::new(data_dir),
        }
    }

    fn is_standby(&self, status: PmStatus) -> bool {
        standby_by(
            control_state(&self.paths),
            status,
            self.paths.has_recovery_signal(),
        )
    }
}

/// Whether a postmaster with `status` in `postmaster.pid` is (or will come up as) a
/// standby, from pg_control's `state` and the recovery signal file. A postmaster that has
/// not written its status line yet (`Unknown`) is starting too: a deadline that passed
/// stays in force, and killing the standby an agent just started after a fenced stop only
/// delays it (seen in the ttl 2 fault suite once the fenced primary stopped cleanly).
fn standby_by(control: Option<i32>, status: PmStatus, recovery_signal: bool) -> bool {
    match control {
        Some(DB_IN_ARCHIVE_RECOVERY) => true,
        Some(_) => matches!(status, PmStatus::Starting | PmStatus::Unknown) && recovery_signal,
        None => recovery_signal,
    }
}

impl DataDirTarget {
    /// The pid of the postmaster if it runs as a primary, else what stands in the way.
    fn primary_postmaster(&self) -> Result<u32, FireOutcome> {
        let Some(pidfile) = running_postmaster(&self.paths.pidfile()) else {
            return Err(FireOutcome::NotRunning);
        };
        if self.is_standby(pidfile.status) {
            return Err(FireOutcome::NotPrimary);
        }
        Ok(pidfile.pid)
    }
}

impl FenceTarget for DataDirTarget {
    fn enforce(&self) -> FireOutcome {
        self.primary_postmaster().map_or_else(
            |outcome| outcome,
            |pid| {
                kill_server(pid);
                FireOutcome::Killed(pid)
            },
        )
    }

    fn stop_cleanly(&self) -> FireOutcome {
        self.primary_postmaster().map_or_else(
            |outcome| outcome,
            |pid| {
                request_fast_shutdown(pid);
                FireOutcome::Stopping(pid)
            },
        )
    }
}

/// `DBState::DB_IN_ARCHIVE_RECOVERY` in `pg_control`: a standby (or archive recovery).
const DB_IN_ARCHIVE_RECOVERY: i32 = 5;

/// The `state` field of `global/pg_control` (an `int` after the 8-byte system identifier
/// and two 4-byte version numbers, the same in every supported version).
fn control_state(paths: &DataPaths) -> Option<i32> {
    use std::io::Read;
    let mut head = [0u8; 20];
    std::fs::File::open(paths.pg_control())
        .and_then(|mut f| f.read_exact(&mut head))
        .ok()?;
    Some(i32::from_ne_bytes([head[16], head[17], head[18], head[19]]))
}

/// How long until `deadline` (ns of `CLOCK_MONOTONIC`); zero once it passed.
fn until(deadline: u64) -> Duration {
    Duration::from_nanos(deadline.saturating_sub(monotonic_now()))
}

/// The deadline in force: when the postmaster is killed, and when a clean stop is asked
/// first (cleared once asked).
#[derive(Debug, Clone, Copy)]
struct Armed {
    deadline: u64,
    clean_stop: Option<u64>,
}

impl Armed {
    /// The next moment the guard acts: the clean stop if one is pending, else the deadline.
    fn next(&self) -> u64 {
        self.clean_stop.unwrap_or(self.deadline)
    }

    /// Asks for the pending clean stop if the deadline has not passed yet; true if one was
    /// pending (asked or skipped).
    fn take_clean_stop(
        &mut self,
        target: &dyn FenceTarget,
        on_event: &mut dyn FnMut(GuardEvent),
    ) -> bool {
        if self.clean_stop.take().is_none() {
            return false;
        }
        if !until(self.deadline).is_zero() {
            on_event(GuardEvent::CleanStop(target.stop_cleanly()));
        }
        true
    }
}

/// Runs the guard until `input` closes and the last deadline (if any) was enforced.
pub fn run_guard<R>(input: R, target: &dyn FenceTarget, mut on_event: impl FnMut(GuardEvent))
where
    R: BufRead + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in input.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut armed: Option<Armed> = None;
    let mut reported = false;
    loop {
        let received = match armed {
            Some(a) if reported => rx.recv_timeout(until(a.next()).max(RECHECK)),
            Some(a) => rx.recv_timeout(until(a.next())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(line) => match FenceCommand::parse(&line) {
                Some(FenceCommand::Deadline { at, clean_stop }) => {
                    armed = Some(Armed {
                        deadline: at,
                        clean_stop: clean_stop.filter(|stop| *stop < at),
                    });
                    reported = false;
                    on_event(GuardEvent::Armed(until(at)));
                }
                Some(FenceCommand::Disarm) => {
                    armed = None;
                    on_event(GuardEvent::Disarmed);
                }
                None => on_event(GuardEvent::BadLine(line)),
            },
            Err(RecvTimeoutError::Timeout) => {
                let Some(a) = armed.as_mut() else { continue };
                if a.take_clean_stop(target, &mut on_event) {
                    continue;
                }
                let outcome = target.enforce();
                if !reported || matches!(outcome, FireOutcome::Killed(_)) {
                    on_event(GuardEvent::Fired(outcome));
                }
                reported = true;
            }
            Err(RecvTimeoutError::Disconnected) => {
                on_event(GuardEvent::InputClosed);
                if let Some(mut a) = armed {
                    std::thread::sleep(until(a.next()));
                    if a.take_clean_stop(target, &mut on_event) {
                        std::thread::sleep(until(a.deadline));
                    }
                    on_event(GuardEvent::Fired(target.enforce()));
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Read};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    /// When the guard killed (0) and asked for a clean stop (1).
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Instant>>, Mutex<Vec<Instant>>);

    impl FenceTarget for Arc<Recorder> {
        fn enforce(&self) -> FireOutcome {
            self.0.lock().expect("lock").push(Instant::now());
            FireOutcome::Killed(1)
        }

        fn stop_cleanly(&self) -> FireOutcome {
            self.1.lock().expect("lock").push(Instant::now());
            FireOutcome::Stopping(1)
        }
    }

    /// A reader fed through a channel, closed when the sender drops.
    struct ChanReader {
        rx: mpsc::Receiver<Vec<u8>>,
        buf: Vec<u8>,
    }

    impl Read for ChanReader {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.buf.is_empty() {
                match self.rx.recv() {
                    Ok(b) => self.buf = b,
                    Err(_) => return Ok(0),
                }
            }
            let n = out.len().min(self.buf.len());
            out[..n].copy_from_slice(&self.buf[..n]);
            self.buf.drain(..n);
            Ok(n)
        }
    }

    fn spawn_guard() -> (
        mpsc::Sender<Vec<u8>>,
        Arc<Recorder>,
        std::thread::JoinHandle<()>,
    ) {
        let (tx, rx) = mpsc::channel();
        let rec = Arc::new(Recorder::default());
        let target = Arc::clone(&rec);
        let handle = std::thread::spawn(move || {
            let reader = BufReader::new(ChanReader {
                rx,
                buf: Vec::new(),
            });
            run_guard(reader, &target, |_| {});
        });
        (tx, rec, handle)
    }

    fn send(tx: &mpsc::Sender<Vec<u8>>, c: FenceCommand) {
        tx.send(c.to_line().into_bytes()).expect("guard alive");
    }

    /// A deadline `d` from now.
    fn deadline_in(d: Duration) -> FenceCommand {
        FenceCommand::Deadline {
            at: monotonic_now() + d.as_nanos() as u64,
            clean_stop: None,
        }
    }

    /// Polls until `rec` holds at least `n` firings (at most 30 s).
    fn wait_fired(rec: &Recorder, n: usize) -> Vec<Instant> {
        let give_up = Instant::now() + Duration::from_secs(30);
        loop {
            let fired = rec.0.lock().expect("lock").clone();
            if fired.len() >= n || Instant::now() > give_up {
                return fired;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn fires_at_the_deadline_and_keeps_enforcing_it() {
        let (tx, rec, handle) = spawn_guard();
        let start = Instant::now();
        send(&tx, deadline_in(Duration::from_millis(200)));
        // Fired once at the deadline, then again every RECHECK while nothing new comes.
        let fired = wait_fired(&rec, 3);
        assert!(fired.len() >= 3, "{fired:?}");
        assert!(fired[0] - start >= Duration::from_millis(200));
        assert!(fired[2] - fired[1] >= RECHECK - Duration::from_millis(5));
        send(&tx, FenceCommand::Disarm);
        drop(tx);
        handle.join().expect("guard exits");
    }

    #[test]
    fn a_deadline_is_absolute_even_when_read_late() {
        let (tx, rec, handle) = spawn_guard();
        // A deadline that passed 100 ms before the guard reads the line (a relative "200 ms
        // from now" sent 300 ms ago): it fires at once instead of 200 ms after the read.
        let late = FenceCommand::Deadline {
            at: monotonic_now().saturating_sub(100_000_000),
            clean_stop: None,
        };
        let sent = Instant::now();
        send(&tx, late);
        let fired = wait_fired(&rec, 1);
        assert!(!fired.is_empty(), "a past deadline fires");
        assert!(
            fired[0] - sent < Duration::from_secs(5),
            "a past deadline fires at once"
        );
        send(&tx, FenceCommand::Disarm);
        drop(tx);
        handle.join().expect("guard exits");
    }

    #[test]
    fn later_deadlines_and_disarm_prevent_firing() {
        let (tx, rec, handle) = spawn_guard();
        // Deadlines far ahead, each replacing the last; then disarm.
        for _ in 0..5 {
            send(&tx, deadline_in(Duration::from_secs(30)));
        }
        send(&tx, FenceCommand::Disarm);
        drop(tx);
        handle.join().expect("guard exits");
        assert!(rec.0.lock().expect("lock").is_empty());
    }

    #[test]
    fn closed_input_still_enforces_the_last_deadline() {
        let (tx, rec, handle) = spawn_guard();
        let start = Instant::now();
        send(&tx, deadline_in(Duration::from_millis(200)));
        drop(tx);
        handle.join().expect("guard exits");
        let fired = rec.0.lock().expect("lock").clone();
        assert_eq!(fired.len(), 1);
        assert!(fired[0] - start >= Duration::from_millis(200));
    }

    #[test]
    fn a_starting_server_with_a_recovery_signal_is_a_standby() {
        const SHUT_DOWN: i32 = 1;
        const IN_PRODUCTION: i32 = 6;
        for status in [PmStatus::Starting, PmStatus::Unknown] {
            assert!(standby_by(Some(SHUT_DOWN), status, true), "{status:?}");
            assert!(!standby_by(Some(SHUT_DOWN), status, false), "{status:?}");
        }
        // A running primary with a signal file beside it (a demotion not in effect yet).
        assert!(!standby_by(Some(IN_PRODUCTION), PmStatus::Ready, true));
        assert!(standby_by(
            Some(DB_IN_ARCHIVE_RECOVERY),
            PmStatus::Ready,
            false
        ));
        assert!(standby_by(None, PmStatus::Unknown, true));
    }

    /// A deadline `d` from now with a clean stop `stop` from now.
    fn deadline_with_stop_in(stop: Duration, d: Duration) -> FenceCommand {
        let now = monotonic_now();
        FenceCommand::Deadline {
            at: now + d.as_nanos() as u64,
            clean_stop: Some(now + stop.as_nanos() as u64),
        }
    }

    #[test]
    fn asks_for_a_clean_stop_first_then_kills_at_the_deadline() {
        let (tx, rec, handle) = spawn_guard();
        let start = Instant::now();
        send(
            &tx,
            deadline_with_stop_in(Duration::from_millis(100), Duration::from_millis(300)),
        );
        let killed = wait_fired(&rec, 1);
        let stopped = rec.1.lock().expect("lock").clone();
        assert_eq!(stopped.len(), 1, "one clean stop per deadline");
        assert!(stopped[0] - start >= Duration::from_millis(100));
        assert!(killed[0] - start >= Duration::from_millis(300));
        assert!(stopped[0] < killed[0]);
        send(&tx, FenceCommand::Disarm);
        drop(tx);
        handle.join().expect("guard exits");
    }

    #[test]
    fn an_extension_before_the_clean_stop_prevents_it() {
        let (tx, rec, handle) = spawn_guard();
        for _ in 0..3 {
            send(
                &tx,
                deadline_with_stop_in(Duration::from_millis(150), Duration::from_secs(30)),
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        send(&tx, FenceCommand::Disarm);
        std::thread::sleep(Duration::from_millis(200));
        drop(tx);
        handle.join().expect("guard exits");
        assert!(rec.1.lock().expect("lock").is_empty(), "no clean stop");
        assert!(rec.0.lock().expect("lock").is_empty(), "no kill");
    }

    #[test]
    fn closed_input_still_stops_cleanly_then_kills() {
        let (tx, rec, handle) = spawn_guard();
        send(
            &tx,
            deadline_with_stop_in(Duration::from_millis(100), Duration::from_millis(200)),
        );
        drop(tx);
        handle.join().expect("guard exits");
        assert_eq!(rec.1.lock().expect("lock").len(), 1);
        assert_eq!(rec.0.lock().expect("lock").len(), 1);
    }
}
