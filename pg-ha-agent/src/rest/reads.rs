//! GET endpoints served from the view: `/patroni`, `/metrics`, `/liveness`, `/readiness`,
//! `/failsafe`, and the generic health checks.

use super::health::health_code;
use super::metrics::metrics_text;
use super::node_status::NodeStatus;
use super::status::{render, status_json};
use super::units::parse_bytes;
use super::{Ctx, Reply, Req};
use pg_ha_core::postgres::{PgRole, ProcessState};
use serde_json::Value;

/// `GET /patroni`: 200 with the status JSON.
pub(crate) fn patroni(ctx: &Ctx) -> Reply {
    Reply::json(200, Value::Object(status_json(&ctx.view, ctx.now())))
}

/// Any other GET (with the status JSON) or any HEAD / OPTIONS (status line only).
pub(crate) fn health(ctx: &Ctx, req: &Req, status_only: bool) -> Reply {
    let now = ctx.now();
    let status = NodeStatus::of(&ctx.view, now);
    let code = health_code(req, &status, now);
    if status_only {
        Reply::status_only(code)
    } else {
        Reply::json(code, Value::Object(render(&status)))
    }
}

/// `GET /metrics`.
pub(crate) fn metrics(ctx: &Ctx) -> Reply {
    let status = NodeStatus::of(&ctx.view, ctx.now());
    Reply::plain(200, metrics_text(&status))
}

/// `GET /liveness`: 200 while the HA loop keeps to its schedule (ttl of slack on a running
/// primary, 2 ttl elsewhere), or in pause.
pub(crate) fn liveness(ctx: &Ctx) -> Reply {
    let view = &ctx.view;
    let alive = match view.next_run {
        _ if view.dynamic.pause => true,
        None => true,
        Some(next) => {
            let primary = view.pg.as_ref().is_some_and(|pg| pg.is_running_primary());
            let slack = view.dynamic.ttl * if primary { 1 } else { 2 };
            ctx.now() < next + slack
        }
    };
    Reply::status_only(if alive { 200 } else { 503 })
}

/// `GET /readiness?lag=&mode=apply|write`: the leader, or a streaming replica within the
/// lag (default `maximum_lag_on_failover`).
pub(crate) fn readiness(ctx: &Ctx, req: &Req) -> Reply {
    Reply::status_only(if is_ready(ctx, req) { 200 } else { 503 })
}

fn is_ready(ctx: &Ctx, req: &Req) -> bool {
    let now = ctx.now();
    let view = &ctx.view;
    if view.holds_lease(now) {
        return true;
    }
    let Some(pg) = view.pg.as_ref() else {
        return false;
    };
    if pg.process != ProcessState::Running || pg.role != Some(PgRole::Standby) || !pg.streaming {
        return false;
    }
    let cluster = view.fresh_cluster(now);
    let latest_end = view.latest_end_lsn.map_or(0, |l| l.0);
    if cluster.is_none() && latest_end == 0 {
        return view.failsafe_active;
    }
    let optime = cluster.and_then(|c| c.status.optime).unwrap_or(0);
    let reference = optime.max(latest_end);
    let position = match req.param("mode") {
        Some("write") => view.received_location(),
        _ => pg.replay_lsn.map_or(0, |l| l.0),
    };
    let max_lag = req
        .param("lag")
        .and_then(parse_bytes)
        .unwrap_or(view.dynamic.maximum_lag_on_failover);
    reference.saturating_sub(position) <= max_lag
}

/// `GET /failsafe`: the failsafe map of the last cluster read, or 502.
pub(crate) fn failsafe(ctx: &Ctx) -> Reply {
    match ctx.view.cluster.as_ref().and_then(|c| c.failsafe.as_ref()) {
        Some(map) => match serde_json::to_value(map) {
            Ok(value) => Reply::json(200, value),
            Err(_) => Reply::error(502, None),
        },
        None => Reply::error(502, None),
    }
}
