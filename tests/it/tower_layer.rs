//! The tower layer and the axum extractor over real HTTP: an axum server on
//! 127.0.0.1 with an ephemeral port, and a hyper client.
#![cfg(feature = "axum")]

use crate::common::noise;
use crate::http_client;

use std::net::SocketAddr;

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_client::{Reply, get as http_get, send, serve};
use signed_session::clock::{Clock, ManualClock, SystemClock};
use signed_session::http::{
    CookieConfig, OversizePolicy, SaveError, SessionHandle, SessionLayer, SessionMiddleware,
};
use signed_session::session::SessionCodec;
use signed_session::{Keyring, Secret, SessionConfig};

const SECRET: &str = "tower-layer-test-secret";

fn keys() -> Keyring {
    Keyring::new(Secret::new(SECRET).unwrap())
}

async fn count(session: SessionHandle) -> String {
    let n = session.get_as::<u64>("n").unwrap().unwrap_or(0) + 1;
    session.insert("n", n);
    n.to_string()
}

async fn peek(session: SessionHandle) -> String {
    format!("{:?}", session.get("n").and_then(|v| v.as_i64()))
}

async fn login(session: SessionHandle) -> &'static str {
    session.cycle_key();
    session.insert("user", "alice");
    "logged in"
}

async fn logout(session: SessionHandle) -> &'static str {
    session.flush();
    "logged out"
}

async fn big(session: SessionHandle) -> &'static str {
    session.insert("blob", noise(6000));
    "stored"
}

/// The handler-side check: find out before answering and store less.
async fn big_checked(session: SessionHandle) -> Response {
    session.insert("blob", noise(6000));
    match session.check_size() {
        Ok(_) => "stored".into_response(),
        Err(SaveError::TooLarge(e)) => {
            session.remove("blob");
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{} bytes over", e.excess()),
            )
                .into_response()
        }
        Err(other) => (StatusCode::INTERNAL_SERVER_ERROR, other.to_string()).into_response(),
    }
}

async fn broken(session: SessionHandle) -> StatusCode {
    session.insert("n", 999);
    StatusCode::SERVICE_UNAVAILABLE
}

async fn untouched() -> &'static str {
    "hello"
}

/// An outer middleware of the application, reading the typed error the
/// layer leaves in the response.
async fn report_save_error(mut response: Response) -> Response {
    if let Some(error) = response.extensions().get::<SaveError>().cloned() {
        let text = format!("{:?}", error.kind());
        response
            .headers_mut()
            .insert("x-session-error", HeaderValue::from_str(&text).unwrap());
    }
    response
}

fn app(session: SessionConfig, cookie: CookieConfig) -> (Router, SessionLayer) {
    let layer = SessionLayer::new(SessionMiddleware::new(&keys(), session, cookie).unwrap());
    let router = Router::new()
        .route("/count", get(count))
        .route("/peek", get(peek))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/big", get(big))
        .route("/big-checked", get(big_checked))
        .route("/broken", get(broken))
        .route("/untouched", get(untouched))
        .layer(layer.clone())
        .layer(axum::middleware::map_response(report_save_error));
    (router, layer)
}

async fn start(config: CookieConfig) -> (SocketAddr, SessionLayer) {
    start_with(SessionConfig::new(), config).await
}

async fn start_with(session: SessionConfig, cookie: CookieConfig) -> (SocketAddr, SessionLayer) {
    let (router, layer) = app(session, cookie);
    (serve(router).await, layer)
}

fn jar(reply: &Reply) -> String {
    let value = reply
        .cookie("sessionid")
        .unwrap_or_else(|| panic!("no session cookie in {:?}", reply.headers));
    format!("sessionid={value}")
}

#[tokio::test]
async fn new_session_and_counter() {
    let (addr, layer) = start(CookieConfig::new()).await;

    // Untouched session, no cookie: nothing at all.
    let r = http_get(addr, "/untouched", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookies().is_empty());
    assert_eq!(r.header("vary"), None);

    // A new session.
    let r = http_get(addr, "/count", None).await;
    assert_eq!(r.body, "1");
    assert_eq!(r.header("vary").as_deref(), Some("Cookie"));
    let line = r.cookie_line("sessionid").unwrap();
    for attribute in [
        "; HttpOnly",
        "; Max-Age=1209600",
        "; Path=/",
        "; SameSite=Lax",
        "; expires=",
    ] {
        assert!(line.contains(attribute), "{attribute} missing in {line}");
    }
    let mut cookie = jar(&r);

    // The counter goes up across requests, each time with a new cookie.
    for expected in 2..=4 {
        let r = http_get(addr, "/count", Some(&cookie)).await;
        assert_eq!(r.body, expected.to_string());
        cookie = jar(&r);
    }
    // The cookie holds the data, signed by our key.
    let value = cookie.strip_prefix("sessionid=").unwrap();
    let session = layer.middleware().codec().try_load(Some(value)).unwrap();
    assert_eq!(session.get("n").and_then(|v| v.as_i64()), Some(4));

    // Reading only: no new cookie, but Vary: Cookie.
    let r = http_get(addr, "/peek", Some(&cookie)).await;
    assert_eq!(r.body, "Some(4)");
    assert!(r.set_cookies().is_empty());
    assert_eq!(r.header("vary").as_deref(), Some("Cookie"));

    // Other cookies around ours, and a duplicate: the last one wins.
    let stale = "sessionid=stale-value-that-is-not-signed";
    let r = http_get(
        addr,
        "/peek",
        Some(&format!("{stale}; theme=dark; {cookie}")),
    )
    .await;
    assert_eq!(r.body, "Some(4)");
}

#[tokio::test]
async fn login_cycles_and_logout_deletes() {
    let (addr, _) = start(CookieConfig::new()).await;
    let r = http_get(addr, "/count", None).await;
    let before = jar(&r);

    let r = send(addr, "POST", "/login", Some(&before), None).await;
    assert_eq!(r.body, "logged in");
    let after = jar(&r);
    assert_ne!(before, after, "login gives a new cookie value");

    let r = send(addr, "POST", "/logout", Some(&after), None).await;
    assert_eq!(r.body, "logged out");
    assert_eq!(
        r.cookie_line("sessionid").unwrap(),
        "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
    );
    assert_eq!(r.header("vary").as_deref(), Some("Cookie"));

    // Logging out without a session cookie sends nothing to delete.
    let r = send(addr, "POST", "/logout", None, None).await;
    assert!(r.set_cookies().is_empty());
}

#[tokio::test]
async fn tampered_and_expired_cookies_give_a_fresh_session() {
    let age = time::Duration::seconds(600);
    let (addr, _) = start_with(
        SessionConfig::new().with_cookie_age(age),
        CookieConfig::new(),
    )
    .await;
    let r = http_get(addr, "/count", None).await;
    let good = jar(&r);
    let r = http_get(addr, "/count", Some(&good)).await;
    assert_eq!(r.body, "2");

    // One character of the signature changed.
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let r = http_get(addr, "/count", Some(&tampered)).await;
    assert_eq!(r.body, "1", "a tampered cookie starts over");
    assert!(r.cookie("sessionid").is_some());

    // Signed 700 s ago with our key: older than the 600 s cookie age.
    let clock = ManualClock::new(SystemClock.now() - time::Duration::seconds(700));
    let earlier = SessionCodec::new(&keys(), SessionConfig::new().with_clock(clock.clone()));
    let mut old = earlier.new_session();
    old.insert("n", 41);
    let token = earlier.save(&mut old).unwrap();
    let r = http_get(addr, "/count", Some(&format!("sessionid={token}"))).await;
    assert_eq!(r.body, "1", "an expired cookie starts over");
    // The same cookie 100 s old is fine.
    clock.advance(time::Duration::seconds(600));
    let token = earlier.save(&mut old).unwrap();
    let r = http_get(addr, "/count", Some(&format!("sessionid={token}"))).await;
    assert_eq!(r.body, "42");

    // A tampered cookie the handler never reads is left alone, as in Django.
    let r = http_get(addr, "/untouched", Some(&tampered)).await;
    assert!(r.set_cookies().is_empty());
}

#[tokio::test]
async fn oversized_session_fails_with_500_by_default() {
    let (addr, _) = start(CookieConfig::new()).await;
    let r = http_get(addr, "/count", None).await;
    let cookie = jar(&r);

    let r = http_get(addr, "/big", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        r.set_cookies().is_empty(),
        "no cookie the browser would drop"
    );
    assert_eq!(r.body, "", "the handler's body is not sent");
    assert_eq!(r.header("x-session-error").as_deref(), Some("TooLarge"));
    assert_eq!(r.header("vary").as_deref(), Some("Cookie"));

    // The previous cookie still works.
    let r = http_get(addr, "/count", Some(&cookie)).await;
    assert_eq!(r.body, "2");
}

#[tokio::test]
async fn oversized_session_can_keep_the_previous_cookie() {
    let config = CookieConfig::new().with_oversize_policy(OversizePolicy::KeepPrevious);
    let (addr, _) = start(config).await;
    let r = http_get(addr, "/count", None).await;
    let cookie = jar(&r);

    let r = http_get(addr, "/big", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "stored");
    assert!(
        r.set_cookies().is_empty(),
        "no cookie the browser would drop"
    );
    assert_eq!(r.header("x-session-error").as_deref(), Some("TooLarge"));

    let r = http_get(addr, "/count", Some(&cookie)).await;
    assert_eq!(
        r.body, "2",
        "the browser's previous cookie still holds the session"
    );
}

#[tokio::test]
async fn handlers_can_check_the_size_first() {
    let (addr, _) = start(CookieConfig::new()).await;
    let r = http_get(addr, "/count", None).await;
    let cookie = jar(&r);
    let r = http_get(addr, "/big-checked", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.ends_with("bytes over"), "{}", r.body);
    // The blob was removed, so the (modified) session fits and is sent.
    let line = r.cookie_line("sessionid").unwrap();
    assert!(line.len() <= 4096);
    assert_eq!(r.header("x-session-error"), None);
}

#[tokio::test]
async fn a_larger_budget_lets_the_big_session_through() {
    let config = CookieConfig::new().with_size_budget(16 * 1024);
    let (addr, _) = start(config).await;
    let r = http_get(addr, "/big", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.cookie_line("sessionid").unwrap().len() > 4096);
}

#[tokio::test]
async fn server_errors_set_no_cookie() {
    let (addr, _) = start(CookieConfig::new()).await;
    let r = http_get(addr, "/count", None).await;
    let cookie = jar(&r);

    // Without a cookie, and with one: a 5xx never saves the session.
    for c in [None, Some(cookie.as_str())] {
        let r = http_get(addr, "/broken", c).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.set_cookies().is_empty(), "{c:?}: {:?}", r.set_cookies());
        assert_eq!(r.header("vary").as_deref(), Some("Cookie"));
    }
    let r = http_get(addr, "/count", Some(&cookie)).await;
    assert_eq!(r.body, "2", "the 503's change was not kept");
}

#[tokio::test]
async fn cache_control_private_is_opt_in() {
    let (addr, _) = start(CookieConfig::new()).await;
    let r = http_get(addr, "/count", None).await;
    assert_eq!(r.header("cache-control"), None);

    let (addr, _) = start(CookieConfig::new().with_cache_control_private(true)).await;
    let r = http_get(addr, "/count", None).await;
    assert_eq!(r.header("cache-control").as_deref(), Some("private"));
    let cookie = jar(&r);
    let r = http_get(addr, "/peek", Some(&cookie)).await;
    assert_eq!(
        r.header("cache-control"),
        None,
        "no cookie set, nothing added"
    );
}

#[tokio::test]
async fn save_every_request_and_custom_attributes() {
    let config = CookieConfig::new()
        .with_name("sid")
        .with_save_every_request(true)
        .with_secure(true);
    let session = SessionConfig::new().with_expire_at_browser_close(true);
    let (addr, _) = start_with(session, config).await;
    let r = http_get(addr, "/count", None).await;
    let line = r.cookie_line("sid").unwrap();
    assert!(
        line.ends_with("; HttpOnly; Path=/; SameSite=Lax; Secure"),
        "{line}"
    );
    assert!(!line.contains("Max-Age"), "browser-session cookie: {line}");
    let cookie = format!("sid={}", r.cookie("sid").unwrap());
    // Untouched, yet re-sent.
    let r = http_get(addr, "/untouched", Some(&cookie)).await;
    assert!(r.cookie("sid").is_some());
}

#[tokio::test]
async fn concurrent_requests_do_not_block_each_other() {
    let (addr, _) = start(CookieConfig::new()).await;
    let r = http_get(addr, "/count", None).await;
    let cookie = jar(&r);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            http_get(addr, "/count", Some(&cookie)).await.body
        }));
    }
    for task in tasks {
        // Each request starts from the same cookie.
        assert_eq!(task.await.unwrap(), "2");
    }
}

#[tokio::test]
async fn extractor_without_the_layer_is_a_500() {
    let router = Router::new().route("/count", get(count));
    let addr = serve(router).await;
    let r = http_get(addr, "/count", None).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("SessionLayer"), "{}", r.body);
}
