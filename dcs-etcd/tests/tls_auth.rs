//! Patroni's `etcd3` security settings against a real etcd: user/password authentication,
//! and TLS with a CA and a client certificate, both configured through `from_patroni`.

mod support;

use dcs_etcd::{EtcdConfig, EtcdDcs};
use pg_ha_core::model::{Condition, Key};
use pg_ha_core::Dcs;
use serde_json::json;
use std::time::{Duration, Instant};
use support::{raw_client, EtcdCluster};

const TTL: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(3);

/// `host:port` of an endpoint URL.
fn host_port(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// Acquire, touch, write, read and a woken wait through `dcs` and a second client `other`.
async fn exercise(dcs: &EtcdDcs, other: &EtcdDcs) {
    assert!(dcs.acquire_leader("node-a", TTL).await.expect("acquire"));
    dcs.touch_member("node-a", "{}", TTL).await.expect("touch");
    assert!(dcs.renew_leader("node-a", TTL).await.expect("renew"));
    let after = dcs.read().await.expect("read").revision;
    let wait = dcs.wait_for_change(after);
    let write = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        other.write(Key::Config, "{}", Condition::Absent).await
    };
    let (woke, wrote) =
        tokio::time::timeout(Duration::from_secs(30), async { tokio::join!(wait, write) })
            .await
            .expect("wait_for_change woke");
    let wrote = wrote.expect("write").expect("config was absent");
    assert!(woke.expect("wait_for_change") > after);
    let snapshot = other.read().await.expect("read");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-a")
    );
    assert_eq!(snapshot.get("config").map(|e| e.version), Some(wrote));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_password_authentication() {
    let etcd = EtcdCluster::start().await;
    let mut admin = raw_client(&etcd.endpoint(0), None)
        .await
        .expect("raw client");
    admin
        .user_add("root", "s3cret", None)
        .await
        .expect("add root");
    admin
        .user_grant_role("root", "root")
        .await
        .expect("grant root");
    admin.auth_enable().await.expect("enable auth");

    let section = json!({
        "hosts": [host_port(&etcd.endpoint(0))],
        "username": "root",
        "password": "s3cret",
    });
    let config = EtcdConfig::from_patroni(&section, "auth", None, TIMEOUT).expect("config");
    let dcs = EtcdDcs::new(&config).expect("backend");
    let other = EtcdDcs::new(&config).expect("backend");
    exercise(&dcs, &other).await;

    for (user, password) in [(Some("root"), Some("wrong")), (None, None)] {
        let mut bad = config.clone();
        bad.username = user.map(str::to_string);
        bad.password = password.map(str::to_string);
        let dcs = EtcdDcs::new(&bad).expect("backend");
        let started = Instant::now();
        let err = dcs.read().await.expect_err("read with bad credentials");
        // A final rejection, not a timeout (which would be retryable); how long it took is
        // printed (etcd checks passwords with bcrypt, slow on a loaded machine).
        assert!(
            !err.is_retryable(),
            "bad credentials gave a retryable error: {err}"
        );
        println!(
            "rejection of {user:?} took {:?} (request timeout {TIMEOUT:?})",
            started.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_client_certificate() {
    let etcd = EtcdCluster::start_tls().await;
    let tls = etcd.tls().expect("TLS files").clone();
    let section = json!({
        "host": host_port(&etcd.endpoint(0)),
        "cacert": tls.ca,
        "cert": tls.client_cert,
        "key": tls.client_key,
    });
    let config =
        EtcdConfig::from_patroni(&section, "tls", Some("/secure"), TIMEOUT).expect("config");
    assert!(
        config.endpoints[0].starts_with("https://"),
        "{:?}",
        config.endpoints
    );
    let dcs = EtcdDcs::new(&config).expect("backend");
    let other = EtcdDcs::new(&config).expect("backend");
    assert_eq!(dcs.prefix(), "/secure/tls/");
    exercise(&dcs, &other).await;

    // Without the client certificate the server refuses the connection.
    let mut anonymous = config.clone();
    if let Some(tls) = anonymous.tls.as_mut() {
        tls.cert = None;
        tls.key = None;
    }
    let dcs = EtcdDcs::new(&anonymous).expect("backend");
    assert!(
        dcs.read().await.is_err(),
        "a client without certificate was served"
    );
}
