//! Checks of the emulator itself against Consul's documented behaviour (the list in
//! `tests/emulator/mod.rs`), through raw HTTP: the other tests trust it.

mod support;

use std::time::{Duration, Instant};
use support::emulator::{Emulator, Settings};
use support::raw::Raw;

async fn start() -> (Emulator, Raw) {
    let settings = Settings {
        session_ttl_min: Duration::from_millis(500),
        ..Settings::default()
    };
    let emulator = Emulator::start(settings).await;
    let raw = Raw::new(&emulator.url());
    (emulator, raw)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_indexes_cas_and_404() {
    let (_emulator, raw) = start().await;
    let missing = raw.call("GET", "/v1/kv/a/?recurse", "").await;
    assert_eq!(missing.status, 404);
    assert!(missing.index.is_some(), "a 404 carries X-Consul-Index");
    assert_eq!(raw.put("/v1/kv/a/x?cas=0", "1").await, "true");
    assert_eq!(raw.put("/v1/kv/a/x?cas=0", "2").await, "false");
    let listed = raw.call("GET", "/v1/kv/a/?recurse", "").await;
    let v: serde_json::Value = serde_json::from_str(&listed.body).expect("json");
    let index = v[0]["ModifyIndex"].as_u64().expect("index");
    assert_eq!(listed.index, Some(index));
    assert_eq!(v[0]["Value"], "MQ==");
    assert_eq!(
        raw.put(&format!("/v1/kv/a/x?cas={}", index + 1), "3").await,
        "false"
    );
    assert_eq!(
        raw.put(&format!("/v1/kv/a/x?cas={index}"), "3").await,
        "true"
    );
    // A write that changes nothing keeps the ModifyIndex.
    let before = raw.call("GET", "/v1/kv/a/?recurse", "").await.index;
    assert_eq!(raw.put("/v1/kv/a/x", "3").await, "true");
    assert_eq!(raw.call("GET", "/v1/kv/a/?recurse", "").await.index, before);
    // A cas delete of a missing key answers true; a delete leaves a tombstone that raises
    // the prefix index.
    assert_eq!(
        raw.call("DELETE", "/v1/kv/a/nothing?cas=7", "").await.body,
        "true"
    );
    assert_eq!(raw.call("DELETE", "/v1/kv/a/x", "").await.body, "true");
    let gone = raw.call("GET", "/v1/kv/a/?recurse", "").await;
    assert_eq!(gone.status, 404);
    assert!(gone.index > before, "the tombstone did not raise the index");
    // `recurse` present, even `=false`, is a prefix operation.
    raw.put("/v1/kv/b/k1", "x").await;
    raw.put("/v1/kv/b/k12", "y").await;
    let listed = raw.call("GET", "/v1/kv/b/k1?recurse=false", "").await;
    assert!(
        listed.body.contains("b/k12"),
        "recurse=false must list the prefix"
    );
    assert_eq!(
        raw.call("GET", "/v1/kv/b/?stale&consistent", "")
            .await
            .status,
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_queries_wait_for_a_change_or_the_wait() {
    let (emulator, raw) = start().await;
    raw.put("/v1/kv/w/k", "1").await;
    let index = raw
        .call("GET", "/v1/kv/w/?recurse", "")
        .await
        .index
        .expect("index");
    let started = Instant::now();
    let timed_out = raw
        .call(
            "GET",
            &format!("/v1/kv/w/?recurse&index={index}&wait=300ms"),
            "",
        )
        .await;
    let waited = started.elapsed();
    assert_eq!(
        timed_out.index,
        Some(index),
        "a timed-out query answers the same index"
    );
    assert!(
        waited >= Duration::from_millis(300),
        "returned after {waited:?}"
    );
    // Consul adds up to wait/16 of jitter; the rest is the machine (printed). The bound only
    // catches a query that ignores `wait` (Consul's default is 5 minutes).
    println!("a blocking query with wait=300ms returned after {waited:?}");
    assert!(
        waited < Duration::from_secs(10),
        "returned after {waited:?}"
    );
    let path = format!("/v1/kv/w/?recurse&index={index}&wait=10s");
    let writer = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Raw::new(&emulator.url()).put("/v1/kv/w/k", "2").await
    };
    let started = Instant::now();
    let (woken, _) = tokio::join!(raw.call("GET", &path, ""), writer);
    // Woken by the write, not by its 10 s wait: a timed-out query answers the same index.
    assert!(
        woken.index > Some(index),
        "the query was not woken by the write: {:?}",
        woken.index
    );
    println!(
        "a blocking query woken by a write returned after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_ttl_grace_behavior_and_errors() {
    let (_emulator, raw) = start().await;
    let short = raw
        .call("PUT", "/v1/session/create", r#"{"TTL":"100ms"}"#)
        .await;
    assert_eq!(short.status, 500);
    assert!(short
        .body
        .starts_with("Invalid Session TTL '100000000', must be between [500ms="));
    let bad = raw
        .call("PUT", "/v1/session/create", r#"{"Checks":["web"]}"#)
        .await;
    assert_eq!(
        (bad.status, bad.body.as_str()),
        (500, "Missing check 'web' registration")
    );
    // The session is at most `before_create.elapsed()` old, and at least
    // `after_create.elapsed()`.
    let before_create = Instant::now();
    let id = raw
        .session(r#"{"TTL":"500ms","Behavior":"delete","LockDelay":"0.001s","Checks":[]}"#)
        .await;
    let after_create = Instant::now();
    assert_eq!(
        raw.put(&format!("/v1/kv/s/k?acquire={id}"), "x").await,
        "true"
    );
    let invalid = raw.call("PUT", "/v1/kv/s/j?acquire=nope", "x").await;
    assert_eq!(
        (invalid.status, invalid.body.as_str()),
        (500, "invalid session \"nope\"")
    );
    // Not invalidated at the TTL (500 ms), but by 2 x TTL (1 s): a key gone while the
    // session cannot yet be 1 s old fails; a loaded machine that reads later only makes
    // the check see the key gone legitimately.
    tokio::time::sleep_until((before_create + Duration::from_millis(700)).into()).await;
    let present = raw.call("GET", "/v1/kv/s/k", "").await.status == 200;
    let age_at_most = before_create.elapsed();
    assert!(
        present || age_at_most >= Duration::from_secs(1),
        "expired before 2x TTL: gone when the session was at most {age_at_most:?} old"
    );
    // Gone soon after 2 x TTL (printed); the bound only catches a session that is never
    // invalidated.
    while raw.call("GET", "/v1/kv/s/k", "").await.status == 200 {
        assert!(
            after_create.elapsed() < Duration::from_secs(10),
            "not expired {:?} after the session was created (2x TTL = 1 s)",
            after_create.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "the session was invalidated {:?} after it was created (2x TTL = 1 s)",
        after_create.elapsed()
    );
    let renew = raw
        .call("PUT", &format!("/v1/session/renew/{id}"), "")
        .await;
    assert_eq!(
        (renew.status, renew.body),
        (404, format!("Session id '{id}' not found"))
    );
    // Behavior=release keeps the key and clears its session.
    let keep = raw.session(r#"{"TTL":"10s","LockDelay":"0s"}"#).await;
    assert_eq!(
        raw.put(&format!("/v1/kv/s/r?acquire={keep}"), "x").await,
        "true"
    );
    assert_eq!(
        raw.put(&format!("/v1/session/destroy/{keep}"), "").await,
        "true"
    );
    let kept = raw.call("GET", "/v1/kv/s/r", "").await;
    assert_eq!(kept.status, 200);
    assert!(
        !kept.body.contains("Session"),
        "released key still has a session"
    );
}
