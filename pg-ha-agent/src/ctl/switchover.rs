//! `switchover` and `failover`: check the request against the cluster as patronictl does,
//! confirm, `POST /switchover` to the leader (`POST /failover` to the first member that
//! answers, leader first), and follow the leader key in the DCS until a new leader holds it
//! or the timeout passes. If no member's API can be reached, the `failover` key is written
//! directly (without CAS), as patronictl does.

use super::args::{OutputFormat, SwitchArgs};
use super::progress::{timestamp, LeaderWatch, POLL_INTERVAL};
use super::prompt::Prompter;
use super::schedule::{example, parse_scheduled};
use super::session::Session;
use super::{list, CtlError};
use crate::http::Response;
use pg_ha_core::config::SyncMode;
use pg_ha_core::model::{Cluster, Condition, DcsValue, Failover, Key, Member};
use serde_json::{Map, Value};
use std::time::Duration;

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
    fn failover_key(&self) -> Failover {
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
fn candidate_names<'a>(cluster: &'a Cluster, leader: Option<&str>) -> Vec<&'a str> {
    cluster
        .members
        .iter()
        .filter(|m| Some(m.name.as_str()) != leader && !m.data.tags.nofailover())
        .map(|m| m.name.as_str())
        .collect()
}

/// Runs `switchover` or `failover`.
pub async fn run(session: &Session, kind: SwitchKind, args: &SwitchArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let scope = session.scope();
    println!("Current cluster topology");
    println!(
        "{}",
        list::render(&cluster, scope, false, OutputFormat::Pretty)
    );
    let prompter = Prompter::new(args.force);
    let mut leader = args.leader.clone();
    let mut candidate = args.candidate.clone();
    if prompter.interactive() {
        if kind == SwitchKind::Switchover && leader.is_none() {
            let current = cluster.leader_name().unwrap_or_default();
            leader = Some(prompter.ask("Primary", current)?);
        }
        if candidate.is_none() {
            let names = candidate_names(&cluster, cluster.leader_name()).join(", ");
            let answer = prompter.ask(&format!("Candidate [{names}]"), "")?;
            candidate = Some(answer).filter(|a| !a.is_empty());
        }
    }
    let (leader, candidate) = validate(
        &cluster,
        scope,
        kind,
        leader.as_deref(),
        candidate.as_deref(),
    )?;
    let scheduled_at = match (kind, &args.scheduled) {
        (SwitchKind::Failover, _) => None,
        (SwitchKind::Switchover, Some(text)) => parse_scheduled(text)?,
        (SwitchKind::Switchover, None) => {
            let question = format!("When should the switchover take place (e.g. {})", example());
            parse_scheduled(&prompter.ask(&question, "now")?)?
        }
    };
    confirm(
        &prompter,
        &cluster,
        scope,
        kind,
        &leader,
        &candidate,
        &scheduled_at,
    )?;
    let plan = Plan {
        kind,
        leader,
        candidate,
        scheduled_at,
    };
    execute(session, &cluster, &plan, args.timeout).await
}

fn confirm(
    prompter: &Prompter,
    cluster: &Cluster,
    scope: &str,
    kind: SwitchKind,
    leader: &Option<String>,
    candidate: &Option<String>,
    scheduled_at: &Option<String>,
) -> Result<(), CtlError> {
    let sync_on = cluster
        .config
        .as_ref()
        .is_some_and(|c| c.parsed.synchronous_mode != SyncMode::Off);
    if let (SwitchKind::Failover, Some(candidate)) = (kind, candidate) {
        let in_sync = cluster
            .sync_state()
            .is_some_and(|s| s.value.has_standby(candidate));
        if sync_on && !in_sync {
            prompter.confirm(&format!(
                "Are you sure you want to failover to the asynchronous node {candidate}?"
            ))?;
        }
    }
    let demote = leader
        .as_deref()
        .map(|l| format!(", demoting current leader {l}"))
        .unwrap_or_default();
    let question = match scheduled_at {
        Some(at) => format!(
            "Are you sure you want to schedule {} of cluster {scope} at {at}{demote}?",
            kind.name()
        ),
        None => format!(
            "Are you sure you want to {} cluster {scope}{demote}?",
            kind.name()
        ),
    };
    prompter.confirm(&question)
}

/// The members to send the request to, in order: the leader (switchover: only the
/// leader), then the candidate, then the others.
fn targets<'a>(cluster: &'a Cluster, plan: &Plan) -> Vec<&'a Member> {
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

/// The first answer among `members` (a member that cannot be reached is skipped).
async fn post_first(
    session: &Session,
    members: &[&Member],
    path: &str,
    body: &Value,
    timeout: Duration,
) -> Result<Response, CtlError> {
    let mut last = CtlError::failed("no member with an api_url to send the request to");
    for member in members {
        match session
            .request(member, "POST", path, Some(body), timeout)
            .await
        {
            Ok(response) => return Ok(response),
            Err(e) => {
                eprintln!("{} {}: {e}", timestamp(), member.name);
                last = e;
            }
        }
    }
    Err(last)
}

/// What the REST answer means for the wait.
enum Answer {
    /// The member saw the leader change (its message).
    Done(String),
    /// Scheduled: nothing to wait for.
    Scheduled,
    /// Still in progress as far as the member knows: keep following the DCS.
    Unknown,
    /// The request was written to the DCS directly: fail if it is cleared unanswered.
    WrittenDirectly,
}

async fn execute(
    session: &Session,
    cluster: &Cluster,
    plan: &Plan,
    timeout: Duration,
) -> Result<(), CtlError> {
    let path = match plan.kind {
        SwitchKind::Switchover => "/switchover",
        SwitchKind::Failover => "/failover",
    };
    let body = plan.body();
    let members = targets(cluster, plan);
    let post = post_first(
        session,
        &members,
        path,
        &body,
        timeout + Duration::from_secs(5),
    );
    tokio::pin!(post);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut watch = LeaderWatch::new(cluster.leader_name());
    let mut answer: Option<Answer> = None;
    let mut ticker = tokio::time::interval(POLL_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            result = &mut post, if answer.is_none() => {
                let a = interpret(session, plan, result).await?;
                match a {
                    Answer::Scheduled => return print_cluster(session).await,
                    // read the DCS now, to show the change before the member's message
                    Answer::Done(_) => ticker.reset_immediately(),
                    _ => {}
                }
                answer = Some(a);
            }
            _ = ticker.tick() => {
                let Ok(now) = session.cluster().await else {
                    continue;
                };
                if let Some(line) = watch.observe(&now) {
                    println!("{line}");
                }
                if let Some(new) = watch.new_leader() {
                    let message = match &answer {
                        Some(Answer::Done(message)) => message.clone(),
                        _ => outcome(plan, new),
                    };
                    println!("{} {message}", timestamp());
                    println!("{}", list::render(&now, session.scope(), false, OutputFormat::Pretty));
                    return Ok(());
                }
                if matches!(answer, Some(Answer::WrittenDirectly)) && now.failover_request().is_none() {
                    return Err(CtlError::failed(format!(
                        "{} failed: the request was cleared and the leader did not change",
                        plan.kind.title()
                    )));
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                return Err(CtlError::failed(format!(
                    "{} did not complete within {} seconds (leader: {}); it may still be in progress",
                    plan.kind.title(),
                    timeout.as_secs_f64(),
                    watch.current().unwrap_or("none")
                )));
            }
        }
    }
}

/// Reads the REST answer (or the failure to get one, in which case the `failover` key is
/// written directly).
async fn interpret(
    session: &Session,
    plan: &Plan,
    result: Result<Response, CtlError>,
) -> Result<Answer, CtlError> {
    let title = plan.kind.title();
    match result {
        Ok(r) if r.status == 200 => Ok(Answer::Done(r.body.trim().to_string())),
        Ok(r) if r.status == 202 => {
            println!("{} {}", timestamp(), r.body.trim());
            Ok(Answer::Scheduled)
        }
        Ok(r) if r.body.contains("status unknown") => {
            println!(
                "{} {title}: result unknown, details: {}, {}; following the DCS",
                timestamp(),
                r.status,
                r.body.trim()
            );
            Ok(Answer::Unknown)
        }
        Ok(r) => Err(CtlError::failed(format!(
            "{title} failed, details: {}, {}",
            r.status,
            r.body.trim()
        ))),
        Err(e @ (CtlError::Http(_) | CtlError::Failed(_))) => {
            println!(
                "{} could not {} through the REST API ({e}); writing the failover key directly",
                timestamp(),
                plan.kind.name()
            );
            let value = plan.failover_key().to_text();
            session
                .dcs()
                .write(Key::Failover, &value, Condition::Any)
                .await?;
            if plan.scheduled_at.is_some() {
                println!("{} {title} scheduled", timestamp());
                return Ok(Answer::Scheduled);
            }
            Ok(Answer::WrittenDirectly)
        }
        Err(e) => Err(e),
    }
}

fn outcome(plan: &Plan, new: &str) -> String {
    let verb = match plan.kind {
        SwitchKind::Switchover => "switched",
        SwitchKind::Failover => "failed",
    };
    match plan.candidate.as_deref() {
        Some(c) if c != new => format!("New leader is \"{new}\" instead of \"{c}\""),
        _ => format!("Successfully {verb} over to \"{new}\""),
    }
}

async fn print_cluster(session: &Session) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    println!(
        "{}",
        list::render(&cluster, session.scope(), false, OutputFormat::Pretty)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::{Leader, MemberData, MemberState, Role};

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
