//! What `GET /patroni` shows beyond `PgStatus`: server version, postmaster start time,
//! replay timestamp and pause, WAL senders with their users and addresses; read by the
//! status query of a real server, and published by a real agent loop.

use crate::common::*;
use anyhow::{bail, Context, Result};
use pg_ha_agent::agent::{self, AgentParts, Command};
use pg_ha_agent::config::HostPort;
use pg_ha_agent::http;
use pg_ha_agent::node::AgentControl;
use pg_ha_agent::peers::HttpPeers;
use pg_ha_agent::postgres::PgDetails;
use pg_ha_agent::rest::{RestServer, RestSettings, ViewSource};
use pg_ha_core::model::{Condition, Key};
use pg_ha_core::postgres::PgRole;
use pg_ha_core::time::Clock;
use pg_ha_core::{Dcs, DynamicConfig, MemoryStore, NodeConfig, Peers, Postgres, Runner};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The details of the last status call (after making one).
async fn details(node: &Node) -> Result<Arc<PgDetails>> {
    node.status().await?;
    node.pg
        .details()
        .context("a running server has SQL details")
}

/// `pg_postmaster_start_time()` as epoch microseconds, straight from SQL.
async fn start_micros(node: &Node) -> Result<i64> {
    let text = node
        .column("SELECT (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::int8::text")
        .await?;
    Ok(text.first().context("one row")?.parse()?)
}

/// Parses Patroni's timestamp format into epoch microseconds.
fn parse_micros(text: &str) -> Result<i64> {
    let t = chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")
        .with_context(|| format!("timestamp {text:?}"))?;
    Ok(t.timestamp_micros())
}

fn assert_patroni_timestamp(text: &str) {
    // `2026-11-26 11:03:10.462860+00:00`: date, space, time with 0 or 6 fraction digits,
    // offset as +HH:MM.
    let (date_time, offset) = text.split_at(text.len() - 6);
    assert!(
        offset.len() == 6 && matches!(&offset[..1], "+" | "-") && &offset[3..4] == ":",
        "offset of {text:?}"
    );
    let fraction = date_time.split('.').nth(1).map_or(6, str::len);
    assert_eq!(fraction, 6, "microseconds of {text:?}");
    assert_eq!(&date_time[10..11], " ", "{text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reads_version_start_time_replay_and_wal_senders() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    a.exec("CREATE TABLE t (v int); INSERT INTO t VALUES (1)")
        .await?;

    let d = details(&a).await?;
    let version: u32 = a.column("SHOW server_version_num").await?[0].parse()?;
    assert!((150_000..160_000).contains(&version), "{version}");
    assert_eq!(d.server_version, version);
    assert!(!d.in_recovery);
    assert_eq!(Some(d.postmaster_pid), a.pg.postmaster_pid());
    assert_patroni_timestamp(&d.postmaster_start_time);
    assert_eq!(
        parse_micros(&d.postmaster_start_time)?,
        start_micros(&a).await?
    );
    assert_eq!(d.replayed_timestamp, None);
    assert!(!d.replay_paused && d.written_lsn.is_none() && d.latest_end_lsn.is_none());
    assert!(d.wal_senders.is_empty());

    let b = Node::standby_of(&sandbox, "b", &a).await?;
    wait_for("a WAL sender for b", Duration::from_secs(30), || async {
        Ok(details(&a).await?.wal_senders.iter().any(|w| {
            w.application_name.as_deref() == Some("b") && w.state.as_deref() == Some("streaming")
        }))
    })
    .await?;
    let d = details(&a).await?;
    let sender = d
        .wal_senders
        .iter()
        .find(|w| w.application_name.as_deref() == Some("b"))
        .context("sender b")?;
    assert_eq!(sender.usename.as_deref(), Some("replicator"));
    assert_eq!(sender.client_addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(sender.sync_state.as_deref(), Some("async"));
    assert_eq!(sender.sync_priority, Some(0));
    // b's flush position appears with its first status report, a moment after it streams.
    let st = a.wait_replica_reported("b").await?;
    assert_eq!(st.replicas.len(), 1, "{:?}", st.replicas);
    assert_eq!(st.replicas[0].application_name, "b");
    assert!(st.replicas[0].flush_lsn.is_some(), "{:?}", st.replicas);

    // The standby: replay timestamp after a replayed commit, receiver positions, pause.
    a.exec("INSERT INTO t VALUES (2)").await?;
    let d = wait_until(
        "a replayed commit and the receiver's positions on b",
        Duration::from_secs(60),
        || async {
            let d = details(&b).await?;
            let ready = d.replayed_timestamp.is_some()
                && d.written_lsn.is_some()
                && d.latest_end_lsn.is_some();
            Ok(ready.then_some(d))
        },
    )
    .await
    .with_context(|| format!("last details of b: {:?}", b.pg.details()))?;
    assert!(d.in_recovery);
    assert_eq!(d.server_version, version);
    assert_patroni_timestamp(d.replayed_timestamp.as_deref().unwrap_or_default());
    let replayed = parse_micros(d.replayed_timestamp.as_deref().unwrap_or_default())?;
    let now = chrono::Utc::now().timestamp_micros();
    assert!(
        (now - 60_000_000..=now).contains(&replayed),
        "replayed_timestamp {:?}",
        d.replayed_timestamp
    );
    assert!(!d.restore_command);
    assert!(!d.replay_paused);
    b.exec("SELECT pg_wal_replay_pause()").await?;
    wait_for("replay paused", Duration::from_secs(30), || async {
        Ok(details(&b).await?.replay_paused)
    })
    .await?;
    b.exec("SELECT pg_wal_replay_resume()").await?;
    wait_for("replay resumed", Duration::from_secs(30), || async {
        Ok(!details(&b).await?.replay_paused)
    })
    .await?;

    // A restart is a new postmaster: a new start time, read again.
    let before = details(&a).await?;
    a.pg.restart().await?;
    let after = details(&a).await?;
    assert_ne!(after.postmaster_pid, before.postmaster_pid);
    assert!(
        parse_micros(&after.postmaster_start_time)? > parse_micros(&before.postmaster_start_time)?,
        "{} -> {}",
        before.postmaster_start_time,
        after.postmaster_start_time
    );
    assert_eq!(
        parse_micros(&after.postmaster_start_time)?,
        start_micros(&a).await?
    );
    assert_eq!(after.server_version, version);

    // Stopped: no details (nothing to show); started again: read again.
    a.pg.stop(pg_ha_core::postgres::StopMode::Fast).await?;
    a.status().await?;
    assert!(a.pg.details().is_none());
    Ok(())
}

/// GET `path` of the REST API at `base` as JSON.
async fn get_json(base: &str, path: &str) -> Result<Value> {
    let url = http::with_path(base, path);
    let resp = http::send(http::Request {
        method: "GET",
        url: &url,
        body: None,
        basic_auth: None,
        timeout: Duration::from_secs(5),
    })
    .await?;
    Ok(serde_json::from_str(&resp.body)?)
}

async fn get_text(base: &str, path: &str) -> Result<String> {
    let url = http::with_path(base, path);
    let resp = http::send(http::Request {
        method: "GET",
        url: &url,
        body: None,
        basic_auth: None,
        timeout: Duration::from_secs(5),
    })
    .await?;
    Ok(resp.body)
}

fn metric<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.lines()
        .find(|l| l.starts_with(&format!("{name}{{")))
        .and_then(|l| l.rsplit(' ').next())
}

/// Polls `GET /patroni` until `check` accepts it; returns that body.
async fn wait_patroni(base: &str, what: &str, check: impl Fn(&Value) -> bool) -> Result<Value> {
    let start = std::time::Instant::now();
    loop {
        if let Ok(body) = get_json(base, "/patroni").await {
            if check(&body) {
                return Ok(body);
            }
            if start.elapsed() > Duration::from_secs(60) {
                bail!("timed out waiting for {what}; last /patroni: {body}");
            }
        } else if start.elapsed() > Duration::from_secs(60) {
            bail!("timed out waiting for {what}; /patroni does not answer");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_agent_shows_them_in_get_patroni_and_metrics() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::new(settings(&sandbox, "a")).await?;
    let clock = clock();
    let clock_dyn: Arc<dyn Clock> = clock.clone();
    let store = MemoryStore::new(Arc::clone(&clock_dyn));
    let dcs: Arc<dyn Dcs> = Arc::new(store.client("test", "a"));
    let node = NodeConfig {
        name: "a".into(),
        scope: "test".into(),
        can_bootstrap: true,
        can_clone_without_leader: false,
        conn_url: a.pg.conn_url(),
        api_url: "http://127.0.0.1:1/patroni".into(),
        proxy_url: None,
        ..NodeConfig::default()
    };
    let dynamic =
        DynamicConfig::from_json(&json!({"ttl": 10, "loop_wait": 1, "retry_timeout": 2}))?;
    let peers = HttpPeers::new(Duration::from_secs(2), None);
    let runner = Runner::new(
        node,
        dynamic.clone(),
        Arc::clone(&dcs),
        Arc::clone(&a.pg) as Arc<dyn Postgres>,
        Arc::new(peers.clone()) as Arc<dyn Peers>,
        Arc::clone(&clock_dyn),
    );
    let (handle, task) = agent::run(AgentParts {
        runner,
        dcs: Arc::clone(&dcs),
        clock: *clock,
        pg_events: None,
        reload: None,
        pg_details: Some(a.pg.subscribe_details()),
    });
    let control = Arc::new(AgentControl::new(Arc::clone(&dcs), peers, &handle));
    let rest = RestServer::start(
        RestSettings::new(HostPort {
            host: "127.0.0.1".into(),
            port: 0,
        }),
        ViewSource::from_watch(handle.state.clone()),
        control,
        clock_dyn,
    )
    .await?;
    let base = rest.base_url();
    let result = async {
        let body = wait_patroni(&base, "a running primary", |b| {
            b["role"] == "primary" && b["state"] == "running" && b.get("server_version").is_some()
        })
        .await?;
        let version: u64 = a.column("SHOW server_version_num").await?[0].parse()?;
        assert_eq!(body["server_version"], json!(version), "{body}");
        let start = body["postmaster_start_time"]
            .as_str()
            .context("start time")?;
        assert_patroni_timestamp(start);
        assert_eq!(parse_micros(start)?, start_micros(&a).await?);
        assert!(body.get("pause").is_none(), "{body}");
        assert!(body.get("replication").is_none(), "{body}");

        let metrics = get_text(&base, "/metrics").await?;
        assert_eq!(
            metric(&metrics, "patroni_postgres_server_version"),
            Some(version.to_string().as_str())
        );
        let epoch: f64 = metric(&metrics, "patroni_postmaster_start_time")
            .context("start time metric")?
            .parse()?;
        assert_eq!((epoch * 1e6).round() as i64, parse_micros(start)?);
        assert_eq!(metric(&metrics, "patroni_postgres_streaming"), Some("0"));

        // A streaming standby shows up with its user and address.
        let b = Node::standby_of(&sandbox, "b", &a).await?;
        // The clone's own walsender (state `backup`) can outlive pg_basebackup by a moment:
        // wait for the streaming row alone.
        let body = wait_patroni(&base, "a replication row for b", |b| {
            b["replication"][0]["state"] == "streaming"
                && b["replication"]
                    .as_array()
                    .is_some_and(|rows| rows.len() == 1)
        })
        .await?;
        assert_eq!(
            body["replication"],
            json!([{
                "usename": "replicator", "application_name": "b", "client_addr": "127.0.0.1",
                "state": "streaming", "sync_state": "async", "sync_priority": 0
            }])
        );
        assert_eq!(b.status().await?.role, Some(PgRole::Standby));

        // pause in the cluster's config shows as `pause: true`, and goes away with it.
        for paused in [true, false] {
            let mut config = dynamic.to_json();
            if paused {
                config["pause"] = json!(true);
            }
            dcs.write(Key::Config, &config.to_string(), Condition::Any)
                .await?;
            wait_patroni(&base, &format!("pause={paused}"), |b| {
                b.get("pause").and_then(Value::as_bool).unwrap_or(false) == paused
            })
            .await?;
            let metrics = get_text(&base, "/metrics").await?;
            let want = if paused { "1" } else { "0" };
            assert_eq!(metric(&metrics, "patroni_is_paused"), Some(want));
        }
        drop(b);

        // A restart through the REST API: a new start time.
        let url = http::with_path(&base, "/restart");
        let resp = http::send(http::Request {
            method: "POST",
            url: &url,
            body: Some("{}"),
            basic_auth: None,
            timeout: Duration::from_secs(60),
        })
        .await?;
        assert_eq!(resp.status, 200, "{}", resp.body);
        let restarted = wait_patroni(&base, "a new postmaster_start_time", |b| {
            b["state"] == "running"
                && b["postmaster_start_time"]
                    .as_str()
                    .is_some_and(|s| s != start)
        })
        .await?;
        let new_start = restarted["postmaster_start_time"]
            .as_str()
            .unwrap_or_default();
        assert!(parse_micros(new_start)? > parse_micros(start)?);
        anyhow::Ok(())
    }
    .await;
    let _ = handle.commands.send(Command::Shutdown);
    let _ = tokio::time::timeout(Duration::from_secs(60), task).await;
    rest.stop().await;
    result
}

/// Many requests at once share reads of the live WAL positions, but never one sent before
/// the request arrived: after a commit, the next read shows its position.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_live_wal_reads_never_answer_from_before_the_request() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    details(&a).await?;
    let mut reads = Vec::new();
    for _ in 0..50 {
        let pg = Arc::clone(&a.pg);
        reads.push(tokio::spawn(async move { pg.live_wal().await }));
    }
    for read in reads {
        let wal = read.await?.context("a live WAL read gave nothing")?;
        assert!(!wal.in_recovery && wal.flush_lsn.is_some(), "{wal:?}");
    }
    for round in 0..5 {
        a.exec(&format!(
            "CREATE TABLE IF NOT EXISTS w (v int); INSERT INTO w VALUES ({round})"
        ))
        .await?;
        let committed = a.column("SELECT pg_current_wal_flush_lsn()::text").await?[0].clone();
        let committed = pg_ha_core::Lsn::parse_pg(&committed).context("flush lsn")?;
        let wal =
            a.pg.live_wal()
                .await
                .context("a live WAL read gave nothing")?;
        assert!(
            wal.flush_lsn.is_some_and(|lsn| lsn >= committed),
            "round {round}: read {:?} after a commit at {committed:?}",
            wal.flush_lsn
        );
    }
    Ok(())
}
