//! `what_would_ha_do <snapshot.json> <node> [--without-leader]`: loads a cluster snapshot
//! (an etcd dump of Patroni's keys, e.g. `spec/samples/etcd-1-initial.pretty.json`, or a
//! flat `{key: value}` map), runs `decide()` for `node` as its member key shows it, and
//! prints the decision's reason and actions. `--without-leader` drops the leader key first:
//! what the node would do if the leader's lease ran out now.

use pg_ha_core::Cluster;
use pg_ha_examples::{snapshot_file, what_if};
use std::time::{SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: what_would_ha_do <snapshot.json> <node> [--without-leader]";

fn main() {
    if let Err(e) = run() {
        eprintln!("what_would_ha_do: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (file, node, without_leader) = match args.as_slice() {
        [file, node] => (file, node, false),
        [file, node, flag] if flag == "--without-leader" => (file, node, true),
        _ => return Err(USAGE.into()),
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let mut snapshot = snapshot_file::parse(&text).map_err(|e| format!("{file}: {e}"))?;
    if without_leader {
        snapshot.entries.retain(|e| e.key != "leader");
    }
    let (cluster, errors) = Cluster::from_snapshot(&snapshot);
    for e in &errors {
        eprintln!("ignoring {}: {}", e.key, e.reason);
    }
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let decision = what_if::decide_for(&cluster, node, wall)?;
    println!("reason: {}", decision.reason);
    for action in &decision.actions {
        println!("action: {action:?}");
    }
    Ok(())
}
