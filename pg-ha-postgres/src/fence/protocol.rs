//! The lines the agent sends to the fence guard over its stdin. Deadlines are absolute
//! `CLOCK_MONOTONIC` times: on Linux that clock is the same in every process, so a deadline
//! does not move when the guard reads its line late (a busy machine, a full pipe).

use nix::time::{clock_gettime, ClockId};
use std::time::Duration;

/// One command to the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceCommand {
    /// Enforce this deadline, in nanoseconds of `CLOCK_MONOTONIC` (replaces any earlier one).
    Deadline(u64),
    /// No deadline.
    Disarm,
}

impl FenceCommand {
    /// Parses `deadline <ns>` or `disarm`.
    pub fn parse(line: &str) -> Option<FenceCommand> {
        let mut words = line.split_whitespace();
        match (words.next()?, words.next(), words.next()) {
            ("deadline", Some(ns), None) => ns.parse().ok().map(FenceCommand::Deadline),
            ("disarm", None, None) => Some(FenceCommand::Disarm),
            _ => None,
        }
    }

    /// The line sent to the guard, with its newline.
    pub fn to_line(self) -> String {
        match self {
            FenceCommand::Deadline(ns) => format!("deadline {ns}\n"),
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
        for c in [FenceCommand::Deadline(1_500_000_000), FenceCommand::Disarm] {
            assert_eq!(FenceCommand::parse(&c.to_line()), Some(c));
        }
        assert_eq!(FenceCommand::parse("deadline x"), None);
        assert_eq!(FenceCommand::parse("deadline 1 2"), None);
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
