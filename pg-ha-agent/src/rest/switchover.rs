//! `POST /switchover`, `POST /failover` and `DELETE /switchover` (spec 3.4): Patroni's checks
//! in order with its texts and codes, the `failover` key written without CAS, then polling
//! for the result.

use super::body::json_body;
use super::dcs_reads::fresh_cluster;
use super::failover_checks::failover_impossible;
use super::schedule::{isoformat, parse_schedule};
use super::{Ctx, Reply, Req};
use chrono::{DateTime, FixedOffset};
use pg_ha_core::config::DynamicConfig;
use pg_ha_core::model::{Cluster, Failover};
use serde_json::{Map, Value};
use std::time::Duration;

/// Which endpoint (after `/failover` with a `leader` turns into a switchover).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SwitchAction {
    /// From a named leader, to a candidate or to any healthy replica.
    Switchover,
    /// To a named candidate, with or without a leader.
    Failover,
}

impl SwitchAction {
    /// `switchover` / `failover`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SwitchAction::Switchover => "switchover",
            SwitchAction::Failover => "failover",
        }
    }

    fn title(self) -> &'static str {
        match self {
            SwitchAction::Switchover => "Switchover",
            SwitchAction::Failover => "Failover",
        }
    }

    /// `switch` / `fail` (Patroni's `action[:-4]`).
    fn stem(self) -> &'static str {
        match self {
            SwitchAction::Switchover => "switch",
            SwitchAction::Failover => "fail",
        }
    }
}

/// A text field of the request; empty strings and `null` count as absent.
fn field(body: &Map<String, Value>, key: &str) -> Option<String> {
    match body.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A validated request, ready to be written.
struct Plan {
    action: SwitchAction,
    leader: Option<String>,
    candidate: Option<String>,
    scheduled_at: Option<DateTime<FixedOffset>>,
}

/// `POST /switchover` or `POST /failover`.
pub(crate) async fn post(ctx: &Ctx, req: &Req, requested: SwitchAction) -> Reply {
    let body = match json_body(req, false) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let cluster = match fresh_cluster(ctx).await {
        Ok(cluster) => cluster,
        Err(reply) => return reply,
    };
    let dynamic = cluster
        .config
        .as_ref()
        .map_or_else(|| ctx.view.dynamic.clone(), |c| c.parsed.clone());
    let (leader, candidate) = (
        field(&body, "leader"),
        field(&body, "candidate").or_else(|| field(&body, "member")),
    );
    tracing::info!(
        "received {} request with leader={leader:?} candidate={candidate:?}",
        requested.name()
    );
    let plan = match validate(ctx, &cluster, &dynamic, requested, leader, candidate, &body).await {
        Ok(plan) => plan,
        Err(reply) => return reply,
    };
    execute(ctx, &cluster, &dynamic, plan).await
}

/// Checks 1 to 6 of spec 3.4, in order.
async fn validate(
    ctx: &Ctx,
    cluster: &Cluster,
    dynamic: &DynamicConfig,
    requested: SwitchAction,
    leader: Option<String>,
    candidate: Option<String>,
    body: &Map<String, Value>,
) -> Result<Plan, Reply> {
    let bad = |text: &str| Err(Reply::text(400, text));
    match requested {
        SwitchAction::Failover if candidate.is_none() => {
            return bad("Failover could be performed only to a specific candidate")
        }
        SwitchAction::Switchover if leader.is_none() => {
            return bad("Switchover could be performed only from a specific leader")
        }
        _ => {}
    }
    let mut scheduled_at = None;
    if let Some(text) = field(body, "scheduled_at") {
        if requested == SwitchAction::Failover {
            return bad("Failover can't be scheduled");
        }
        if dynamic.pause {
            return bad("Can't schedule switchover in the paused state");
        }
        scheduled_at = Some(parse_schedule(&text, requested.name(), ctx.wall())?);
    }
    if dynamic.pause && candidate.is_none() {
        return bad("Switchover is possible only to a specific candidate in a paused state");
    }
    let action = if leader.is_some() {
        SwitchAction::Switchover
    } else {
        requested
    };
    if leader.is_some() && leader == candidate {
        return bad("Switchover target and source are the same");
    }
    if scheduled_at.is_none() {
        let (l, c) = (leader.as_deref(), candidate.as_deref());
        if let Some(why) = failover_impossible(&ctx.control, cluster, dynamic, l, c, action).await {
            return Err(Reply::text(412, why));
        }
    }
    Ok(Plan {
        action,
        leader,
        candidate,
        scheduled_at,
    })
}

/// Steps 7 to 9: write the key, then answer at once (scheduled) or poll for the result.
async fn execute(ctx: &Ctx, cluster: &Cluster, dynamic: &DynamicConfig, plan: Plan) -> Reply {
    let value = Failover {
        leader: plan.leader.clone(),
        member: plan.candidate.clone(),
        scheduled_at: plan.scheduled_at.as_ref().map(isoformat),
    };
    if let Err(e) = ctx.control.write_failover(&value).await {
        tracing::warn!("REST: cannot write the failover key: {e}");
        return Reply::text(503, "failed to write failover key into DCS");
    }
    ctx.control.wake();
    if plan.scheduled_at.is_some() {
        return Reply::text(202, format!("{} scheduled", plan.action.title()));
    }
    let timeout = ctx
        .settings
        .switchover_timeout
        .unwrap_or_else(|| 2 * dynamic.loop_wait.max(Duration::from_secs(10)));
    poll_result(
        ctx,
        cluster.leader_name(),
        plan.candidate.as_deref(),
        plan.action,
        timeout,
    )
    .await
}

/// Polls the DCS until the leader changes or the request is cleared (Patroni's
/// `poll_failover_result`).
async fn poll_result(
    ctx: &Ctx,
    old_leader: Option<&str>,
    candidate: Option<&str>,
    action: SwitchAction,
    timeout: Duration,
) -> Reply {
    let deadline = tokio::time::Instant::now() + timeout;
    let interval = ctx.settings.switchover_poll_interval;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(interval).await;
        let Ok(cluster) = ctx.control.load_cluster().await else {
            continue;
        };
        if let Some(new) = cluster.leader_name().filter(|l| Some(*l) != old_leader) {
            return Reply::text(200, outcome(action, new, candidate));
        }
        if cluster.failover_request().is_none() {
            return Reply::text(503, format!("{} failed", action.title()));
        }
    }
    Reply::text(
        503,
        format!(
            "{} status unknown after {} seconds; operation may still be in progress",
            action.title(),
            timeout.as_secs()
        ),
    )
}

fn outcome(action: SwitchAction, new: &str, candidate: Option<&str>) -> String {
    match candidate {
        Some(c) if c != new => {
            let stem = action.stem();
            let mut title = stem[..1].to_uppercase();
            title.push_str(&stem[1..]);
            format!("{title}ed over to \"{new}\" instead of \"{c}\"")
        }
        _ => format!("Successfully {}ed over to \"{new}\"", action.stem()),
    }
}

/// `DELETE /switchover`: clears a scheduled request with CAS.
pub(crate) async fn delete(ctx: &Ctx) -> Reply {
    let cluster = match fresh_cluster(ctx).await {
        Ok(cluster) => cluster,
        Err(reply) => return reply,
    };
    let scheduled = cluster
        .failover_request()
        .filter(|f| f.value.scheduled_at.is_some());
    let Some(failover) = scheduled else {
        return Reply::text(404, "no switchover is scheduled");
    };
    match ctx.control.clear_failover(failover.version).await {
        Ok(true) => Reply::text(200, "scheduled switchover deleted"),
        Ok(false) => Reply::error(409, None),
        Err(e) => Reply::text(503, format!("DCS is not accessible: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_texts() {
        assert_eq!(
            outcome(SwitchAction::Switchover, "n2", Some("n2")),
            "Successfully switched over to \"n2\""
        );
        assert_eq!(
            outcome(SwitchAction::Failover, "n2", None),
            "Successfully failed over to \"n2\""
        );
        assert_eq!(
            outcome(SwitchAction::Switchover, "n3", Some("n2")),
            "Switched over to \"n3\" instead of \"n2\""
        );
        assert_eq!(
            outcome(SwitchAction::Failover, "n3", Some("n2")),
            "Failed over to \"n3\" instead of \"n2\""
        );
    }
}
