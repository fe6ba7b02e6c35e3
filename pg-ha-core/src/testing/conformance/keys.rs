//! Checks of the cluster-wide keys: conditional writes and deletes, complete and scoped
//! snapshots, and deleting a cluster.

use super::check::Check;
use super::Harness;
use crate::dcs::Dcs;
use crate::model::{Condition, Key, Version, LEADER_PATH};

/// A plausible value for each key (backends must not care).
fn sample(key: Key) -> &'static str {
    match key {
        Key::Initialize => "7301234567890123456",
        Key::Config => r#"{"ttl":30,"loop_wait":10}"#,
        Key::Failover => "{}",
        Key::Sync => r#"{"leader":"node-a","sync_standby":null,"quorum":0}"#,
        Key::History => r#"[[1,25623960,"no recovery target specified"]]"#,
        Key::Status => r#"{"optime":67420024}"#,
        Key::Failsafe => r#"{"node-a":"http://127.0.0.1:8008/patroni"}"#,
    }
}

impl<H: Harness + ?Sized> Check<'_, H> {
    /// A write that must succeed and report whether the condition held.
    async fn write(&self, dcs: &dyn Dcs, key: Key, value: &str, c: Condition) -> Option<Version> {
        self.ok(
            dcs.write(key, value, c).await,
            &format!("write({key:?}, {c:?})"),
        )
    }

    /// A delete that must succeed and report whether it deleted.
    async fn delete(&self, dcs: &dyn Dcs, key: Key, c: Condition) -> bool {
        self.ok(dcs.delete(key, c).await, &format!("delete({key:?}, {c:?})"))
    }

    /// Writes every [`Key`] with its sample value and returns the new versions.
    async fn write_all_keys(&self, dcs: &dyn Dcs) -> Vec<(Key, Version)> {
        let mut versions = Vec::new();
        for key in Key::ALL {
            match self.write(dcs, key, sample(key), Condition::Any).await {
                Some(v) => versions.push((key, v)),
                None => self.fail(format!("write({key:?}, Any) reported a failed condition")),
            }
        }
        versions
    }
}

/// `Absent` fails when the key exists; `Version` fails when stale or when the key is absent
/// (even `Version(0)`); `Version(current)` succeeds with a greater version; `Any` always
/// writes; an empty value is stored as present and empty.
pub async fn conditional_writes<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "conditional_writes").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let (a, b) = (&*a, &*b);
    let path = Key::Config.path();

    let Some(v1) = check.write(a, Key::Config, "v1", Condition::Absent).await else {
        check.fail("create-if-absent of a missing key failed")
    };
    let failed = check.write(b, Key::Config, "x", Condition::Absent).await;
    check.ensure(failed.is_none(), "Absent wrote over an existing key");
    let snapshot = check.read(b).await;
    check.expect_value(&snapshot, path, "v1", "after a failed Absent write");
    let version = snapshot.get(path).map(|e| e.version);
    check.ensure(
        version == Some(v1),
        format!("read shows version {version:?}, the write returned {v1}"),
    );

    let Some(v2) = check
        .write(b, Key::Config, "v2", Condition::Version(v1))
        .await
    else {
        check.fail("a write with the current version failed")
    };
    check.ensure(v2 > v1, format!("CAS moved the version from {v1} to {v2}"));
    let stale = check
        .write(a, Key::Config, "x", Condition::Version(v1))
        .await;
    check.ensure(stale.is_none(), "a write with a stale version succeeded");
    let snapshot = check.read(a).await;
    check.expect_value(&snapshot, path, "v2", "after a stale write");

    let Some(v3) = check.write(a, Key::Config, "v3", Condition::Any).await else {
        check.fail("an unconditional write failed")
    };
    check.ensure(v3 > v2, format!("Any moved the version from {v2} to {v3}"));
    let snapshot = check.read(b).await;
    check.expect_value(&snapshot, path, "v3", "after an unconditional write");
    let version = snapshot.get(path).map(|e| e.version);
    check.ensure(
        version == Some(v3),
        format!("read shows {version:?}, not {v3}"),
    );

    let failover = Key::Failover.path();
    for stale in [0, v3] {
        let wrote = check
            .write(a, Key::Failover, "x", Condition::Version(stale))
            .await;
        check.ensure(
            wrote.is_none(),
            format!("Version({stale}) wrote a missing key"),
        );
    }
    let snapshot = check.read(a).await;
    check.expect_absent(&snapshot, failover, "after Version writes to a missing key");
    let wrote = check.write(a, Key::Failover, "{}", Condition::Any).await;
    check.ensure(wrote.is_some(), "Any did not create a missing key");

    let init = Key::Initialize.path();
    let created = check.write(a, Key::Initialize, "", Condition::Absent).await;
    check.ensure(
        created.is_some(),
        "the bootstrap race write (\"\", Absent) failed",
    );
    let lost = check.write(b, Key::Initialize, "", Condition::Absent).await;
    check.ensure(lost.is_none(), "two nodes won the bootstrap race");
    let snapshot = check.read(b).await;
    check.expect_value(&snapshot, init, "", "after writing an empty value");
    let sysid = sample(Key::Initialize);
    let wrote = check.write(a, Key::Initialize, sysid, Condition::Any).await;
    check.ensure(wrote.is_some(), "overwriting initialize failed");
    let snapshot = check.read(b).await;
    check.expect_value(&snapshot, init, sysid, "after overwriting initialize");
    check.finish().await;
}

/// Deletes honour their condition: a stale version or `Absent` deletes nothing, the current
/// version deletes once, `Any` deletes and also succeeds on a missing key; other keys stay.
pub async fn conditional_deletes<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "conditional_deletes").await;
    let a = check.client("node-a").await;
    let a = &*a;
    let status = Key::Status.path();
    let kept = check.write(a, Key::Config, "keep", Condition::Any).await;
    check.ensure(kept.is_some(), "write(Config, Any) failed");
    let v1 = check.write(a, Key::Status, "s1", Condition::Any).await;
    let v2 = check.write(a, Key::Status, "s2", Condition::Any).await;
    let (Some(v1), Some(v2)) = (v1, v2) else {
        check.fail("write(Status, Any) failed")
    };

    check.ensure(
        !check.delete(a, Key::Status, Condition::Version(v1)).await,
        "a delete with a stale version reported success",
    );
    check.ensure(
        !check.delete(a, Key::Status, Condition::Absent).await,
        "a delete with Absent on an existing key reported success",
    );
    let snapshot = check.read(a).await;
    check.expect_value(&snapshot, status, "s2", "after deletes that should fail");
    check.ensure(
        check.delete(a, Key::Status, Condition::Version(v2)).await,
        "a delete with the current version failed",
    );
    let snapshot = check.read(a).await;
    check.expect_absent(&snapshot, status, "after a delete with the current version");
    check.ensure(
        !check.delete(a, Key::Status, Condition::Version(v2)).await,
        "a versioned delete of a missing key reported success",
    );
    check.ensure(
        check.delete(a, Key::Status, Condition::Any).await,
        "delete(Any) of a missing key must report true",
    );
    let wrote = check.write(a, Key::Failover, "{}", Condition::Any).await;
    check.ensure(wrote.is_some(), "write(Failover, Any) failed");
    check.ensure(
        check.delete(a, Key::Failover, Condition::Any).await,
        "delete(Any) of an existing key failed",
    );
    let snapshot = check.read(a).await;
    check.expect_absent(&snapshot, Key::Failover.path(), "after delete(Any)");
    check.expect_value(
        &snapshot,
        Key::Config.path(),
        "keep",
        "after deleting others",
    );
    check.finish().await;
}

/// One read returns every key with its value, the version its write returned, and its
/// session: the leader and its member share one, another node has another, permanent keys
/// have none; and nothing else.
pub async fn snapshot_is_complete<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "snapshot_is_complete").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let reader = check.client("node-c").await;
    let ttl = check.ttl();
    check.acquire(&*a, "node-a", "a free").await;
    check.ok(
        a.touch_member("node-a", "{\"n\":1}", ttl).await,
        "touch_member",
    );
    check.ok(
        b.touch_member("node-b", "{\"n\":2}", ttl).await,
        "touch_member",
    );
    let versions = check.write_all_keys(&*a).await;

    let snapshot = check.read(&*reader).await;
    let mut found: Vec<&str> = snapshot.entries.iter().map(|e| e.key.as_str()).collect();
    found.sort_unstable();
    let mut expected: Vec<&str> = Key::ALL.iter().map(|k| k.path()).collect();
    expected.extend([LEADER_PATH, "members/node-a", "members/node-b"]);
    expected.sort_unstable();
    check.ensure(
        found == expected,
        format!("the snapshot holds {found:?}, expected {expected:?}"),
    );
    for (key, version) in versions {
        let Some(entry) = snapshot.get(key.path()) else {
            check.fail(format!("`{}` is missing", key.path()))
        };
        check.expect_value(&snapshot, key.path(), sample(key), "in the snapshot");
        check.ensure(
            entry.version == version,
            format!(
                "`{}` has version {}, the write returned {version}",
                entry.key, entry.version
            ),
        );
        check.ensure(
            entry.session.is_none(),
            format!(
                "permanent key `{}` has session {:?}",
                entry.key, entry.session
            ),
        );
    }
    check.expect_value(&snapshot, LEADER_PATH, "node-a", "in the snapshot");
    check.expect_value(&snapshot, "members/node-a", "{\"n\":1}", "in the snapshot");
    check.expect_value(&snapshot, "members/node-b", "{\"n\":2}", "in the snapshot");
    let session = |path: &str| snapshot.get(path).and_then(|e| e.session.clone());
    let leader = session(LEADER_PATH);
    check.ensure(leader.is_some(), "the leader key has no session");
    check.ensure(
        leader == session("members/node-a"),
        "the leader key and its member key have different sessions",
    );
    check.ensure(
        session("members/node-b").is_some() && session("members/node-b") != leader,
        "node-b's member key does not have a session of its own",
    );
    check.finish().await;
}

/// A read returns the keys of its own scope only, even next to a scope whose name extends it.
pub async fn read_is_scoped<H: Harness + ?Sized>(harness: &H) {
    let mut check = Check::start(harness, "read_is_scoped").await;
    let other = check.other_scope("other").await;
    let mine = check.client("node-a").await;
    let theirs = check.harness.client(&other, "node-o").await;
    let ttl = check.ttl();
    let wrote = check
        .write(&*mine, Key::Config, "mine", Condition::Any)
        .await;
    check.ensure(wrote.is_some(), "write(Config, Any) failed");
    check.ok(mine.touch_member("node-a", "{}", ttl).await, "touch_member");
    let wrote = check
        .write(&*theirs, Key::Config, "theirs", Condition::Any)
        .await;
    check.ensure(
        wrote.is_some(),
        "write(Config, Any) in the other scope failed",
    );
    check.ok(theirs.acquire_leader("node-o", ttl).await, "acquire_leader");
    check.ok(
        theirs.touch_member("node-o", "{}", ttl).await,
        "touch_member",
    );

    for (client, wanted, config) in [
        (&mine, vec!["config", "members/node-a"], "mine"),
        (
            &theirs,
            vec!["config", "leader", "members/node-o"],
            "theirs",
        ),
    ] {
        let snapshot = check.read(&**client).await;
        let mut found: Vec<&str> = snapshot.entries.iter().map(|e| e.key.as_str()).collect();
        found.sort_unstable();
        check.ensure(
            found == wanted,
            format!("a scoped read returned {found:?}, expected {wanted:?}"),
        );
        check.expect_value(&snapshot, "config", config, "in a scoped read");
    }
    check.finish().await;
}

/// `delete_cluster` removes every key of the scope, leased ones included, and nothing of
/// another scope; the holder then cannot renew, and the cluster can be used again.
pub async fn delete_cluster_removes_everything<H: Harness + ?Sized>(harness: &H) {
    let mut check = Check::start(harness, "delete_cluster_removes_everything").await;
    let other = check.other_scope("other").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let admin = check.client("node-admin").await;
    let theirs = check.harness.client(&other, "node-o").await;
    let ttl = check.ttl();
    check.acquire(&*a, "node-a", "a free").await;
    check.ok(a.touch_member("node-a", "{}", ttl).await, "touch_member");
    check.ok(b.touch_member("node-b", "{}", ttl).await, "touch_member");
    check.write_all_keys(&*a).await;
    let wrote = check
        .write(&*theirs, Key::Config, "theirs", Condition::Any)
        .await;
    check.ensure(
        wrote.is_some(),
        "write(Config, Any) in the other scope failed",
    );
    check.ok(
        theirs.touch_member("node-o", "{}", ttl).await,
        "touch_member",
    );

    check.ok(admin.delete_cluster().await, "delete_cluster");
    let snapshot = check.read(&*b).await;
    check.ensure(
        snapshot.entries.is_empty(),
        format!("keys survived delete_cluster: {:?}", snapshot.entries),
    );
    let snapshot = check.read(&*theirs).await;
    check.expect_value(&snapshot, "config", "theirs", "in another scope");
    check.ensure(
        snapshot.get("members/node-o").is_some(),
        "delete_cluster removed another scope's member key",
    );
    let renewed = check.ok(a.renew_leader("node-a", ttl).await, "renew_leader");
    check.ensure(!renewed, "renew_leader returned true after delete_cluster");
    check.ok(admin.delete_cluster().await, "delete_cluster (empty)");
    check.acquire(&*b, "node-b", "the deleted").await;
    check.finish().await;
}
