//! Progress of waiting commands: the poll interval, timestamps on printed lines, and
//! [`LeaderWatch`], which follows the leader key and prints each change.

use pg_ha_core::model::Cluster;
use std::time::Duration;

/// How often waiting commands read the DCS.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// `2026-01-01 10:00:00.123456`: the local time, as patronictl prefixes its results.
pub fn timestamp() -> String {
    chrono::Local::now()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}

/// Follows the leader key across reads and prints a line each time it changes.
#[derive(Debug, Clone)]
pub struct LeaderWatch {
    initial: Option<String>,
    last: Option<String>,
}

impl LeaderWatch {
    /// Starts from the leader `initial` (`None`: no leader).
    pub fn new(initial: Option<&str>) -> LeaderWatch {
        LeaderWatch {
            initial: initial.map(str::to_string),
            last: initial.map(str::to_string),
        }
    }

    /// Notes the leader of `cluster`; returns the line to print when it changed since the
    /// last read.
    pub fn observe(&mut self, cluster: &Cluster) -> Option<String> {
        let now = cluster.leader_name().map(str::to_string);
        if now == self.last {
            return None;
        }
        let line = format!(
            "{} leader: {} -> {}",
            timestamp(),
            self.last.as_deref().unwrap_or("(none)"),
            now.as_deref().unwrap_or("(none)")
        );
        self.last = now;
        Some(line)
    }

    /// The leader last seen, once it differs from the initial one.
    pub fn new_leader(&self) -> Option<&str> {
        self.last
            .as_deref()
            .filter(|l| Some(*l) != self.initial.as_deref())
    }

    /// The leader last seen.
    pub fn current(&self) -> Option<&str> {
        self.last.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::Leader;

    fn led_by(name: Option<&str>) -> Cluster {
        Cluster {
            leader: name.map(|n| Leader {
                name: n.to_string(),
                version: 1,
                session: None,
            }),
            ..Cluster::default()
        }
    }

    #[test]
    fn prints_each_change_and_reports_a_new_leader() {
        let mut watch = LeaderWatch::new(Some("node1"));
        assert_eq!(watch.observe(&led_by(Some("node1"))), None);
        assert_eq!(watch.new_leader(), None);
        let line = watch.observe(&led_by(None)).expect("changed");
        assert!(line.ends_with(" leader: node1 -> (none)"), "{line}");
        assert_eq!(watch.new_leader(), None);
        let line = watch.observe(&led_by(Some("node2"))).expect("changed");
        assert!(line.ends_with(" leader: (none) -> node2"), "{line}");
        assert_eq!(watch.new_leader(), Some("node2"));
        assert_eq!(watch.current(), Some("node2"));
    }

    #[test]
    fn back_to_the_old_leader_is_not_new() {
        let mut watch = LeaderWatch::new(Some("node1"));
        watch.observe(&led_by(None));
        watch.observe(&led_by(Some("node1")));
        assert_eq!(watch.new_leader(), None);
    }
}
