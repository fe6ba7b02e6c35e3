//! `switchover` and `failover`: check the request against the cluster as patronictl does,
//! confirm, `POST /switchover` to the leader (`POST /failover` to the first member that
//! answers, leader first), and follow the leader key in the DCS until a new leader holds it
//! or the timeout passes. If no member's API can be reached, the `failover` key is written
//! directly (without CAS), as patronictl does.

use super::command::{OutputFormat, SwitchArgs};
use super::progress::{timestamp, LeaderWatch, POLL_INTERVAL};
use super::prompt::Prompter;
use super::schedule::{example, parse_scheduled};
use super::session::Session;
use super::switch_plan::{candidate_names, targets, validate, Plan, SwitchKind};
use super::{list, CtlError};
use crate::http::Response;
use pg_ha_core::config::SyncMode;
use pg_ha_core::model::{Cluster, Condition, DcsValue, Key, Member};
use serde_json::Value;
use std::time::Duration;

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
