//! `remove CLUSTER`: deletes every key of the cluster from the DCS, after the confirmations
//! patronictl asks for (the cluster name, "Yes I am aware", and the leader's name while a
//! leader runs), unless `--force`.

use super::command::RemoveArgs;
use super::prompt::Prompter;
use super::session::Session;
use super::CtlError;
use pg_ha_core::model::MemberState;

/// Runs `remove` (the session is opened on `args.cluster`).
pub async fn run(session: &Session, args: &RemoveArgs) -> Result<(), CtlError> {
    let name = &args.cluster;
    let snapshot = session.dcs().read().await?;
    if snapshot.entries.is_empty() {
        return Err(CtlError::failed(format!(
            "cluster {name} has no keys in the DCS: nothing to remove"
        )));
    }
    let prompter = Prompter::new(args.force);
    if !prompter.forced() {
        let cluster = session.cluster().await?;
        if prompter.ask_text("Please confirm the cluster name to remove")? != *name {
            return Err(CtlError::failed("Cluster names specified do not match"));
        }
        let aware = prompter.ask_text(&format!(
            "You are about to remove all information in DCS for {name}, please type: \
             \"Yes I am aware\""
        ))?;
        if aware != "Yes I am aware" {
            return Err(CtlError::failed(
                "You did not exactly type \"Yes I am aware\"",
            ));
        }
        let running_leader = cluster
            .leader_member()
            .filter(|m| m.data.state == MemberState::Running);
        if let Some(leader) = running_leader {
            let answer = prompter.ask_text(
                "This cluster currently is healthy. Please specify the leader name to continue",
            )?;
            if answer != leader.name {
                return Err(CtlError::failed(
                    "You did not specify the current leader of the cluster",
                ));
            }
        }
    }
    session.dcs().delete_cluster().await?;
    println!("Cluster {name} removed from the DCS");
    Ok(())
}
