//! `list`: the members table (Member, Host, Role, State, TL, Lag in MB, and the pending
//! restart, scheduled restart and tags columns when used) and the cluster-wide lines
//! (maintenance mode, scheduled switchover), rendered from one DCS read as patronictl does.

use super::command::{ListArgs, OutputFormat};
use super::session::Session;
use super::table::{Cell, Table};
use super::CtlError;
use pg_ha_core::config::{DynamicConfig, SyncMode};
use pg_ha_core::model::{url_host_port, Cluster, Member};
use serde_json::Value;

/// Runs `list` (or, with `tree`, `topology`): once, or again every `--watch` interval until
/// interrupted, each time after the time with `--timestamp`.
pub async fn run(session: &Session, args: &ListArgs, tree: bool) -> Result<(), CtlError> {
    loop {
        let cluster = session.cluster().await?;
        if args.timestamp {
            println!("{}", chrono::Local::now().format("%Y-%m-%d %H:%M:%S"));
        }
        let text = render_as(&cluster, session.scope(), args.extended, args.format, tree);
        println!("{text}");
        let Some(every) = args.watch else {
            return Ok(());
        };
        println!();
        tokio::time::sleep(every).await;
    }
}

/// The whole `list` output for `cluster` (named `scope`).
pub fn render(cluster: &Cluster, scope: &str, extended: bool, format: OutputFormat) -> String {
    render_as(cluster, scope, extended, format, false)
}

/// The whole `topology` output: `list`'s, members in replication order
/// ([`super::topology::ordered`]).
pub fn render_topology(
    cluster: &Cluster,
    scope: &str,
    extended: bool,
    format: OutputFormat,
) -> String {
    render_as(cluster, scope, extended, format, true)
}

fn render_as(
    cluster: &Cluster,
    scope: &str,
    extended: bool,
    format: OutputFormat,
    tree: bool,
) -> String {
    let table = members_table(cluster, scope, extended, format, tree);
    match format {
        OutputFormat::Json => table.to_json().to_string(),
        OutputFormat::Yaml => table.render_yaml(),
        OutputFormat::Tsv => table.render_tsv(),
        OutputFormat::Pretty => {
            let mut out = table.render();
            let info = service_info(cluster);
            if !info.is_empty() {
                out.push_str("\n ");
                out.push_str(&info.join("\n "));
            }
            out
        }
    }
}

/// ` Cluster: <scope> (<system id>) `: the title patronictl draws into the top border.
pub fn title(cluster: &Cluster, scope: &str) -> String {
    let initialize = match cluster.initialize.as_deref() {
        None => "uninitialized",
        Some("") => "initializing",
        Some(sysid) => sysid,
    };
    format!(" Cluster: {scope} ({initialize}) ")
}

/// The members table, by name or (`tree`) in replication order with indented names. The
/// pretty form carries the cluster name in its title; the JSON, YAML and tab-separated forms
/// have a `Cluster` column instead.
pub fn members_table(
    cluster: &Cluster,
    scope: &str,
    extended: bool,
    format: OutputFormat,
    tree: bool,
) -> Table {
    let default_config = DynamicConfig::default();
    let dynamic = cluster
        .config
        .as_ref()
        .map_or(&default_config, |c| &c.parsed);
    let pretty = format == OutputFormat::Pretty;
    let mut columns = vec!["Member", "Host", "Role", "State", "TL", "Lag in MB"];
    if !pretty {
        columns.insert(0, "Cluster");
    }
    let pending = extended
        || cluster
            .members
            .iter()
            .any(|m| m.data.pending_restart == Some(true));
    let scheduled = extended
        || cluster
            .members
            .iter()
            .any(|m| m.data.scheduled_restart.is_some());
    let tags = extended || cluster.members.iter().any(|m| !m.data.tags.0.is_empty());
    for (shown, column) in [
        (pending, "Pending restart"),
        (scheduled, "Scheduled restart"),
        (tags, "Tags"),
    ] {
        if shown {
            columns.push(column);
        }
    }
    let mut table = Table::new(&columns)
        .align_right("TL")
        .align_right("Lag in MB");
    if pretty {
        table.title = Some(title(cluster, scope));
    }
    let append_port = append_port(cluster);
    let members: Vec<(&Member, usize)> = if tree {
        super::topology::ordered(cluster)
    } else {
        let mut members: Vec<&Member> = cluster.members.iter().collect();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        members.into_iter().map(|m| (m, 0)).collect()
    };
    for (member, depth) in members {
        let mut row = Vec::new();
        if !pretty {
            row.push(Cell::text(scope));
        }
        row.push(Cell::text(super::topology::indented(&member.name, depth)));
        row.push(Cell::text(host(member, append_port)));
        row.push(Cell::text(role(cluster, dynamic, &member.name)));
        row.push(Cell::text(state(cluster, member)));
        row.push(
            member
                .data
                .timeline
                .map_or_else(Cell::empty, |tl| Cell::number(u64::from(tl))),
        );
        row.push(lag(cluster, member));
        if pending {
            row.push(Cell::text(if member.data.pending_restart == Some(true) {
                "*"
            } else {
                ""
            }));
        }
        if scheduled {
            row.push(Cell::text(scheduled_restart(member)));
        }
        if tags {
            row.push(Cell::text(tags_text(member)));
        }
        table.rows.push(row);
    }
    table
}

/// `Maintenance mode: on` and `Switchover scheduled at: ...` (with `from` / `to` lines).
pub fn service_info(cluster: &Cluster) -> Vec<String> {
    let mut info = Vec::new();
    if cluster.config.as_ref().is_some_and(|c| c.parsed.pause) {
        info.push("Maintenance mode: on".to_string());
    }
    if let Some(request) = cluster.failover_request() {
        if let Some(at) = &request.value.scheduled_at {
            let mut line = format!("Switchover scheduled at: {at}");
            for (name, value) in [
                ("from", &request.value.leader),
                ("to", &request.value.member),
            ] {
                if let Some(value) = value {
                    line.push_str(&format!("\n{name:>24}: {value}"));
                }
            }
            info.push(line);
        }
    }
    info
}

/// `Leader`, `Standby Leader`, `Sync Standby`, `Quorum Standby` or `Replica`.
fn role(cluster: &Cluster, dynamic: &DynamicConfig, name: &str) -> &'static str {
    if cluster.is_leader(name) {
        return if dynamic.is_standby_cluster() {
            "Standby Leader"
        } else {
            "Leader"
        };
    }
    let listed = cluster
        .sync_state()
        .is_some_and(|s| s.value.has_standby(name));
    match dynamic.synchronous_mode {
        SyncMode::On if listed => "Sync Standby",
        SyncMode::Quorum if listed => "Quorum Standby",
        _ => "Replica",
    }
}

/// The replication state of a non-leader when it publishes one, else the member state.
fn state(cluster: &Cluster, member: &Member) -> String {
    let data = &member.data;
    if !cluster.is_leader(&member.name) {
        if let Some(replication) = data.replication_state.as_deref().filter(|s| !s.is_empty()) {
            return replication.to_string();
        }
    }
    match serde_json::to_value(data.state) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Lag behind the leader's last reported position in MB (Python's `round`), `unknown`
/// without a position, empty for the leader.
fn lag(cluster: &Cluster, member: &Member) -> Cell {
    if cluster.is_leader(&member.name) {
        return Cell::empty();
    }
    match member.data.xlog_location {
        Some(lsn) => {
            let behind = cluster.status.optime.unwrap_or(0).saturating_sub(lsn);
            Cell::number(round_half_even(behind as f64 / 1_048_576.0))
        }
        None => Cell::text("unknown"),
    }
}

/// Python 3's `round()`: halves go to the even neighbour.
fn round_half_even(x: f64) -> u64 {
    let floor = x.floor();
    let fraction = x - floor;
    let rounded = if fraction > 0.5 || (fraction == 0.5 && floor % 2.0 != 0.0) {
        floor + 1.0
    } else {
        floor
    };
    rounded.max(0.0) as u64
}

/// The port is shown when any member uses a non-default port or two members share a host.
fn append_port(cluster: &Cluster) -> bool {
    let addresses: Vec<(String, Option<u16>)> = cluster
        .members
        .iter()
        .filter_map(|m| m.data.conn_url.as_deref().and_then(url_host_port))
        .collect();
    let mut hosts: Vec<&str> = addresses.iter().map(|(h, _)| h.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    addresses
        .iter()
        .any(|(_, port)| port.is_some_and(|p| p != 5432))
        || hosts.len() < addresses.len()
}

fn host(member: &Member, append_port: bool) -> String {
    match member.data.conn_url.as_deref().and_then(url_host_port) {
        Some((host, Some(port))) if append_port => format!("{host}:{port}"),
        Some((host, _)) => host,
        None => String::new(),
    }
}

/// `<schedule>` and ` if version < X` for a conditional one.
fn scheduled_restart(member: &Member) -> String {
    let Some(Value::Object(restart)) = &member.data.scheduled_restart else {
        return String::new();
    };
    let mut text = restart
        .get("schedule")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(version) = restart.get("postgres_version").and_then(Value::as_str) {
        text.push_str(&format!(" if version < {version}"));
    }
    text
}

/// `key: value` pairs, comma-separated.
fn tags_text(member: &Member) -> String {
    member
        .data
        .tags
        .0
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::{Condition, Key};
    use pg_ha_core::time::ManualClock;
    use pg_ha_core::{Dcs, DcsExt, MemoryStore};
    use std::sync::Arc;
    use std::time::Duration;

    const NODE1: &str = r#"{"api_url":"http://127.0.0.1:8008/patroni","conn_url":"postgres://127.0.0.1:54321/postgres","receive_lsn":50331648,"replay_lsn":50331648,"role":"replica","state":"running","timeline":1,"version":"4.1.5","xlog_location":50331648}"#;
    const NODE2: &str = r#"{"api_url":"http://127.0.0.1:8009/patroni","conn_url":"postgres://127.0.0.1:54322/postgres","receive_lsn":67108864,"replay_lsn":67108864,"replication_state":"streaming","role":"replica","state":"running","timeline":1,"version":"4.1.5","xlog_location":67108864}"#;
    const NODE3: &str = r#"{"api_url":"http://127.0.0.1:8010/patroni","conn_url":"postgres://127.0.0.1:54323/postgres","role":"primary","state":"running","timeline":1,"version":"4.1.5","xlog_location":67108864}"#;

    /// Patroni's `1-initial` sample (node2 also publishes its replication state), with
    /// `extra` keys written over it.
    async fn cluster(extra: &[(Key, &str)]) -> Cluster {
        let clock = Arc::new(ManualClock::new(0));
        let store = MemoryStore::new(clock);
        let ttl = Duration::from_secs(30);
        let mut clients = Vec::new();
        for (name, value) in [("node1", NODE1), ("node2", NODE2), ("node3", NODE3)] {
            let client = store.client("demo", name);
            client.touch_member(name, value, ttl).await.expect("member");
            if name == "node3" {
                assert!(client.acquire_leader(name, ttl).await.expect("leader"));
            }
            clients.push(client);
        }
        let admin = store.client("demo", "admin");
        let keys = [
            (Key::Initialize, "7712434073260532225"),
            (Key::Config, r#"{"ttl":30,"loop_wait":10}"#),
            (Key::Status, r#"{"optime":67108864}"#),
        ];
        for (key, value) in keys.iter().chain(extra) {
            admin
                .write(*key, value, Condition::Any)
                .await
                .expect("write");
        }
        admin.load().await.expect("load")
    }

    #[tokio::test]
    async fn pretty_table_like_patronictl() {
        let cluster = cluster(&[]).await;
        assert_eq!(
            render(&cluster, "demo", false, OutputFormat::Pretty),
            "\
+ Cluster: demo (7712434073260532225) -----------+----+-----------+
| Member | Host            | Role    | State     | TL | Lag in MB |
+--------+-----------------+---------+-----------+----+-----------+
| node1  | 127.0.0.1:54321 | Replica | running   |  1 |        16 |
| node2  | 127.0.0.1:54322 | Replica | streaming |  1 |         0 |
| node3  | 127.0.0.1:54323 | Leader  | running   |  1 |           |
+--------+-----------------+---------+-----------+----+-----------+"
        );
    }

    #[tokio::test]
    async fn pause_sync_and_scheduled_switchover() {
        let cluster = cluster(&[
            (
                Key::Config,
                r#"{"ttl":30,"loop_wait":10,"pause":true,"synchronous_mode":true}"#,
            ),
            (
                Key::Sync,
                r#"{"leader":"node3","quorum":0,"sync_standby":"node2"}"#,
            ),
            (
                Key::Failover,
                r#"{"leader":"node3","member":"node2","scheduled_at":"2030-01-01T10:00:00+00:00"}"#,
            ),
        ])
        .await;
        let out = render(&cluster, "demo", false, OutputFormat::Pretty);
        assert!(out.contains("| node2  | 127.0.0.1:54322 | Sync Standby | streaming |"));
        assert!(out.ends_with(
            "\n Maintenance mode: on\n Switchover scheduled at: 2030-01-01T10:00:00+00:00\n                    from: node3\n                      to: node2"
        ), "{out}");
    }

    #[tokio::test]
    async fn machine_readable_forms_carry_the_cluster() {
        let cluster = cluster(&[]).await;
        let json: Value =
            serde_json::from_str(&render(&cluster, "demo", false, OutputFormat::Json))
                .expect("json");
        assert_eq!(
            json[0],
            serde_json::json!({"Cluster": "demo", "Member": "node1", "Host": "127.0.0.1:54321",
                "Role": "Replica", "State": "running", "TL": 1, "Lag in MB": 16})
        );
        assert_eq!(json[2]["Lag in MB"], "");
        let tsv = render(&cluster, "demo", false, OutputFormat::Tsv);
        assert_eq!(
            tsv.lines().next(),
            Some("Cluster\tMember\tHost\tRole\tState\tTL\tLag in MB")
        );
    }

    #[tokio::test]
    async fn extended_columns_and_missing_keys() {
        let cluster = cluster(&[]).await;
        let out = render(&cluster, "demo", true, OutputFormat::Pretty);
        assert!(out.contains("| Pending restart | Scheduled restart | Tags |"));
        let empty = Cluster::default();
        assert!(render(&empty, "x", false, OutputFormat::Pretty)
            .starts_with("+ Cluster: x (uninitialized) "));
    }

    #[test]
    fn rounding_and_hosts() {
        assert_eq!(round_half_even(0.5), 0);
        assert_eq!(round_half_even(1.5), 2);
        assert_eq!(round_half_even(2.4), 2);
        assert_eq!(round_half_even(2.6), 3);
    }
}
