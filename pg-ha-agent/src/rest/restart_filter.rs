//! Patroni's `restart_matches`: whether a restart's filters (role, a lower running version,
//! a pending restart) hold for the node now; used by `POST /restart`. The rule itself is
//! `pg_ha_core::decide::RestartFilters`, which also judges a scheduled restart when its time
//! comes.

use super::units::postgres_version_to_int;
use super::NodeView;
use pg_ha_core::config::HaConfig;
use pg_ha_core::decide::RestartFilters;
use pg_ha_core::member_report::member_data;
use pg_ha_core::model::Role;

/// The typed filters of a restart request whose values were validated already.
pub(crate) fn filters(
    role: Option<&str>,
    version: Option<&str>,
    pending_only: bool,
) -> RestartFilters {
    RestartFilters {
        role: role.and_then(|r| serde_json::from_value::<Role>(serde_json::json!(r)).ok()),
        postgres_version: version.and_then(|v| postgres_version_to_int(v).ok()),
        restart_pending: pending_only,
    }
}

/// True when a restart with these filters applies to the node as `view` shows it: its role
/// is `role`, its running server is older than `version`, and a restart is pending if
/// `pending_only`.
pub(crate) fn restart_matches(
    view: &NodeView,
    role: Option<&str>,
    version: Option<&str>,
    pending_only: bool,
) -> bool {
    let cfg = HaConfig {
        node: view.node.clone(),
        dynamic: view.dynamic.clone(),
    };
    let current = member_data(&cfg, view.pg.as_ref(), view.cluster.as_ref()).role;
    // The last known version while the server is down.
    let mut pg = view.pg.clone();
    if let Some(pg) = pg.as_mut() {
        pg.server_version = pg.server_version.or(view.server_version);
    }
    let check = filters(role, version, pending_only).check(current, pg.as_ref());
    if let Err(why) = check {
        tracing::info!("not proceeding with the restart: {why}");
    }
    check.is_ok()
}
