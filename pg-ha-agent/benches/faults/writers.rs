//! The suite's two clients. Both commit single-row inserts one after another and record every
//! acknowledged commit with the node that acknowledged it and that node's timeline:
//! - `pool`: keeps its connection (as a connection pool does) to whichever node accepted
//!   writes, and looks for a writable node again after an error;
//! - `rotating`: opens a new connection for every write, to the next node in turn, and moves
//!   on when a node refuses.

use crate::cluster::Cluster;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One acknowledged commit.
#[derive(Debug, Clone)]
pub(crate) struct Ack {
    /// The row id (unique across both clients).
    pub(crate) id: i64,
    /// The node that acknowledged it.
    pub(crate) node: String,
    /// The timeline it was written on (from the WAL file name of the insert's LSN).
    pub(crate) timeline: u32,
    /// When the client got the acknowledgement.
    pub(crate) at: Instant,
}

/// How long a client waits for a connection or a commit before it moves on (a frozen node
/// accepts TCP connections but never answers).
const INSERT_TIMEOUT: Duration = Duration::from_secs(1);

/// Inserts `id` and returns the timeline of the commit, or `None` when it was not
/// acknowledged within [`INSERT_TIMEOUT`].
async fn insert(client: &tokio_postgres::Client, table: &str, id: i64) -> Option<u32> {
    let sql = format!(
        "insert into {table} values ({id}) \
         returning substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"
    );
    let messages = tokio::time::timeout(INSERT_TIMEOUT, client.simple_query(&sql))
        .await
        .ok()?
        .ok()?;
    messages.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(row) => u32::from_str_radix(row.get(0)?, 16).ok(),
        _ => None,
    })
}

/// The `pool` client: ids 1, 3, 5, ... until `stop`.
pub(crate) async fn pool(c: &Cluster, table: &str, stop: &AtomicBool) -> Vec<Ack> {
    let mut acks = Vec::new();
    let mut id = 1i64;
    let mut conn: Option<(String, tokio_postgres::Client)> = None;
    while !stop.load(Ordering::SeqCst) {
        let Some((node, client)) = conn.as_ref() else {
            conn = c.connect_writable(INSERT_TIMEOUT).await;
            if conn.is_none() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            continue;
        };
        if let Some(timeline) = insert(client, table, id).await {
            acks.push(Ack {
                id,
                node: node.clone(),
                timeline,
                at: Instant::now(),
            });
        } else {
            conn = None;
        }
        id += 2;
    }
    acks
}

/// The `rotating` client: ids 2, 4, 6, ..., each on a new connection to the next node.
pub(crate) async fn rotating(c: &Cluster, table: &str, stop: &AtomicBool) -> Vec<Ack> {
    let mut acks = Vec::new();
    let mut id = 2i64;
    let mut turn = 0usize;
    while !stop.load(Ordering::SeqCst) {
        let node = &c.nodes()[turn % c.nodes().len()];
        turn += 1;
        let Ok(Ok(client)) = tokio::time::timeout(INSERT_TIMEOUT, node.psql()).await else {
            continue;
        };
        if let Some(timeline) = insert(&client, table, id).await {
            acks.push(Ack {
                id,
                node: node.name.clone(),
                timeline,
                at: Instant::now(),
            });
        }
        id += 2;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    acks
}
