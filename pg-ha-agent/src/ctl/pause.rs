//! `pause` and `resume`: `PATCH /config {"pause": true}` (resume: `{"pause": null}`) on the
//! first member that answers, leader first; `--wait` follows the member keys until every
//! member that was running reports the new state.

use super::command::PauseArgs;
use super::progress::{timestamp, POLL_INTERVAL};
use super::session::{Session, REQUEST_TIMEOUT};
use super::CtlError;
use pg_ha_core::model::{Cluster, Member};
use serde_json::{json, Value};

/// The `PATCH /config` body: `{"pause": true}`, or `{"pause": null}` to resume.
pub fn pause_body(pause: bool) -> Value {
    if pause {
        json!({ "pause": true })
    } else {
        json!({ "pause": null })
    }
}

/// Members with an API, the leader first.
pub(crate) fn leader_first(cluster: &Cluster) -> Vec<&Member> {
    let mut members: Vec<&Member> = cluster.leader_member().into_iter().collect();
    members.extend(
        cluster
            .members
            .iter()
            .filter(|m| !cluster.is_leader(&m.name)),
    );
    members.retain(|m| m.data.api_url.is_some());
    members
}

/// Runs `pause` (`pause` true) or `resume`.
pub async fn run(session: &Session, pause: bool, args: &PauseArgs) -> Result<(), CtlError> {
    let (verb, done) = if pause {
        ("pause", "paused")
    } else {
        ("resume", "resumed")
    };
    let cluster = session.cluster().await?;
    let paused = cluster.config.as_ref().is_some_and(|c| c.parsed.pause);
    if paused == pause {
        return Err(CtlError::failed(if pause {
            "Cluster is already paused"
        } else {
            "Cluster is not paused"
        }));
    }
    let body = pause_body(pause);
    let mut answered = false;
    for member in leader_first(&cluster) {
        let response = match session
            .request(member, "PATCH", "/config", Some(&body), REQUEST_TIMEOUT)
            .await
        {
            Ok(response) => response,
            Err(e) => {
                eprintln!("Member {} is not accessible: {e}", member.name);
                continue;
            }
        };
        if response.status != 200 {
            return Err(CtlError::failed(format!(
                "Failed: {verb} cluster management status code={}, ({})",
                response.status,
                response.body.trim()
            )));
        }
        answered = true;
        break;
    }
    if !answered {
        return Err(CtlError::failed("Can not find accessible cluster member"));
    }
    if args.wait {
        println!("'{verb}' request sent, waiting until it is recognized by all nodes");
        let names: Vec<String> = cluster
            .members
            .iter()
            .filter(|m| m.data.api_url.is_some())
            .map(|m| m.name.clone())
            .collect();
        wait(session, &names, pause, args.timeout).await?;
    }
    println!("Success: cluster management is {done}");
    Ok(())
}

/// Members among `names` still present whose key does not show `pause`.
fn lagging(cluster: &Cluster, names: &[String], pause: bool) -> Vec<String> {
    names
        .iter()
        .filter(|name| {
            cluster
                .member(name)
                .is_some_and(|m| m.data.pause.unwrap_or(false) != pause)
        })
        .cloned()
        .collect()
}

async fn wait(
    session: &Session,
    names: &[String],
    pause: bool,
    timeout: std::time::Duration,
) -> Result<(), CtlError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut shown: Option<Vec<String>> = None;
    loop {
        if let Ok(cluster) = session.cluster().await {
            let left = lagging(&cluster, names, pause);
            if left.is_empty() {
                return Ok(());
            }
            if shown.as_ref() != Some(&left) {
                println!("{} waiting for: {}", timestamp(), left.join(", "));
                shown = Some(left);
            }
        }
        if tokio::time::Instant::now() >= deadline {
            let left = shown.unwrap_or_default().join(", ");
            return Err(CtlError::failed(format!(
                "{left} did not recognize the {} state after {} seconds",
                if pause { "pause" } else { "resume" },
                timeout.as_secs_f64()
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_follow_patronictl() {
        assert_eq!(pause_body(true).to_string(), r#"{"pause":true}"#);
        assert_eq!(pause_body(false).to_string(), r#"{"pause":null}"#);
    }
}
