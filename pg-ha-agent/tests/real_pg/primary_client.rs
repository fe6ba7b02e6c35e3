//! `PrimaryClient` against two real PostgreSQL servers: it talks to the server the leader
//! key names, and after the key moves (and the watch reports it) to the new one; a closed
//! connection is replaced on the next call.

use crate::common::*;
use anyhow::Result;
use pg_ha_agent::postgres::primary_client::{PrimaryClient, PrimaryError};
use pg_ha_core::{Dcs, MemoryStore, Postgres};
use std::sync::Arc;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(30);

fn member(conn_url: &str, role: &str) -> String {
    format!(r#"{{"conn_url":"{conn_url}","state":"running","role":"{role}"}}"#)
}

/// The port of the server `primary` talks to now.
async fn served_by(primary: &PrimaryClient<pg_ha_core::MemoryDcs>) -> Result<String> {
    let client = primary.client().await?;
    let row = client
        .query_one("SELECT current_setting('port')", &[])
        .await?;
    Ok(row.get(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_follows_the_leader_key_to_the_new_primary() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let b = Node::primary(&sandbox, "b").await?;
    let store = MemoryStore::new(clock());
    let agents = [store.client("test", "a"), store.client("test", "b")];
    let urls = [a.pg.conn_url(), b.pg.conn_url()];
    let port = |url: &str| {
        url.rsplit(':')
            .next()
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    agents[0]
        .touch_member("a", &member(&urls[0], "primary"), TTL)
        .await?;
    agents[1]
        .touch_member("b", &member(&urls[1], "replica"), TTL)
        .await?;
    assert!(agents[0].acquire_leader("a", TTL).await?);

    let mut config = tokio_postgres::Config::new();
    config
        .user("postgres")
        .password("su-secret")
        .dbname("postgres")
        .connect_timeout(Duration::from_secs(5));
    let primary = Arc::new(PrimaryClient::new(store.client("test", "app"), config).await?);
    assert_eq!(served_by(&primary).await?, port(&urls[0]));

    // Failover: a's key goes, b takes it; the watch reports both changes.
    assert!(agents[0].release_leader("a").await?);
    primary.follow().await?;
    assert!(matches!(
        primary.client().await,
        Err(PrimaryError::NoPrimary)
    ));
    assert!(agents[1].acquire_leader("b", TTL).await?);
    primary.follow().await?;
    assert_eq!(served_by(&primary).await?, port(&urls[1]));

    // b's server restarts: the closed connection is replaced on the next call.
    let before = primary.client().await?;
    b.pg.restart().await?;
    wait_for(
        "the old connection closes",
        Duration::from_secs(10),
        || async { Ok(before.query_one("SELECT 1", &[]).await.is_err()) },
    )
    .await?;
    assert_eq!(served_by(&primary).await?, port(&urls[1]));
    Ok(())
}
