//! The REST API's read endpoints end to end over HTTP on loopback, against the bodies and
//! status codes captured from a real Patroni 4.1.5 cluster.

mod rest_support;

use pg_ha_agent::rest::{NodeView, RestServer};
use pg_ha_core::decide::{Action, Decision, Reason};
use pg_ha_core::model::MemberState;
use pg_ha_core::postgres::{PgStatus, ProcessState};
use pg_ha_core::time::ManualClock;
use pg_ha_core::time::Mono;
use rest_support::client::{raw, request_bytes, send, Resp};
use rest_support::fake::FakeControl;
use rest_support::samples::{
    json, load_state, patroni_sample, read, status_codes, view_from_patroni, Loaded, STATES,
};
use rest_support::{clock, settings, start};
use serde_json::{json as j, Value};
use std::sync::Arc;
use std::time::Duration;

async fn server_for(loaded: &Loaded, view: NodeView, clock: Arc<ManualClock>) -> RestServer {
    let control = Arc::new(FakeControl::new(loaded.rest_client()));
    start(settings(), view, control, clock).await
}

async fn node_server(state: &str, node: &str) -> (RestServer, Loaded, Arc<ManualClock>) {
    let clock = clock();
    let loaded = load_state(state, clock.clone()).await;
    let view = view_from_patroni(&patroni_sample(state, node), &loaded.cluster);
    let server = server_for(&loaded, view, clock.clone()).await;
    (server, loaded, clock)
}

/// `OPTIONS /primary`, `/replica?lag=1MB` -> (method, path).
fn parse_endpoint(endpoint: &str) -> (&str, &str) {
    match endpoint.split_once(' ') {
        Some((method, path)) => (method, path),
        None => ("GET", endpoint),
    }
}

#[tokio::test]
async fn health_codes_match_patroni_samples() {
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for state in STATES {
        let rows = status_codes(state);
        let nodes: Vec<String> = rows[0].1.iter().map(|(n, _)| n.clone()).collect();
        for node in &nodes {
            let (server, _loaded, _clock) = node_server(state, node).await;
            for (endpoint, codes) in &rows {
                let expected = codes.iter().find(|(n, _)| n == node).map(|(_, c)| *c);
                let (method, path) = parse_endpoint(endpoint);
                let got = send(server.local_addr(), method, path, None).await.status;
                checked += 1;
                if Some(got) != expected {
                    mismatches.push(format!(
                        "{state} {node} {endpoint}: got {got}, want {expected:?}"
                    ));
                }
            }
            server.stop().await;
        }
    }
    assert!(checked > 200, "only {checked} checks");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn patroni_bodies_match_samples() {
    for state in STATES {
        for node in ["node1", "node2", "node3"] {
            let sample = patroni_sample(state, node);
            let (server, _loaded, _clock) = node_server(state, node).await;
            let resp = send(server.local_addr(), "GET", "/patroni", None).await;
            assert_eq!(resp.status, 200);
            assert_eq!(
                resp.headers.get("content-type").map(String::as_str),
                Some("application/json")
            );
            assert_eq!(resp.json(), sample, "{state} {node}");
            server.stop().await;
        }
    }
}

#[tokio::test]
async fn health_bodies_match_samples() {
    for state in STATES {
        for (who, endpoint) in [
            ("leader", "health"),
            ("leader", "primary"),
            ("leader", "read-only"),
            ("leader", "replica"),
            ("replica", "health"),
            ("replica", "primary"),
            ("replica", "replica"),
        ] {
            let sample = json(&format!("rest-{state}-{who}-GET-{endpoint}.json"));
            let clock = clock();
            let loaded = load_state(state, clock.clone()).await;
            let view = view_from_patroni(&sample, &loaded.cluster);
            let server = server_for(&loaded, view, clock).await;
            let resp = send(server.local_addr(), "GET", &format!("/{endpoint}"), None).await;
            assert_eq!(resp.json(), sample, "{state} {who} /{endpoint}");
            server.stop().await;
        }
    }
}

#[tokio::test]
async fn cluster_history_and_config_match_samples() {
    for state in STATES {
        let leader = json(&format!("rest-{state}-leader-patroni.json"));
        let name = leader["patroni"]["name"]
            .as_str()
            .expect("name")
            .to_string();
        let (server, _loaded, _clock) = node_server(state, &name).await;
        let addr = server.local_addr();
        for (path, file) in [
            ("/cluster", "cluster"),
            ("/history", "history"),
            ("/config", "config"),
        ] {
            let resp = send(addr, "GET", path, None).await;
            assert_eq!(resp.status, 200, "{state} {path}");
            assert_eq!(
                resp.json(),
                json(&format!("rest-{state}-leader-{file}.json")),
                "{state} {path}"
            );
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn metrics_match_the_sample() {
    let sample = read("rest-1-initial-leader-metrics.http").replace("\r\n", "\n");
    let (head, body) = sample.split_once("\n\n").expect("head and body");
    assert!(head.contains("Content-Type: text/plain"));
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node3"), &loaded.cluster);
    view.dcs_last_seen = Some(1_795_691_007);
    let server = server_for(&loaded, view, clock).await;
    let resp = send(server.local_addr(), "GET", "/metrics", None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.headers.get("content-type").map(String::as_str),
        Some("text/plain")
    );
    let want: Vec<&str> = body.trim_end().lines().collect();
    let got: Vec<&str> = resp.body.trim_end().lines().collect();
    assert_eq!(got, want);
    server.stop().await;
}

/// docs/monitoring.md lists exactly the metrics a running node serves, with their types, and
/// the sample scrape configuration scrapes that endpoint.
#[tokio::test]
async fn the_monitoring_doc_lists_every_metric() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let view = view_from_patroni(&patroni_sample("1-initial", "node3"), &loaded.cluster);
    let server = server_for(&loaded, view, clock).await;
    let body = send(server.local_addr(), "GET", "/metrics", None)
        .await
        .body;
    server.stop().await;
    let served: std::collections::BTreeSet<(String, String)> = body
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .map(|(name, kind)| (name.to_string(), kind.to_string()))
        .collect();
    assert!(served.len() > 20, "{body}");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/monitoring.md")).expect("the doc");
    let documented: std::collections::BTreeSet<(String, String)> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| {
            let (name, rest) = l.split_once("` | ")?;
            let kind = rest.split(" | ").next()?;
            Some((name.to_string(), kind.to_string()))
        })
        .collect();
    assert_eq!(documented, served);
    let scrape = std::fs::read_to_string(root.join("examples/configs/prometheus.yml"))
        .expect("the scrape config");
    let scrape: Value = serde_norway::from_str(&scrape).expect("YAML");
    let job = &scrape["scrape_configs"][0];
    assert_eq!(job["metrics_path"], "/metrics");
    assert_eq!(
        job["static_configs"][0]["targets"].as_array().map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn head_and_options_answer_with_the_status_line_only() {
    let (server, _loaded, _clock) = node_server("1-initial", "node3").await;
    let addr = server.local_addr();
    for (method, path, code) in [
        ("HEAD", "/primary", 200),
        ("OPTIONS", "/", 200),
        ("OPTIONS", "/replica", 503),
        ("HEAD", "/patroni", 503),
        ("OPTIONS", "/liveness", 503),
    ] {
        let resp: Resp = raw(addr, &request_bytes(method, path, None, &[])).await;
        assert_eq!(resp.status, code, "{method} {path}");
        assert!(resp.body.is_empty(), "{method} {path}: {:?}", resp.body);
        assert!(
            !resp.headers.contains_key("content-type"),
            "{method} {path}"
        );
    }
    let resp = send(addr, "GET", "/no/such/path", None).await;
    assert_eq!(resp.status, 503, "unknown GET paths are health checks");
    assert_eq!(resp.json()["role"], "primary");
    server.stop().await;
}

#[tokio::test]
async fn lag_replication_state_and_tag_filters() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node1"), &loaded.cluster);
    if let Some(pg) = view.pg.as_mut() {
        pg.replay_lsn = Some(pg_ha_core::lsn::Lsn(67_108_864 - 20_000));
        pg.receive_lsn = Some(pg_ha_core::lsn::Lsn(67_108_864 - 20_000));
    }
    view.node.tags.0.insert("zone".into(), j!("eu-1"));
    view.node.tags.0.insert("clonefrom".into(), j!(true));
    view.node.tags.0.insert("failover_priority".into(), j!(3));
    let server = server_for(&loaded, view, clock).await;
    let addr = server.local_addr();
    for (path, code) in [
        ("/replica", 200),
        ("/replica?lag=16kB", 503),
        ("/replica?lag=1MB", 200),
        ("/replica?lag=19999", 503),
        ("/replica?lag=bogus", 200),
        ("/read-only?lag=16kB", 503),
        ("/replica?replication_state=streaming", 200),
        ("/replica?replication_state=in%20archive%20recovery", 503),
        ("/replica?tag_zone=eu-1", 200),
        ("/replica?tag_zone=EU-1", 503),
        ("/replica?tag_clonefrom=true", 200),
        ("/replica?tag_clonefrom=True", 503),
        ("/replica?tag_failover_priority=3", 200),
        ("/replica?tag_rack=1", 503),
        ("/async?tag_zone=eu-2", 503),
        ("/primary?tag_zone=eu-2", 503),
        ("/readiness?lag=16kB", 503),
        ("/readiness?lag=1MB", 200),
        ("/readiness", 200),
    ] {
        assert_eq!(send(addr, "GET", path, None).await.status, code, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn leader_paths_ignore_tag_filters_and_noloadbalance_hides_replicas() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut leader = view_from_patroni(&patroni_sample("1-initial", "node3"), &loaded.cluster);
    leader.node.tags.0.insert("zone".into(), j!("eu-1"));
    let server = server_for(&loaded, leader, clock.clone()).await;
    assert_eq!(
        send(server.local_addr(), "GET", "/primary?tag_zone=x", None)
            .await
            .status,
        200
    );
    assert_eq!(
        send(server.local_addr(), "GET", "/read-only?tag_zone=x", None)
            .await
            .status,
        503
    );
    server.stop().await;
    let mut replica = view_from_patroni(&patroni_sample("1-initial", "node1"), &loaded.cluster);
    replica.node.tags.0.insert("noloadbalance".into(), j!(true));
    let server = server_for(&loaded, replica, clock).await;
    assert_eq!(
        send(server.local_addr(), "GET", "/replica", None)
            .await
            .status,
        503
    );
    assert_eq!(
        send(server.local_addr(), "GET", "/health", None)
            .await
            .status,
        200
    );
    server.stop().await;
}

#[tokio::test]
async fn a_stale_dcs_view_or_expired_lease_changes_the_codes() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let leader = view_from_patroni(&patroni_sample("1-initial", "node3"), &loaded.cluster);
    let server = server_for(&loaded, leader.clone(), clock.clone()).await;
    let addr = server.local_addr();
    clock.advance(Duration::from_secs(25));
    assert_eq!(
        send(addr, "GET", "/primary", None).await.status,
        503,
        "lease expired"
    );
    let body = send(addr, "GET", "/patroni", None).await.json();
    assert_eq!(
        body.get("cluster_unlocked"),
        None,
        "DCS view still fresh (ttl 30)"
    );
    clock.advance(Duration::from_secs(10));
    let body = send(addr, "GET", "/patroni", None).await.json();
    assert_eq!(body["cluster_unlocked"], true, "no fresh DCS view");
    assert_eq!(send(addr, "GET", "/async", None).await.status, 503);
    server.stop().await;

    let mut paused = leader;
    paused.dynamic.pause = true;
    paused.lease_until = None;
    let server = server_for(&loaded, paused, clock.clone()).await;
    assert_eq!(
        send(server.local_addr(), "GET", "/primary", None)
            .await
            .status,
        200,
        "paused without a DCS view: the PostgreSQL role decides"
    );
    assert_eq!(
        send(server.local_addr(), "GET", "/patroni", None)
            .await
            .json()["pause"],
        true
    );
    assert_eq!(
        send(server.local_addr(), "GET", "/liveness", None)
            .await
            .status,
        200
    );
    server.stop().await;
}

#[tokio::test]
async fn liveness_follows_the_loop_schedule() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut replica = view_from_patroni(&patroni_sample("1-initial", "node1"), &loaded.cluster);
    replica.next_run = Some(Mono::from_millis(10_000));
    let server = server_for(&loaded, replica, clock.clone()).await;
    let addr = server.local_addr();
    assert_eq!(send(addr, "GET", "/liveness", None).await.status, 200);
    clock.advance(Duration::from_secs(69));
    assert_eq!(
        send(addr, "GET", "/liveness", None).await.status,
        200,
        "2 ttl on a replica"
    );
    clock.advance(Duration::from_secs(2));
    let resp = send(addr, "GET", "/liveness", None).await;
    assert_eq!(resp.status, 503);
    assert!(resp.body.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn postgres_down_gives_the_short_status() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node1"), &loaded.cluster);
    if let Some(pg) = view.pg.as_mut() {
        pg.process = ProcessState::Stopped;
        pg.role = None;
    }
    view.state = Some(MemberState::Stopped);
    let server = server_for(&loaded, view, clock).await;
    let addr = server.local_addr();
    let body = send(addr, "GET", "/patroni", None).await.json();
    assert_eq!(
        body,
        j!({
            "state": "stopped", "role": "replica", "dcs_last_seen": 1795691000,
            "database_system_identifier": "7712434073260532225",
            "patroni": {"version": "4.1.5", "scope": "demo", "name": "node1"}
        })
    );
    assert_eq!(send(addr, "GET", "/health", None).await.status, 503);
    assert_eq!(send(addr, "GET", "/replica", None).await.status, 503);
    assert_eq!(send(addr, "GET", "/readiness", None).await.status, 503);
    let metrics = send(addr, "GET", "/metrics", None).await.body;
    assert!(metrics.contains("patroni_postgres_running{scope=\"demo\",name=\"node1\"} 0"));
    assert!(metrics.contains("patroni_postgres_state{scope=\"demo\",name=\"node1\"} 12"));
    server.stop().await;
}

#[tokio::test]
async fn why_explains_the_decision() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node3"), &loaded.cluster);
    view.decision = Some(
        Decision::act(Reason::LeaderRenewed, vec![Action::RenewLeader])
            .wake(Mono::from_millis(10_000)),
    );
    let server = server_for(&loaded, view, clock).await;
    let body = send(server.local_addr(), "GET", "/why", None).await.json();
    assert_eq!(body["reason"], "no action: I am the leader with the lock");
    assert_eq!(body["actions"], j!(["RenewLeader"]));
    assert_eq!(body["holds_lease"], true);
    assert_eq!(body["leader"], "node3");
    assert_eq!(body["lease_valid_for"], 20.0);
    assert_eq!(body["wake_in"], 10.0);
    assert_eq!(body["loop_wait"], 10.0, "the loop_wait in force: {body}");
    assert_eq!(body["ttl"], 30.0, "the ttl in force: {body}");
    server.stop().await;

    let server = server_for(&loaded, NodeView::default(), rest_support::clock()).await;
    let body = send(server.local_addr(), "GET", "/why", None).await.json();
    assert_eq!(body["reason"], "no decision yet");
    assert_eq!(body["actions"], j!([]));
    server.stop().await;
}

#[tokio::test]
async fn config_is_502_without_a_config_key_and_failsafe_is_502_without_a_map() {
    let clock = clock();
    let store = pg_ha_core::MemoryStore::new(clock.clone());
    let control = Arc::new(FakeControl::new(store.client("demo", "rest")));
    let server = start(settings(), NodeView::default(), control, clock).await;
    let addr = server.local_addr();
    let resp = send(addr, "GET", "/config", None).await;
    assert_eq!(resp.status, 502);
    assert!(resp.body.contains("Error code: 502"), "{}", resp.body);
    assert_eq!(send(addr, "GET", "/failsafe", None).await.status, 502);
    assert_eq!(send(addr, "GET", "/history", None).await.json(), j!([]));
    assert_eq!(
        send(addr, "GET", "/cluster", None).await.json(),
        j!({"members": [], "scope": ""})
    );
    let body: Value = send(addr, "GET", "/patroni", None).await.json();
    assert_eq!(body["cluster_unlocked"], true);
    assert_eq!(body["state"], "stopped");
    assert_eq!(body["role"], "uninitialized");
    let _ = PgStatus::empty();
    server.stop().await;
}

async fn codes(addr: std::net::SocketAddr, paths: &[&str]) -> Vec<u16> {
    let mut out = Vec::new();
    for path in paths {
        out.push(send(addr, "GET", path, None).await.status);
    }
    out
}

#[tokio::test]
async fn standby_leader_paths() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node1"), &loaded.cluster);
    view.dynamic = pg_ha_core::DynamicConfig::from_json(
        &j!({"standby_cluster": {"host": "10.0.0.1", "port": 5432}}),
    )
    .expect("config");
    view.lease_until = Some(Mono::from_millis(20_000));
    if let Some(cluster) = view.cluster.as_mut() {
        if let Some(leader) = cluster.leader.as_mut() {
            leader.name = "node1".into();
        }
    }
    let server = server_for(&loaded, view, clock).await;
    let addr = server.local_addr();
    let body = send(addr, "GET", "/patroni", None).await.json();
    assert_eq!(body["role"], "standby_leader");
    let paths = [
        "/standby-leader",
        "/standby_leader",
        "/leader",
        "/primary",
        "/",
        "/read-write",
        "/replica",
        "/read-only",
        "/read-only-sync",
    ];
    assert_eq!(
        codes(addr, &paths).await,
        [200, 200, 200, 503, 503, 503, 503, 200, 200]
    );
    server.stop().await;
}

#[tokio::test]
async fn quorum_mode_paths() {
    let clock = clock();
    let loaded = load_state("3-sync-mode", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("3-sync-mode", "node2"), &loaded.cluster);
    view.dynamic.synchronous_mode = pg_ha_core::SyncMode::Quorum;
    let server = server_for(&loaded, view, clock).await;
    let addr = server.local_addr();
    let body = send(addr, "GET", "/patroni", None).await.json();
    assert_eq!(body["quorum_standby"], true);
    assert_eq!(body.get("sync_standby"), None);
    let paths = [
        "/quorum",
        "/read-only-quorum",
        "/sync",
        "/read-only-sync",
        "/async",
        "/replica",
    ];
    assert_eq!(codes(addr, &paths).await, [200, 200, 503, 503, 503, 200]);
    let metrics = send(addr, "GET", "/metrics", None).await.body;
    assert!(metrics.contains("patroni_quorum_standby{scope=\"demo\",name=\"node2\"} 1"));
    server.stop().await;
}

/// The value of metric `name` in a `/metrics` body (`None` when the metric is absent).
fn metric<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.lines()
        .find(|l| l.starts_with(&format!("{name}{{")))
        .and_then(|l| l.rsplit(' ').next())
}

#[tokio::test]
async fn replica_receiver_positions_replay_pause_and_lag() {
    use pg_ha_core::lsn::Lsn;
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node2"), &loaded.cluster);
    // Replayed 67108960; the receiver wrote 100 bytes more, and the primary's end of WAL
    // it last heard of is 50000 bytes ahead.
    view.wal_written = Some(Lsn(67_108_960 + 100));
    view.latest_end_lsn = Some(Lsn(67_108_960 + 50_000));
    view.replay_paused = true;
    let server = server_for(&loaded, view, clock).await;
    let addr = server.local_addr();
    let body = send(addr, "GET", "/patroni", None).await.json();
    assert_eq!(
        body["xlog"],
        j!({
            "received_location": 67_109_060,
            "replayed_location": 67_108_960,
            "replayed_timestamp": "2026-11-26 11:03:14.636175+00:00",
            "paused": true
        })
    );
    assert_eq!(body["server_version"], 150_018);
    assert_eq!(
        body["postmaster_start_time"],
        "2026-11-26 11:03:15.904226+00:00"
    );
    assert!(body.get("latest_end_lsn").is_none(), "{body}");
    // R: max(optime, latest_end_lsn) <= replayed + lag.
    let paths = [
        "/replica",
        "/replica?lag=50000",
        "/replica?lag=49999",
        "/readiness?lag=50000",
        "/readiness?lag=49999",
        "/readiness?lag=49900&mode=write",
        "/readiness?lag=49899&mode=write",
    ];
    assert_eq!(
        codes(addr, &paths).await,
        [200, 200, 503, 200, 503, 200, 503]
    );
    let metrics = send(addr, "GET", "/metrics", None).await.body;
    for (name, value) in [
        ("patroni_xlog_received_location", "67109060"),
        ("patroni_xlog_replayed_location", "67108960"),
        ("patroni_xlog_replayed_timestamp", "1795690994.636175"),
        ("patroni_xlog_paused", "1"),
        ("patroni_postmaster_start_time", "1795690995.904226"),
        ("patroni_postgres_server_version", "150018"),
        ("patroni_postgres_streaming", "1"),
        ("patroni_postgres_in_archive_recovery", "0"),
        ("patroni_replica", "1"),
    ] {
        assert_eq!(metric(&metrics, name), Some(value), "{name}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_replica_that_does_not_stream_reports_archive_recovery_only_with_restore_command() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node2"), &loaded.cluster);
    if let Some(pg) = view.pg.as_mut() {
        pg.streaming = false;
    }
    for (restore_command, state, archive) in
        [(false, None, "0"), (true, Some("in archive recovery"), "1")]
    {
        view.restore_command = restore_command;
        let server = server_for(&loaded, view.clone(), clock.clone()).await;
        let addr = server.local_addr();
        let body = send(addr, "GET", "/patroni", None).await.json();
        assert_eq!(
            body.get("replication_state").and_then(Value::as_str),
            state,
            "restore_command {restore_command}: {body}"
        );
        assert_eq!(
            send(addr, "GET", "/replica?replication_state=streaming", None)
                .await
                .status,
            503
        );
        let metrics = send(addr, "GET", "/metrics", None).await.body;
        assert_eq!(metric(&metrics, "patroni_postgres_streaming"), Some("0"));
        assert_eq!(
            metric(&metrics, "patroni_postgres_in_archive_recovery"),
            Some(archive)
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn pause_is_shown_only_while_paused() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node3"), &loaded.cluster);
    for paused in [true, false] {
        view.dynamic.pause = paused;
        let server = server_for(&loaded, view.clone(), clock.clone()).await;
        let addr = server.local_addr();
        for path in ["/patroni", "/primary", "/health"] {
            let body = send(addr, "GET", path, None).await.json();
            assert_eq!(
                body.get("pause"),
                paused.then_some(&Value::Bool(true)),
                "{path} paused={paused}: {body}"
            );
        }
        let metrics = send(addr, "GET", "/metrics", None).await.body;
        let want = if paused { "1" } else { "0" };
        assert_eq!(metric(&metrics, "patroni_is_paused"), Some(want));
        server.stop().await;
    }
}

#[tokio::test]
async fn without_sql_details_the_version_fields_are_absent() {
    let clock = clock();
    let loaded = load_state("1-initial", clock.clone()).await;
    let mut view = view_from_patroni(&patroni_sample("1-initial", "node3"), &loaded.cluster);
    view.server_version = None;
    view.postmaster_start_time = None;
    let server = server_for(&loaded, view, clock).await;
    let addr = server.local_addr();
    let body = send(addr, "GET", "/patroni", None).await.json();
    assert!(body.get("server_version").is_none() && body.get("postmaster_start_time").is_none());
    let metrics = send(addr, "GET", "/metrics", None).await.body;
    assert_eq!(
        metric(&metrics, "patroni_postgres_server_version"),
        Some("0")
    );
    assert_eq!(metric(&metrics, "patroni_postmaster_start_time"), Some("0"));
    // Patroni writes the streaming metrics only for a known server version >= 9.6.
    assert_eq!(metric(&metrics, "patroni_postgres_streaming"), None);
    server.stop().await;
}
