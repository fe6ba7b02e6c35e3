//! `why [MEMBER]`: `GET /why` on the member's REST API (default: the leader) and its answer
//! in words: the reason of the last decision, the actions, and the lease.

use super::session::{find_member, Session, REQUEST_TIMEOUT};
use super::CtlError;
use serde_json::Value;

/// Runs `why`.
pub async fn run(session: &Session, member: Option<&str>) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let scope = session.scope();
    let name = match member {
        Some(name) => name.to_string(),
        None => cluster.leader_name().map(str::to_string).ok_or_else(|| {
            CtlError::failed(format!(
                "cluster {scope} has no leader; name the member to ask: why MEMBER"
            ))
        })?,
    };
    let member = find_member(&cluster, scope, &name)?;
    let response = session
        .request(member, "GET", "/why", None, REQUEST_TIMEOUT)
        .await?;
    if response.status != 200 {
        return Err(CtlError::failed(format!(
            "GET /why on {name} failed, status code={}, ({})",
            response.status,
            response.body.trim()
        )));
    }
    match serde_json::from_str::<Value>(&response.body) {
        Ok(why) => println!("{}", describe(&name, &why)),
        Err(_) => println!("{}", response.body.trim()),
    }
    Ok(())
}

/// The `/why` answer as a few lines of text.
pub fn describe(name: &str, why: &Value) -> String {
    let mut lines = Vec::new();
    let lease = match why["lease_valid_for"].as_f64() {
        Some(secs) if why["holds_lease"] == Value::Bool(true) => {
            format!("holds the leader lease for {secs:.1} s more")
        }
        _ => "does not hold the leader lease".to_string(),
    };
    let leader = why["leader"].as_str().unwrap_or("none");
    lines.push(format!("{name}: {lease} (cluster leader: {leader})"));
    lines.push(format!(
        "reason: {}",
        why["reason"].as_str().unwrap_or("unknown")
    ));
    let actions: Vec<&str> = why["actions"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    lines.push(format!(
        "actions: {}",
        if actions.is_empty() {
            "none".to_string()
        } else {
            actions.join(", ")
        }
    ));
    if why["pause"] == Value::Bool(true) {
        lines.push("maintenance mode: on".to_string());
    }
    if let Some(secs) = why["wake_in"].as_f64() {
        lines.push(format!("next decision in: {secs:.1} s"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn described_in_words() {
        let why = json!({"name": "node1", "leader": "node1", "holds_lease": true,
            "lease_valid_for": 12.34, "pause": true, "reason": "renewed the leader lease",
            "actions": ["RenewLeader", "TouchMember"], "wake_in": 3.0});
        assert_eq!(
            describe("node1", &why),
            "node1: holds the leader lease for 12.3 s more (cluster leader: node1)\n\
             reason: renewed the leader lease\n\
             actions: RenewLeader, TouchMember\n\
             maintenance mode: on\n\
             next decision in: 3.0 s"
        );
        let idle = json!({"leader": null, "holds_lease": false, "reason": "no decision yet",
            "actions": []});
        assert_eq!(
            describe("node2", &idle),
            "node2: does not hold the leader lease (cluster leader: none)\n\
             reason: no decision yet\nactions: none"
        );
    }
}
