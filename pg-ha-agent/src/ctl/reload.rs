//! `reload`: `POST /reload` on each selected member.

use super::command::MemberArgs;
use super::members::select;
use super::prompt::Prompter;
use super::session::{Session, REQUEST_TIMEOUT};
use super::CtlError;

/// Runs `reload`.
pub async fn run(session: &Session, args: &MemberArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let prompter = Prompter::new(args.force);
    let members = select(&cluster, session.scope(), args, "reload", &prompter)?;
    let loop_wait = cluster
        .config
        .as_ref()
        .map_or(10.0, |c| c.parsed.loop_wait.as_secs_f64());
    let mut failed = Vec::new();
    for member in members {
        let name = &member.name;
        match session
            .request(member, "POST", "/reload", None, REQUEST_TIMEOUT)
            .await
        {
            Ok(r) if r.status == 200 => println!("No changes to apply on member {name}"),
            Ok(r) if r.status == 202 => println!(
                "Reload request received for member {name} and will be processed within \
                 {loop_wait} seconds"
            ),
            Ok(r) => {
                println!(
                    "Failed: reload for member {name}, status code={}, ({})",
                    r.status,
                    r.body.trim()
                );
                failed.push(name.as_str());
            }
            Err(e) => {
                println!("Failed: reload for member {name}: {e}");
                failed.push(name.as_str());
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CtlError::failed(format!(
            "reload failed on {}",
            failed.join(", ")
        )))
    }
}
