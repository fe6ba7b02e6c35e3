//! The REST API's mutating endpoints end to end over HTTP on loopback, with a fake `Control`
//! over `MemoryDcs`: switchover and failover (checks, texts, codes, polling), config PATCH and
//! PUT, restart, reinitialize, reload, failsafe, and malformed requests.

mod rest_support;

use pg_ha_agent::rest::{NodeView, RestServer, RestSettings};
use pg_ha_core::dcs::{Dcs, DcsExt};
use pg_ha_core::model::{Condition, Key};
use pg_ha_core::time::ManualClock;
use pg_ha_core::MemoryDcs;
use rest_support::client::{raw, send, Resp};
use rest_support::fake::FakeControl;
use rest_support::samples::{load_state, patroni_sample, view_from_patroni, Loaded};
use rest_support::{clock, settings, start};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A node of a captured state, served with `settings`.
struct Node {
    server: RestServer,
    control: Arc<FakeControl>,
    loaded: Loaded,
}

impl Node {
    async fn start(state: &str, name: &str) -> Node {
        Node::start_with(state, name, settings(), |_| {}).await
    }

    async fn start_with(
        state: &str,
        name: &str,
        settings: RestSettings,
        edit: impl FnOnce(&mut NodeView),
    ) -> Node {
        let clock: Arc<ManualClock> = clock();
        let loaded = load_state(state, clock.clone()).await;
        let mut view = view_from_patroni(&patroni_sample(state, name), &loaded.cluster);
        edit(&mut view);
        let control = Arc::new(FakeControl::new(loaded.rest_client()));
        let server = start(settings, view, control.clone(), clock).await;
        Node {
            server,
            control,
            loaded,
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Resp {
        send(
            self.server.local_addr(),
            "POST",
            path,
            Some(&body.to_string()),
        )
        .await
    }

    async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        send(self.server.local_addr(), method, path, body).await
    }

    async fn failover_key(&self) -> String {
        let snapshot = self.control.dcs.read().await.expect("read");
        snapshot
            .get("failover")
            .map(|e| e.value.clone())
            .unwrap_or_default()
    }

    /// The admin client, for writes behind the REST API's back.
    fn admin(&self) -> MemoryDcs {
        self.loaded.store.client("demo", "admin2")
    }
}

fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()
}

fn assert_text(resp: &Resp, status: u16, text: &str) {
    assert_eq!((resp.status, resp.body.as_str()), (status, text));
    assert_eq!(
        resp.headers.get("content-type").map(String::as_str),
        Some("text/html")
    );
}

#[tokio::test]
async fn switchover_and_failover_validation_in_patroni_order() {
    let node = Node::start("1-initial", "node3").await;
    let later = in_an_hour();
    let naive = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let cases: Vec<(&str, Value, u16, String)> = vec![
        ("/failover", json!({"leader": "node3"}), 400,
         "Failover could be performed only to a specific candidate".into()),
        ("/switchover", json!({"candidate": "node1"}), 400,
         "Switchover could be performed only from a specific leader".into()),
        ("/switchover", json!({"leader": "", "candidate": "node1"}), 400,
         "Switchover could be performed only from a specific leader".into()),
        ("/failover", json!({"candidate": "node1", "scheduled_at": later}), 400,
         "Failover can't be scheduled".into()),
        ("/switchover", json!({"leader": "node3", "scheduled_at": "tomorrow"}), 422,
         "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601".into()),
        ("/switchover", json!({"leader": "node3", "scheduled_at": naive}), 400,
         "Timezone information is mandatory for the scheduled switchover".into()),
        ("/switchover", json!({"leader": "node3", "scheduled_at": "2020-01-01T00:00:00+00:00"}), 422,
         "Cannot schedule switchover in the past".into()),
        ("/switchover", json!({"leader": "node3", "candidate": "node3"}), 400,
         "Switchover target and source are the same".into()),
        ("/switchover", json!({"leader": "node1", "candidate": "node2"}), 412,
         "leader name does not match".into()),
        ("/failover", json!({"leader": "node1", "candidate": "node2"}), 412,
         "leader name does not match".into()),
        ("/switchover", json!({"leader": "node3", "candidate": "node9"}), 412,
         "candidate does not exists".into()),
        ("/failover", json!({"member": "node9"}), 412, "candidate does not exists".into()),
    ];
    for (path, body, status, text) in cases {
        let resp = node.post(path, &body).await;
        assert_eq!(
            (resp.status, resp.body.as_str()),
            (status, text.as_str()),
            "{path} {body}"
        );
    }
    assert_eq!(node.failover_key().await, "", "nothing was written");
    node.server.stop().await;
}

#[tokio::test]
async fn no_good_candidates_and_members_except_leader() {
    let node = Node::start("1-initial", "node3").await;
    {
        let mut peers = node.control.peers.lock().expect("lock");
        peers.insert("node1".into(), Err("unreachable".into()));
        let mut nofailover = rest_support::fake::healthy();
        nofailover.failover_priority = 0;
        peers.insert("node2".into(), Ok(nofailover));
    }
    let resp = node.post("/switchover", &json!({"leader": "node3"})).await;
    assert_text(
        &resp,
        412,
        "switchover is not possible: no good candidates have been found",
    );
    let resp = node.post("/failover", &json!({"candidate": "node1"})).await;
    assert_text(
        &resp,
        412,
        "failover is not possible: no good candidates have been found",
    );
    node.server.stop().await;

    let clock = clock();
    let store = pg_ha_core::MemoryStore::new(clock.clone());
    let solo = store.client("demo", "node1");
    let member = r#"{"conn_url":"postgres://127.0.0.1:5432/postgres","api_url":"http://127.0.0.1:8008/patroni","state":"running","role":"primary"}"#;
    solo.touch_member("node1", member, Duration::from_secs(30))
        .await
        .expect("member");
    assert!(solo
        .acquire_leader("node1", Duration::from_secs(30))
        .await
        .expect("leader"));
    let control = Arc::new(FakeControl::new(store.client("demo", "rest")));
    let server = start(settings(), NodeView::default(), control, clock).await;
    let resp = send(
        server.local_addr(),
        "POST",
        "/switchover",
        Some(r#"{"leader":"node1"}"#),
    )
    .await;
    assert_text(
        &resp,
        412,
        "switchover is not possible: cluster does not have members except leader",
    );
    server.stop().await;
}

#[tokio::test]
async fn synchronous_mode_limits_the_candidates() {
    let node = Node::start("3-sync-mode", "node1").await;
    let resp = node
        .post(
            "/switchover",
            &json!({"leader": "node1", "candidate": "node3"}),
        )
        .await;
    assert_text(
        &resp,
        412,
        "candidate name does not match with sync_standby",
    );
    node.control
        .peers
        .lock()
        .expect("lock")
        .insert("node2".into(), Err("down".into()));
    let resp = node.post("/switchover", &json!({"leader": "node1"})).await;
    assert_text(
        &resp,
        412,
        "switchover is not possible: no good candidates have been found",
    );
    let resp = node.post("/failover", &json!({"candidate": "node3"})).await;
    assert_eq!(
        resp.status, 503,
        "a failover may go to an async node: {}",
        resp.body
    );
    node.admin()
        .write(
            Key::Sync,
            r#"{"leader":"node1","quorum":0,"sync_standby":null}"#,
            Condition::Any,
        )
        .await
        .expect("sync");
    let resp = node.post("/switchover", &json!({"leader": "node1"})).await;
    assert_text(
        &resp,
        412,
        "switchover is not possible: can not find sync_standby",
    );
    node.server.stop().await;
}

#[tokio::test]
async fn pause_needs_a_named_candidate_and_forbids_schedules() {
    let node = Node::start("1-initial", "node3").await;
    let patched = node
        .call("PATCH", "/config", Some(r#"{"pause":true}"#))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let resp = node.post("/switchover", &json!({"leader": "node3"})).await;
    assert_text(
        &resp,
        400,
        "Switchover is possible only to a specific candidate in a paused state",
    );
    let resp = node
        .post(
            "/switchover",
            &json!({"leader": "node3", "candidate": "node1", "scheduled_at": in_an_hour()}),
        )
        .await;
    assert_text(&resp, 400, "Can't schedule switchover in the paused state");
    node.server.stop().await;
}

#[tokio::test]
async fn a_failed_write_is_503() {
    let node = Node::start("1-initial", "node3").await;
    node.control.fail_writes.store(true, Ordering::SeqCst);
    let resp = node
        .post(
            "/switchover",
            &json!({"leader": "node3", "candidate": "node1"}),
        )
        .await;
    assert_text(&resp, 503, "failed to write failover key into DCS");
    node.server.stop().await;
}

#[tokio::test]
async fn scheduled_switchover_is_written_shown_and_deleted() {
    let node = Node::start("1-initial", "node3").await;
    let at = "2099-01-01T10:00:00+00:00";
    let resp = node
        .post(
            "/switchover",
            &json!({"leader": "node3", "candidate": "node1", "scheduled_at": at}),
        )
        .await;
    assert_text(&resp, 202, "Switchover scheduled");
    let key: Value = serde_json::from_str(&node.failover_key().await).expect("json");
    assert_eq!(
        key,
        json!({"leader": "node3", "member": "node1", "scheduled_at": at})
    );
    assert!(node.control.wakes.load(Ordering::SeqCst) >= 1);
    let cluster = node.call("GET", "/cluster", None).await.json();
    assert_eq!(
        cluster["scheduled_switchover"],
        json!({"at": at, "from": "node3", "to": "node1"})
    );
    node.control.race_next_cas.store(true, Ordering::SeqCst);
    let resp = node.call("DELETE", "/switchover", None).await;
    assert_eq!(resp.status, 409, "a concurrent change fails the CAS");
    let resp = node.call("DELETE", "/switchover", None).await;
    assert_text(&resp, 200, "scheduled switchover deleted");
    assert_eq!(node.failover_key().await, "{}");
    let resp = node.call("DELETE", "/switchover", None).await;
    assert_text(&resp, 404, "no switchover is scheduled");
    node.server.stop().await;
}

/// Plays the cluster's part: once the failover key is written, `new_leader` takes the leader
/// key from `old_leader` (unless `None`) and the key is cleared.
fn act_on_failover(node: &mut Node, old_leader: &str, new_leader: Option<&str>) {
    let old = node
        .loaded
        .clients
        .remove(old_leader)
        .expect("old leader client");
    let new = new_leader.map(|n| {
        (
            n.to_string(),
            node.loaded.clients.remove(n).expect("client"),
        )
    });
    let watcher = node.admin();
    tokio::spawn(async move {
        loop {
            let cluster = watcher.load().await.expect("load");
            if cluster.failover_request().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if let Some((name, client)) = new {
            assert!(old.release_leader(old.node()).await.expect("release"));
            assert!(client
                .acquire_leader(&name, Duration::from_secs(30))
                .await
                .expect("acquire"));
        }
        watcher
            .write(Key::Failover, "{}", Condition::Any)
            .await
            .expect("clear");
    });
}

/// Settings whose switchover polling leaves the cluster's part (`act_on_failover`) plenty of
/// time even on a loaded machine: the replies come as soon as it has acted.
fn patient() -> RestSettings {
    let mut s = settings();
    s.switchover_timeout = Some(Duration::from_secs(30));
    s
}

#[tokio::test]
async fn switchover_waits_for_the_new_leader() {
    let mut node = Node::start_with("1-initial", "node3", patient(), |_| {}).await;
    act_on_failover(&mut node, "node3", Some("node1"));
    let resp = node
        .post(
            "/switchover",
            &json!({"leader": "node3", "candidate": "node1"}),
        )
        .await;
    assert_text(&resp, 200, "Successfully switched over to \"node1\"");
    node.server.stop().await;

    let mut node = Node::start_with("1-initial", "node3", patient(), |_| {}).await;
    act_on_failover(&mut node, "node3", Some("node2"));
    let resp = node
        .post(
            "/switchover",
            &json!({"leader": "node3", "candidate": "node1"}),
        )
        .await;
    assert_text(
        &resp,
        200,
        "Switched over to \"node2\" instead of \"node1\"",
    );
    node.server.stop().await;

    let mut node = Node::start_with("1-initial", "node3", patient(), |_| {}).await;
    act_on_failover(&mut node, "node3", Some("node2"));
    let resp = node.post("/failover", &json!({"candidate": "node2"})).await;
    assert_text(&resp, 200, "Successfully failed over to \"node2\"");
    node.server.stop().await;

    let mut node = Node::start_with("1-initial", "node3", patient(), |_| {}).await;
    act_on_failover(&mut node, "node3", None);
    let resp = node.post("/switchover", &json!({"leader": "node3"})).await;
    assert_text(&resp, 503, "Switchover failed");
    node.server.stop().await;
}

#[tokio::test]
async fn switchover_polling_times_out() {
    let mut s = settings();
    s.switchover_timeout = Some(Duration::from_secs(1));
    let node = Node::start_with("1-initial", "node3", s, |_| {}).await;
    let resp = node
        .post(
            "/switchover",
            &json!({"leader": "node3", "candidate": "node2"}),
        )
        .await;
    assert_text(
        &resp,
        503,
        "Switchover status unknown after 1 seconds; operation may still be in progress",
    );
    let key: Value = serde_json::from_str(&node.failover_key().await).expect("json");
    assert_eq!(
        key,
        json!({"leader": "node3", "member": "node2"}),
        "written without CAS"
    );
    node.server.stop().await;
}

#[tokio::test]
async fn patch_config_merges_with_cas() {
    let node = Node::start("1-initial", "node3").await;
    let resp = node
        .call(
            "PATCH",
            "/config",
            Some(r#"{"loop_wait":5,"ttl":"30","postgresql":{"parameters":{"max_connections":100,"shared_buffers":null}},"pause":true}"#),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let want = json!({
        "loop_wait": 5, "ttl": 30, "retry_timeout": 10, "maximum_lag_on_failover": 1048576,
        "pause": true,
        "postgresql": {"parameters": {"max_connections": 100, "wal_log_hints": "on"},
                       "use_pg_rewind": true, "use_slots": true}
    });
    assert_eq!(resp.json(), want);
    assert_eq!(node.call("GET", "/config", None).await.json(), want);
    assert!(node.control.wakes.load(Ordering::SeqCst) >= 1);
    let resp = node
        .call("PATCH", "/config", Some(r#"{"pause":null}"#))
        .await;
    assert_eq!(resp.json().get("pause"), None, "null deletes");

    node.control.race_next_cas.store(true, Ordering::SeqCst);
    let resp = node
        .call("PATCH", "/config", Some(r#"{"loop_wait":7}"#))
        .await;
    assert_eq!(resp.status, 409);
    assert!(resp.body.contains("Error code: 409"), "{}", resp.body);
    assert_eq!(
        node.call("GET", "/config", None).await.json()["loop_wait"],
        5
    );

    let resp = node
        .call("PATCH", "/config", Some(r#"{"ttl":"forever"}"#))
        .await;
    assert_eq!(resp.status, 400);
    assert!(
        resp.body.contains("invalid configuration `ttl`"),
        "{}",
        resp.body
    );
    let resp = node.call("PATCH", "/config", Some("{}")).await;
    assert_eq!(resp.status, 400);
    node.server.stop().await;
}

#[tokio::test]
async fn patch_without_a_config_is_503_and_put_replaces() {
    let clock = clock();
    let store = pg_ha_core::MemoryStore::new(clock.clone());
    let control = Arc::new(FakeControl::new(store.client("demo", "rest")));
    let server = start(settings(), NodeView::default(), control.clone(), clock).await;
    let addr = server.local_addr();
    let resp = send(addr, "PATCH", "/config", Some(r#"{"ttl":20}"#)).await;
    assert_eq!(resp.status, 503);
    let config = r#"{"ttl":20,"loop_wait":5,"retry_timeout":5}"#;
    let resp = send(addr, "PUT", "/config", Some(config)).await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.json(),
        json!({"ttl": 20, "loop_wait": 5, "retry_timeout": 5})
    );
    assert_eq!(send(addr, "GET", "/config", None).await.json()["ttl"], 20);
    let version = |c: &FakeControl| {
        let c = c.dcs.store().revision();
        c
    };
    let before = version(&control);
    let resp = send(
        addr,
        "PUT",
        "/config",
        Some(r#"{"ttl":"20","loop_wait":5,"retry_timeout":5}"#),
    )
    .await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        version(&control),
        before,
        "an equal config is not rewritten"
    );
    control.fail_writes.store(true, Ordering::SeqCst);
    let resp = send(addr, "PUT", "/config", Some(r#"{"ttl":30}"#)).await;
    assert_eq!(resp.status, 502);
    let resp = send(addr, "PATCH", "/config", Some(r#"{"ttl":30}"#)).await;
    assert_eq!(resp.status, 503, "DCS errors: {}", resp.body);
    server.stop().await;
}

#[tokio::test]
async fn restart_filters_and_schedules() {
    let node = Node::start("1-initial", "node1").await;
    let addr = node.server.local_addr();
    let resp = send(addr, "POST", "/restart", None).await;
    assert_text(&resp, 200, "restarted successfully");
    let resp = node
        .post("/restart", &json!({"timeout": "2min", "role": "replica"}))
        .await;
    assert_text(&resp, 200, "restarted successfully");
    assert_eq!(
        *node.control.restarts.lock().expect("lock"),
        vec![None, Some(Duration::from_secs(120))]
    );
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"role": "primary"}),
            503,
            "restart conditions are not satisfied",
        ),
        (
            json!({"role": "master"}),
            400,
            "PostgreSQL role should be either primary, standby_leader, or replica",
        ),
        (
            json!({"postgres_version": "15.2"}),
            503,
            "restart conditions are not satisfied",
        ),
        (
            json!({"postgres_version": "15"}),
            400,
            "Invalid PostgreSQL major version format: 15",
        ),
        (
            json!({"restart_pending": true}),
            503,
            "restart conditions are not satisfied",
        ),
        (
            json!({"timeout": 0}),
            400,
            "Timeout should be a positive number of seconds",
        ),
        (
            json!({"timeout": "soon"}),
            400,
            "Timeout should be a positive number of seconds",
        ),
        (
            json!({"foo": 1}),
            400,
            "Unknown filter for the scheduled restart: foo",
        ),
        (
            json!({"schedule": "2020-01-01T00:00:00Z"}),
            422,
            "Cannot schedule restart in the past",
        ),
        (
            json!({"schedule": "2099-01-01T00:00:00"}),
            400,
            "Timezone information is mandatory for the scheduled restart",
        ),
    ];
    for (body, status, text) in cases {
        let resp = node.post("/restart", &body).await;
        assert_eq!((resp.status, resp.body.as_str()), (status, text), "{body}");
    }
    let resp = node
        .post("/restart", &json!({"postgres_version": "16.1"}))
        .await;
    assert_text(&resp, 200, "restarted successfully");
    *node.control.restart_result.lock().expect("lock") = Err("restart already in progress".into());
    let resp = node.post("/restart", &json!({})).await;
    assert_text(&resp, 503, "restart already in progress");

    let at = json!({"schedule": "2099-01-01T00:00:00+00:00", "role": "replica"});
    assert_text(&node.post("/restart", &at).await, 202, "Restart scheduled");
    let scheduled = node
        .control
        .scheduled
        .lock()
        .expect("lock")
        .clone()
        .expect("scheduled");
    assert_eq!(
        scheduled.to_json(),
        json!({"schedule": "2099-01-01T00:00:00+00:00", "role": "replica"})
    );
    assert_text(
        &node.post("/restart", &at).await,
        409,
        "Another restart is already scheduled",
    );
    assert_text(
        &node.call("DELETE", "/restart", None).await,
        200,
        "scheduled restart deleted",
    );
    assert_text(
        &node.call("DELETE", "/restart", None).await,
        404,
        "no restarts are scheduled",
    );
    node.server.stop().await;

    let paused =
        Node::start_with("1-initial", "node1", settings(), |v| v.dynamic.pause = true).await;
    let resp = paused
        .post(
            "/restart",
            &json!({"schedule": "2099-01-01T00:00:00+00:00"}),
        )
        .await;
    assert_text(&resp, 500, "Can't schedule restart in the paused state");
    paused.server.stop().await;
}

#[tokio::test]
async fn reinitialize_reload_and_failsafe() {
    let leader = Node::start("1-initial", "node3").await;
    let resp = leader.post("/reinitialize", &json!({})).await;
    assert_text(&resp, 503, "I am the leader, can not reinitialize");
    let resp = leader.call("POST", "/reload", None).await;
    assert_text(&resp, 202, "reload scheduled");
    assert_eq!(leader.control.reloads.load(Ordering::SeqCst), 1);
    let resp = leader.post("/failsafe", &json!({"name": "node9"})).await;
    assert_eq!(resp.status, 502, "failsafe_mode is off");
    leader.server.stop().await;

    let mut replica = Node::start("1-initial", "node1").await;
    let resp = replica
        .post(
            "/reinitialize",
            &json!({"force": true, "from_leader": "yes"}),
        )
        .await;
    assert_text(&resp, 200, "reinitialize started");
    let resp = replica.call("POST", "/reinitialize", None).await;
    assert_text(&resp, 200, "reinitialize started");
    assert_eq!(
        *replica.control.reinits.lock().expect("lock"),
        vec![(true, true), (false, false)]
    );
    *replica.control.reinit_result.lock().expect("lock") =
        Err("reinitialize already in progress".into());
    let resp = replica
        .post("/reinitialize", &json!({"force": false}))
        .await;
    assert_text(&resp, 503, "reinitialize already in progress");
    let leader_client = replica.loaded.clients.remove("node3").expect("client");
    assert!(leader_client
        .release_leader("node3")
        .await
        .expect("release"));
    let resp = replica.post("/reinitialize", &json!({})).await;
    assert_text(&resp, 503, "Cluster has no leader, can not reinitialize");
    replica.server.stop().await;

    let failsafe = Node::start_with("1-initial", "node1", settings(), |v| {
        v.dynamic.failsafe_mode = true
    })
    .await;
    let resp = failsafe
        .post(
            "/failsafe",
            &json!({"name": "node3", "conn_url": "x", "api_url": "y"}),
        )
        .await;
    assert_text(&resp, 200, "Accepted");
    assert_eq!(
        resp.headers.get("lsn").map(String::as_str),
        Some("67108960")
    );
    assert_eq!(
        *failsafe.control.notices.lock().expect("lock"),
        vec!["node3".to_string()]
    );
    // node3 holds the leader key: a notice from node2 (an old leader back from a freeze)
    // is refused and not passed on.
    let resp = failsafe.post("/failsafe", &json!({"name": "node2"})).await;
    assert_text(&resp, 500, "Another member holds the leader key");
    assert_eq!(
        *failsafe.control.notices.lock().expect("lock"),
        vec!["node3".to_string()]
    );
    failsafe.server.stop().await;
    let primary = Node::start_with("1-initial", "node3", settings(), |v| {
        v.dynamic.failsafe_mode = true
    })
    .await;
    let resp = primary.post("/failsafe", &json!({"name": "node1"})).await;
    assert_text(&resp, 500, "Running as a leader");
    primary.server.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_4xx_with_the_reason() {
    let node = Node::start("1-initial", "node3").await;
    let addr = node.server.local_addr();
    let resp = send(addr, "POST", "/switchover", Some("{not json")).await;
    assert_eq!(resp.status, 400);
    assert!(resp.body.contains("not valid JSON"), "{}", resp.body);
    assert!(resp.body.contains("Error code: 400"), "{}", resp.body);
    let resp = send(addr, "POST", "/switchover", Some("[1]")).await;
    assert_eq!(resp.status, 400);
    assert!(resp.body.contains("must be a JSON object"), "{}", resp.body);
    let resp = send(addr, "POST", "/switchover", Some("{}")).await;
    assert_eq!(resp.status, 400);
    assert!(resp.body.contains("empty JSON object"), "{}", resp.body);
    let resp = raw(
        addr,
        b"POST /switchover HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(resp.status, 411, "no Content-Length");
    let resp = raw(
        addr,
        b"POST /switchover HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(resp.status, 411, "chunked, no Content-Length");
    let resp = raw(addr, b"HELLO WORLD\r\n\r\n").await;
    assert_eq!(resp.status, 400, "garbage request line: {resp:?}");
    let resp = raw(
        addr,
        b"GET /patroni HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    )
    .await;
    assert_eq!(resp.status, 400, "bad Content-Length");
    let big = format!("{{\"leader\":\"{}\"}}", "x".repeat(2 << 20));
    let resp = send(addr, "POST", "/switchover", Some(&big)).await;
    assert_eq!(resp.status, 413);
    for (method, path) in [
        ("POST", "/nothing"),
        ("DELETE", "/config"),
        ("PATCH", "/patroni"),
        ("TRACE", "/"),
    ] {
        let resp = send(addr, method, path, Some("{}")).await;
        assert_eq!(resp.status, 501, "{method} {path}");
        assert!(
            resp.body.contains("Server does not support this operation"),
            "{}",
            resp.body
        );
    }
    let resp = send(addr, "GET", "/patroni", None).await;
    assert_eq!(resp.status, 200, "the server still serves");
    node.server.stop().await;
}
