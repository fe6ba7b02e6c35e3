//! `discover <patroni.yml> [--changes N]`: prints the cluster's primary and read replicas,
//! then one line per change as the DCS watch reports it, each line stamped with the wall
//! clock in milliseconds. Stops after N changes when asked (for tests), else runs until
//! killed.

use pg_ha_core::discovery::{Change, Discovery, Node, Topology};
use pg_ha_examples::patroni_file::etcd_client;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("discover: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .map(PathBuf::from)
        .ok_or("usage: discover <patroni.yml> [--changes N]")?;
    let limit: Option<usize> = match (args.next().as_deref(), args.next()) {
        (Some("--changes"), Some(n)) => Some(n.parse().map_err(|_| "--changes takes a number")?),
        (None, _) => None,
        _ => return Err("usage: discover <patroni.yml> [--changes N]".into()),
    };
    let discovery = Discovery::new(etcd_client(&file)?);
    let mut topology = discovery.topology().await.map_err(|e| e.to_string())?;
    println!("{} topology {}", now_ms(), describe(&topology));
    let mut seen = 0;
    while limit.is_none_or(|n| seen < n) {
        let (next, changes) = discovery
            .next_change(&topology)
            .await
            .map_err(|e| e.to_string())?;
        for change in &changes {
            println!("{} {}", now_ms(), describe_change(change));
        }
        seen += changes.len();
        topology = next;
    }
    Ok(())
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn node(n: &Node) -> String {
    format!("{} {}", n.name, n.conn_url.as_deref().unwrap_or("-"))
}

fn describe(t: &Topology) -> String {
    let primary = t.primary.as_ref().map_or("none".to_string(), node);
    let replicas: Vec<String> = t
        .replicas
        .iter()
        .map(|r| {
            format!(
                "{}(lag {})",
                r.name,
                r.lag.map_or("?".into(), |l| l.to_string())
            )
        })
        .collect();
    format!("primary={primary} replicas=[{}]", replicas.join(","))
}

fn describe_change(change: &Change) -> String {
    match change {
        Change::Primary { from, to } => format!(
            "primary {} -> {}",
            from.as_deref().unwrap_or("none"),
            to.as_ref().map_or("none".to_string(), node)
        ),
        Change::ReplicaUp(n) => format!("replica+ {}", node(n)),
        Change::ReplicaDown(name) => format!("replica- {name}"),
    }
}
