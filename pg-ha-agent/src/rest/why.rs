//! `GET /why`: the current decision's reason in words and its actions, and the timing
//! settings (ttl, loop_wait, retry_timeout) this node runs with (pg-ha's own; Patroni has no
//! such endpoint).

use super::{Ctx, Reply};
use serde_json::{json, Value};

/// The last decision as JSON.
pub(crate) fn why(ctx: &Ctx) -> Reply {
    let now = ctx.now();
    let view = &ctx.view;
    let (reason, actions, wake_in) = match &view.decision {
        Some(d) => (
            json!(d.reason.to_string()),
            d.actions.iter().map(|a| json!(format!("{a:?}"))).collect(),
            d.wake_at.map(|at| json!(at.since(now).as_secs_f64())),
        ),
        None => (json!("no decision yet"), Vec::new(), None),
    };
    let leader = view
        .cluster
        .as_ref()
        .and_then(|c| c.leader_name())
        .map(str::to_string);
    Reply::json(
        200,
        json!({
            "name": view.node.name,
            "scope": view.node.scope,
            "leader": leader,
            "holds_lease": view.holds_lease(now),
            "lease_valid_for": view
                .lease_until
                .filter(|until| now < *until)
                .map(|until| until.since(now).as_secs_f64()),
            "pause": view.dynamic.pause,
            "reason": reason,
            "actions": Value::Array(actions),
            "wake_in": wake_in,
            "ttl": view.dynamic.ttl.as_secs_f64(),
            "loop_wait": view.dynamic.loop_wait.as_secs_f64(),
            "retry_timeout": view.dynamic.retry_timeout.as_secs_f64(),
        }),
    )
}
