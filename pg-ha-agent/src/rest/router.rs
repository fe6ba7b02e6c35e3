//! Routing: the first path segment and the method pick the handler, as Patroni's
//! `do_<METHOD>_<segment>`; other GET, HEAD and OPTIONS requests are health checks, other
//! methods 501.

use super::switchover::SwitchAction;
use super::{commands, config_write, dcs_reads, reads, restart, switchover, why};
use super::{Ctx, Reply, Req};

/// The mutating endpoints (🔒 in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    Switchover,
    Failover,
    Restart,
    Reload,
    Reinitialize,
    Failsafe,
    Citus,
    Mpp,
    PatchConfig,
    PutConfig,
    DeleteSwitchover,
    DeleteRestart,
}

fn mutation(method: &str, segment: &str) -> Option<Mutation> {
    Some(match (method, segment) {
        ("POST", "switchover") => Mutation::Switchover,
        ("POST", "failover") => Mutation::Failover,
        ("POST", "restart") => Mutation::Restart,
        ("POST", "reload") => Mutation::Reload,
        ("POST", "reinitialize") => Mutation::Reinitialize,
        ("POST", "failsafe") => Mutation::Failsafe,
        ("POST", "citus") => Mutation::Citus,
        ("POST", "mpp") => Mutation::Mpp,
        ("PATCH", "config") => Mutation::PatchConfig,
        ("PUT", "config") => Mutation::PutConfig,
        ("DELETE", "switchover") => Mutation::DeleteSwitchover,
        ("DELETE", "restart") => Mutation::DeleteRestart,
        _ => return None,
    })
}

/// The reply to `req`.
pub(crate) async fn route(ctx: &Ctx, req: &Req) -> Reply {
    match req.method.as_str() {
        "GET" => get(ctx, req).await,
        "HEAD" | "OPTIONS" => reads::health(ctx, req, true),
        method => match mutation(method, req.first_segment()) {
            Some(m) => mutate(ctx, req, m).await,
            None => Reply::error(501, Some(&format!("Unsupported method ('{method}')"))),
        },
    }
}

async fn get(ctx: &Ctx, req: &Req) -> Reply {
    match req.first_segment() {
        "patroni" => reads::patroni(ctx),
        "cluster" => dcs_reads::cluster(ctx).await,
        "history" => dcs_reads::history(ctx).await,
        "config" => dcs_reads::config(ctx).await,
        "metrics" => reads::metrics(ctx),
        "liveness" => reads::liveness(ctx),
        "readiness" => reads::readiness(ctx, req),
        "failsafe" => reads::failsafe(ctx),
        "why" => why::why(ctx),
        _ => reads::health(ctx, req, false),
    }
}

async fn mutate(ctx: &Ctx, req: &Req, m: Mutation) -> Reply {
    let check_members = m != Mutation::Failsafe;
    if m != Mutation::Mpp {
        if let Err(reply) = ctx.access.check(req, &ctx.view, check_members) {
            return reply;
        }
    }
    match m {
        Mutation::Switchover => switchover::post(ctx, req, SwitchAction::Switchover).await,
        Mutation::Failover => switchover::post(ctx, req, SwitchAction::Failover).await,
        Mutation::Restart => restart::post(ctx, req).await,
        Mutation::Reload => commands::reload(ctx).await,
        Mutation::Reinitialize => commands::reinitialize(ctx, req).await,
        Mutation::Failsafe => commands::failsafe(ctx, req),
        Mutation::Citus | Mutation::Mpp => commands::mpp(req),
        Mutation::PatchConfig => config_write::patch(ctx, req).await,
        Mutation::PutConfig => config_write::put(ctx, req).await,
        Mutation::DeleteSwitchover => switchover::delete(ctx).await,
        Mutation::DeleteRestart => restart::delete(ctx).await,
    }
}
