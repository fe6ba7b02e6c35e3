//! Clone, stream, promote, demote and follow, replica methods.

use crate::common::*;
use anyhow::Result;
use pg_ha_agent::postgres::ReplicaMethod;
use pg_ha_core::postgres::{DataDirState, PgRole, StopMode};
use pg_ha_core::Postgres;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_stream_and_promote() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('one')")
        .await?;

    let b = Node::new(settings(&sandbox, "b")).await?;
    timed("clone (pg_basebackup)", b.pg.clone_replica(&a.upstream())).await?;
    let cloned = b.status().await?;
    assert!(matches!(
        cloned.data_dir,
        DataDirState::Initialized {
            standby_signal: true,
            ..
        }
    ));
    assert_eq!(cloned.sysid(), a.pg.last_known_sysid().as_deref());
    timed("start standby", b.pg.start_standby(Some(&a.upstream()))).await?;
    b.wait_streaming().await?;

    let st = wait_until(
        "b's receive and replay positions",
        Duration::from_secs(30),
        || async {
            let st = b.status().await?;
            Ok((st.receive_lsn.is_some() && st.replay_lsn.is_some()).then_some(st))
        },
    )
    .await?;
    assert_eq!(st.role, Some(PgRole::Standby));
    assert_eq!(st.upstream.as_deref(), Some("a"));
    assert_eq!(st.timeline, Some(1));
    // a's WAL sender reaches `streaming` (after `catchup`) a moment after b streams.
    let primary = a.wait_replica_reported("b").await?;
    assert_eq!(primary.replicas.len(), 1, "{:?}", primary.replicas);
    assert_eq!(primary.replicas[0].application_name, "b");
    assert_eq!(primary.replicas[0].state, "streaming");
    assert_eq!(primary.replicas[0].sync_state, "async");

    a.exec("INSERT INTO t VALUES ('two')").await?;
    b.wait_rows("SELECT v FROM t ORDER BY v", &["one", "two"])
        .await?;

    timed("promote", b.pg.promote(0)).await?;
    let st = b.status().await?;
    assert_eq!(st.role, Some(PgRole::Primary));
    assert_eq!(st.timeline, Some(2));
    assert_eq!(st.timeline_history.len(), 1);
    assert_eq!(st.timeline_history[0].0, 1);
    assert_eq!(st.upstream, None);
    b.exec("INSERT INTO t VALUES ('three')").await?;
    // Dropping the recovery settings after the promotion needs no restart: once the server
    // has reloaded (primary_conninfo is empty in a new session), nothing is pending.
    b.wait_rows("SELECT current_setting('primary_conninfo')", &[""])
        .await?;
    assert!(b.pg.pending_restart().await?.is_empty());
    let conf = std::fs::read_to_string(b.data_dir.join("postgresql.conf"))?;
    assert!(!conf.contains("primary_conninfo"), "{conf}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demote_and_follow_the_new_primary() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('before')")
        .await?;
    let b = Node::standby_of(&sandbox, "b", &a).await?;

    // Switchover: the old primary stops cleanly, the standby replays its shutdown
    // checkpoint, is promoted, and the old primary follows it without a rewind.
    a.pg.stop(StopMode::Fast).await?;
    let end =
        a.pg.controldata()
            .await?
            .checkpoint_lsn
            .expect("checkpoint");
    wait_for(
        "replay of the shutdown checkpoint",
        Duration::from_secs(30),
        || async { Ok(b.status().await?.replay_lsn.is_some_and(|l| l >= end)) },
    )
    .await?;
    b.pg.promote(0).await?;
    timed(
        "demote: start old primary as standby",
        a.pg.start_standby(Some(&b.upstream())),
    )
    .await?;
    a.wait_streaming().await?;
    let st = a.status().await?;
    assert_eq!(st.role, Some(PgRole::Standby));
    assert_eq!(st.upstream.as_deref(), Some("b"));
    b.exec("INSERT INTO t VALUES ('after')").await?;
    a.wait_rows("SELECT v FROM t ORDER BY v", &["after", "before"])
        .await?;
    wait_for(
        "timeline 2 on the old primary",
        Duration::from_secs(30),
        || async { Ok(a.status().await?.timeline == Some(2)) },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_switches_upstream_with_a_reload() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('a')")
        .await?;
    let b = Node::standby_of(&sandbox, "b", &a).await?;
    let c = Node::standby_of(&sandbox, "c", &a).await?;
    let a_end = a.status().await?.write_lsn.expect("lsn");
    for n in [&b, &c] {
        wait_for("caught up", Duration::from_secs(30), || async {
            Ok(n.status().await?.replay_lsn.is_some_and(|l| l >= a_end))
        })
        .await?;
    }
    drop(a);
    b.pg.promote(0).await?;
    let pid = c.pg.postmaster_pid();
    timed("follow (reload)", c.pg.follow(Some(&b.upstream()))).await?;
    assert_eq!(
        c.pg.postmaster_pid(),
        pid,
        "follow must not restart PostgreSQL 15"
    );
    // The WAL receiver that streamed from the killed `a` may still show `streaming` for a
    // moment: wait for one that streams from b's port.
    let port = b.pg.port().to_string();
    c.wait_rows(
        "SELECT sender_port::text FROM pg_stat_wal_receiver WHERE status = 'streaming'",
        &[port.as_str()],
    )
    .await?;
    c.wait_streaming().await?;
    assert_eq!(c.status().await?.upstream.as_deref(), Some("b"));
    b.exec("INSERT INTO t VALUES ('b')").await?;
    c.wait_rows("SELECT v FROM t ORDER BY v", &["a", "b"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_methods_are_tried_in_order() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let args = shared_file(sandbox.path(), "method.log");
    let failing = script(
        sandbox.path(),
        "broken-method.sh",
        &format!("echo \"$@\" >> {}\nexit 1", args.display()),
    );
    let mut s = settings(&sandbox, "b");
    s.create_replica_methods = vec![
        ReplicaMethod::Custom {
            name: "broken".into(),
            command: failing.display().to_string(),
            no_params: false,
            keep_data: false,
            no_leader: false,
            params: vec![("envdir".into(), "/etc/wal-g.d".into())],
        },
        ReplicaMethod::Basebackup,
    ];
    let b = Node::new(s).await?;
    b.pg.clone_replica(&a.upstream()).await?;
    let text = std::fs::read_to_string(&args)?;
    assert!(text.contains("--scope=test"), "{text}");
    assert!(text.contains("--role=replica"), "{text}");
    assert!(
        text.contains(&format!("--datadir={}", b.data_dir.display())),
        "{text}"
    );
    assert!(
        text.contains("--connstring=") && text.contains("user=replicator"),
        "{text}"
    );
    assert!(text.contains("--envdir=/etc/wal-g.d"), "{text}");
    b.pg.start_standby(Some(&a.upstream())).await?;
    b.wait_streaming().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_conf_applies_to_standbys_only() -> Result<()> {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    s.recovery_conf
        .insert("recovery_min_apply_delay".into(), "1s".into());
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    let mut s = settings(&sandbox, "b");
    s.recovery_conf
        .insert("recovery_min_apply_delay".into(), "1s".into());
    let b = Node::new(s).await?;
    b.pg.clone_replica(&a.upstream()).await?;
    b.pg.start_standby(Some(&a.upstream())).await?;
    b.wait_streaming().await?;
    assert_eq!(b.column("SHOW recovery_min_apply_delay").await?, ["1s"]);
    assert_eq!(a.column("SHOW recovery_min_apply_delay").await?, ["0"]);

    let parameters =
        b.pg.settings()
            .parameters
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
    let recovery =
        serde_json::json!({"recovery_min_apply_delay": "2s", "recovery_target_lsn": "0/1"});
    let dynamic = pg_ha_core::config::PostgresqlDynamic {
        parameters,
        extra: [("recovery_conf".to_string(), recovery)]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    b.pg.set_local_config(Default::default());
    b.pg.apply_config(&dynamic).await?;
    b.wait_rows("SHOW recovery_min_apply_delay", &["2s"])
        .await?;
    assert_eq!(b.column("SHOW recovery_target_lsn").await?, [""]);
    assert_eq!(b.status().await?.role, Some(PgRole::Standby));
    Ok(())
}

/// A `no_leader` replica method (a restore from backups): run without `--connstring`, it
/// creates the replica with no server to copy from, which then starts as a standby without
/// an upstream and serves the restored data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_leader_method_creates_a_replica_without_a_leader() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('restored')")
        .await?;
    a.exec("CHECKPOINT").await?;
    let backup = Node::new(settings(&sandbox, "backup")).await?;
    backup.pg.clone_replica(&a.upstream()).await?;
    a.pg.stop(StopMode::Fast).await?;

    let args = shared_file(sandbox.path(), "restore.log");
    let restore = script(
        sandbox.path(),
        "restore.sh",
        &format!(
            "echo \"$@\" >> {log}\n\
             for a in \"$@\"; do case \"$a\" in --datadir=*) d=\"${{a#--datadir=}}\";; esac; done\n\
             cp -a {backup}/. \"$d\"/",
            log = args.display(),
            backup = backup.data_dir.display()
        ),
    );
    let mut s = settings(&sandbox, "b");
    s.create_replica_methods = vec![
        ReplicaMethod::Basebackup,
        ReplicaMethod::Custom {
            name: "restore".into(),
            command: restore.display().to_string(),
            no_params: false,
            keep_data: false,
            no_leader: true,
            params: vec![("from".into(), "backups".into())],
        },
    ];
    let b = Node::new(s).await?;
    b.pg.clone_without_leader().await?;
    let text = std::fs::read_to_string(&args)?;
    assert!(
        text.contains("--role=replica") && text.contains("--from=backups"),
        "{text}"
    );
    assert!(!text.contains("--connstring"), "{text}");
    b.pg.start_standby(None).await?;
    assert_eq!(b.status().await?.role, Some(PgRole::Standby));
    b.wait_rows("SELECT v FROM t", &["restored"]).await
}

/// A standby cluster's own `create_replica_methods` decide how its remote is copied: only
/// the named methods run, in that order (here a failing custom one, so basebackup, first
/// in the node's list, is never tried); a name the node does not define is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_cluster_copies_its_remote_with_its_own_methods() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let args = shared_file(sandbox.path(), "method.log");
    let failing = script(
        sandbox.path(),
        "dr-method.sh",
        &format!("echo \"$@\" >> {}\nexit 1", args.display()),
    );
    let mut s = settings(&sandbox, "b");
    s.create_replica_methods = vec![
        ReplicaMethod::Basebackup,
        ReplicaMethod::Custom {
            name: "dr".into(),
            command: failing.display().to_string(),
            no_params: false,
            keep_data: false,
            no_leader: false,
            params: vec![],
        },
    ];
    let b = Node::new(s).await?;
    let remote = |methods: &[&str]| {
        let mut up = a.upstream();
        up.remote = Some(pg_ha_core::postgres::RemoteUpstream {
            methods: methods.iter().map(|m| m.to_string()).collect(),
            ..Default::default()
        });
        up
    };
    let err =
        b.pg.clone_replica(&remote(&["dr"]))
            .await
            .expect_err("dr fails");
    assert!(
        err.to_string().contains("dr:") && !err.to_string().contains("basebackup"),
        "{err}"
    );
    assert!(std::fs::read_to_string(&args)?.contains("--role=replica"));
    let err =
        b.pg.clone_replica(&remote(&["nope"]))
            .await
            .expect_err("unknown");
    assert!(err.to_string().contains("nope"), "{err}");
    b.pg.clone_replica(&remote(&["basebackup"])).await?;
    Ok(())
}
