//! failsafe_mode on a primary that cannot reach the DCS (spec 2.10): whether to ask the
//! members to confirm it, and whom. The runner sends the notices at the times that keep the
//! write fence extended (before each slow DCS read, and when a renewal goes unanswered) and,
//! when every member accepted, extends the fence from the time it asked.

use super::{DcsView, Observation, PgView};
use crate::config::HaConfig;
use crate::model::{Cluster, Member};

/// The members to send a failsafe notice to: every member of the `failsafe` map but this
/// node. `None` when failsafe does not apply: failsafe_mode is off, there is no map, this
/// node is not in it, or a member of the map has no member key to reach it by (then the
/// confirmation cannot succeed).
pub fn failsafe_targets<'c>(cluster: &'c Cluster, cfg: &HaConfig) -> Option<Vec<&'c Member>> {
    if !cfg.dynamic.failsafe_mode {
        return None;
    }
    let map = cluster.failsafe.as_ref()?;
    let me = &cfg.node.name;
    if !map.0.contains_key(me) {
        return None;
    }
    map.0
        .keys()
        .filter(|name| *name != me)
        .map(|name| cluster.member(name))
        .collect()
}

/// Why a member refuses a failsafe notice from `sender`, or `None` to accept it (`POST
/// /failsafe`): a member running as primary refuses (as Patroni), and so does one whose last
/// read of the DCS shows another node holding the leader key: the sender is then an old
/// leader back from a freeze, not the primary the cluster relies on.
pub fn failsafe_notice_refusal(
    running_primary: bool,
    known_leader: Option<&str>,
    sender: &str,
) -> Option<&'static str> {
    if running_primary {
        return Some("Running as a leader");
    }
    if known_leader.is_some_and(|l| !l.eq_ignore_ascii_case(sender)) {
        return Some("Another member holds the leader key");
    }
    None
}

/// The last known cluster when this cycle's observation calls for a failsafe round: the DCS
/// could not be read and this node runs the primary under a lease it took.
pub fn failsafe_round(obs: &Observation) -> Option<&Cluster> {
    let DcsView::Unreachable {
        last_known: Some(cluster),
        ..
    } = &obs.dcs
    else {
        return None;
    };
    let primary = matches!(&obs.pg, PgView::Known(s) if s.is_running_primary());
    (primary && obs.facts.lease_renewed_at.is_some()).then_some(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DynamicConfig, NodeConfig};
    use crate::model::{Failsafe, MemberData, MemberState, Role};
    use crate::postgres::{PgRole, PgStatus, ProcessState};
    use crate::time::Mono;

    fn cfg(failsafe_mode: bool) -> HaConfig {
        HaConfig {
            node: NodeConfig {
                name: "node1".into(),
                ..NodeConfig::default()
            },
            dynamic: DynamicConfig {
                failsafe_mode,
                ..DynamicConfig::default()
            },
        }
    }

    fn cluster(map: &[&str], members: &[&str]) -> Cluster {
        let mut c = Cluster {
            failsafe: Some(Failsafe(
                map.iter()
                    .map(|n| (n.to_string(), format!("http://{n}")))
                    .collect(),
            )),
            ..Cluster::default()
        };
        for name in members {
            c.members.push(Member {
                name: name.to_string(),
                data: MemberData::new(MemberState::Running, Role::Replica),
                version: 1,
                session: None,
            });
        }
        c
    }

    #[test]
    fn targets_are_the_other_members_of_the_map() {
        let c = cluster(&["node1", "node2", "node3"], &["node1", "node2", "node3"]);
        let names: Vec<&str> = failsafe_targets(&c, &cfg(true))
            .expect("applies")
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["node2", "node3"]);
    }

    #[test]
    fn no_round_when_off_outside_the_map_or_a_member_cannot_be_reached() {
        let c = cluster(&["node1", "node2"], &["node1", "node2"]);
        assert!(failsafe_targets(&c, &cfg(false)).is_none());
        let outside = cluster(&["node2", "node3"], &["node2", "node3"]);
        assert!(failsafe_targets(&outside, &cfg(true)).is_none());
        let missing = cluster(&["node1", "node2"], &["node1"]);
        assert!(failsafe_targets(&missing, &cfg(true)).is_none());
    }

    #[test]
    fn a_notice_from_anyone_but_the_known_leader_is_refused() {
        assert_eq!(failsafe_notice_refusal(false, Some("node1"), "node1"), None);
        assert_eq!(failsafe_notice_refusal(false, None, "node1"), None);
        assert!(failsafe_notice_refusal(false, Some("node2"), "node1").is_some());
        assert!(failsafe_notice_refusal(true, Some("node1"), "node1").is_some());
    }

    #[test]
    fn a_round_is_due_for_a_leasing_primary_that_cannot_read_the_dcs() {
        let mut primary = PgStatus::empty();
        primary.process = ProcessState::Running;
        primary.role = Some(PgRole::Primary);
        let mut obs = Observation {
            now: Mono::from_millis(10_000),
            wall: 0,
            dcs: DcsView::Unreachable {
                since: Mono::from_millis(9_000),
                last_known: Some(Cluster::default()),
            },
            pg: PgView::Known(primary),
            peers: Vec::new(),
            facts: Default::default(),
        };
        assert!(failsafe_round(&obs).is_none(), "no lease taken");
        obs.facts.lease_renewed_at = Some(Mono::from_millis(8_000));
        assert!(failsafe_round(&obs).is_some());
        obs.dcs = DcsView::Available(Cluster::default());
        assert!(failsafe_round(&obs).is_none(), "the DCS answers");
    }
}
