//! `demote-cluster` and `promote-cluster`, as patronictl: `PATCH /config` with a
//! `standby_cluster` section (or `null`) on the leader, then wait until the leader's member
//! key shows it running in its new role (`standby_leader`, `primary`).

use super::command::ClusterRoleArgs;
use super::pause::leader_first;
use super::progress::{timestamp, POLL_INTERVAL};
use super::prompt::Prompter;
use super::session::{Session, REQUEST_TIMEOUT};
use super::CtlError;
use pg_ha_core::model::{Cluster, MemberState, Role};
use serde_json::{json, Map, Value};

/// The `standby_cluster` section `demote-cluster` writes: the options given.
pub fn standby_section(args: &ClusterRoleArgs) -> Result<Value, CtlError> {
    if args.host.is_none() && args.restore_command.is_none() {
        return Err(CtlError::failed(
            "At least --host or --restore-command should be specified",
        ));
    }
    let mut section = Map::new();
    let options = [
        ("host", &args.host),
        ("port", &args.port),
        ("primary_slot_name", &args.primary_slot_name),
        ("restore_command", &args.restore_command),
    ];
    for (key, value) in options {
        if let Some(value) = value {
            section.insert(key.to_string(), Value::String(value.clone()));
        }
    }
    Ok(Value::Object(section))
}

/// `demote-cluster`: the cluster becomes a standby cluster of the remote.
pub async fn demote(session: &Session, args: &ClusterRoleArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    if is_standby(&cluster) {
        return Err(CtlError::failed("Cluster is already in the standby mode"));
    }
    let section = standby_section(args)?;
    Prompter::new(args.force).confirm(&format!(
        "Are you sure you want to demote {} cluster?",
        session.scope()
    ))?;
    let body = json!({ "standby_cluster": section });
    change_role(session, &cluster, &body, Role::StandbyLeader, args).await
}

/// `promote-cluster`: a standby cluster becomes a primary cluster.
pub async fn promote(session: &Session, args: &ClusterRoleArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    if !is_standby(&cluster) {
        return Err(CtlError::failed("Cluster is not in the standby mode"));
    }
    Prompter::new(args.force).confirm(&format!(
        "Are you sure you want to promote {} cluster?",
        session.scope()
    ))?;
    let body = json!({ "standby_cluster": null });
    change_role(session, &cluster, &body, Role::Primary, args).await
}

fn is_standby(cluster: &Cluster) -> bool {
    cluster
        .config
        .as_ref()
        .is_some_and(|c| c.parsed.is_standby_cluster())
}

async fn change_role(
    session: &Session,
    cluster: &Cluster,
    body: &Value,
    role: Role,
    args: &ClusterRoleArgs,
) -> Result<(), CtlError> {
    let leader = leader_first(cluster)
        .into_iter()
        .next()
        .filter(|m| cluster.is_leader(&m.name))
        .ok_or_else(|| CtlError::failed("This cluster has no leader"))?;
    let response = session
        .request(leader, "PATCH", "/config", Some(body), REQUEST_TIMEOUT)
        .await?;
    if response.status != 200 {
        return Err(CtlError::failed(format!(
            "Failed to update cluster role: status code={}, ({})",
            response.status,
            response.body.trim()
        )));
    }
    println!(
        "{} Waiting for the leader to be a running {}",
        timestamp(),
        role_name(role)
    );
    let deadline = tokio::time::Instant::now() + args.timeout;
    loop {
        if let Ok(now) = session.cluster().await {
            if leader_has_role(&now, role) {
                println!("Success: cluster role changed to {}", role_name(role));
                return Ok(());
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(CtlError::failed(format!(
                "The leader did not become a running {} within {} seconds",
                role_name(role),
                args.timeout.as_secs_f64()
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::StandbyLeader => "standby_leader",
        _ => "primary",
    }
}

fn leader_has_role(cluster: &Cluster, role: Role) -> bool {
    cluster
        .leader_member()
        .is_some_and(|m| m.data.role == role && m.data.state == MemberState::Running)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_has_the_options_given_and_needs_a_source() {
        let args = ClusterRoleArgs {
            host: Some("10.0.0.1".into()),
            primary_slot_name: Some("dr".into()),
            ..ClusterRoleArgs::default()
        };
        assert_eq!(
            standby_section(&args).expect("section"),
            json!({"host": "10.0.0.1", "primary_slot_name": "dr"})
        );
        let none = ClusterRoleArgs::default();
        assert!(standby_section(&none).is_err());
    }
}
