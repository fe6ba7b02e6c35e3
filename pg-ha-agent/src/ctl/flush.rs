//! `flush`: cancel scheduled actions as patronictl does. `restart`: `DELETE /restart` on each
//! selected member that has a scheduled restart. `switchover`: `DELETE /switchover` on the
//! leader, else on the other members in turn, else the conditional delete in the DCS.

use super::command::{FlushArgs, FlushTarget};
use super::members::select;
use super::prompt::Prompter;
use super::session::{Session, REQUEST_TIMEOUT};
use super::CtlError;
use pg_ha_core::model::{Condition, Key};

/// Runs `flush`.
pub async fn run(session: &Session, args: &FlushArgs) -> Result<(), CtlError> {
    match args.target {
        FlushTarget::Restart => restarts(session, args).await,
        FlushTarget::Switchover => switchover(session).await,
    }
}

async fn restarts(session: &Session, args: &FlushArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let prompter = Prompter::new(args.members.force);
    let members = select(&cluster, session.scope(), &args.members, "flush", &prompter)?;
    let mut failed = false;
    for member in members {
        let name = &member.name;
        if member.data.scheduled_restart.is_none() {
            println!("No scheduled restart for member {name}");
            continue;
        }
        match session
            .request(member, "DELETE", "/restart", None, REQUEST_TIMEOUT)
            .await
        {
            Ok(r) if r.status == 200 => {
                println!("Success: flush scheduled restart for member {name}")
            }
            Ok(r) => {
                failed = true;
                println!(
                    "Failed: flush scheduled restart for member {name}, status code={}, ({})",
                    r.status,
                    r.body.trim()
                );
            }
            Err(e) => {
                failed = true;
                println!("Failed: flush scheduled restart for member {name}: {e}");
            }
        }
    }
    if failed {
        return Err(CtlError::failed("some scheduled restarts were not flushed"));
    }
    Ok(())
}

async fn switchover(session: &Session) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let Some(request) = cluster
        .failover_request()
        .filter(|f| f.value.scheduled_at.is_some())
    else {
        println!("No pending scheduled switchover");
        return Ok(());
    };
    let leader = cluster.leader_member();
    let others = cluster
        .members
        .iter()
        .filter(|m| Some(m.name.as_str()) != leader.map(|l| l.name.as_str()));
    for member in leader.into_iter().chain(others) {
        match session
            .request(member, "DELETE", "/switchover", None, REQUEST_TIMEOUT)
            .await
        {
            Ok(r) if r.status == 200 => {
                println!("Success: {}", r.body.trim());
                return Ok(());
            }
            Ok(r) if r.status == 404 => {
                println!("Failed: {}", r.body.trim());
                return Ok(());
            }
            Ok(r) => println!(
                "Failed: member={}, status_code={}, ({})",
                member.name,
                r.status,
                r.body.trim()
            ),
            Err(e) => eprintln!("Member {} is not accessible: {e}", member.name),
        }
    }
    eprintln!("Failing over to DCS");
    let deleted = session
        .dcs()
        .write(Key::Failover, "{}", Condition::Version(request.version))
        .await?;
    if deleted.is_some() {
        println!("Success: scheduled switchover deleted");
        Ok(())
    } else {
        Err(CtlError::failed("the switchover request changed meanwhile"))
    }
}
