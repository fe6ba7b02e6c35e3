//! Replication slots and synchronous_standby_names.

use crate::common::*;
use anyhow::Result;
use pg_ha_agent::postgres::PermanentSlot;
use pg_ha_core::postgres::SyncStandbyNames;
use pg_ha_core::Postgres;
use std::time::Duration;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_slots_are_created_and_dropped() -> Result<()> {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    s.use_slots = true;
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    let permanent = vec![PermanentSlot::Physical {
        name: "archiver".into(),
    }];
    let changes =
        a.pg.sync_replication_slots(&names(&["a", "b", "Node-C"]), &permanent)
            .await?;
    assert_eq!(changes.created, names(&["archiver", "b", "node_c"]));
    assert!(changes.dropped.is_empty());
    let again =
        a.pg.sync_replication_slots(&names(&["a", "b", "Node-C"]), &permanent)
            .await?;
    assert_eq!(again, Default::default());

    let mut s = settings(&sandbox, "b");
    s.use_slots = true;
    let b = Node::new(s).await?;
    b.pg.clone_replica(&a.upstream()).await?;
    b.pg.start_standby(Some(&a.upstream())).await?;
    b.wait_streaming().await?;
    let conf = std::fs::read_to_string(b.data_dir.join("postgresql.conf"))?;
    assert!(conf.contains("primary_slot_name = 'b'"), "{conf}");
    wait_for("slot b active", Duration::from_secs(30), || async {
        Ok(a.pg
            .replication_slots()
            .await?
            .get("b")
            .is_some_and(|s| s.active))
    })
    .await?;

    let changes =
        a.pg.sync_replication_slots(&names(&["a", "b"]), &[])
            .await?;
    assert_eq!(changes.dropped, names(&["archiver", "node_c"]));
    let left: Vec<String> = a.pg.replication_slots().await?.into_keys().collect();
    assert_eq!(left, names(&["b"]));
    // A standby does not manage slots.
    let on_standby = b.pg.sync_replication_slots(&names(&["x"]), &[]).await?;
    assert_eq!(on_standby, Default::default());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promotion_reserves_the_other_members_slots() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let b = Node::standby_of(&sandbox, "b", &a).await?;
    b.pg.set_use_slots(true);
    b.pg.remember_peers(names(&["a", "b", "Node-C"]));
    b.pg.promote(0).await?;
    let slots: Vec<String> = b.pg.replication_slots().await?.into_keys().collect();
    assert_eq!(
        slots,
        names(&["a", "node_c"]),
        "slots right after the promotion"
    );
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
