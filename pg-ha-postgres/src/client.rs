//! SQL connections through tokio-postgres, always bounded by a timeout so that a stopped or
//! hung server cannot block the agent.

use super::conninfo::Endpoint;
use super::settings::Credentials;
use super::sql_tls::{apply_channel_binding, sql_tls};
use pg_ha_core::PgError;
use std::future::Future;
use std::time::Duration;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct ConnTarget {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Role and password.
    pub credentials: Credentials,
    /// Database.
    pub dbname: String,
}

impl ConnTarget {
    /// The `postgres` database at `endpoint`.
    pub fn new(endpoint: &Endpoint, credentials: &Credentials) -> ConnTarget {
        ConnTarget {
            host: endpoint.host.clone(),
            port: endpoint.port,
            credentials: credentials.clone(),
            dbname: "postgres".to_string(),
        }
    }

    /// The same server, another database.
    pub fn database(mut self, dbname: &str) -> ConnTarget {
        self.dbname = dbname.to_string();
        self
    }
}

/// Connects with `timeout` for the whole handshake; statements time out after `timeout` on
/// the server side too (`statement_timeout`).
pub async fn connect(target: &ConnTarget, timeout: Duration) -> Result<Client, PgError> {
    let mut cfg = Config::new();
    cfg.host(&target.host)
        .port(target.port)
        .user(&target.credentials.username)
        .dbname(&target.dbname)
        .application_name("pg-ha")
        .connect_timeout(timeout)
        .options(format!("-c statement_timeout={}", statement_ms(timeout)));
    if let Some(pw) = &target.credentials.password {
        cfg.password(pw);
    }
    apply_channel_binding(&mut cfg, &target.credentials);
    let (mode, tls) = sql_tls(&target.credentials)?;
    cfg.ssl_mode(mode);
    match tls {
        None => open(target, &cfg, NoTls, timeout).await,
        Some(tls) => open(target, &cfg, MakeRustlsConnect::new(tls), timeout).await,
    }
}

/// Opens the connection with `tls` and drives it on its own task.
async fn open<T>(
    target: &ConnTarget,
    cfg: &Config,
    tls: T,
    timeout: Duration,
) -> Result<Client, PgError>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, connection) = bounded(timeout, cfg.connect(tls)).await?.map_err(|e| {
        PgError::Unreachable(format!("{}:{}: {}", target.host, target.port, chain(&e)))
    })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("connection closed: {e}");
        }
    });
    Ok(client)
}

/// `e` and its causes, `: `-separated (a TLS failure says why the certificate was refused).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn statement_ms(timeout: Duration) -> u128 {
    timeout.as_millis().max(1)
}

/// Runs `fut` with a deadline; a timeout is `Unreachable`.
pub async fn bounded<T>(timeout: Duration, fut: impl Future<Output = T>) -> Result<T, PgError> {
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| PgError::Unreachable(format!("no answer within {timeout:?}")))
}

/// Maps a query error.
pub fn sql_error(context: &str, e: tokio_postgres::Error) -> PgError {
    match e.as_db_error() {
        Some(db) => PgError::CommandFailed {
            command: context.to_string(),
            reason: format!("{}: {}", db.code().code(), db.message()),
        },
        None => PgError::Unreachable(format!("{context}: {e}")),
    }
}

/// Runs one statement (no result) with a timeout.
pub async fn execute(client: &Client, sql: &str, timeout: Duration) -> Result<(), PgError> {
    bounded(timeout, client.batch_execute(sql))
        .await?
        .map_err(|e| sql_error(sql, e))
}

/// Quotes an SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an SQL string literal.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_sql() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }

    #[tokio::test]
    async fn unreachable_server_fails_fast() {
        let target = ConnTarget {
            host: "127.0.0.1".into(),
            port: 1,
            credentials: Credentials::new("x", "y"),
            dbname: "postgres".into(),
        };
        let start = std::time::Instant::now();
        let err = connect(&target, Duration::from_millis(500))
            .await
            .expect_err("no server");
        assert!(matches!(err, PgError::Unreachable(_)), "{err}");
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
