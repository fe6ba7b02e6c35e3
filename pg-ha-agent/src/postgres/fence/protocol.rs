//! The lines the agent sends to the fence guard over its stdin. Durations are relative
//! because monotonic clocks are not comparable between processes.

use std::time::Duration;

/// One command to the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceCommand {
    /// Enforce a deadline this long from now (replaces any earlier one).
    Extend(Duration),
    /// No deadline.
    Disarm,
}

impl FenceCommand {
    /// Parses `extend <ms>` or `disarm`.
    pub fn parse(line: &str) -> Option<FenceCommand> {
        let mut words = line.split_whitespace();
        match (words.next()?, words.next(), words.next()) {
            ("extend", Some(ms), None) => ms
                .parse()
                .ok()
                .map(|ms| FenceCommand::Extend(Duration::from_millis(ms))),
            ("disarm", None, None) => Some(FenceCommand::Disarm),
            _ => None,
        }
    }

    /// The line sent to the guard, with its newline.
    pub fn to_line(self) -> String {
        match self {
            FenceCommand::Extend(d) => format!("extend {}\n", d.as_millis()),
            FenceCommand::Disarm => "disarm\n".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for c in [
            FenceCommand::Extend(Duration::from_millis(1500)),
            FenceCommand::Disarm,
        ] {
            assert_eq!(FenceCommand::parse(&c.to_line()), Some(c));
        }
        assert_eq!(FenceCommand::parse("extend x"), None);
        assert_eq!(FenceCommand::parse("extend 1 2"), None);
        assert_eq!(FenceCommand::parse("bogus"), None);
    }
}
