//! The fence guard: a separate process that SIGKILLs a primary postmaster when the agent's
//! deadline passes without an extension, even when the agent is frozen or dead. It reads
//! [`FenceCommand`] lines from stdin. A deadline that passed stays in force: while no new
//! command comes, a primary that runs again (restarted by anyone) is killed again within
//! [`RECHECK`]. When stdin closes it still enforces the last deadline, then exits.

use super::protocol::{monotonic_now, FenceCommand};
use crate::paths::DataPaths;
use crate::pidfile::{running_postmaster, PmStatus};
use crate::procs::kill_server;
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
    /// The agent closed stdin.
    InputClosed,
    /// A line that is not a command.
    BadLine(String),
}

/// What the guard acts on when a deadline passes.
pub trait FenceTarget {
    /// Stops the server from accepting writes if it runs as a primary.
    fn enforce(&self) -> FireOutcome;
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
        match control_state(&self.paths) {
            Some(state) if state == DB_IN_ARCHIVE_RECOVERY => true,
            Some(_) => status == PmStatus::Starting && self.paths.has_recovery_signal(),
            None => self.paths.has_recovery_signal(),
        }
    }
}

impl FenceTarget for DataDirTarget {
    fn enforce(&self) -> FireOutcome {
        let Some(pidfile) = running_postmaster(&self.paths.pidfile()) else {
            return FireOutcome::NotRunning;
        };
        if self.is_standby(pidfile.status) {
            return FireOutcome::NotPrimary;
        }
        kill_server(pidfile.pid);
        FireOutcome::Killed(pidfile.pid)
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
    let mut deadline: Option<u64> = None;
    let mut reported = false;
    loop {
        let received = match deadline {
            Some(d) if reported => rx.recv_timeout(until(d).max(RECHECK)),
            Some(d) => rx.recv_timeout(until(d)),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(line) => match FenceCommand::parse(&line) {
                Some(FenceCommand::Deadline(d)) => {
                    deadline = Some(d);
                    reported = false;
                    on_event(GuardEvent::Armed(until(d)));
                }
                Some(FenceCommand::Disarm) => {
                    deadline = None;
                    on_event(GuardEvent::Disarmed);
                }
                None => on_event(GuardEvent::BadLine(line)),
            },
            Err(RecvTimeoutError::Timeout) => {
                let outcome = target.enforce();
                if !reported || matches!(outcome, FireOutcome::Killed(_)) {
                    on_event(GuardEvent::Fired(outcome));
                }
                reported = true;
            }
            Err(RecvTimeoutError::Disconnected) => {
                on_event(GuardEvent::InputClosed);
                if let Some(d) = deadline {
                    std::thread::sleep(until(d));
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

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Instant>>);

    impl FenceTarget for Arc<Recorder> {
        fn enforce(&self) -> FireOutcome {
            self.0.lock().expect("lock").push(Instant::now());
            FireOutcome::Killed(1)
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
        FenceCommand::Deadline(monotonic_now() + d.as_nanos() as u64)
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
        let late = FenceCommand::Deadline(monotonic_now().saturating_sub(100_000_000));
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
}
