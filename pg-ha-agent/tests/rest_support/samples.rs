//! Patroni 4.1.5 samples: the etcd dumps loaded into a `MemoryStore`, and node views rebuilt
//! from the `/patroni` bodies.

use pg_ha_agent::rest::{NodeView, ReplicationRow};
use pg_ha_core::dcs::{Dcs, DcsExt};
use pg_ha_core::lsn::Lsn;
use pg_ha_core::model::{Cluster, Condition, Key};
use pg_ha_core::postgres::{PgRole, PgStatus, ReplicaConnection};
use pg_ha_core::time::{Clock, Mono};
use pg_ha_core::{MemoryDcs, MemoryStore};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The three captured states.
pub const STATES: [&str; 3] = ["1-initial", "2-after-switchover", "3-sync-mode"];

/// The samples directory (override with `PG_HA_SAMPLES`).
pub fn samples_dir() -> PathBuf {
    std::env::var_os("PG_HA_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../pg-ha-core/tests/fixtures/patroni"
            ))
        })
}

/// A sample's text.
pub fn read(name: &str) -> String {
    let path = samples_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A sample's JSON.
pub fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A store holding one captured state, and the clients that hold its leases.
pub struct Loaded {
    /// The store.
    pub store: MemoryStore,
    /// One client per member (they own the leases of the member and leader keys).
    pub clients: BTreeMap<String, MemoryDcs>,
    /// The cluster as parsed.
    pub cluster: Cluster,
}

impl Loaded {
    /// A fresh client for the REST API's writes.
    pub fn rest_client(&self) -> MemoryDcs {
        self.store.client("demo", "rest")
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Loads `etcd-<state>.pretty.json` into a new store on `clock`.
pub async fn load_state(state: &str, clock: Arc<dyn Clock>) -> Loaded {
    let dump = json(&format!("etcd-{state}.pretty.json"));
    let store = MemoryStore::new(clock);
    let admin = store.client("demo", "admin");
    let mut clients = BTreeMap::new();
    let ttl = Duration::from_secs(30);
    let keys = dump["keys"].as_object().expect("keys");
    for (path, entry) in keys {
        let rel = path.strip_prefix("/service/demo/").expect("prefix");
        let text = text_of(&entry["value"]);
        if let Some(name) = rel.strip_prefix("members/") {
            let client = clients
                .entry(name.to_string())
                .or_insert_with(|| store.client("demo", name));
            client.touch_member(name, &text, ttl).await.expect("member");
        } else if rel == "leader" {
            let client = clients
                .entry(text.clone())
                .or_insert_with(|| store.client("demo", &text));
            assert!(client.acquire_leader(&text, ttl).await.expect("leader"));
        } else {
            let key = Key::ALL
                .into_iter()
                .find(|k| k.path() == rel)
                .unwrap_or_else(|| panic!("unknown key {rel}"));
            admin
                .write(key, &text, Condition::Any)
                .await
                .expect("write");
        }
    }
    let cluster = admin.load().await.expect("load");
    Loaded {
        store,
        clients,
        cluster,
    }
}

fn lsn(v: &Value) -> Option<Lsn> {
    v.as_u64().map(Lsn)
}

/// The PostgreSQL status behind a `/patroni` body.
fn pg_from_patroni(p: &Value) -> PgStatus {
    let primary = p["role"] == "primary";
    let xlog = &p["xlog"];
    let role = if primary {
        PgRole::Primary
    } else {
        PgRole::Standby
    };
    let sysid = p["database_system_identifier"].as_str().unwrap_or("");
    let mut pg = PgStatus::running(sysid, role);
    pg.timeline = p["timeline"].as_u64().map(|t| t as u32);
    if primary {
        pg.write_lsn = lsn(&xlog["location"]);
    } else {
        pg.receive_lsn = lsn(&xlog["received_location"]);
        pg.replay_lsn = lsn(&xlog["replayed_location"]);
        pg.streaming = p["replication_state"] == "streaming";
    }
    pg.replicas = p["replication"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| ReplicaConnection {
                    application_name: r["application_name"].as_str().unwrap_or("").into(),
                    state: r["state"].as_str().unwrap_or("").into(),
                    sync_state: r["sync_state"].as_str().unwrap_or("").into(),
                    flush_lsn: None,
                })
                .collect()
        })
        .unwrap_or_default();
    pg
}

fn replication_rows(p: &Value) -> Option<Vec<ReplicationRow>> {
    let rows = p["replication"].as_array()?;
    Some(
        rows.iter()
            .map(|r| ReplicationRow {
                usename: r["usename"].as_str().map(str::to_string),
                application_name: r["application_name"].as_str().unwrap_or("").into(),
                client_addr: r["client_addr"].as_str().map(str::to_string),
                state: r["state"].as_str().unwrap_or("").into(),
                sync_state: r["sync_state"].as_str().unwrap_or("").into(),
                sync_priority: r["sync_priority"].as_i64().unwrap_or(0),
            })
            .collect(),
    )
}

/// The view of the node whose `GET /patroni` answered `patroni`, in `cluster`, read at
/// time zero; the leader holds a lease for 20 s.
pub fn view_from_patroni(patroni: &Value, cluster: &Cluster) -> NodeView {
    let name = patroni["patroni"]["name"]
        .as_str()
        .expect("name")
        .to_string();
    let member = cluster.member(&name).expect("member key");
    let node = pg_ha_core::NodeConfig {
        name: name.clone(),
        scope: patroni["patroni"]["scope"].as_str().expect("scope").into(),
        api_url: member.data.api_url.clone().unwrap_or_default(),
        proxy_url: None,
        conn_url: member.data.conn_url.clone().unwrap_or_default(),
        ..Default::default()
    };
    NodeView {
        node,
        dynamic: cluster
            .config
            .as_ref()
            .map(|c| c.parsed.clone())
            .unwrap_or_default(),
        cluster: Some(cluster.clone()),
        cluster_read_at: Some(Mono::ZERO),
        dcs_last_seen: patroni["dcs_last_seen"].as_i64(),
        pg: Some(pg_from_patroni(patroni)),
        lease_until: cluster.is_leader(&name).then(|| Mono::from_millis(20_000)),
        next_run: Some(Mono::ZERO),
        postmaster_start_time: patroni["postmaster_start_time"]
            .as_str()
            .map(str::to_string),
        server_version: patroni["server_version"].as_u64().map(|v| v as u32),
        replayed_timestamp: patroni["xlog"]["replayed_timestamp"]
            .as_str()
            .map(str::to_string),
        replay_paused: patroni["xlog"]["paused"].as_bool().unwrap_or(false),
        replication: replication_rows(patroni),
        ..NodeView::default()
    }
}

/// The `/patroni` sample of `node` in `state` (the leader's file or a replica's).
pub fn patroni_sample(state: &str, node: &str) -> Value {
    let leader = json(&format!("rest-{state}-leader-patroni.json"));
    if leader["patroni"]["name"] == node {
        return leader;
    }
    json(&format!("rest-{state}-replica-{node}-patroni.json"))
}

/// `(endpoint, [(node, role, code)])` rows of `rest-<state>-status-codes.txt`.
pub fn status_codes(state: &str) -> Vec<(String, Vec<(String, u16)>)> {
    let text = read(&format!("rest-{state}-status-codes.txt"));
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header = lines.next().expect("header");
    let nodes: Vec<String> = header
        .split_whitespace()
        .skip(1)
        .map(|col| col.split('(').next().unwrap_or(col).to_string())
        .collect();
    lines
        .map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let codes = &cols[cols.len() - nodes.len()..];
            let endpoint = cols[..cols.len() - nodes.len()].join(" ");
            let per_node = nodes
                .iter()
                .zip(codes)
                .map(|(n, c)| (n.clone(), c.parse().expect("code")))
                .collect();
            (endpoint, per_node)
        })
        .collect()
}
