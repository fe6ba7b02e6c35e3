//! `reinit`: `POST /reinitialize` on each selected member; with `--wait`, follows each
//! member's `GET /patroni` state until it is no longer `creating replica`.

use super::command::ReinitArgs;
use super::members::select;
use super::progress::{timestamp, POLL_INTERVAL};
use super::prompt::Prompter;
use super::session::{api_url, Session, REQUEST_TIMEOUT};
use super::CtlError;
use pg_ha_core::model::Member;
use serde_json::{json, Value};
use std::time::Duration;

/// How long a started re-clone may take to show `creating replica` before `--wait` trusts
/// any other state as "done".
const START_GRACE: Duration = Duration::from_secs(2);

/// Runs `reinit`.
pub async fn run(session: &Session, args: &ReinitArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let prompter = Prompter::new(args.members.force);
    let members = select(
        &cluster,
        session.scope(),
        &args.members,
        "reinitialize",
        &prompter,
    )?;
    let mut started = Vec::new();
    let mut failed = Vec::new();
    for member in members {
        if reinit_one(session, member, args, &prompter).await {
            started.push(member);
        } else {
            failed.push(member.name.clone());
        }
    }
    if args.wait && !started.is_empty() {
        if let Err(e) = wait(session, &started, args.timeout).await {
            failed.push(e);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CtlError::failed(format!(
            "reinitialize failed: {}",
            failed.join(", ")
        )))
    }
}

/// One member, retried with `force` if the user agrees to cancel a running action.
async fn reinit_one(
    session: &Session,
    member: &Member,
    args: &ReinitArgs,
    prompter: &Prompter,
) -> bool {
    let name = &member.name;
    let mut force = args.members.force;
    loop {
        let mut body = json!({ "force": force });
        if args.from_leader {
            body["from_leader"] = Value::Bool(true);
        }
        match session
            .request(
                member,
                "POST",
                "/reinitialize",
                Some(&body),
                REQUEST_TIMEOUT,
            )
            .await
        {
            Ok(r) if r.status < 400 => {
                println!("Success: reinitialize for member {name}");
                return true;
            }
            Ok(r) => {
                println!(
                    "Failed: reinitialize for member {name}, status code={}, ({})",
                    r.status,
                    r.body.trim()
                );
                let retry = !force
                    && r.body.trim_end().ends_with(" already in progress")
                    && prompter.interactive()
                    && prompter
                        .confirm("Do you want to cancel it and reinitialize anyway?")
                        .is_ok();
                if !retry {
                    return false;
                }
                force = true;
            }
            Err(e) => {
                println!("Failed: reinitialize for member {name}: {e}");
                return false;
            }
        }
    }
}

/// Polls each member's state until none is `creating replica`.
async fn wait(session: &Session, members: &[&Member], timeout: Duration) -> Result<(), String> {
    let started = tokio::time::Instant::now();
    let mut waiting: Vec<(&Member, bool)> = members.iter().map(|m| (*m, false)).collect();
    let mut shown = Vec::new();
    while !waiting.is_empty() {
        let names: Vec<String> = waiting.iter().map(|(m, _)| m.name.clone()).collect();
        if names != shown {
            println!(
                "{} Waiting for reinitialize to complete on: {}",
                timestamp(),
                names.join(", ")
            );
            shown = names;
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "still creating a replica after {} seconds on {}",
                timeout.as_secs_f64(),
                shown.join(", ")
            ));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
        let mut still = Vec::new();
        for (member, seen_creating) in waiting {
            let state = state_of(session, member).await;
            let creating = state.as_deref() == Some("creating replica");
            let seen = seen_creating || creating;
            let done = state.is_some() && !creating && (seen || started.elapsed() >= START_GRACE);
            if done {
                println!(
                    "{} Reinitialize is completed on: {}",
                    timestamp(),
                    member.name
                );
            } else {
                still.push((member, seen));
            }
        }
        waiting = still;
    }
    Ok(())
}

/// The `state` of the member's `GET /patroni`, if it answers.
async fn state_of(session: &Session, member: &Member) -> Option<String> {
    let url = api_url(member).ok()?;
    let response = session
        .request_url(url, "GET", None, REQUEST_TIMEOUT)
        .await
        .ok()?;
    let status: Value = serde_json::from_str(&response.body).ok()?;
    status["state"].as_str().map(str::to_string)
}
