//! `POST /restart` and `DELETE /restart` (spec 3.4).

use super::body::json_body;
use super::control::ScheduledRestart;
use super::restart_filter::restart_matches;
use super::schedule::parse_schedule;
use super::units::{parse_seconds, postgres_version_to_int};
use super::{Ctx, Reply, Req};
use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};
use std::time::Duration;

/// The filters of a restart request.
#[derive(Debug, Default)]
struct Filters {
    schedule: Option<DateTime<FixedOffset>>,
    role: Option<String>,
    postgres_version: Option<String>,
    restart_pending: bool,
    timeout: Option<Duration>,
}

/// `POST /restart`.
pub(crate) async fn post(ctx: &Ctx, req: &Req) -> Reply {
    let request = match json_body(req, true) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    if ctx.view.dynamic.pause && request.contains_key("schedule") {
        return Reply::text(500, "Can't schedule restart in the paused state");
    }
    let filters = match read_filters(ctx, &request) {
        Ok(filters) => filters,
        Err(reply) => return reply,
    };
    match filters.schedule {
        Some(schedule) => scheduled(ctx, schedule, filters).await,
        None => immediate(ctx, &filters).await,
    }
}

/// Checks every key, in order; the first bad one decides the reply.
fn read_filters(ctx: &Ctx, request: &Map<String, Value>) -> Result<Filters, Reply> {
    let mut filters = Filters::default();
    for (key, value) in request {
        match key.as_str() {
            "schedule" => {
                let text = value.as_str().unwrap_or_default();
                filters.schedule = Some(parse_schedule(text, "restart", ctx.wall())?);
            }
            "role" => {
                let role = value.as_str().unwrap_or_default();
                if !matches!(role, "primary" | "standby_leader" | "replica") {
                    return Err(Reply::text(
                        400,
                        "PostgreSQL role should be either primary, standby_leader, or replica",
                    ));
                }
                filters.role = Some(role.to_string());
            }
            "postgres_version" => {
                let text = pg_ha_core::config::py_str(value);
                postgres_version_to_int(&text).map_err(|e| Reply::text(400, e))?;
                filters.postgres_version = Some(text);
            }
            "timeout" => match parse_seconds(value) {
                Some(secs) if secs > 0 => {
                    filters.timeout = Some(Duration::from_secs(secs.unsigned_abs()))
                }
                _ => {
                    return Err(Reply::text(
                        400,
                        "Timeout should be a positive number of seconds",
                    ))
                }
            },
            "restart_pending" => filters.restart_pending = true,
            other => {
                return Err(Reply::text(
                    400,
                    format!("Unknown filter for the scheduled restart: {other}"),
                ))
            }
        }
    }
    Ok(filters)
}

async fn scheduled(ctx: &Ctx, schedule: DateTime<FixedOffset>, filters: Filters) -> Reply {
    let restart = ScheduledRestart {
        schedule,
        role: filters.role,
        postgres_version: filters.postgres_version,
        restart_pending: filters.restart_pending,
        timeout: filters.timeout,
    };
    if ctx.control.schedule_restart(restart).await {
        ctx.control.wake();
        Reply::text(202, "Restart scheduled")
    } else {
        Reply::text(409, "Another restart is already scheduled")
    }
}

async fn immediate(ctx: &Ctx, filters: &Filters) -> Reply {
    if !conditions_hold(ctx, filters) {
        return Reply::text(503, "restart conditions are not satisfied");
    }
    match ctx.control.restart(filters.timeout).await {
        Ok(()) => Reply::text(200, "restarted successfully"),
        Err(message) => Reply::text(503, message),
    }
}

/// Patroni's `restart_matches`: the role, a lower running version, a pending restart.
fn conditions_hold(ctx: &Ctx, filters: &Filters) -> bool {
    restart_matches(
        &ctx.view,
        filters.role.as_deref(),
        filters.postgres_version.as_deref(),
        filters.restart_pending,
    )
}

/// `DELETE /restart`.
pub(crate) async fn delete(ctx: &Ctx) -> Reply {
    if ctx.control.cancel_scheduled_restart().await {
        Reply::text(200, "scheduled restart deleted")
    } else {
        Reply::text(404, "no restarts are scheduled")
    }
}
