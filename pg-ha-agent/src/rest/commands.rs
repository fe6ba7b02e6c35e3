//! `POST /reinitialize`, `POST /reload`, `POST /failsafe` and the MPP (Citus) events.

use super::body::json_body;
use super::dcs_reads::fresh_cluster;
use super::{Ctx, Reply, Req};
use serde_json::Value;

fn truthy(value: Option<&Value>) -> bool {
    value.and_then(crate::config::parse_bool).unwrap_or(false)
}

/// `POST /reinitialize` with `{"force": bool, "from_leader": bool}`.
pub(crate) async fn reinitialize(ctx: &Ctx, req: &Req) -> Reply {
    let request = match json_body(req, true) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let force = truthy(request.get("force"));
    let from_leader = truthy(request.get("from_leader"));
    let cluster = match fresh_cluster(ctx).await {
        Ok(cluster) => cluster,
        Err(reply) => return reply,
    };
    match cluster.leader_name() {
        None => return Reply::text(503, "Cluster has no leader, can not reinitialize"),
        Some(leader) if leader == ctx.view.node.name => {
            return Reply::text(503, "I am the leader, can not reinitialize")
        }
        Some(_) => {}
    }
    match ctx.control.reinitialize(force, from_leader).await {
        Ok(()) => {
            ctx.control.wake();
            Reply::text(200, "reinitialize started")
        }
        Err(message) => Reply::text(503, message),
    }
}

/// `POST /reload`: 202, as SIGHUP.
pub(crate) async fn reload(ctx: &Ctx) -> Reply {
    ctx.control.reload().await;
    ctx.control.wake();
    Reply::text(202, "reload scheduled")
}

/// `POST /failsafe` from a primary that cannot reach the DCS.
pub(crate) fn failsafe(ctx: &Ctx, req: &Req) -> Reply {
    if !ctx.view.dynamic.failsafe_mode {
        return Reply::error(502, None);
    }
    let request = match json_body(req, false) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let Some(name) = request.get("name").and_then(Value::as_str) else {
        return Reply::error(400, Some("the failsafe notice has no name"));
    };
    let pg = ctx.view.pg.as_ref();
    let primary = pg.is_some_and(|pg| pg.is_running_primary());
    let leader = ctx.view.cluster.as_ref().and_then(|c| c.leader_name());
    if let Some(why) = pg_ha_core::decide::failsafe_notice_refusal(primary, leader, name) {
        return Reply::text(500, why);
    }
    ctx.control.failsafe_notice(name);
    let lsn = pg
        .and_then(|pg| pg.receive_lsn.max(pg.replay_lsn))
        .map_or(0, |l| l.0);
    Reply::text(200, "Accepted").with_header("lsn", lsn.to_string())
}

/// `POST /citus` (🔒) and `POST /mpp` (unauthenticated): Citus coordinator events. pg-ha has
/// no Citus support; like Patroni on a node that is not the coordinator, it accepts them.
pub(crate) fn mpp(req: &Req) -> Reply {
    match json_body(req, false) {
        Ok(_) => Reply::text(200, "OK"),
        Err(reply) => reply,
    }
}
