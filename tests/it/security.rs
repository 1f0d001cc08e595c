//! Issue 15 over real HTTP through the tower layer, with the time driven by
//! a test clock: revocation (per user, global, through the async form, and
//! a failing lookup under both policies), the absolute lifetime, the
//! key-rotation lifecycle (re-signing, usage counts, retirement),
//! throttled refresh and the `Partitioned` attribute; then a property over
//! random sequences of requests, times and revocations.
#![cfg(feature = "axum")]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use signed_session::clock::ManualClock;
use signed_session::http::{
    ConfigError, CookieConfig, SaveErrorKind, SessionHandle, SessionLayer, SessionMiddleware,
};
use signed_session::session::revocation::{
    AllSessionsNotBefore, AsyncUserNotBefore, CheckError, CheckFailurePolicy, Revocation,
    UserNotBefore,
};
use signed_session::{
    DecodeError, DecodeErrorKind, Keyring, Secret, SessionConfig, SignatureFailure,
};
use time::{Duration, OffsetDateTime};

use crate::http_client::{Reply, get as http_get, send, serve};

const NEW: &str = "security-test-current-secret";
const OLD: &str = "security-test-retired-secret";
/// 2025-06-01 12:00:00 UTC.
const T0: i64 = 1_748_779_200;

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0).unwrap()
}

fn ring() -> Keyring {
    Keyring::new(Secret::new(NEW).unwrap())
}

/// `/login/{user}` logs a user in as Django's `login()` does to the
/// session; `/whoami` reports the user or why the cookie was refused;
/// `/count` modifies; `/peek` only reads; `/logout` flushes.
fn router(layer: SessionLayer) -> Router {
    async fn login(session: SessionHandle, Path(user): Path<String>) -> &'static str {
        session.cycle_key();
        session.insert("_auth_user_id", user);
        "ok"
    }
    async fn whoami(session: SessionHandle) -> String {
        let user = session.get_as::<String>("_auth_user_id").unwrap();
        let why = session.with(|s| s.load_error().map(|e| e.kind().as_str()));
        match (user, why) {
            (Some(user), _) => user,
            (None, Some(why)) => format!("anonymous ({why})"),
            (None, None) => "anonymous".to_owned(),
        }
    }
    async fn count(session: SessionHandle) -> String {
        let n = session.get_as::<u64>("n").unwrap().unwrap_or(0) + 1;
        session.insert("n", n);
        n.to_string()
    }
    async fn peek(session: SessionHandle) -> String {
        format!("{:?}", session.get("n").and_then(|v| v.as_i64()))
    }
    async fn logout(session: SessionHandle) -> &'static str {
        session.flush();
        "bye"
    }
    Router::new()
        .route("/login/{user}", post(login))
        .route("/whoami", get(whoami))
        .route("/count", get(count))
        .route("/peek", get(peek))
        .route("/logout", post(logout))
        .layer(layer)
}

async fn start(middleware: SessionMiddleware) -> (SocketAddr, SessionLayer) {
    let layer = SessionLayer::new(middleware);
    (serve(router(layer.clone())).await, layer)
}

fn jar(reply: &Reply) -> String {
    let value = reply
        .cookie("sessionid")
        .unwrap_or_else(|| panic!("no session cookie in {:?}", reply.headers));
    format!("sessionid={value}")
}

/// The per-user not-before times, as an application would keep them.
type Table = Arc<Mutex<HashMap<String, OffsetDateTime>>>;

fn revoke_user(table: &Table, user: &str, at: OffsetDateTime) {
    table.lock().unwrap().insert(user.to_owned(), at);
}

/// "Log out everywhere", through the async form of the check: every copy
/// of every cookie the user had is refused on its next request, and a new
/// cookie replaces it; another user is untouched; logging in again works.
#[tokio::test]
async fn a_user_logged_out_everywhere_is_refused_with_every_copy() {
    let clock = ManualClock::new(t0());
    let table: Table = Arc::default();
    let lookup = Arc::clone(&table);
    let check = AsyncUserNotBefore::new(move |user: String| {
        let lookup = Arc::clone(&lookup);
        async move {
            // A real application awaits its database here.
            tokio::task::yield_now().await;
            Ok(lookup.lock().unwrap().get(&user).copied())
        }
    });
    let middleware = SessionMiddleware::new(
        &ring(),
        SessionConfig::new().with_clock(clock.clone()),
        CookieConfig::new(),
    )
    .unwrap()
    .with_async_check(check);
    let (addr, _) = start(middleware).await;

    let laptop = jar(&send(addr, "POST", "/login/7", None, None).await);
    clock.advance(Duration::seconds(10));
    let phone = jar(&send(addr, "POST", "/login/7", None, None).await);
    let stolen = laptop.clone();
    let other = jar(&send(addr, "POST", "/login/8", None, None).await);
    for cookie in [&laptop, &phone, &stolen] {
        assert_eq!(http_get(addr, "/whoami", Some(cookie)).await.body, "7");
    }

    clock.advance(Duration::seconds(10));
    revoke_user(&table, "7", clock_now(&clock));
    clock.advance(Duration::seconds(1));
    for cookie in [&laptop, &phone, &stolen] {
        let reply = http_get(addr, "/whoami", Some(cookie)).await;
        assert_eq!(reply.body, "anonymous (revoked)");
        // A signed `{}` replaces the refused cookie, as for an expired one.
        let replaced = reply.cookie("sessionid").expect("a replacement cookie");
        assert_ne!(format!("sessionid={replaced}"), *cookie);
    }
    assert_eq!(http_get(addr, "/whoami", Some(&other)).await.body, "8");

    // Logging in again after the revocation is not refused.
    let fresh = jar(&send(addr, "POST", "/login/7", Some(&laptop), None).await);
    clock.advance(Duration::minutes(1));
    assert_eq!(http_get(addr, "/whoami", Some(&fresh)).await.body, "7");
}

fn clock_now(clock: &ManualClock) -> OffsetDateTime {
    use signed_session::clock::Clock as _;
    clock.now()
}

/// The same through the synchronous form, given to the session config, and
/// the global "log everyone out" with no key change.
#[tokio::test]
async fn sync_user_check_and_global_not_before() {
    let clock = ManualClock::new(t0());
    let table: Table = Arc::default();
    let lookup = Arc::clone(&table);
    let everyone = AllSessionsNotBefore::new();
    let config = SessionConfig::new()
        .with_clock(clock.clone())
        .with_revocation_check(everyone.clone())
        .with_revocation_check(UserNotBefore::new(move |user: &str| {
            Ok(lookup.lock().unwrap().get(user).copied())
        }));
    let middleware = SessionMiddleware::new(&ring(), config, CookieConfig::new()).unwrap();
    let (addr, _) = start(middleware).await;

    let alice = jar(&send(addr, "POST", "/login/alice", None, None).await);
    let bob = jar(&send(addr, "POST", "/login/bob", None, None).await);
    clock.advance(Duration::seconds(5));
    revoke_user(&table, "alice", clock_now(&clock));
    assert_eq!(
        http_get(addr, "/whoami", Some(&alice)).await.body,
        "anonymous (revoked)"
    );
    assert_eq!(http_get(addr, "/whoami", Some(&bob)).await.body, "bob");

    // Everyone: bob too, with the same key as before.
    everyone.set(clock_now(&clock) + Duration::milliseconds(500));
    clock.advance(Duration::seconds(1));
    assert_eq!(
        http_get(addr, "/whoami", Some(&bob)).await.body,
        "anonymous (revoked)"
    );
    let again = jar(&send(addr, "POST", "/login/bob", Some(&bob), None).await);
    assert_eq!(http_get(addr, "/whoami", Some(&again)).await.body, "bob");
    everyone.clear();
}

/// A lookup that fails: refused by default, accepted (with a warning)
/// when the policy says to fail open.
#[tokio::test]
async fn a_failing_lookup_follows_the_failure_policy() {
    for (policy, expected) in [
        (CheckFailurePolicy::FailClosed, "anonymous (revoked)"),
        (CheckFailurePolicy::FailOpen, "7"),
    ] {
        let clock = ManualClock::new(t0());
        let check = AsyncUserNotBefore::new(|_user: String| async {
            Err(CheckError::new("database unreachable"))
        });
        let config = SessionConfig::new()
            .with_clock(clock.clone())
            .with_check_failure_policy(policy);
        let middleware = SessionMiddleware::new(&ring(), config, CookieConfig::new())
            .unwrap()
            .with_async_check(check);
        let codec = middleware.codec().clone();
        let (addr, _) = start(middleware).await;
        let cookie = jar(&send(addr, "POST", "/login/7", None, None).await);
        assert_eq!(
            http_get(addr, "/whoami", Some(&cookie)).await.body,
            expected
        );
        // The codec alone (without the async checks) accepts it.
        let value = cookie.strip_prefix("sessionid=").unwrap();
        assert!(codec.try_load(Some(value)).is_ok());
    }
}

/// The reason a closed failure gives is typed and carries the lookup's
/// error; the sync form with the codec alone.
#[test]
fn a_closed_failure_is_a_typed_revocation() {
    let clock = ManualClock::new(t0());
    let config = SessionConfig::new()
        .with_clock(clock)
        .with_revocation_check(UserNotBefore::new(|_: &str| {
            Err(CheckError::new("timeout"))
        }));
    let codec = signed_session::SessionCodec::new(&ring(), config);
    let mut session = codec.load(None);
    session.insert("_auth_user_id", "7");
    let cookie = codec.save(&mut session).unwrap();
    match codec.try_load(Some(&cookie)) {
        Err(DecodeError::Revoked(Revocation::CheckFailed(e))) => assert_eq!(e.message(), "timeout"),
        other => panic!("expected a failed check, got {other:?}"),
    }
    // An anonymous session is never looked up.
    let mut anonymous = codec.load(None);
    anonymous.insert("n", 1);
    let cookie = codec.save(&mut anonymous).unwrap();
    assert!(codec.try_load(Some(&cookie)).is_ok());
}

/// An active session (re-signed every 20 minutes, inside the 30-minute
/// idle timeout) is refused once it is older than its one-hour absolute
/// lifetime; logging out and in starts a new lifetime.
#[tokio::test]
async fn a_session_past_its_absolute_lifetime_is_refused_while_active() {
    let clock = ManualClock::new(t0());
    let config = SessionConfig::new()
        .with_clock(clock.clone())
        .with_cookie_age(Duration::minutes(30))
        .with_absolute_lifetime(Some(Duration::hours(1)));
    let middleware = SessionMiddleware::new(&ring(), config, CookieConfig::new()).unwrap();
    let (addr, layer) = start(middleware).await;

    let mut cookie = jar(&send(addr, "POST", "/login/7", None, None).await);
    let codec = layer.middleware().codec();
    let created = codec
        .try_load(cookie.strip_prefix("sessionid="))
        .unwrap()
        .created_at();
    assert_eq!(created, Some(t0()));
    for expected in 1..=3 {
        clock.advance(Duration::minutes(20));
        let reply = http_get(addr, "/count", Some(&cookie)).await;
        assert_eq!(
            reply.body,
            expected.to_string(),
            "at {:?}",
            clock_now(&clock)
        );
        cookie = jar(&reply);
    }
    // 60 minutes: at the limit, still accepted. A login (cycle_key) keeps
    // the creation time.
    let reply = send(addr, "POST", "/login/7", Some(&cookie), None).await;
    cookie = jar(&reply);
    clock.advance(Duration::minutes(1));
    // 61 minutes after creation, one minute after the last re-signing.
    let reply = http_get(addr, "/whoami", Some(&cookie)).await;
    assert_eq!(reply.body, "anonymous (lifetime_exceeded)");
    match codec.try_load(cookie.strip_prefix("sessionid=")) {
        Err(DecodeError::LifetimeExceeded { age, max_age }) => {
            assert_eq!(age, Duration::minutes(61));
            assert_eq!(max_age, Duration::hours(1));
        }
        other => panic!("expected LifetimeExceeded, got {other:?}"),
    }

    // A new login after that starts a new lifetime.
    let fresh = jar(&send(addr, "POST", "/login/7", Some(&cookie), None).await);
    let session = codec.try_load(fresh.strip_prefix("sessionid=")).unwrap();
    assert_eq!(session.created_at(), Some(clock_now(&clock)));

    // flush() drops the creation time: the next session stamps its own.
    clock.advance(Duration::minutes(5));
    let reply = send(addr, "POST", "/logout", Some(&fresh), None).await;
    assert!(reply.cookie("sessionid").is_some_and(|v| v == "\"\""));
    let next = jar(&http_get(addr, "/count", None).await);
    let session = codec.try_load(next.strip_prefix("sessionid=")).unwrap();
    assert_eq!(session.created_at(), Some(clock_now(&clock)));
}

/// A cookie signed with a fallback key is re-signed with the current key
/// on its first request, even a read-only one, once: the next request
/// matches key 0 and gets no `Set-Cookie`. The usage counts show it.
#[tokio::test]
async fn a_fallback_key_cookie_is_resigned_once_then_matches_key_0() {
    let clock = ManualClock::new(t0());
    let old = SessionMiddleware::new(
        &Keyring::new(Secret::new(OLD).unwrap()),
        SessionConfig::new().with_clock(clock.clone()),
        CookieConfig::new(),
    )
    .unwrap();
    let (old_addr, _) = start(old).await;
    let old_cookie = jar(&http_get(old_addr, "/count", None).await);

    let rotated = ring().with_fallback(Secret::new(OLD).unwrap());
    let middleware = SessionMiddleware::new(
        &rotated,
        SessionConfig::new().with_clock(clock.clone()),
        CookieConfig::new(),
    )
    .unwrap();
    let (addr, layer) = start(middleware).await;
    clock.advance(Duration::minutes(1));

    let reply = http_get(addr, "/peek", Some(&old_cookie)).await;
    assert_eq!(reply.body, "Some(1)");
    let resigned = jar(&reply);
    assert_ne!(resigned, old_cookie);
    // Signed with the current key: a keyring of the current key alone reads it.
    let current_only =
        signed_session::SessionCodec::new(&ring(), SessionConfig::new().with_clock(clock.clone()));
    let session = current_only
        .try_load(resigned.strip_prefix("sessionid="))
        .unwrap();
    assert_eq!(session.key_index(), Some(0));

    let reply = http_get(addr, "/peek", Some(&resigned)).await;
    assert_eq!(reply.body, "Some(1)");
    assert!(reply.set_cookies().is_empty(), "{:?}", reply.set_cookies());

    let usage = layer.middleware().codec().key_usage();
    assert_eq!((usage[0].matches, usage[1].matches), (1, 1));
    assert_eq!(usage[1].last_match, Some(clock_now(&clock)));

    // With re-signing off, Django's behaviour: no cookie for a read.
    let django_like = SessionMiddleware::new(
        &rotated,
        SessionConfig::new().with_clock(clock.clone()),
        CookieConfig::new().with_resign_fallback(false),
    )
    .unwrap();
    let (addr, _) = start(django_like).await;
    let reply = http_get(addr, "/peek", Some(&old_cookie)).await;
    assert_eq!(reply.body, "Some(1)");
    assert!(reply.set_cookies().is_empty());
}

/// A fallback key with a retirement time verifies until then, and is
/// refused from that instant, with a typed reason.
#[tokio::test]
async fn a_retired_key_is_refused() {
    let clock = ManualClock::new(t0());
    let old = signed_session::SessionCodec::new(
        &Keyring::new(Secret::new(OLD).unwrap()),
        SessionConfig::new().with_clock(clock.clone()),
    );
    let mut session = old.load(None);
    session.insert("_auth_user_id", "7");
    let old_cookie = format!("sessionid={}", old.save(&mut session).unwrap());

    let retire_at = t0() + Duration::days(1);
    let ring = ring().with_fallback_until(Secret::new(OLD).unwrap(), retire_at);
    let middleware = SessionMiddleware::new(
        &ring,
        SessionConfig::new().with_clock(clock.clone()),
        CookieConfig::new().with_resign_fallback(false),
    )
    .unwrap();
    let (addr, layer) = start(middleware).await;

    clock.set(retire_at - Duration::seconds(1));
    assert_eq!(http_get(addr, "/whoami", Some(&old_cookie)).await.body, "7");
    clock.set(retire_at);
    let reply = http_get(addr, "/whoami", Some(&old_cookie)).await;
    assert_eq!(reply.body, "anonymous (bad_signature)");
    let codec = layer.middleware().codec();
    assert_eq!(
        codec
            .try_load(old_cookie.strip_prefix("sessionid="))
            .unwrap_err(),
        DecodeError::BadSignature(SignatureFailure::Retired { key_index: 1 })
    );
    assert_eq!(codec.key_usage()[1].retire_at, Some(retire_at));
}

/// `SESSION_SAVE_EVERY_REQUEST` with and without a refresh interval, over
/// one scripted browsing sequence: 30 minutes, a request every 30 seconds,
/// three of them modifying the session.
#[tokio::test]
async fn throttled_refresh_sends_fewer_cookies() {
    let mut counts = Vec::new();
    for interval in [None, Some(Duration::minutes(5))] {
        let clock = ManualClock::new(t0());
        let middleware = SessionMiddleware::new(
            &ring(),
            SessionConfig::new().with_clock(clock.clone()),
            CookieConfig::new()
                .with_save_every_request(true)
                .with_refresh_interval(interval),
        )
        .unwrap();
        let (addr, layer) = start(middleware).await;
        let mut cookie = jar(&http_get(addr, "/count", None).await);
        let mut set_cookies = 0;
        let mut requests = 0;
        for step in 1..=60 {
            clock.advance(Duration::seconds(30));
            let path = if step % 20 == 0 { "/count" } else { "/peek" };
            let reply = http_get(addr, path, Some(&cookie)).await;
            requests += 1;
            if let Some(value) = reply.cookie("sessionid") {
                set_cookies += 1;
                cookie = format!("sessionid={value}");
            }
        }
        // The session survived, with its three increments.
        let session = layer
            .middleware()
            .codec()
            .try_load(cookie.strip_prefix("sessionid="))
            .unwrap();
        assert_eq!(session.get("n").and_then(|v| v.as_i64()), Some(4));
        println!(
            "throttled refresh: interval {:?} s: {set_cookies} Set-Cookie headers over \
             {requests} requests",
            interval.map(Duration::whole_seconds)
        );
        counts.push(set_cookies);
    }
    // Every request without a throttle. With a 5-minute interval: the
    // re-signings at minutes 5, 15 and 25 (the cookie is five minutes old)
    // and the three modifying requests at minutes 10, 20 and 30, which
    // also reset the age.
    assert_eq!(counts, [60, 6]);
}

/// `Partitioned` is written (with `Secure`) on the cookie and on its
/// deletion, counts toward the budget, and needs `Secure`.
#[tokio::test]
async fn partitioned_cookies_and_the_budget() {
    assert_eq!(
        CookieConfig::new().with_partitioned(true).validate(),
        Err(ConfigError::PartitionedWithoutSecure)
    );
    let config = CookieConfig::new()
        .with_name("__Host-sid")
        .with_secure(true)
        .with_partitioned(true);
    let middleware = SessionMiddleware::new(&ring(), SessionConfig::new(), config.clone()).unwrap();
    let (addr, _) = start(middleware).await;
    let reply = http_get(addr, "/count", None).await;
    let line = reply.cookie_line("__Host-sid").unwrap();
    assert!(line.ends_with("; Secure; Partitioned"), "{line}");
    let value = reply.cookie("__Host-sid").unwrap();
    let reply = send(
        addr,
        "POST",
        "/logout",
        Some(&format!("__Host-sid={value}")),
        None,
    )
    .await;
    let deletion = reply.cookie_line("__Host-sid").unwrap();
    assert!(
        deletion.contains("Max-Age=0") && deletion.ends_with("; Secure; Partitioned"),
        "{deletion}"
    );

    // The budget is measured on the whole header, `Partitioned` included:
    // a budget one byte short of it refuses the cookie.
    let header_len = line.len();
    let mut session = signed_session::session::Session::new();
    session.insert("n", 1);
    let tight = SessionMiddleware::new(
        &ring(),
        SessionConfig::new(),
        config.clone().with_size_budget(header_len - 1),
    )
    .unwrap();
    assert_eq!(
        tight.preview(&session).unwrap_err().kind(),
        SaveErrorKind::TooLarge
    );
    let exact = SessionMiddleware::new(
        &ring(),
        SessionConfig::new(),
        config.with_size_budget(header_len),
    )
    .unwrap();
    assert_eq!(exact.preview(&session).unwrap().len(), header_len);

    // The prefix rules are enforced when the middleware is built.
    for bad in [
        CookieConfig::new()
            .with_name("__Host-sid")
            .with_secure(true)
            .with_domain(Some("example.com".into())),
        CookieConfig::new().with_name("__Secure-sid"),
    ] {
        assert!(matches!(
            SessionMiddleware::new(&ring(), SessionConfig::new(), bad),
            Err(ConfigError::Prefix { .. })
        ));
    }
}

mod property {
    //! No sequence of requests, times and revocations ever loads a session
    //! that a check says is revoked, and no session is refused that none
    //! says is.

    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        /// Time passes, in seconds (fractions matter for the rounding).
        Wait(u16, u16),
        /// Device `d` logs user `u` in.
        Login(usize, usize),
        /// Device `d` makes a request that modifies the session or not.
        Request(usize, bool),
        /// Device `d` copies device `e`'s cookie (a stolen copy).
        Copy(usize, usize),
        /// User `u` is logged out everywhere, now.
        RevokeUser(usize),
        /// Everyone is logged out, now.
        RevokeAll,
        /// Device `d` logs out.
        Logout(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u16..400, 0u16..1000).prop_map(|(s, ms)| Op::Wait(s, ms)),
            3 => (0usize..4, 0usize..3).prop_map(|(d, u)| Op::Login(d, u)),
            6 => (0usize..4, any::<bool>()).prop_map(|(d, m)| Op::Request(d, m)),
            1 => (0usize..4, 0usize..4).prop_map(|(d, e)| Op::Copy(d, e)),
            1 => (0usize..3).prop_map(Op::RevokeUser),
            1 => Just(Op::RevokeAll),
            1 => (0usize..4).prop_map(Op::Logout),
        ]
    }

    /// The model's own definition of revoked: signed before the user's or
    /// everyone's not-before time (rounded up to a whole second).
    fn revoked_by_model(
        signed_at: i64,
        user: Option<&str>,
        users: &HashMap<String, OffsetDateTime>,
        all: Option<OffsetDateTime>,
    ) -> bool {
        let ceil = |t: OffsetDateTime| t.unix_timestamp() + i64::from(t.nanosecond() > 0);
        all.is_some_and(|t| signed_at < ceil(t))
            || user
                .and_then(|u| users.get(u))
                .is_some_and(|t| signed_at < ceil(*t))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn no_revoked_session_ever_loads(ops in proptest::collection::vec(op(), 1..60)) {
            let clock = ManualClock::new(t0());
            let table: Table = Arc::default();
            let lookup = Arc::clone(&table);
            let everyone = AllSessionsNotBefore::new();
            let config = SessionConfig::new()
                .with_clock(clock.clone())
                .with_absolute_lifetime(Some(Duration::hours(2)))
                .with_revocation_check(everyone.clone())
                .with_revocation_check(UserNotBefore::new(move |user: &str| {
                    Ok(lookup.lock().unwrap().get(user).copied())
                }));
            let codec = signed_session::SessionCodec::new(&ring(), config);
            let mut devices: Vec<Option<String>> = vec![None; 4];
            for op in ops {
                match op {
                    Op::Wait(s, ms) => clock.advance(
                        Duration::seconds(i64::from(s)) + Duration::milliseconds(i64::from(ms)),
                    ),
                    Op::RevokeUser(u) => revoke_user(&table, &u.to_string(), clock_now(&clock)),
                    Op::RevokeAll => everyone.set(clock_now(&clock)),
                    Op::Copy(d, e) => devices[d] = devices[e].clone(),
                    Op::Login(_, _) | Op::Request(_, _) | Op::Logout(_) => {
                        let d = match op {
                            Op::Login(d, _) | Op::Request(d, _) | Op::Logout(d) => d,
                            _ => unreachable!(),
                        };
                        let cookie = devices[d].clone();
                        let mut session = codec.load(cookie.as_deref());
                        // Check the outcome against the model, on the
                        // token's own contents read without any check.
                        if let Some(token) = cookie.as_deref() {
                            let bare = signed_session::SessionCodec::new(
                                &ring(),
                                SessionConfig::new().with_clock(clock.clone()),
                            );
                            if let Ok(raw) = bare.try_load(Some(token)) {
                                let signed_at = raw.signed_at().unwrap().unix_timestamp();
                                let user = raw.get_as::<String>("_auth_user_id").unwrap();
                                let users = table.lock().unwrap().clone();
                                let revoked = revoked_by_model(signed_at, user.as_deref(), &users, everyone.get());
                                let kind = session.load_error().map(DecodeError::kind);
                                if revoked {
                                    // The absolute lifetime is checked first and may
                                    // refuse it already; either way it does not load.
                                    prop_assert!(
                                        matches!(kind, Some(DecodeErrorKind::Revoked | DecodeErrorKind::LifetimeExceeded)),
                                        "{:?}", kind
                                    );
                                    prop_assert!(session.get("_auth_user_id").is_none());
                                } else {
                                    prop_assert_ne!(kind, Some(DecodeErrorKind::Revoked));
                                }
                            }
                        }
                        match op {
                            Op::Login(_, u) => {
                                session.cycle_key();
                                session.insert("_auth_user_id", u.to_string());
                            }
                            Op::Request(_, true) => {
                                let n = session.get("n").and_then(|v| v.as_i64()).unwrap_or(0);
                                session.insert("n", n + 1);
                            }
                            Op::Logout(_) => session.flush(),
                            _ => {}
                        }
                        if session.modified() && !session.is_blank() {
                            devices[d] = Some(codec.save(&mut session).unwrap());
                        } else if session.is_blank() {
                            devices[d] = None;
                        }
                    }
                }
            }
        }
    }
}
