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
            check.expect_answer(
                client.acquire_leader(name, ttl).await,
                false,
                "acquire_leader",
                format!("loser {name} acquired a held leader key"),
            );
        }
    }
    check
        .expect_leader(&*clients[0], winner, "after the losers retried")
        .await;
    check.finish().await;
}

/// Renewing succeeds for the holder, across more than one ttl, and returns `Ok(false)` for
/// anyone else without changing the key.
pub async fn leader_renew_only_by_holder<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "leader_renew_only_by_holder").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let ttl = check.ttl();
    check.acquire(&*a, "node-a", "a free").await;
    check.expect_answer(
        a.renew_leader("node-a", ttl).await,
        true,
        "renew_leader (holder)",
        "the holder's renew_leader returned false",
    );
    check.expect_answer(
        b.renew_leader("node-b", ttl).await,
        false,
        "renew_leader (other)",
        "a non-holder's renew_leader returned true",
    );
    check
        .expect_leader(&*b, "node-a", "after a non-holder renewed")
        .await;
    for round in 1..=4 {
        check.harness.advance(check.step()).await;
        check.expect_answer(
            a.renew_leader("node-a", ttl).await,
            true,
            "renew_leader",
            format!("renewal {round} (every ttl/3) lost the leader key"),
        );
    }
    check
        .expect_leader(&*b, "node-a", "after 4/3 ttl of renewals")
        .await;
    check.finish().await;
}

/// Releasing by a non-holder does nothing; by the holder deletes the key (once), after which
/// another node can acquire it and the old holder cannot release it.
pub async fn leader_release_only_by_holder<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "leader_release_only_by_holder").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    check.acquire(&*a, "node-a", "a free").await;
    check.expect_answer(
        b.release_leader("node-b").await,
        false,
        "release_leader (other)",
        "a non-holder's release_leader returned true",
    );
    check
        .expect_leader(&*b, "node-a", "after a non-holder released")
        .await;
    check.expect_answer(
        a.release_leader("node-a").await,
        true,
        "release_leader (holder)",
        "the holder's release_leader returned false",
    );
    let snapshot = check.read(&*b).await;
    check.expect_absent(&snapshot, LEADER_PATH, "after the holder released");
    check.expect_answer(
        a.release_leader("node-a").await,
        false,
        "release_leader (again)",
        "releasing an absent leader key returned true",
    );
    check.acquire(&*b, "node-b", "the released").await;
    check.expect_answer(
        a.release_leader("node-a").await,
        false,
        "release_leader (old)",
        "the old holder released the new holder's key",
    );
    check
        .expect_leader(&*b, "node-b", "after the old holder released")
        .await;
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
    check.acquire(&*a, "node-a", "a free").await;
    let before = check.read(&*b).await;
    check.expect_value(&before, LEADER_PATH, "node-a", "after acquiring");
    let a = check.silence(a);
    let mut waited = std::time::Duration::ZERO;
    if a.is_some() {
        // Leases must not expire early: a quarter of the ttl in, the key is still there.
        waited = ttl / 4;
        check.harness.advance(waited).await;
        check
            .expect_leader(&*b, "node-a", "a quarter ttl after acquiring")
            .await;
    }
    check.harness.advance(check.expiry() - waited).await;
    check
        .expect_change(&*b, before.revision, "the leader lease expired")
        .await;
    check
        .expect_expired(
            &*b,
            &[LEADER_PATH],
            &[],
            "ttl + slack after the holder went silent",
        )
        .await;
    check.acquire(&*b, "node-b", "the expired").await;
    if let Some(a) = a {
        check.expect_answer(
            a.renew_leader("node-a", ttl).await,
            false,
            "renew_leader (expired)",
            "the expired holder's renew_leader returned true",
        );
        check.expect_answer(
            a.release_leader("node-a").await,
            false,
            "release_leader",
            "the expired holder released the new holder's key",
        );
    }
    check
        .expect_leader(&*b, "node-b", "after the new holder acquired")
        .await;
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
    check.acquire(&*a, "node-a", "a free").await;
    check.ok(admin.delete_cluster().await, "delete_cluster");
    check.expect_answer(
        a.renew_leader("node-a", ttl).await,
        false,
        "renew_leader (removed)",
        "renew_leader returned true after the key was removed",
    );
    let snapshot = check.read(&*b).await;
    check.expect_absent(&snapshot, LEADER_PATH, "after a failed renew");
    check.acquire(&*b, "node-b", "the removed").await;
    check.expect_answer(
        a.renew_leader("node-a", ttl).await,
        false,
        "renew_leader (taken)",
        "renew_leader returned true on another node's key",
    );
    check.expect_answer(
        a.acquire_leader("node-a", ttl).await,
        false,
        "acquire_leader (taken)",
        "node-a acquired another node's leader key",
    );
    check
        .expect_leader(&*b, "node-b", "after the old holder retried")
        .await;
    check.finish().await;
}
