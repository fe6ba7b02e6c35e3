//! The lines the agent sends to the fence guard over its stdin. Deadlines are absolute
//! `CLOCK_MONOTONIC` times: on Linux that clock is the same in every process, so a deadline
//! does not move when the guard reads its line late (a busy machine, a full pipe).

use nix::time::{clock_gettime, ClockId};
use std::time::Duration;

/// One command to the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceCommand {
    /// Enforce the deadline `at`, in nanoseconds of `CLOCK_MONOTONIC` (replaces any earlier
    /// one); from `clean_stop`, if given (before `at`), a primary is first asked to stop
    /// cleanly.
    Deadline {
        /// When the postmaster is killed if it still runs as a primary.
        at: u64,
        /// When a fast shutdown is requested of a primary, if the deadline is not extended.
        clean_stop: Option<u64>,
    },
    /// No deadline.
    Disarm,
}

impl FenceCommand {
    /// Parses `deadline <ns>`, `deadline <ns> stop <ns>` or `disarm`.
    pub fn parse(line: &str) -> Option<FenceCommand> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["deadline", at] => Some(FenceCommand::Deadline {
                at: at.parse().ok()?,
                clean_stop: None,
            }),
            ["deadline", at, "stop", stop] => Some(FenceCommand::Deadline {
                at: at.parse().ok()?,
                clean_stop: Some(stop.parse().ok()?),
            }),
            ["disarm"] => Some(FenceCommand::Disarm),
            _ => None,
        }
    }

    /// The line sent to the guard, with its newline.
    pub fn to_line(self) -> String {
        match self {
            FenceCommand::Deadline {
                at,
                clean_stop: None,
            } => format!("deadline {at}\n"),
            FenceCommand::Deadline {
                at,
                clean_stop: Some(stop),
            } => format!("deadline {at} stop {stop}\n"),
            FenceCommand::Disarm => "disarm\n".to_string(),
        }
    }
}

/// `CLOCK_MONOTONIC` now, in nanoseconds.
pub fn monotonic_now() -> u64 {
    clock_gettime(ClockId::CLOCK_MONOTONIC).map_or(0, |t| {
        let nanos = Duration::from(t).as_nanos();
        u64::try_from(nanos).unwrap_or(u64::MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let plain = FenceCommand::Deadline {
            at: 1_500_000_000,
            clean_stop: None,
        };
        let with_stop = FenceCommand::Deadline {
            at: 1_500_000_000,
            clean_stop: Some(1_400_000_000),
        };
        for c in [plain, with_stop, FenceCommand::Disarm] {
            assert_eq!(FenceCommand::parse(&c.to_line()), Some(c));
        }
        assert_eq!(FenceCommand::parse("deadline x"), None);
        assert_eq!(FenceCommand::parse("deadline 1 2"), None);
        assert_eq!(FenceCommand::parse("deadline 1 stop x"), None);
        assert_eq!(FenceCommand::parse("deadline 1 stop 2 3"), None);
        assert_eq!(FenceCommand::parse("extend 100"), None);
        assert_eq!(FenceCommand::parse("bogus"), None);
    }

    #[test]
    fn the_monotonic_clock_moves_forward() {
        let a = monotonic_now();
        std::thread::sleep(Duration::from_millis(2));
        assert!(monotonic_now() > a);
    }
}
