//! `query`: runs SQL on one member's PostgreSQL and prints the rows, as patronictl's `query`:
//! tab-separated by default (a header line, then one line per row, NULL as `None`), or
//! pretty / json / yaml. The member: `--member`, else the first of `--role` (default: the
//! leader). The login: `--username` (default: `postgresql.authentication.superuser`), with
//! that role's configured password or `$PGPASSWORD`; `--dbname` (default `postgres`).

use super::command::{OutputFormat, QueryArgs, RoleFilter};
use super::dsn::endpoint;
use super::session::Session;
use super::table::{Cell, Table};
use super::CtlError;
use std::time::Duration;
use tokio_postgres::{NoTls, SimpleQueryMessage};

/// Runs `query`.
pub async fn run(session: &Session, args: &QueryArgs) -> Result<(), CtlError> {
    let sql = match (&args.command, &args.file) {
        (Some(sql), None) => sql.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .map_err(|e| CtlError::failed(format!("{}: {e}", file.display())))?,
        _ => return Err(CtlError::usage("query needs one of --command or --file")),
    };
    let client = connect(session, args).await?;
    let messages = client
        .simple_query(&sql)
        .await
        .map_err(|e| CtlError::failed(format!("query failed: {e}")))?;
    let (columns, rows) = result_of(&messages);
    println!("{}", render(&columns, &rows, args));
    Ok(())
}

async fn connect(session: &Session, args: &QueryArgs) -> Result<tokio_postgres::Client, CtlError> {
    let cluster = session.cluster().await?;
    let role = match args.role {
        RoleFilter::Any => RoleFilter::Leader,
        role => role,
    };
    let (member, host, port) = endpoint(&cluster, session.scope(), args.member.as_deref(), role)?;
    let (user, password) = login(session, args);
    let mut config = tokio_postgres::Config::new();
    config
        .host(&host)
        .port(port)
        .user(&user)
        .dbname(args.dbname.as_deref().unwrap_or("postgres"))
        .application_name("pg-ha-ctl")
        .connect_timeout(Duration::from_secs(5));
    if let Some(password) = &password {
        config.password(password);
    }
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| CtlError::failed(format!("cannot connect to {}: {e}", member.name)))?;
    tokio::spawn(connection);
    Ok(client)
}

/// The user and password: `--username` (else the configured superuser), its configured
/// password when it is that superuser, else `$PGPASSWORD`.
fn login(session: &Session, args: &QueryArgs) -> (String, Option<String>) {
    let superuser = &session.config().postgresql.raw["authentication"]["superuser"];
    let configured = superuser["username"].as_str().map(str::to_string);
    let user = args
        .username
        .clone()
        .or_else(|| configured.clone())
        .unwrap_or_else(|| "postgres".to_string());
    let password = (Some(&user) == configured.as_ref())
        .then(|| superuser["password"].as_str().map(str::to_string))
        .flatten()
        .or_else(|| std::env::var("PGPASSWORD").ok());
    (user, password)
}

/// The last statement's columns and rows (text; NULL as `None`).
fn result_of(messages: &[SimpleQueryMessage]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(described) => {
                columns = described.iter().map(|c| c.name().to_string()).collect();
                rows.clear();
            }
            SimpleQueryMessage::Row(row) => {
                if columns.is_empty() {
                    columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                }
                rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).unwrap_or("None").to_string())
                        .collect(),
                );
            }
            _ => {}
        }
    }
    (columns, rows)
}

fn render(columns: &[String], rows: &[Vec<String>], args: &QueryArgs) -> String {
    if args.format == OutputFormat::Tsv {
        let delimiter = args.delimiter.as_str();
        return std::iter::once(columns.join(delimiter))
            .chain(rows.iter().map(|r| r.join(delimiter)))
            .collect::<Vec<_>>()
            .join("\n");
    }
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut table = Table::new(&names);
    table.rows = rows
        .iter()
        .map(|r| r.iter().map(Cell::text).collect())
        .collect();
    match args.format {
        OutputFormat::Json => table.to_json().to_string(),
        OutputFormat::Yaml => table.render_yaml(),
        _ => table.render(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(format: OutputFormat) -> QueryArgs {
        QueryArgs {
            cluster: None,
            role: RoleFilter::Any,
            member: None,
            command: None,
            file: None,
            username: None,
            dbname: None,
            format,
            delimiter: "\t".to_string(),
        }
    }

    #[test]
    fn rows_print_as_patronictl_prints_them() {
        let columns = vec!["a".to_string(), "b".to_string()];
        let rows = vec![vec!["1".to_string(), "None".to_string()]];
        assert_eq!(
            render(&columns, &rows, &args(OutputFormat::Tsv)),
            "a\tb\n1\tNone"
        );
        let mut semicolon = args(OutputFormat::Tsv);
        semicolon.delimiter = ";".into();
        assert_eq!(render(&columns, &rows, &semicolon), "a;b\n1;None");
        assert_eq!(
            render(&columns, &rows, &args(OutputFormat::Json)),
            r#"[{"a":"1","b":"None"}]"#
        );
    }
}
