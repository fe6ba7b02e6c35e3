//! The local server as the REST API's source of live WAL positions.

use crate::postgres::LocalPostgres;
use crate::rest::{LiveWal, WalNow};
use async_trait::async_trait;

#[async_trait]
impl LiveWal for LocalPostgres {
    async fn wal_now(&self) -> Option<WalNow> {
        self.live_wal().await
    }
}
