//! `command_node <pg-ha.yml> <commands.yml>`: a pg-ha node whose PostgreSQL runs elsewhere
//! (a container, a VM), managed through the commands of the second file
//! ([`pg_ha_examples::command_postgres`]). Everything else (the DCS, the REST API, the HA
//! loop) comes from the Patroni-format first file. Prints one line per role change, stamped
//! with the wall clock in milliseconds; SIGTERM or Ctrl-C stops PostgreSQL and releases the
//! leader key.

use pg_ha_agent::config;
use pg_ha_agent::node::{NodeBuilder, NodeRole};
use pg_ha_core::Postgres;
use pg_ha_examples::command_postgres::{CommandPostgres, CommandSettings};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::signal::unix::{signal, SignalKind};

const USAGE: &str = "usage: command_node <pg-ha.yml> <commands.yml>";

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("command_node: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    pg_ha_agent::crypto::install_default_provider();
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    let (node_file, commands_file) = match (args.next(), args.next()) {
        (Some(node), Some(commands)) => (node, commands),
        _ => return Err(USAGE.into()),
    };
    let text = std::fs::read_to_string(&commands_file)
        .map_err(|e| format!("{}: {e}", commands_file.display()))?;
    let settings = CommandSettings::from_yaml(&text)?;
    let postgres = Arc::new(CommandPostgres::new(settings)) as Arc<dyn Postgres>;
    let loaded = config::load(Some(&node_file), &config::process_env())
        .map_err(|e| format!("{}: {e}", node_file.display()))?;
    pg_ha_agent::logging::init(&loaded.config.log).map_err(|e| format!("log: {e}"))?;
    let node = NodeBuilder::new(loaded)
        .reload_from(Some(node_file))
        .postgres(postgres)
        .without_signals()
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut roles = node.roles();
    println!("{} role {}", now_ms(), name(node.role()));
    loop {
        tokio::select! {
            role = roles.changed() => match role {
                Some(role) => println!("{} role {}", now_ms(), name(role)),
                None => break,
            },
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    node.shutdown().await;
    println!("{} stopped", now_ms());
    Ok(())
}

fn name(role: NodeRole) -> &'static str {
    match role {
        NodeRole::Primary => "primary",
        NodeRole::Replica => "replica",
        NodeRole::Other => "other",
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}
