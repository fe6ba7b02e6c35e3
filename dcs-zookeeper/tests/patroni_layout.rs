//! Patroni's ZooKeeper layout on a real server: the znode paths, ephemeral leader and member
//! znodes, `sync` "deleted" as `{}`, versions that are `mzxid`s (never 0, so a fresh `config`
//! counts as valid), and digest credentials sent with the session.

mod support;

use dcs_zookeeper::{AuthData, ZooKeeperDcs};
use pg_ha_core::model::{Condition, Key};
use pg_ha_core::Dcs;
use std::time::Duration;
use support::ZkServer;

const TTL: Duration = Duration::from_secs(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn znodes_follow_patroni() {
    let zk = ZkServer::start().await;
    let mut config = zk.config("/service", "batman", TTL);
    config.auth = vec![AuthData {
        scheme: "digest".into(),
        credential: "patroni:secret".into(),
    }];
    let dcs = ZooKeeperDcs::new(&config).expect("config");
    assert!(dcs.acquire_leader("node1", TTL).await.expect("acquire"));
    dcs.touch_member("node1", r#"{"role":"primary"}"#, TTL)
        .await
        .expect("touch");
    let config_version = dcs
        .write(Key::Config, "{}", Condition::Absent)
        .await
        .expect("write")
        .expect("created");
    assert!(
        config_version > 0,
        "a fresh config must have a non-zero modify version"
    );

    let raw = zookeeper_client::Client::connect(&zk.address())
        .await
        .expect("raw client");
    let (leader, stat) = raw
        .get_data("/service/batman/leader")
        .await
        .expect("leader");
    assert_eq!(leader, b"node1");
    assert_ne!(
        stat.ephemeral_owner, 0,
        "the leader znode must be ephemeral"
    );
    let (_, member) = raw
        .get_data("/service/batman/members/node1")
        .await
        .expect("member");
    assert_eq!(member.ephemeral_owner, stat.ephemeral_owner);
    let (_, config_stat) = raw
        .get_data("/service/batman/config")
        .await
        .expect("config");
    assert_eq!(config_stat.ephemeral_owner, 0);
    assert_eq!(config_stat.mzxid as u64, config_version);
    assert_eq!(
        dcs.session_id().await.expect("session"),
        format!("{:#x}", stat.ephemeral_owner)
    );

    // Deleting `sync` writes `{}`, conditionally too.
    let v1 = dcs
        .write(
            Key::Sync,
            r#"{"leader":"node1","sync_standby":"node2"}"#,
            Condition::Any,
        )
        .await
        .expect("write")
        .expect("written");
    assert!(!dcs
        .delete(Key::Sync, Condition::Version(v1 + 1))
        .await
        .expect("delete stale"));
    assert!(dcs
        .delete(Key::Sync, Condition::Version(v1))
        .await
        .expect("delete"));
    let (sync, _) = raw
        .get_data("/service/batman/sync")
        .await
        .expect("sync kept");
    assert_eq!(sync, b"{}");
    assert!(!dcs
        .delete(Key::Sync, Condition::Absent)
        .await
        .expect("delete absent"));

    // Patroni's legacy optime/leader is read too.
    let options =
        zookeeper_client::CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all());
    raw.mkdir("/service/batman/optime", &options)
        .await
        .expect("optime dir");
    raw.create("/service/batman/optime/leader", b"67420024", &options)
        .await
        .expect("optime");
    let snapshot = dcs.read().await.expect("read");
    assert_eq!(
        snapshot.get("optime/leader").map(|e| e.value.as_str()),
        Some("67420024")
    );
    let mut keys: Vec<&str> = snapshot.entries.iter().map(|e| e.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec!["config", "leader", "members/node1", "optime/leader", "sync"]
    );
}
