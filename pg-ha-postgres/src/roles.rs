//! The roles a new cluster needs: replication and rewind (the superuser comes from initdb).

use super::client::{bounded, execute, ident, literal, sql_error};
use super::settings::Credentials;
use pg_ha_core::PgError;
use std::time::Duration;
use tokio_postgres::Client;

/// Functions pg_rewind needs on the source, granted to a non-superuser rewind role.
const REWIND_FUNCTIONS: [&str; 4] = [
    "pg_catalog.pg_ls_dir(text, boolean, boolean)",
    "pg_catalog.pg_stat_file(text, boolean)",
    "pg_catalog.pg_read_binary_file(text)",
    "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
];

/// Creates `role` if missing and sets its attributes and password.
pub async fn create_or_update(
    client: &Client,
    role: &Credentials,
    attributes: &str,
    timeout: Duration,
) -> Result<(), PgError> {
    let exists = bounded(
        timeout,
        client.query_opt(
            "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1",
            &[&role.username],
        ),
    )
    .await?
    .map_err(|e| sql_error("pg_roles", e))?
    .is_some();
    let verb = if exists { "ALTER" } else { "CREATE" };
    let password = match &role.password {
        Some(p) => format!(" PASSWORD {}", literal(p)),
        None => String::new(),
    };
    let sql = format!(
        "{verb} ROLE {} WITH {attributes}{password}",
        ident(&role.username)
    );
    execute(client, &sql, timeout).await
}

/// Creates the replication and rewind roles (unless they are the superuser).
pub async fn create_roles(
    client: &Client,
    superuser: &Credentials,
    replication: &Credentials,
    rewind: Option<&Credentials>,
    timeout: Duration,
) -> Result<(), PgError> {
    if replication.username != superuser.username {
        create_or_update(client, replication, "LOGIN REPLICATION", timeout).await?;
    }
    let Some(rewind) = rewind.filter(|r| r.username != superuser.username) else {
        return Ok(());
    };
    create_or_update(client, rewind, "LOGIN", timeout).await?;
    for f in REWIND_FUNCTIONS {
        let sql = format!(
            "GRANT EXECUTE ON FUNCTION {f} TO {}",
            ident(&rewind.username)
        );
        execute(client, &sql, timeout).await?;
    }
    Ok(())
}
