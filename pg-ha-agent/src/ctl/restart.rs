//! `restart`: `POST /restart` on each selected member, with the filters patronictl sends
//! (`restart_pending`, `postgres_version`, `schedule`, `timeout`).

use super::command::RestartArgs;
use super::members::select;
use super::prompt::Prompter;
use super::schedule::{example, parse_scheduled};
use super::session::{Session, REQUEST_TIMEOUT};
use super::CtlError;
use pg_ha_core::model::Member;
use serde_json::{Map, Value};
use std::time::Duration;

/// The `POST /restart` body for `args` and an optional schedule.
pub fn restart_body(args: &RestartArgs, schedule: Option<&str>) -> Value {
    let mut body = Map::new();
    if args.pending {
        body.insert("restart_pending".into(), Value::Bool(true));
    }
    if let Some(version) = &args.pg_version {
        body.insert("postgres_version".into(), Value::from(version.as_str()));
    }
    if let Some(at) = schedule {
        body.insert("schedule".into(), Value::from(at));
    }
    if let Some(timeout) = args.timeout {
        body.insert("timeout".into(), Value::from(timeout.as_secs().max(1)));
    }
    Value::Object(body)
}

/// Runs `restart`.
pub async fn run(session: &Session, args: &RestartArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let scope = session.scope();
    let prompter = Prompter::new(args.members.force);
    let mut members = select(&cluster, scope, &args.members, "restart", &prompter)?;
    if args.pending {
        members.retain(|m| m.data.pending_restart == Some(true));
        if members.is_empty() {
            println!("No members with a pending restart");
            return Ok(());
        }
    }
    let schedule = match &args.scheduled {
        Some(text) => parse_scheduled(text)?,
        None => {
            let question = format!("When should the restart take place (e.g. {})", example());
            parse_scheduled(&prompter.ask(&question, "now")?)?
        }
    };
    let paused = cluster.config.as_ref().is_some_and(|c| c.parsed.pause);
    if schedule.is_some() && paused {
        return Err(CtlError::failed(
            "Can't schedule restart in the paused state",
        ));
    }
    let body = restart_body(args, schedule.as_deref());
    // An immediate restart answers once PostgreSQL is up again.
    let timeout = args
        .timeout
        .map_or(Duration::from_secs(120), |t| t + Duration::from_secs(30));
    let mut failed = Vec::new();
    for member in members {
        if !restart_one(
            session,
            member,
            &body,
            schedule.is_some(),
            args.members.force,
            timeout,
        )
        .await
        {
            failed.push(member.name.as_str());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CtlError::failed(format!(
            "restart failed on {}",
            failed.join(", ")
        )))
    }
}

/// One member; prints the outcome and returns whether it succeeded.
async fn restart_one(
    session: &Session,
    member: &Member,
    body: &Value,
    scheduled: bool,
    force: bool,
    timeout: Duration,
) -> bool {
    let name = &member.name;
    if scheduled && force && member.data.scheduled_restart.is_some() {
        match session
            .request(member, "DELETE", "/restart", None, REQUEST_TIMEOUT)
            .await
        {
            Ok(r) if r.status < 400 => {
                println!("Success: flush scheduled restart for member {name}")
            }
            Ok(r) => println!(
                "Failed: flush scheduled restart for member {name}, status code={}, ({})",
                r.status,
                r.body.trim()
            ),
            Err(e) => println!("Failed: flush scheduled restart for member {name}: {e}"),
        }
    }
    match session
        .request(member, "POST", "/restart", Some(body), timeout)
        .await
    {
        Ok(r) if r.status == 200 => {
            println!("Success: restart on member {name}");
            true
        }
        Ok(r) if r.status == 202 => {
            println!("Success: restart scheduled on member {name}");
            true
        }
        Ok(r) if r.status == 409 => {
            println!("Failed: another restart is already scheduled on member {name}");
            false
        }
        Ok(r) => {
            println!(
                "Failed: restart for member {name}, status code={}, ({})",
                r.status,
                r.body.trim()
            );
            false
        }
        Err(e) => {
            println!("Failed: restart for member {name}: {e}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert_eq!(
            restart_body(&RestartArgs::default(), None),
            serde_json::json!({})
        );
        let args = RestartArgs {
            pending: true,
            pg_version: Some("15.4".into()),
            timeout: Some(Duration::from_secs(90)),
            ..RestartArgs::default()
        };
        assert_eq!(
            restart_body(&args, Some("2030-01-01T10:00:00+00:00")),
            serde_json::json!({"restart_pending": true, "postgres_version": "15.4",
                "schedule": "2030-01-01T10:00:00+00:00", "timeout": 90})
        );
    }
}
