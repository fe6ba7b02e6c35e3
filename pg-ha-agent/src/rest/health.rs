//! The health checks (spec 3.1): any GET, HEAD or OPTIONS path that has no handler of its
//! own. Paths are matched by substring in Patroni's order.

use super::node_status::{NodeStatus, ReplicationState, SyncDuty};
use super::units::parse_bytes;
use super::{NodeView, Req};
use pg_ha_core::model::Role;
use pg_ha_core::time::Mono;
use serde_json::Value;

/// The codes that the path-specific rules choose between.
struct Codes {
    leader: u16,
    primary: u16,
    standby_leader: u16,
    replica: u16,
}

fn ok(condition: bool) -> u16 {
    if condition {
        200
    } else {
        503
    }
}

/// The status code of the health check `req` for this node, given its status.
pub(crate) fn health_code(req: &Req, status: &NodeStatus<'_>, now: Mono) -> u16 {
    let path = if req.path == "/" {
        "/primary"
    } else {
        req.path.as_str()
    };
    let view = status.view;
    let codes = codes(req, status, now);
    let (code, ignore_tags) = path_code(path, &codes, status, view.fresh_cluster(now).is_some());
    if code == 200 && !ignore_tags {
        tag_filter(req, view)
    } else {
        code
    }
}

fn codes(req: &Req, status: &NodeStatus<'_>, now: Mono) -> Codes {
    let view = status.view;
    let role = status.role;
    let standby_cluster = view.dynamic.is_standby_cluster();
    let leader = if view.fresh_cluster(now).is_none() && view.dynamic.pause {
        ok(matches!(role, Role::Primary | Role::StandbyLeader))
    } else {
        ok(view.holds_lease(now))
    };
    Codes {
        leader,
        primary: ok(leader == 200 && !standby_cluster),
        standby_leader: ok(leader == 200
            && standby_cluster
            && matches!(role, Role::Replica | Role::StandbyLeader)),
        replica: replica_code(req, status, now),
    }
}

/// R: a running, load-balanced replica that is not lagging (and in the asked
/// replication state).
fn replica_code(req: &Req, status: &NodeStatus<'_>, now: Mono) -> u16 {
    let view = status.view;
    let max_lag = req.param("lag").and_then(parse_bytes).unwrap_or(u64::MAX);
    let optime = view
        .fresh_cluster(now)
        .and_then(|c| c.status.optime)
        .unwrap_or(0);
    let latest_end = view.latest_end_lsn.map_or(0, |l| l.0);
    let lagging = optime.max(latest_end) > status.replayed().saturating_add(max_lag);
    let state_matches = req
        .param("replication_state")
        .is_none_or(|want| status.replication_state().map(ReplicationState::as_str) == Some(want));
    ok(!view.node.tags.noloadbalance()
        && !lagging
        && status.role == Role::Replica
        && status.running()
        && state_matches)
}

/// The code for `path`, and whether tag filters are ignored (leader paths).
fn path_code(path: &str, codes: &Codes, status: &NodeStatus<'_>, dcs_fresh: bool) -> (u16, bool) {
    let has = |s: &str| path.contains(s);
    if has("standby_leader") || has("standby-leader") {
        return (codes.standby_leader, true);
    }
    if has("leader") {
        return (codes.leader, true);
    }
    if has("master") || has("primary") || has("read-write") {
        return (codes.primary, true);
    }
    if has("replica") {
        return (codes.replica, false);
    }
    let leads = codes.primary == 200 || codes.standby_leader == 200;
    if has("read-only") && !has("sync") && !has("quorum") {
        return (if leads { 200 } else { codes.replica }, false);
    }
    if has("health") {
        return (ok(status.running()), false);
    }
    if !dcs_fresh {
        return (503, false);
    }
    (sync_path_code(path, codes, status, leads), false)
}

/// The paths that need a fresh DCS view: sync, quorum, async and read-only-sync.
fn sync_path_code(path: &str, codes: &Codes, status: &NodeStatus<'_>, leads: bool) -> u16 {
    let sync = status.sync_duty() == Some(SyncDuty::Sync);
    let quorum = status.sync_duty() == Some(SyncDuty::Quorum);
    match path {
        "/sync" | "/synchronous" if sync => codes.replica,
        "/quorum" if quorum => codes.replica,
        "/async" | "/asynchronous" if !sync && !quorum => codes.replica,
        "/read-only-sync" | "/read-only-synchronous" if leads => 200,
        "/read-only-sync" | "/read-only-synchronous" if sync => codes.replica,
        "/read-only-quorum" if leads => 200,
        "/read-only-quorum" if quorum => codes.replica,
        _ => 503,
    }
}

/// `?tag_<name>=<value>`: every tag asked for must be set to that value. Non-string tag
/// values compare as Python's `str(v).lower()`.
fn tag_filter(req: &Req, view: &NodeView) -> u16 {
    for (key, wanted) in &req.query {
        let Some(tag) = key.strip_prefix("tag_") else {
            continue;
        };
        let actual = match view.node.tags.0.get(tag) {
            None | Some(Value::Null) => return 503,
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(other) => other.to_string().to_lowercase(),
        };
        if actual != *wanted {
            return 503;
        }
    }
    200
}
