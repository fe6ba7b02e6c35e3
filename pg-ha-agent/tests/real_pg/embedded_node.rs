//! An in-process node from `NodeBuilder`: configuration from a YAML string, the DCS and the
//! PostgreSQL controller supplied by the embedder, no REST API, no signal handlers. It
//! bootstraps a real PostgreSQL and reports the role change, takes a pause request, and
//! shuts down cleanly: the server stopped, the leader key released.

use crate::common::*;
use anyhow::Result;
use pg_ha_agent::node::{NodeBuilder, NodeRole};
use pg_ha_core::{Dcs, DcsExt, MemoryStore, Postgres};
use std::sync::Arc;
use std::time::Duration;

const YAML: &str = "
scope: embedded
name: a
# No DCS section: the builder is given its own Dcs.
restapi:
  listen: 127.0.0.1:8008
  connect_address: 127.0.0.1:8008
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 1
    retry_timeout: 5
postgresql:
  data_dir: /nonexistent
  listen: 127.0.0.1:5432
  authentication:
    superuser: {username: postgres, password: su-secret}
    replication: {username: replicator, password: repl-secret}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_node_bootstraps_reports_its_role_and_shuts_down_cleanly() -> Result<()> {
    let sandbox = Sandbox::new();
    let pg = Node::new(settings(&sandbox, "a")).await?;
    let store = MemoryStore::new(clock());
    let node = NodeBuilder::from_yaml(YAML)?
        .dcs(Arc::new(store.client("embedded", "a")) as Arc<dyn Dcs>)
        .postgres(Arc::clone(&pg.pg) as Arc<dyn Postgres>)
        .without_rest()
        .without_signals()
        .start()
        .await?;
    let mut roles = node.roles();
    let role = tokio::time::timeout(Duration::from_secs(60), async {
        let mut role = node.role();
        while role != NodeRole::Primary {
            role = roles.changed().await.unwrap_or(NodeRole::Other);
        }
        role
    })
    .await?;
    assert_eq!(role, NodeRole::Primary);
    let observer = store.client("embedded", "observer");
    assert_eq!(observer.load().await?.leader_name(), Some("a"));

    node.set_pause(true).await?;
    let config = observer.load().await?.config.expect("config");
    assert!(config.parsed.pause, "{:?}", config.raw);
    node.set_pause(false).await?;

    node.shutdown().await;
    assert_eq!(
        observer.load().await?.leader_name(),
        None,
        "the key is released"
    );
    assert!(
        !pg.pg.status().await?.is_running_primary(),
        "the server stopped"
    );
    Ok(())
}
