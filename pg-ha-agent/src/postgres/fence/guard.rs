//! The fence guard: a separate process that SIGKILLs a primary postmaster when the agent's
//! deadline passes without an extension, even when the agent is frozen or dead. It reads
//! [`FenceCommand`] lines from stdin; when stdin closes it still enforces the last deadline,
//! then exits.

use super::protocol::FenceCommand;
use crate::postgres::paths::DataPaths;
use crate::postgres::pidfile::running_postmaster;
use crate::postgres::procs::kill_server;
use std::io::BufRead;
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What enforcing the fence did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FireOutcome {
    /// The postmaster (pid) and its process group were SIGKILLed.
    Killed(u32),
    /// The server is a standby (a recovery signal file exists): left alone.
    NotPrimary,
    /// No postmaster runs.
    NotRunning,
}

/// Something the guard did, for its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardEvent {
    /// A deadline this far ahead was set.
    Armed(Duration),
    /// The deadline was removed.
    Disarmed,
    /// The deadline passed.
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

/// The postmaster of a data directory: killed when it runs without a recovery signal file.
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
}

impl FenceTarget for DataDirTarget {
    fn enforce(&self) -> FireOutcome {
        let Some(pidfile) = running_postmaster(&self.paths.pidfile()) else {
            return FireOutcome::NotRunning;
        };
        if self.paths.has_recovery_signal() {
            return FireOutcome::NotPrimary;
        }
        kill_server(pidfile.pid);
        FireOutcome::Killed(pidfile.pid)
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
    let mut deadline: Option<Instant> = None;
    loop {
        let received = match deadline {
            Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(line) => match FenceCommand::parse(&line) {
                Some(FenceCommand::Extend(d)) => {
                    deadline = Some(Instant::now() + d);
                    on_event(GuardEvent::Armed(d));
                }
                Some(FenceCommand::Disarm) => {
                    deadline = None;
                    on_event(GuardEvent::Disarmed);
                }
                None => on_event(GuardEvent::BadLine(line)),
            },
            Err(RecvTimeoutError::Timeout) => {
                deadline = None;
                on_event(GuardEvent::Fired(target.enforce()));
            }
            Err(RecvTimeoutError::Disconnected) => {
                on_event(GuardEvent::InputClosed);
                if let Some(d) = deadline {
                    std::thread::sleep(d.saturating_duration_since(Instant::now()));
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

    #[test]
    fn fires_once_when_not_extended() {
        let (tx, rec, handle) = spawn_guard();
        let start = Instant::now();
        send(&tx, FenceCommand::Extend(Duration::from_millis(200)));
        std::thread::sleep(Duration::from_millis(500));
        let fired = rec.0.lock().expect("lock").clone();
        assert_eq!(fired.len(), 1);
        assert!(fired[0] - start >= Duration::from_millis(200));
        assert!(fired[0] - start < Duration::from_millis(400));
        drop(tx);
        handle.join().expect("guard exits");
    }

    #[test]
    fn extensions_and_disarm_prevent_firing() {
        let (tx, rec, handle) = spawn_guard();
        for _ in 0..5 {
            send(&tx, FenceCommand::Extend(Duration::from_millis(150)));
            std::thread::sleep(Duration::from_millis(60));
        }
        send(&tx, FenceCommand::Disarm);
        std::thread::sleep(Duration::from_millis(250));
        assert!(rec.0.lock().expect("lock").is_empty());
        drop(tx);
        handle.join().expect("guard exits");
        assert!(rec.0.lock().expect("lock").is_empty());
    }

    #[test]
    fn closed_input_still_enforces_the_last_deadline() {
        let (tx, rec, handle) = spawn_guard();
        let start = Instant::now();
        send(&tx, FenceCommand::Extend(Duration::from_millis(200)));
        drop(tx);
        handle.join().expect("guard exits");
        let fired = rec.0.lock().expect("lock").clone();
        assert_eq!(fired.len(), 1);
        assert!(fired[0] - start >= Duration::from_millis(200));
    }
}
