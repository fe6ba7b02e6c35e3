//! Issue 5, restart part: `POST /restart {}` on a replica and on the primary answers 200 only
//! once PostgreSQL has restarted (new postmaster, accepting connections; the primary keeps
//! the leader key throughout), a restart scheduled through `POST /restart {"schedule": ..}`
//! (published in /patroni and the member key, carried out after its time and not before),
//! a scheduled restart cancelled with `DELETE /restart` (never carried out), and
//! `pg-ha-ctl restart <member> --force`.

use crate::cluster::{iso8601_utc, Cluster, KeyValue};
use crate::ctl::run_ctl;
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How far ahead restarts are scheduled. The schedule must show in /patroni and in the
/// member key before its time (the agent publishes it at its next cycle): this leaves many
/// cycles of room on a loaded machine.
const AHEAD: Duration = Duration::from_secs(10);
/// How long after the time of a deleted scheduled restart the postmaster is watched (a
/// restart that fires takes a new postmaster within half a second here).
const AFTER: Duration = Duration::from_secs(3);
/// Margin before a scheduled time within which the timer may already be running (rounding
/// and clock reads), so checks that nothing happened yet stop this much earlier.
const EARLY: Duration = Duration::from_millis(500);

/// The leader key's holder and creation: the same pair before and after means no other node
/// took it meanwhile and it was not released.
fn identity(kv: &Option<KeyValue>) -> Option<(String, i64)> {
    kv.as_ref().map(|kv| (kv.value.clone(), kv.create_revision))
}

/// A whole second `AHEAD` of now, as ISO 8601 with a timezone.
fn schedule_ahead() -> Result<(SystemTime, String)> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let at = UNIX_EPOCH + Duration::from_secs(now.as_secs() + 1) + AHEAD;
    Ok((at, iso8601_utc(at)))
}

/// The `scheduled_restart` of `name` in /patroni and in its member key.
async fn published(c: &Cluster, name: &str) -> Result<(Option<Value>, Option<Value>)> {
    let status = c.node(name).patroni().await?;
    let in_status = status.get("scheduled_restart").cloned();
    let key = c
        .dcs_get(&format!("members/{name}"))
        .await?
        .with_context(|| format!("no member key for {name}"))?;
    let member: Value = serde_json::from_str(&key.value)
        .with_context(|| format!("member key of {name}: {}", key.value))?;
    Ok((in_status, member.get("scheduled_restart").cloned()))
}

/// Waits until neither /patroni nor the member key of `name` shows a scheduled restart.
async fn wait_unpublished(c: &Cluster, name: &str) -> Result<()> {
    let what = format!("no scheduled_restart in {name}'s /patroni and member key");
    c.wait_until(&what, Duration::from_secs(30), || async {
        let (status, key) = published(c, name).await?;
        Ok((status.is_none() && key.is_none()).then_some(()))
    })
    .await
}

/// `POST /restart {}` on `name`: 200 once the server runs again under a new postmaster and
/// accepts connections (writable on the primary); the leader key keeps its holder and
/// creation revision throughout, and no other node answers `/primary` 200.
async fn immediate(c: &Cluster, name: &str, primary: &str) -> Result<()> {
    let node = c.node(name);
    let before = node
        .postmaster_pid()
        .with_context(|| format!("{name} has no running postmaster"))?;
    let key_before = identity(&c.dcs_leader().await?);
    ensure!(
        key_before
            .as_ref()
            .is_some_and(|(holder, _)| holder == primary),
        "leader key {key_before:?} before the restart, primary {primary}"
    );
    step(&format!("restart: POST /restart {{}} on {name}"));
    let started = Instant::now();
    let done = AtomicBool::new(false);
    let post = async {
        let reply = node.rest("POST", "/restart", Some("{}")).await;
        done.store(true, Ordering::SeqCst);
        reply
    };
    // While the request runs: the leader key stays, nobody else claims to be primary.
    let watch = async {
        let mut seen = Vec::new();
        while !done.load(Ordering::SeqCst) {
            let key = identity(&c.dcs_leader().await.unwrap_or(None));
            if key != key_before {
                seen.push(format!(
                    "{:.1} s: leader key {key:?}",
                    started.elapsed().as_secs_f64()
                ));
            }
            for other in c.primaries().await {
                if other != primary {
                    seen.push(format!(
                        "{:.1} s: {other} answers /primary 200",
                        started.elapsed().as_secs_f64()
                    ));
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        seen
    };
    let (reply, seen) = tokio::join!(post, watch);
    let took = started.elapsed();
    let after = node.postmaster_pid();
    let (status, body) = reply?;
    ensure!(
        status == 200,
        "POST /restart on {name}: {status} {body} after {took:?}"
    );
    ensure!(
        after.is_some_and(|pid| pid != before),
        "POST /restart on {name} answered 200 after {took:?} but the postmaster is {after:?} \
         (was {before})"
    );
    if name == primary {
        ensure!(
            node.is_writable().await,
            "{name} is not writable right after POST /restart answered"
        );
    } else {
        let recovery = node.query_one("select pg_is_in_recovery()").await;
        ensure!(
            recovery.as_deref().is_ok_and(|v| v == "t"),
            "{name} does not accept connections as a replica right after POST /restart \
             answered: {recovery:?}"
        );
    }
    ensure!(
        seen.is_empty(),
        "during the restart of {name}: {}",
        seen.join("; ")
    );
    let key_after = identity(&c.dcs_leader().await?);
    ensure!(
        key_after == key_before,
        "the leader key changed across the restart of {name}: {key_before:?} -> {key_after:?}"
    );
    step(&format!(
        "restart: {name} answered 200 after {:.1} s, postmaster {before} -> {}, accepting \
         connections, leader key unchanged",
        took.as_secs_f64(),
        after.unwrap_or(0)
    ));
    Ok(())
}

/// A restart of `name` scheduled `AHEAD`: 202, published in /patroni and in the member key,
/// the postmaster untouched until the time and replaced after it, then unpublished. The
/// leader key is unchanged afterwards.
async fn scheduled(c: &Cluster, name: &str, primary: &str) -> Result<()> {
    let node = c.node(name);
    let before = node
        .postmaster_pid()
        .with_context(|| format!("{name} has no running postmaster"))?;
    let key_before = identity(&c.dcs_leader().await?);
    let (at, at_text) = schedule_ahead()?;
    step(&format!("scheduled restart: {name} at {at_text}"));
    let (status, body) = node
        .rest_json("POST", "/restart", Some(&json!({ "schedule": at_text })))
        .await?;
    ensure!(status == 202, "scheduled POST /restart: {status} {body}");
    let (mut in_status, mut in_key) = (false, false);
    let mut checks = 0;
    while SystemTime::now() + EARLY < at {
        let pid = node.postmaster_pid();
        ensure!(
            pid == Some(before),
            "{name}'s postmaster is {pid:?} (was {before}) {:.1} s before the scheduled restart",
            at.duration_since(SystemTime::now())
                .map_or(0.0, |d| d.as_secs_f64())
        );
        if !(in_status && in_key) {
            // A failed read is retried at the next check.
            if let Ok((status, key)) = published(c, name).await {
                let shows = |v: &Option<Value>| {
                    v.as_ref()
                        .is_some_and(|v| v["schedule"].as_str() == Some(at_text.as_str()))
                };
                in_status |= shows(&status);
                in_key |= shows(&key);
            }
        }
        checks += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ensure!(
        in_status,
        "/patroni on {name} never showed scheduled_restart {at_text} before that time"
    );
    ensure!(
        in_key,
        "the member key of {name} never carried scheduled_restart {at_text} before that time"
    );
    let what = format!("{name}'s postmaster replaced by the scheduled restart");
    let after = c
        .wait_until(&what, FAILOVER, || async {
            Ok(node.postmaster_pid().filter(|pid| *pid != before))
        })
        .await?;
    let late = SystemTime::now().duration_since(at).unwrap_or_default();
    step(&format!(
        "scheduled restart: postmaster {before} unchanged through {checks} checks, {after} by \
         {:.1} s after the scheduled time; /patroni and the member key showed the schedule",
        late.as_secs_f64()
    ));
    wait_unpublished(c, name).await?;
    let now = c.wait_for_primary(FAILOVER).await?;
    ensure!(
        now == primary,
        "{now} is primary after the scheduled restart of {name}, not {primary}"
    );
    let key_after = identity(&c.dcs_leader().await?);
    ensure!(
        key_after == key_before,
        "the leader key changed across the scheduled restart: {key_before:?} -> {key_after:?}"
    );
    step("scheduled restart: unpublished afterwards, leader key unchanged");
    Ok(())
}

/// A second restart of `name` scheduled `AHEAD`, refused a third time (409), deleted (200,
/// then 404): not carried out at its time. Meanwhile `pg-ha-ctl restart <ctl_target>
/// --force` restarts that member.
async fn cancelled_and_ctl(c: &Cluster, name: &str, ctl_target: &str) -> Result<()> {
    let node = c.node(name);
    let before = node
        .postmaster_pid()
        .with_context(|| format!("{name} has no running postmaster"))?;
    let (at, at_text) = schedule_ahead()?;
    step(&format!(
        "cancelled restart: {name} at {at_text}, then DELETE /restart"
    ));
    let schedule = json!({ "schedule": at_text });
    let (status, body) = node.rest_json("POST", "/restart", Some(&schedule)).await?;
    ensure!(status == 202, "scheduled POST /restart: {status} {body}");
    let (status, body) = node
        .rest("POST", "/restart", Some(&schedule.to_string()))
        .await?;
    ensure!(
        status == 409,
        "a second scheduled restart while one is pending: {status} {body}"
    );
    let (status, body) = node.rest("DELETE", "/restart", None).await?;
    ensure!(
        status == 200 && body.contains("scheduled restart deleted"),
        "DELETE /restart: {status} {body}"
    );
    let (status, body) = node.rest("DELETE", "/restart", None).await?;
    ensure!(status == 404, "DELETE /restart again: {status} {body}");
    wait_unpublished(c, name).await?;

    // While the cancelled time approaches: pg-ha-ctl restart of another member.
    let target = c.node(ctl_target);
    let target_before = target
        .postmaster_pid()
        .with_context(|| format!("{ctl_target} has no running postmaster"))?;
    let out = run_ctl(c, &["restart", ctl_target, "--force"]).await?;
    ensure!(
        out.contains(&format!("Success: restart on member {ctl_target}")),
        "pg-ha-ctl restart output:\n{out}"
    );
    let target_after = target.postmaster_pid();
    ensure!(
        target_after.is_some_and(|pid| pid != target_before),
        "pg-ha-ctl restart {ctl_target} exited 0 but its postmaster is {target_after:?} (was \
         {target_before})"
    );
    target
        .query_one("select 1")
        .await
        .with_context(|| format!("{ctl_target} right after pg-ha-ctl restart"))?;
    step(&format!(
        "ctl restart: {ctl_target}'s postmaster {target_before} -> {}, accepting connections",
        target_after.unwrap_or(0)
    ));

    // Up to `AFTER` past the cancelled time, `name` keeps its postmaster.
    let mut checks = 0;
    while SystemTime::now() < at + AFTER {
        let pid = node.postmaster_pid();
        if pid != Some(before) {
            let when = match SystemTime::now().duration_since(at) {
                Ok(d) => format!("{:.1} s after", d.as_secs_f64()),
                Err(e) => format!("{:.1} s before", e.duration().as_secs_f64()),
            };
            bail!(
                "{name}'s postmaster is {pid:?} (was {before}) {when} the time of the deleted \
                 scheduled restart"
            );
        }
        checks += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    step(&format!(
        "cancelled restart: {name}'s postmaster {before} unchanged through {checks} checks up to \
         {AFTER:?} past the deleted time"
    ));
    Ok(())
}

/// The restart scenarios, from a freshly bootstrapped cluster.
pub(crate) async fn restarts(c: &Cluster) -> Result<()> {
    let primary = c.wait_streaming(2, BOOTSTRAP).await?;
    let replicas = c.others(&primary);
    let (replica, other) = (&replicas[0], &replicas[1]);
    immediate(c, replica, &primary).await?;
    c.wait_replica_streaming(replica, REJOIN).await?;
    // The replicas reconnect to a restarted primary only after wal_retrieve_retry_interval
    // (500 ms, pg-ha's default): the next steps do not need them streaming, so the cluster
    // is checked once at the end.
    immediate(c, &primary, &primary).await?;
    scheduled(c, &primary, &primary).await?;
    cancelled_and_ctl(c, &primary, other).await?;
    ensure!(c.wait_streaming(2, REJOIN).await? == primary);
    c.wait_replica_streaming(other, REJOIN).await?;
    step("restart: all three nodes stream again");
    Ok(())
}
