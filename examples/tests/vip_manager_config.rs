//! The sample vip-manager configuration (`examples/configs/vip-manager.yml`) watches the key
//! pg-ha really writes: with a real etcd, the etcd backend takes the leader key for
//! `trigger-value` in the sample's cluster, and the raw key at `trigger-key` holds exactly
//! that value (what vip-manager compares); once the key is released it no longer does.

#[path = "../../dcs-etcd/tests/support/mod.rs"]
mod support;

use pg_ha_core::Dcs;
use std::time::Duration;
use support::{raw_client, EtcdCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_key_is_the_leader_key_pg_ha_writes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/vip-manager.yml");
    let text = std::fs::read_to_string(&path).expect("the sample");
    let sample: serde_json::Value = serde_norway::from_str(&text).expect("YAML");
    let key = sample["trigger-key"].as_str().expect("trigger-key");
    let member = sample["trigger-value"].as_str().expect("trigger-value");
    assert_eq!(sample["dcs-type"], "etcd");
    let scope = key
        .strip_prefix("/service/")
        .and_then(|k| k.strip_suffix("/leader"))
        .expect("the default namespace's leader key");

    let etcd = EtcdCluster::start().await;
    let dcs = etcd.client(scope);
    assert!(dcs
        .acquire_leader(member, Duration::from_secs(30))
        .await
        .expect("acquire"));
    let mut raw = raw_client(&etcd.endpoint(0), None)
        .await
        .expect("raw client");
    let value = |resp: etcd_client::GetResponse| {
        resp.kvs()
            .first()
            .map(|kv| String::from_utf8_lossy(kv.value()).into_owned())
    };
    let got = value(raw.get(key, None).await.expect("get"));
    assert_eq!(got.as_deref(), Some(member));
    assert!(dcs.release_leader(member).await.expect("release"));
    let got = value(raw.get(key, None).await.expect("get"));
    assert_ne!(got.as_deref(), Some(member));
}
