//! Patroni's `restart_matches`: whether a restart's filters (role, a lower running version,
//! a pending restart) hold for the node now; used by `POST /restart` and by a scheduled
//! restart when its time comes.

use super::status::status_json;
use super::units::postgres_version_to_int;
use super::NodeView;
use pg_ha_core::time::Mono;
use serde_json::Value;

/// True when a restart with these filters applies to the node as `view` shows it at `now`:
/// its role is `role`, its running server is older than `version`, and a restart is pending
/// if `pending_only`.
pub(crate) fn restart_matches(
    view: &NodeView,
    now: Mono,
    role: Option<&str>,
    version: Option<&str>,
    pending_only: bool,
) -> bool {
    let status = status_json(view, now);
    if let Some(role) = role {
        if status.get("role").and_then(Value::as_str) != Some(role) {
            return false;
        }
    }
    if let Some(version) = version {
        let running = view.server_version.unwrap_or(0);
        if postgres_version_to_int(version).map_or(true, |wanted| wanted <= running) {
            return false;
        }
    }
    let pending = view.pg.as_ref().is_some_and(|pg| pg.pending_restart);
    !pending_only || pending
}
