//! The local server's WAL positions now, for `GET /patroni`: read per request on the cached
//! status connection (one short round trip; nothing when there is no connection yet or the
//! server does not answer within a second). Requests that arrive together share one read:
//! one that waited for the connection while another read the positions takes that read,
//! which was sent after it arrived (100 health checkers at once would otherwise queue one
//! query each on the connection the agent's own cycle needs).

use super::client::bounded;
use super::local::LocalPostgres;
use pg_ha_core::Lsn;
use std::time::{Duration, Instant};
use tokio_postgres::Row;

const WAL_SQL: &str = "SELECT pg_catalog.pg_is_in_recovery(),
  CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
       ELSE pg_catalog.pg_current_wal_flush_lsn()::text END,
  pg_catalog.pg_last_wal_receive_lsn()::text,
  pg_catalog.pg_last_wal_replay_lsn()::text,
  (SELECT written_lsn::text FROM pg_catalog.pg_stat_wal_receiver)";

/// The longest a request waits for the positions before it uses the published ones.
const TIMEOUT: Duration = Duration::from_secs(1);

/// The local server's WAL positions at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WalNow {
    /// `pg_is_in_recovery()`.
    pub in_recovery: bool,
    /// A primary's `pg_current_wal_flush_lsn()`.
    pub flush_lsn: Option<Lsn>,
    /// A standby's `pg_last_wal_receive_lsn()`.
    pub receive_lsn: Option<Lsn>,
    /// A standby's `pg_last_wal_replay_lsn()`.
    pub replay_lsn: Option<Lsn>,
    /// The WAL receiver's `written_lsn`, while it runs.
    pub written_lsn: Option<Lsn>,
}

impl LocalPostgres {
    /// The positions now; `None` when the server cannot answer quickly.
    pub async fn live_wal(&self) -> Option<WalNow> {
        let asked = Instant::now();
        let timeout = TIMEOUT.min(self.settings.status_timeout);
        let cached = bounded(timeout, self.client.lock()).await.ok()?;
        if let Some(shared) = self.wal_read_since(asked) {
            return Some(shared);
        }
        let conn = cached.as_ref()?;
        let sent = Instant::now();
        let row = bounded(timeout, conn.client.query_one(WAL_SQL, &[]))
            .await
            .ok()?
            .ok()?;
        let wal = parse(&row).ok()?;
        *self.last_wal.lock().unwrap_or_else(|e| e.into_inner()) = Some((sent, wal));
        Some(wal)
    }

    /// The last read, if it was sent at or after `asked`.
    fn wal_read_since(&self, asked: Instant) -> Option<WalNow> {
        let last = *self.last_wal.lock().unwrap_or_else(|e| e.into_inner());
        last.filter(|(sent, _)| *sent >= asked).map(|(_, wal)| wal)
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
