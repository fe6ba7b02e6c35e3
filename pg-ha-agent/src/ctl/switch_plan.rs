//! A switchover or failover request checked against the cluster before it is sent:
//! [`SwitchKind`], [`Plan`] (the REST body, the `failover` key), patronictl's checks
//! ([`validate`]) and which members the request goes to ([`targets`]).

use super::CtlError;
use pg_ha_core::model::{Cluster, Failover, Member};
use serde_json::{Map, Value};

/// Which of the two commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchKind {
    /// From the current leader, to a candidate or to the healthiest replica.
    Switchover,
    /// To a named candidate, with or without a leader.
    Failover,
}

impl SwitchKind {
    /// `switchover` / `failover`.
    pub fn name(self) -> &'static str {
        match self {
            SwitchKind::Switchover => "switchover",
            SwitchKind::Failover => "failover",
        }
    }

    /// `Switchover` / `Failover`.
    pub fn title(self) -> &'static str {
        match self {
            SwitchKind::Switchover => "Switchover",
            SwitchKind::Failover => "Failover",
        }
    }
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Which command.
    pub kind: SwitchKind,
    /// The leader to move away from (the current leader for a switchover).
    pub leader: Option<String>,
    /// The member to promote.
    pub candidate: Option<String>,
    /// When, for a scheduled switchover (ISO 8601).
    pub scheduled_at: Option<String>,
}

impl Plan {
    /// The REST body: `{"leader":..,"candidate":..,"scheduled_at":..}` (failover: no
    /// `leader`).
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        if self.kind == SwitchKind::Switchover {
            if let Some(leader) = &self.leader {
                body.insert("leader".into(), Value::from(leader.as_str()));
            }
        }
        if let Some(candidate) = &self.candidate {
            body.insert("candidate".into(), Value::from(candidate.as_str()));
        }
        if let Some(at) = &self.scheduled_at {
            body.insert("scheduled_at".into(), Value::from(at.as_str()));
        }
        Value::Object(body)
    }

    /// The `failover` key written when no member's API answers.
    pub fn failover_key(&self) -> Failover {
        Failover {
            leader: match self.kind {
                SwitchKind::Switchover => self.leader.clone(),
                SwitchKind::Failover => None,
            },
            member: self.candidate.clone(),
            scheduled_at: self.scheduled_at.clone(),
        }
    }
}

/// patronictl's checks: a switchover needs a leader (and `leader`, if given, must be it); a
/// failover needs a candidate; the candidate must be another member without `nofailover`.
/// Returns (leader, candidate).
pub fn validate(
    cluster: &Cluster,
    scope: &str,
    kind: SwitchKind,
    leader: Option<&str>,
    candidate: Option<&str>,
) -> Result<(Option<String>, Option<String>), CtlError> {
    let current = cluster.leader_name();
    let leader = match kind {
        SwitchKind::Switchover => {
            let Some(current) = current else {
                return Err(CtlError::failed("This cluster has no leader"));
            };
            if let Some(named) = leader.filter(|l| *l != current) {
                return Err(CtlError::failed(format!(
                    "Member {named} is not the leader of cluster {scope}"
                )));
            }
            Some(current.to_string())
        }
        SwitchKind::Failover => current.map(str::to_string),
    };
    if kind == SwitchKind::Failover && candidate.is_none() {
        return Err(CtlError::failed(
            "Failover could be performed only to a specific candidate",
        ));
    }
    let candidates = candidate_names(cluster, leader.as_deref());
    if candidates.is_empty() {
        return Err(CtlError::failed(format!(
            "No candidates found to {} to",
            kind.name()
        )));
    }
    if let Some(candidate) = candidate {
        if leader.as_deref() == Some(candidate) {
            return Err(CtlError::failed(format!(
                "{} target and source are the same.",
                kind.title()
            )));
        }
        if !candidates.contains(&candidate) {
            return Err(CtlError::failed(format!(
                "Member {candidate} does not exist in cluster {scope} or is tagged as nofailover"
            )));
        }
    }
    Ok((leader, candidate.map(str::to_string)))
}

/// Members other than `leader` that may be promoted.
pub fn candidate_names<'a>(cluster: &'a Cluster, leader: Option<&str>) -> Vec<&'a str> {
    cluster
        .members
        .iter()
        .filter(|m| Some(m.name.as_str()) != leader && !m.data.tags.nofailover())
        .map(|m| m.name.as_str())
        .collect()
}

/// The members to send the request to, in order: the leader (switchover: only the
/// leader), then the candidate, then the others.
pub fn targets<'a>(cluster: &'a Cluster, plan: &Plan) -> Vec<&'a Member> {
    let leader = cluster.leader_member();
    if plan.kind == SwitchKind::Switchover {
        return leader.into_iter().collect();
    }
    let candidate = plan.candidate.as_deref().and_then(|c| cluster.member(c));
    let mut out: Vec<&Member> = leader.into_iter().chain(candidate).collect();
    for member in &cluster.members {
        if !out.iter().any(|m| m.name == member.name) {
            out.push(member);
        }
    }
    out.retain(|m| m.data.api_url.is_some());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::{DcsValue, Leader, MemberData, MemberState, Role};

    fn member(name: &str, nofailover: bool) -> Member {
        let mut data = MemberData::new(MemberState::Running, Role::Replica);
        data.api_url = Some(format!("http://127.0.0.1:1/{name}"));
        if nofailover {
            data.tags.0.insert("nofailover".into(), Value::Bool(true));
        }
        Member {
            name: name.to_string(),
            version: 1,
            session: None,
            data,
        }
    }

    fn cluster(leader: Option<&str>) -> Cluster {
        Cluster {
            leader: leader.map(|n| Leader {
                name: n.to_string(),
                version: 1,
                session: None,
            }),
            members: vec![
                member("node1", false),
                member("node2", false),
                member("node3", true),
            ],
            ..Cluster::default()
        }
    }

    fn err(result: Result<(Option<String>, Option<String>), CtlError>) -> String {
        match result {
            Ok(ok) => panic!("expected an error, got {ok:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn switchover_checks() {
        let c = cluster(Some("node1"));
        let sw = SwitchKind::Switchover;
        assert_eq!(
            validate(&c, "demo", sw, None, None).ok(),
            Some((Some("node1".into()), None))
        );
        assert_eq!(
            validate(&c, "demo", sw, Some("node1"), Some("node2")).ok(),
            Some((Some("node1".into()), Some("node2".into())))
        );
        assert_eq!(
            err(validate(&c, "demo", sw, Some("node2"), None)),
            "Member node2 is not the leader of cluster demo"
        );
        assert_eq!(
            err(validate(&c, "demo", sw, None, Some("node1"))),
            "Switchover target and source are the same."
        );
        assert_eq!(
            err(validate(&c, "demo", sw, None, Some("node3"))),
            "Member node3 does not exist in cluster demo or is tagged as nofailover"
        );
        assert_eq!(
            err(validate(&c, "demo", sw, None, Some("node9"))),
            "Member node9 does not exist in cluster demo or is tagged as nofailover"
        );
        assert_eq!(
            err(validate(&cluster(None), "demo", sw, None, None)),
            "This cluster has no leader"
        );
    }

    #[test]
    fn failover_checks() {
        let fo = SwitchKind::Failover;
        assert_eq!(
            err(validate(&cluster(Some("node1")), "demo", fo, None, None)),
            "Failover could be performed only to a specific candidate"
        );
        assert_eq!(
            validate(&cluster(None), "demo", fo, None, Some("node2")).ok(),
            Some((None, Some("node2".into())))
        );
        assert_eq!(
            err(validate(
                &cluster(Some("node1")),
                "demo",
                fo,
                None,
                Some("node1")
            )),
            "Failover target and source are the same."
        );
        let mut lonely = cluster(Some("node1"));
        lonely.members.truncate(1);
        assert_eq!(
            err(validate(&lonely, "demo", fo, None, Some("node2"))),
            "No candidates found to failover to"
        );
    }

    #[test]
    fn bodies_and_targets() {
        let plan = Plan {
            kind: SwitchKind::Switchover,
            leader: Some("node1".into()),
            candidate: Some("node2".into()),
            scheduled_at: Some("2030-01-01T10:00:00+00:00".into()),
        };
        assert_eq!(
            plan.body(),
            serde_json::json!({"leader": "node1", "candidate": "node2",
                "scheduled_at": "2030-01-01T10:00:00+00:00"})
        );
        let c = cluster(Some("node1"));
        let names = |ms: Vec<&Member>| ms.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(targets(&c, &plan)), vec!["node1"]);
        let failover = Plan {
            kind: SwitchKind::Failover,
            leader: Some("node1".into()),
            candidate: Some("node2".into()),
            scheduled_at: None,
        };
        assert_eq!(failover.body(), serde_json::json!({"candidate": "node2"}));
        assert_eq!(
            names(targets(&c, &failover)),
            vec!["node1", "node2", "node3"]
        );
        assert_eq!(
            names(targets(&cluster(None), &failover)),
            vec!["node2", "node1", "node3"]
        );
        assert_eq!(failover.failover_key().to_text(), r#"{"member":"node2"}"#);
    }
}
