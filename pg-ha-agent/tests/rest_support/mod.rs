//! Shared helpers of the REST tests: Patroni's samples loaded into a `MemoryDcs`, node views
//! rebuilt from the samples' `/patroni` bodies, a fake `Control` over the `MemoryDcs`, and a
//! raw HTTP client (plain or TLS).

#![allow(dead_code, unreachable_pub)]

pub mod client;
pub mod fake;
pub mod samples;

use pg_ha_agent::config::HostPort;
use pg_ha_agent::rest::{Control, NodeView, RestServer, RestSettings, ViewSource};
use pg_ha_core::time::ManualClock;
use std::sync::Arc;
use std::time::Duration;

/// Settings on a free loopback port with fast switchover polling.
pub fn settings() -> RestSettings {
    let mut s = RestSettings::new(HostPort {
        host: "127.0.0.1".into(),
        port: 0,
    });
    s.switchover_poll_interval = Duration::from_millis(20);
    s.switchover_timeout = Some(Duration::from_secs(2));
    s
}

/// A manual clock whose wall time is the real time now.
pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc::now().timestamp_millis()))
}

/// Starts a server for `view`.
pub async fn start(
    settings: RestSettings,
    view: NodeView,
    control: Arc<dyn Control>,
    clock: Arc<ManualClock>,
) -> RestServer {
    RestServer::start(settings, ViewSource::fixed(view), control, clock)
        .await
        .expect("server starts")
}
