//! [`LiveWal`] for the local server: the WAL positions of `GET /patroni`, read per request
//! on the cached status connection (one short round trip; nothing when there is no
//! connection yet or the server does not answer within a second).

use super::client::bounded;
use super::local::LocalPostgres;
use crate::rest::{LiveWal, WalNow};
use async_trait::async_trait;
use pg_ha_core::Lsn;
use std::time::Duration;
use tokio_postgres::Row;

const WAL_SQL: &str = "SELECT pg_catalog.pg_is_in_recovery(),
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
       ELSE pg_catalog.pg_current_wal_flush_lsn()::text END,
  pg_catalog.pg_last_wal_receive_lsn()::text,
  pg_catalog.pg_last_wal_replay_lsn()::text,
  (SELECT written_lsn::text FROM pg_catalog.pg_stat_wal_receiver)";

/// The longest a request waits for the positions before it uses the published ones.
const TIMEOUT: Duration = Duration::from_secs(1);

#[async_trait]
impl LiveWal for LocalPostgres {
    async fn wal_now(&self) -> Option<WalNow> {
        let timeout = TIMEOUT.min(self.settings.status_timeout);
        let cached = bounded(timeout, self.client.lock()).await.ok()?;
        let conn = cached.as_ref()?;
        let row = bounded(timeout, conn.client.query_one(WAL_SQL, &[]))
            .await
            .ok()?
            .ok()?;
        parse(&row).ok()
    }
}

fn parse(row: &Row) -> Result<WalNow, tokio_postgres::Error> {
    let lsn = |i: usize| -> Result<Option<Lsn>, tokio_postgres::Error> {
        Ok(row.try_get::<_, Option<&str>>(i)?.and_then(Lsn::parse_pg))
    };
    Ok(WalNow {
        in_recovery: row.try_get(0)?,
        flush_lsn: lsn(1)?,
        receive_lsn: lsn(2)?,
        replay_lsn: lsn(3)?,
        written_lsn: lsn(4)?,
    })
}
