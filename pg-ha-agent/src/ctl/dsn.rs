//! `dsn`: the libpq connection string of one member (`host=... port=...`), from its
//! `conn_url`: `--member`, else the first member of `--role` (default: the leader).

use super::command::{DsnArgs, MemberArgs, RoleFilter};
use super::members::select;
use super::prompt::Prompter;
use super::session::Session;
use super::CtlError;
use pg_ha_core::model::{url_host_port, Cluster, Member};

/// Runs `dsn`.
pub async fn run(session: &Session, args: &DsnArgs) -> Result<(), CtlError> {
    let cluster = session.cluster().await?;
    let (_, host, port) = endpoint(&cluster, session.scope(), args.member.as_deref(), args.role)?;
    println!("host={host} port={port}");
    Ok(())
}

/// The member `member` names (whatever its role, as patronictl), else the first member of
/// `role`; with the host and port of its `conn_url`.
pub fn endpoint<'a>(
    cluster: &'a Cluster,
    scope: &str,
    member: Option<&str>,
    role: RoleFilter,
) -> Result<(&'a Member, String, u16), CtlError> {
    let pick = MemberArgs {
        names: member.iter().map(|m| m.to_string()).collect(),
        role: if member.is_some() {
            RoleFilter::Any
        } else {
            role
        },
        force: true,
    };
    let chosen = select(cluster, scope, &pick, "use", &Prompter::new(true))?;
    let member = *chosen
        .first()
        .ok_or_else(|| CtlError::failed("no member found"))?;
    let url = member.data.conn_url.as_deref().unwrap_or_default();
    let (host, port) = url_host_port(url).ok_or_else(|| {
        CtlError::failed(format!("{} has no usable conn_url: {url:?}", member.name))
    })?;
    Ok((member, host, port.unwrap_or(5432)))
}
