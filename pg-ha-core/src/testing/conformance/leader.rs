//! Checks of the leader key: exclusive acquire, renew, release, and lease expiry.

use super::check::Check;
use super::join::join_all;
use super::Harness;
use crate::model::LEADER_PATH;

/// Three clients race for the leader key: exactly one wins, the key holds the winner's name
/// and is bound to a session, and the losers keep failing while it is held.
pub async fn leader_acquire_is_exclusive<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "leader_acquire_is_exclusive").await;
    let names = ["node-a", "node-b", "node-c"];
    let mut clients = Vec::new();
    for name in names {
        clients.push(check.client(name).await);
    }
    let ttl = check.ttl();
    let attempts = clients
        .iter()
        .zip(names)
        .map(|(client, name)| client.acquire_leader(name, ttl));
    let results = join_all(attempts).await;
    let mut winners = Vec::new();
    for (result, name) in results.into_iter().zip(names) {
        if check.ok(result, "acquire_leader (race)") {
            winners.push(name);
        }
    }
    let [winner] = winners[..] else {
        check.fail(format!("expected exactly one race winner, got {winners:?}"))
    };
    let snapshot = check.read(&*clients[0]).await;
    check.expect_value(&snapshot, LEADER_PATH, winner, "after the race");
    let session = snapshot.get(LEADER_PATH).and_then(|e| e.session.clone());
    check.ensure(session.is_some(), "the leader key is bound to no session");
    for (client, name) in clients.iter().zip(names) {
        if name != winner {
            let again = check.ok(client.acquire_leader(name, ttl).await, "acquire_leader");
            check.ensure(!again, format!("loser {name} acquired a held leader key"));
        }
    }
    let snapshot = check.read(&*clients[0]).await;
    check.expect_value(&snapshot, LEADER_PATH, winner, "after the losers retried");
    check.finish().await;
}

/// Renewing succeeds for the holder, across more than one ttl, and returns `Ok(false)` for
/// anyone else without changing the key.
pub async fn leader_renew_only_by_holder<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "leader_renew_only_by_holder").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let ttl = check.ttl();
    check.ensure(
        check.ok(a.acquire_leader("node-a", ttl).await, "acquire_leader"),
        "node-a could not acquire a free leader key",
    );
    let renewed = check.ok(a.renew_leader("node-a", ttl).await, "renew_leader (holder)");
    check.ensure(renewed, "the holder's renew_leader returned false");
    let renewed = check.ok(b.renew_leader("node-b", ttl).await, "renew_leader (other)");
    check.ensure(!renewed, "a non-holder's renew_leader returned true");
    let snapshot = check.read(&*b).await;
    check.expect_value(
        &snapshot,
        LEADER_PATH,
        "node-a",
        "after a non-holder renewed",
    );
    for round in 1..=4 {
        check.harness.advance(check.step()).await;
        let renewed = check.ok(a.renew_leader("node-a", ttl).await, "renew_leader");
        check.ensure(
            renewed,
            format!("renewal {round} (every ttl/3) lost the leader key"),
        );
    }
    let snapshot = check.read(&*b).await;
    check.expect_value(
        &snapshot,
        LEADER_PATH,
        "node-a",
        "after 4/3 ttl of renewals",
    );
    check.finish().await;
}

/// Releasing by a non-holder does nothing; by the holder deletes the key (once), after which
/// another node can acquire it and the old holder cannot release it.
pub async fn leader_release_only_by_holder<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "leader_release_only_by_holder").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let ttl = check.ttl();
    check.ensure(
        check.ok(a.acquire_leader("node-a", ttl).await, "acquire_leader"),
        "node-a could not acquire a free leader key",
    );
    let released = check.ok(b.release_leader("node-b").await, "release_leader (other)");
    check.ensure(!released, "a non-holder's release_leader returned true");
    let snapshot = check.read(&*b).await;
    check.expect_value(
        &snapshot,
        LEADER_PATH,
        "node-a",
        "after a non-holder released",
    );
    let released = check.ok(a.release_leader("node-a").await, "release_leader (holder)");
    check.ensure(released, "the holder's release_leader returned false");
    let snapshot = check.read(&*b).await;
    check.expect_absent(&snapshot, LEADER_PATH, "after the holder released");
    let again = check.ok(a.release_leader("node-a").await, "release_leader (again)");
    check.ensure(!again, "releasing an absent leader key returned true");
    check.ensure(
        check.ok(b.acquire_leader("node-b", ttl).await, "acquire_leader"),
        "node-b could not acquire the released leader key",
    );
    let stale = check.ok(a.release_leader("node-a").await, "release_leader (old)");
    check.ensure(!stale, "the old holder released the new holder's key");
    let snapshot = check.read(&*b).await;
    check.expect_value(
        &snapshot,
        LEADER_PATH,
        "node-b",
        "after the old holder released",
    );
    check.finish().await;
}

/// A holder that stops renewing loses the key after ttl + slack; the expiry is a change that
/// wakes waiters; another node can then acquire it, and the old holder's renew reports
/// `Ok(false)`.
pub async fn expired_leader_lease_frees_key<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "expired_leader_lease_frees_key").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let ttl = check.ttl();
    check.ensure(
        check.ok(a.acquire_leader("node-a", ttl).await, "acquire_leader"),
        "node-a could not acquire a free leader key",
    );
    let before = check.read(&*b).await;
    check.expect_value(&before, LEADER_PATH, "node-a", "after acquiring");
    let a = check.silence(a);
    let mut waited = std::time::Duration::ZERO;
    if a.is_some() {
        // Leases must not expire early: a quarter of the ttl in, the key is still there.
        waited = ttl / 4;
        check.harness.advance(waited).await;
        let snapshot = check.read(&*b).await;
        check.expect_value(
            &snapshot,
            LEADER_PATH,
            "node-a",
            "a quarter ttl after acquiring",
        );
    }
    check.harness.advance(check.expiry() - waited).await;
    check
        .expect_change(&*b, before.revision, "the leader lease expired")
        .await;
    let snapshot = check.read(&*b).await;
    check.expect_absent(
        &snapshot,
        LEADER_PATH,
        "ttl + slack after the holder went silent",
    );
    check.ensure(
        check.ok(b.acquire_leader("node-b", ttl).await, "acquire_leader"),
        "node-b could not acquire the expired leader key",
    );
    if let Some(a) = a {
        let renewed = check.ok(
            a.renew_leader("node-a", ttl).await,
            "renew_leader (expired)",
        );
        check.ensure(!renewed, "the expired holder's renew_leader returned true");
        let released = check.ok(a.release_leader("node-a").await, "release_leader");
        check.ensure(
            !released,
            "the expired holder released the new holder's key",
        );
    }
    let snapshot = check.read(&*b).await;
    check.expect_value(
        &snapshot,
        LEADER_PATH,
        "node-b",
        "after the new holder acquired",
    );
    check.finish().await;
}

/// When the leader key is removed under its holder (e.g. `ctl remove`), the holder's renew
/// returns `Ok(false)` and does not re-create the key; once another node holds it, the old
/// holder can neither renew nor acquire it.
pub async fn renew_fails_after_leader_key_lost<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "renew_fails_after_leader_key_lost").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let admin = check.client("node-admin").await;
    let ttl = check.ttl();
    check.ensure(
        check.ok(a.acquire_leader("node-a", ttl).await, "acquire_leader"),
        "node-a could not acquire a free leader key",
    );
    check.ok(admin.delete_cluster().await, "delete_cluster");
    let renewed = check.ok(
        a.renew_leader("node-a", ttl).await,
        "renew_leader (removed)",
    );
    check.ensure(
        !renewed,
        "renew_leader returned true after the key was removed",
    );
    let snapshot = check.read(&*b).await;
    check.expect_absent(&snapshot, LEADER_PATH, "after a failed renew");
    check.ensure(
        check.ok(b.acquire_leader("node-b", ttl).await, "acquire_leader"),
        "node-b could not acquire the removed leader key",
    );
    let renewed = check.ok(a.renew_leader("node-a", ttl).await, "renew_leader (taken)");
    check.ensure(!renewed, "renew_leader returned true on another node's key");
    let acquired = check.ok(
        a.acquire_leader("node-a", ttl).await,
        "acquire_leader (taken)",
    );
    check.ensure(!acquired, "node-a acquired another node's leader key");
    let snapshot = check.read(&*b).await;
    check.expect_value(
        &snapshot,
        LEADER_PATH,
        "node-b",
        "after the old holder retried",
    );
    check.finish().await;
}
