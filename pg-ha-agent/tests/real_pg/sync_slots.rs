//! Replication slots and synchronous_standby_names.

use crate::common::*;
use anyhow::Result;
use pg_ha_core::postgres::{SlotKind, SlotSpec, SyncStandbyNames};
use pg_ha_core::Postgres;
use std::time::Duration;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The slots the status query reports: (name, physical?, active).
async fn slots(node: &Node) -> Result<Vec<(String, bool, bool)>> {
    let status = node.pg.status().await?;
    let slots = status.slots.expect("a running server reports its slots");
    Ok(slots
        .into_iter()
        .map(|s| (s.name, s.kind == SlotKind::Physical, s.active))
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_are_created_reported_and_dropped() -> Result<()> {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    s.use_slots = true;
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    let wanted: Vec<SlotSpec> = ["archiver", "b", "node_c"]
        .iter()
        .map(|n| SlotSpec::physical(n))
        .collect();
    a.pg.create_slots(&wanted).await?;
    a.pg.create_slots(&wanted).await?; // existing slots are left as they are
    let inactive = |n: &str| (n.to_string(), true, false);
    assert_eq!(
        slots(&a).await?,
        vec![inactive("archiver"), inactive("b"), inactive("node_c")]
    );
    let reported = a.status().await?.slots.unwrap_or_default();
    assert!(
        reported.iter().all(|s| s.position.is_some_and(|p| p.0 > 0)),
        "a physical slot reserves WAL at once: its restart_lsn is its position: {reported:?}"
    );

    let mut s = settings(&sandbox, "b");
    s.use_slots = true;
    let b = Node::new(s).await?;
    b.pg.clone_replica(&a.upstream()).await?;
    b.pg.start_standby(Some(&a.upstream())).await?;
    b.wait_streaming().await?;
    let conf = std::fs::read_to_string(b.data_dir.join("postgresql.conf"))?;
    assert!(conf.contains("primary_slot_name = 'b'"), "{conf}");
    wait_for("slot b active", Duration::from_secs(30), || async {
        Ok(slots(&a).await?.contains(&("b".to_string(), true, true)))
    })
    .await?;

    a.pg.drop_slots(&names(&["archiver", "node_c", "gone"]))
        .await?;
    assert_eq!(slots(&a).await?, vec![("b".to_string(), true, true)]);

    // A standby holds physical slots too (Patroni 4's member slots), advanced while it
    // replays so that they retain no more WAL than the member needs.
    b.pg.create_slots(&[SlotSpec::physical("a")]).await?;
    let position = |node: &Node| {
        let node = node.pg.clone();
        async move {
            let status = node.status().await?;
            let slot = status
                .slots
                .unwrap_or_default()
                .into_iter()
                .find(|s| s.name == "a");
            Ok::<_, anyhow::Error>(slot.and_then(|s| s.position).map_or(0, |p| p.0))
        }
    };
    let reserved = position(&b).await?;
    a.exec("CREATE TABLE t AS SELECT generate_series(1, 20000) AS i; SELECT pg_switch_wal()")
        .await?;
    let target = a.status().await?.write_lsn.expect("a primary's position");
    wait_for("b replays a's writes", Duration::from_secs(30), || async {
        Ok(b.status().await?.replay_lsn.is_some_and(|r| r >= target))
    })
    .await?;
    b.pg.advance_slots(&[("a".to_string(), target)]).await?;
    let advanced = position(&b).await?;
    assert!(
        advanced > reserved && advanced >= target.0,
        "restart_lsn {reserved} -> {advanced}, target {}",
        target.0
    );
    b.pg.promote(0).await?;
    assert_eq!(slots(&b).await?, vec![inactive("a")]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synchronous_standby_names_first_and_any() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let _b = Node::standby_of(&sandbox, "b", &a).await?;
    let _c = Node::standby_of(&sandbox, "c", &a).await?;
    a.exec("CREATE TABLE t (v int)").await?;

    let states = || async {
        let st = a.status().await?;
        let mut v: Vec<(String, String)> = st
            .replicas
            .iter()
            .map(|r| (r.application_name.clone(), r.sync_state.clone()))
            .collect();
        v.sort();
        anyhow::Ok((st.sync_standby_names, v))
    };
    let expect = |guc: &'static str, b_state: &'static str, c_state: &'static str| {
        let states = &states;
        async move {
            wait_for(guc, Duration::from_secs(30), || async {
                let (current, v) = states().await?;
                Ok(current == guc
                    && v == vec![
                        ("b".to_string(), b_state.to_string()),
                        ("c".to_string(), c_state.to_string()),
                    ])
            })
            .await
        }
    };

    let first_one = SyncStandbyNames::First {
        count: 1,
        names: names(&["b"]),
    };
    a.pg.set_sync_standby_names(&first_one).await?;
    expect("\"b\"", "sync", "async").await?;
    a.exec("INSERT INTO t VALUES (1)").await?;

    let first_two = SyncStandbyNames::First {
        count: 1,
        names: names(&["b", "c"]),
    };
    a.pg.set_sync_standby_names(&first_two).await?;
    expect("FIRST 1 (\"b\",\"c\")", "sync", "potential").await?;

    let any = SyncStandbyNames::Any {
        count: 1,
        names: names(&["b", "c"]),
    };
    a.pg.set_sync_standby_names(&any).await?;
    expect("ANY 1 (\"b\",\"c\")", "quorum", "quorum").await?;
    a.exec("INSERT INTO t VALUES (2)").await?;

    a.pg.set_sync_standby_names(&SyncStandbyNames::Off).await?;
    expect("", "async", "async").await?;
    // Not in postgresql.auto.conf, so a clone does not inherit it.
    let auto = std::fs::read_to_string(a.data_dir.join("postgresql.auto.conf"))?;
    assert!(!auto.contains("synchronous_standby_names"), "{auto}");
    Ok(())
}
