//! Checks of member keys: visible with their value, kept alive by touching (together with the
//! leader key on the same lease), gone after ttl + slack without it.

use super::check::Check;
use super::Harness;
use crate::model::LEADER_PATH;

const A_PATH: &str = "members/node-a";
const B_PATH: &str = "members/node-b";
const A_V1: &str = r#"{"role":"primary","state":"running"}"#;
const A_V2: &str = r#"{"role":"primary","state":"running","timeline":2}"#;
const B_V1: &str = r#"{"role":"replica","state":"running"}"#;

/// Member keys are visible with their value and a session (the leader's, for the leader's
/// node); touching updates them and keeps the whole lease alive, leader key included; when a
/// node goes silent its member and leader keys vanish after ttl + slack while a node that
/// keeps touching stays; a silent node that touches again gets a new lease.
pub async fn member_keys_follow_their_lease<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "member_keys_follow_their_lease").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let ttl = check.ttl();
    check.acquire(&*a, "node-a", "a free").await;
    check.ok(a.touch_member("node-a", A_V1, ttl).await, "touch_member");
    check.ok(b.touch_member("node-b", B_V1, ttl).await, "touch_member");

    let snapshot = check.read(&*b).await;
    check.expect_value(&snapshot, A_PATH, A_V1, "after touching");
    check.expect_value(&snapshot, B_PATH, B_V1, "after touching");
    let session = |path: &str| snapshot.get(path).and_then(|e| e.session.clone());
    let (leader_session, a_session, b_session) =
        (session(LEADER_PATH), session(A_PATH), session(B_PATH));
    check.ensure(a_session.is_some(), "node-a's member key has no session");
    check.ensure(b_session.is_some(), "node-b's member key has no session");
    check.ensure(
        leader_session == a_session,
        format!("leader session {leader_session:?} differs from its member's {a_session:?}"),
    );
    check.ensure(a_session != b_session, "two clients share a session");
    let v1 = snapshot.get(A_PATH).map_or(0, |e| e.version);

    check.ok(
        a.touch_member("node-a", A_V2, ttl).await,
        "touch_member (update)",
    );
    let updated = check.read(&*b).await;
    check.expect_value(&updated, A_PATH, A_V2, "after updating");
    let v2 = updated.get(A_PATH).map_or(0, |e| e.version);
    check.ensure(
        v2 > v1,
        format!("updating moved the version from {v1} to {v2}"),
    );

    let touching: [(&dyn crate::Dcs, &str, &str); 2] =
        [(&*a, "node-a", A_V2), (&*b, "node-b", B_V1)];
    check.advance_touching(check.step() * 4, &touching).await;
    let snapshot = check.read(&*b).await;
    check.expect_value(
        &snapshot,
        LEADER_PATH,
        "node-a",
        "after 4/3 ttl of touch_member",
    );
    check.expect_value(&snapshot, A_PATH, A_V2, "after 4/3 ttl of touching");
    check.expect_value(&snapshot, B_PATH, B_V1, "after 4/3 ttl of touching");

    let a = check.silence(a);
    let keep_b: [(&dyn crate::Dcs, &str, &str); 1] = [(&*b, "node-b", B_V1)];
    check.advance_touching(check.expiry(), &keep_b).await;
    let when = "ttl + slack after node-a went silent";
    let snapshot = check
        .expect_expired(&*b, &[A_PATH, LEADER_PATH], &keep_b, when)
        .await;
    check.expect_value(&snapshot, B_PATH, B_V1, when);

    if let Some(a) = a {
        check.ok(
            a.touch_member("node-a", A_V1, ttl).await,
            "touch_member (again)",
        );
        let back = check.entry(&*b, A_PATH).await;
        match back {
            Some(e) if e.value == A_V1 => check.ensure(
                e.session.is_some() && e.session != a_session,
                format!(
                    "the expired lease {a_session:?} was reused ({:?}) instead of a new grant",
                    e.session
                ),
            ),
            other => check.fail(format!(
                "touching after expiry left `{A_PATH}` at {other:?}"
            )),
        }
    }
    check.finish().await;
}

/// `refresh_member` keeps an unchanged member key (and the node's lease, leader key
/// included) alive without changing its value; after the lease expired, a refresh brings
/// the key back with the value it is given.
pub async fn refresh_keeps_member_key<H: Harness + ?Sized>(harness: &H) {
    let check = Check::start(harness, "refresh_keeps_member_key").await;
    let a = check.client("node-a").await;
    let b = check.client("node-b").await;
    let ttl = check.ttl();
    check.acquire(&*a, "node-a", "a free").await;
    check.ok(a.touch_member("node-a", A_V1, ttl).await, "touch_member");

    let mut elapsed = std::time::Duration::ZERO;
    while elapsed < check.step() * 4 {
        harness.advance(check.step()).await;
        elapsed += check.step();
        check.ok(
            a.refresh_member("node-a", A_V1, ttl).await,
            "refresh_member",
        );
    }
    let snapshot = check.read(&*b).await;
    let when = "after 4/3 ttl of refresh_member";
    check.expect_value(&snapshot, A_PATH, A_V1, when);
    check.expect_value(&snapshot, LEADER_PATH, "node-a", when);

    if let Some(a) = check.silence(a) {
        check.advance_touching(check.expiry(), &[]).await;
        check
            .expect_expired(&*b, &[A_PATH], &[], "ttl + slack of silence")
            .await;
        check.ok(
            a.refresh_member("node-a", A_V1, ttl).await,
            "refresh_member (after expiry)",
        );
        let back = check.read(&*b).await;
        check.expect_value(&back, A_PATH, A_V1, "refreshing after expiry");
    }
    check.finish().await;
}
