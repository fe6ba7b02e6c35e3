//! `dsn`: the libpq connection string of one member (`host=... port=...`), from its
//! `conn_url`: `--member`, else the first member of `--role` (default: the leader).

use super::command::{DsnArgs, MemberArgs, RoleFilter};
use super::members::select;
use super::prompt::Prompter;
use super::session::Session;
use super::CtlError;
use pg_ha_core::model::url_host_port;

/// Runs `dsn`.
pub async fn run(session: &Session, args: &DsnArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    // A named member is taken whatever its role (as patronictl).
    let members = MemberArgs {
        names: args.member.iter().cloned().collect(),
        role: if args.member.is_some() {
            RoleFilter::Any
        } else {
            args.role
        },
        force: true,
    };
    let chosen = select(
        &cluster,
        session.scope(),
        &members,
        "use",
        &Prompter::new(true),
    )?;
    let member = chosen
        .first()
        .ok_or_else(|| CtlError::failed("no member found"))?;
    let url = member.data.conn_url.as_deref().unwrap_or_default();
    let (host, port) = url_host_port(url).ok_or_else(|| {
        CtlError::failed(format!("{} has no usable conn_url: {url:?}", member.name))
    })?;
    println!("host={host} port={}", port.unwrap_or(5432));
    Ok(())
}
