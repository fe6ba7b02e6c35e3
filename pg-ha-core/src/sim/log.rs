//! `EventLog`: the run's log of events, decisions, actions and faults. Formatting is skipped
//! unless the log is recorded or echoed, so a plain run pays nothing for it.

use super::clock::Micros;

/// The event log of one run.
#[derive(Debug, Default, Clone)]
pub struct EventLog {
    record: bool,
    echo: bool,
    lines: Vec<String>,
}

impl EventLog {
    /// A log that keeps its lines if `record`, and prints them as they come if `echo`.
    pub fn new(record: bool, echo: bool) -> EventLog {
        EventLog {
            record,
            echo,
            lines: Vec::new(),
        }
    }

    /// True when lines are kept or printed.
    pub fn enabled(&self) -> bool {
        self.record || self.echo
    }

    /// Adds the line `text()` at global time `at`.
    pub fn note(&mut self, at: Micros, text: impl FnOnce() -> String) {
        if !self.enabled() {
            return;
        }
        let line = format!("{:>9.3}s {}", at as f64 / 1e6, text());
        if self.echo {
            println!("{line}");
        }
        if self.record {
            self.lines.push(line);
        }
    }

    /// The recorded lines.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Takes the recorded lines.
    pub fn into_lines(self) -> Vec<String> {
        self.lines
    }
}
