//! Agent-level behaviour: the ACL token is sent, another agent takes over when the first is
//! down, a too-short session TTL makes the backend adopt the agent's `SessionTTLMin`, keys are
//! written without a leading slash, and Consul's lock-delay is honoured (Patroni's 1 ms).

mod support;

use dcs_consul::ConsulDcs;
use pg_ha_core::model::{Condition, Key};
use pg_ha_core::{Dcs, DcsError};
use std::time::Duration;
use support::emulator::{Emulator, Settings};
use support::free_url;

const TTL: Duration = Duration::from_secs(2);

fn settings() -> Settings {
    Settings {
        session_ttl_min: Duration::from_millis(500),
        ..Settings::default()
    }
}

fn client(agents: Vec<String>, token: Option<&str>) -> ConsulDcs {
    let mut config = dcs_consul::ConsulConfig::new(agents, "batman");
    config.request_timeout = Duration::from_secs(2);
    config.token = token.map(str::to_string);
    ConsulDcs::new(&config).expect("config")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_token_is_sent() {
    let emulator = Emulator::start(Settings {
        token: Some("s3cr3t".into()),
        ..settings()
    })
    .await;
    let denied = client(vec![emulator.url()], None)
        .read()
        .await
        .expect_err("no token");
    assert!(
        matches!(denied, DcsError::Rejected(_)),
        "403 must not be retryable: {denied}"
    );
    let allowed = client(vec![emulator.url()], Some("s3cr3t"));
    assert!(allowed
        .acquire_leader("node-a", TTL)
        .await
        .expect("acquire with the token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_agent_takes_over() {
    let emulator = Emulator::start(settings()).await;
    let dcs = client(vec![free_url(), emulator.url()], None);
    assert!(dcs
        .acquire_leader("node-a", TTL)
        .await
        .expect("acquire via the second agent"));
    assert!(dcs.renew_leader("node-a", TTL).await.expect("renew"));
    let snapshot = dcs.read().await.expect("read");
    assert_eq!(
        snapshot.get("leader").map(|e| e.value.as_str()),
        Some("node-a")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_have_no_leading_slash_and_sessions_follow_patroni() {
    let emulator = Emulator::start(settings()).await;
    let dcs = client(vec![emulator.url()], None);
    assert!(dcs.acquire_leader("node-a", TTL).await.expect("acquire"));
    dcs.touch_member("node-a", "{}", TTL).await.expect("touch");
    dcs.write(Key::Config, "{}", Condition::Any)
        .await
        .expect("write");
    let store = emulator.store();
    let store = store.lock().expect("store");
    let keys: Vec<&str> = store.kv.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        vec![
            "service/batman/config",
            "service/batman/leader",
            "service/batman/members/node-a"
        ]
    );
    let session = store.sessions.values().next().expect("one session");
    assert_eq!(session.name, "batman-node-a");
    assert_eq!(session.ttl, Some(TTL / 2));
    assert_eq!(session.lock_delay, Duration::from_millis(1));
    assert!(
        session.checks.is_empty(),
        "Patroni's default checks are none"
    );
    assert_eq!(session.behavior, support::emulator::store_behavior_delete());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_short_ttl_adopts_the_agent_minimum() {
    let emulator = Emulator::start(Settings {
        session_ttl_min: Duration::from_secs(10),
        ..Settings::default()
    })
    .await;
    let dcs = client(vec![emulator.url()], None);
    assert!(dcs.acquire_leader("node-a", TTL).await.expect("acquire"));
    let store = emulator.store();
    let store = store.lock().expect("store");
    let session = store.sessions.values().next().expect("one session");
    assert_eq!(session.ttl, Some(Duration::from_secs(10)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_delay_blocks_acquire_after_invalidation() {
    let emulator = Emulator::start(settings()).await;
    let http = support::raw::Raw::new(&emulator.url());
    // A session with Consul's default 15 s lock-delay, holding a key, then destroyed.
    let id = http.session(r#"{"TTL":"10s","LockDelay":"15s"}"#).await;
    assert_eq!(
        http.put(&format!("/v1/kv/lockme?acquire={id}"), "x").await,
        "true"
    );
    http.put(&format!("/v1/session/destroy/{id}"), "").await;
    let other = http.session(r#"{"TTL":"10s"}"#).await;
    assert_eq!(
        http.put(&format!("/v1/kv/lockme?acquire={other}"), "y")
            .await,
        "false"
    );
    // Patroni's sessions use LockDelay=0.001s: a key freed by an expiry is free at once.
    let dcs = client(vec![emulator.url()], None);
    let fast = client(vec![emulator.url()], None);
    assert!(fast.acquire_leader("node-a", TTL).await.expect("acquire"));
    let store = emulator.store();
    let id = store.lock().expect("store").kv["service/batman/leader"]
        .session
        .clone()
        .expect("held");
    http.put(&format!("/v1/session/destroy/{id}"), "").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(dcs
        .acquire_leader("node-b", TTL)
        .await
        .expect("acquire after 1 ms lock-delay"));
}
