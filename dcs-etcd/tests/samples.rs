//! Values round-trip with Patroni's etcd samples (`pg-ha-core/tests/fixtures/patroni`): every key of each sample is written through
//! the backend (leader and member keys by the node that owns them), read back in one snapshot
//! byte for byte, and parses with `Cluster::from_snapshot` exactly like the sample itself.

mod support;

use dcs_etcd::EtcdDcs;
use pg_ha_core::model::{Condition, Entry, Key, Snapshot};
use pg_ha_core::{Cluster, Dcs};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use support::EtcdCluster;

const TTL: Duration = Duration::from_secs(30);
const PREFIX: &str = "/service/demo/";

/// The sample files `etcd-*.pretty.json`: the copy in pg-ha-core's fixtures, else the
/// spec's originals in `../shared/spec/samples`.
fn sample_files() -> Vec<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = [
        manifest.join("../pg-ha-core/tests/fixtures/patroni"),
        manifest.join("../../shared/spec/samples"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .expect(
        "no Patroni samples: neither pg-ha-core/tests/fixtures/patroni nor ../shared/spec/samples",
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("etcd-") && name.ends_with(".pretty.json")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no etcd samples in {}", dir.display());
    files
}

/// The stored text of a sample value: Patroni writes strings and numbers as plain text and
/// everything else as compact JSON.
fn stored_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string(other).expect("serialize"),
    }
}

/// Relative key -> stored text, for every key of a sample.
fn sample_values(file: &PathBuf) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(file).expect("read sample");
    let json: Value = serde_json::from_str(&text).expect("sample is JSON");
    let keys = json["keys"].as_object().expect("sample has keys");
    keys.iter()
        .map(|(key, record)| {
            let relative = key
                .strip_prefix(PREFIX)
                .expect("sample key under /service/demo/");
            (relative.to_string(), stored_text(&record["value"]))
        })
        .collect()
}

fn key_of(path: &str) -> Key {
    *Key::ALL
        .iter()
        .find(|k| k.path() == path)
        .unwrap_or_else(|| panic!("sample key `{path}` is not a cluster-wide key"))
}

/// Writes every sample key through backends of scope `demo` under namespace `ns`.
async fn write_sample(
    etcd: &EtcdCluster,
    ns: &str,
    values: &BTreeMap<String, String>,
) -> Vec<EtcdDcs> {
    let client = |_: &str| {
        let mut config = etcd.config("demo");
        config.namespace = ns.to_string();
        EtcdDcs::new(&config).expect("config")
    };
    let admin = client("admin");
    admin.delete_cluster().await.expect("clean");
    let mut nodes = Vec::new();
    for (path, value) in values {
        if let Some(name) = path.strip_prefix("members/") {
            let node = client(name);
            if values.get("leader") == Some(&name.to_string()) {
                assert!(node.acquire_leader(name, TTL).await.expect("acquire"));
            }
            node.touch_member(name, value, TTL)
                .await
                .expect("touch_member");
            nodes.push(node);
        } else if path != "leader" {
            let wrote = admin.write(key_of(path), value, Condition::Any).await;
            assert!(
                wrote.expect("write").is_some(),
                "write of `{path}` not applied"
            );
        }
    }
    nodes.push(admin);
    nodes
}

/// The sample as a snapshot with the versions and sessions that the backend reported.
fn expected_snapshot(values: &BTreeMap<String, String>, read: &Snapshot) -> Snapshot {
    let entries = values
        .iter()
        .map(|(key, value)| {
            let got = read
                .get(key)
                .unwrap_or_else(|| panic!("`{key}` was not read back"));
            Entry {
                key: key.clone(),
                value: value.clone(),
                version: got.version,
                session: got.session.clone(),
            }
        })
        .collect();
    Snapshot {
        revision: read.revision,
        entries,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_round_trip() {
    let etcd = EtcdCluster::start().await;
    for (i, file) in sample_files().iter().enumerate() {
        let values = sample_values(file);
        let ns = format!("/samples-{i}/");
        let nodes = write_sample(&etcd, &ns, &values).await;
        let snapshot = nodes[0].read().await.expect("read");
        assert_eq!(nodes[0].prefix(), format!("/samples-{i}/demo/"));

        assert_eq!(
            snapshot.entries.len(),
            values.len(),
            "{}: key count",
            file.display()
        );
        for (key, value) in &values {
            let entry = snapshot.get(key).expect("present");
            assert_eq!(
                &entry.value,
                value,
                "{}: `{key}` changed on the way",
                file.display()
            );
        }
        let (cluster, errors) = Cluster::from_snapshot(&snapshot);
        assert!(
            errors.is_empty(),
            "{}: parse errors {errors:?}",
            file.display()
        );
        let (expected, _) = Cluster::from_snapshot(&expected_snapshot(&values, &snapshot));
        assert_eq!(cluster, expected, "{}", file.display());

        let leader = values.get("leader").expect("sample has a leader");
        assert_eq!(cluster.leader_name(), Some(leader.as_str()));
        let leader_session = cluster.leader.as_ref().and_then(|l| l.session.clone());
        assert!(leader_session.is_some(), "the leader key has no lease");
        for member in &cluster.members {
            let same = member.session == leader_session;
            assert_eq!(
                same,
                &member.name == leader,
                "{}: lease of {}",
                file.display(),
                member.name
            );
        }
        assert_eq!(cluster.members.len(), 3);
        let config = cluster.config.as_ref().expect("config parsed");
        assert_eq!(config.raw["loop_wait"], 10);
        assert_eq!(cluster.initialize.as_deref(), Some("7712434073260532225"));
        assert!(cluster.status.optime.is_some(), "status optime");
        if values.contains_key("sync") {
            let sync = cluster.sync.as_ref().expect("sync parsed");
            assert_eq!(sync.value.sync_standby.as_deref(), Some("node2"));
        }
        if values.contains_key("history") {
            assert_eq!(cluster.history.0.len(), 1);
        }
        nodes[0].delete_cluster().await.expect("clean up");
    }
}
