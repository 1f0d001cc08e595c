//! The demos, answered over HTTP on loopback: the axum demo
//! (`examples/demo.rs`) and the actix-web demo (`examples/actix_demo.rs`),
//! each driven through the same whole visit (counter, login, expiry, size
//! budget, logout), and each built example binary started as a person
//! would start it.
#![cfg(all(feature = "axum", feature = "actix"))]

use crate::http_client;

#[allow(dead_code)]
#[path = "../../examples/demo.rs"]
mod app;

// Each example file is a whole program that includes the shared pages
// (`examples/site/pages.rs`), so this test binary has them twice.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../../examples/actix_demo.rs"]
mod actix_app;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use axum::http::StatusCode;
use http_client::{Reply, get, send, serve};
use signed_session::clock::{Clock, ManualClock, SystemClock};
use signed_session::http::{CookieConfig, SessionMiddleware};
use signed_session::session::Expiry;
use signed_session::{Keyring, Secret, SessionConfig};

fn dev_keys() -> Keyring {
    Keyring::new(Secret::new(app::DEVELOPMENT_SECRET).unwrap())
}

/// A browser's cookie jar for the one session cookie.
struct Browser {
    addr: SocketAddr,
    cookie: Option<String>,
}

impl Browser {
    fn keep(&mut self, reply: &Reply) {
        if let Some(line) = reply.cookie_line("sessionid") {
            assert!(line.len() <= 4096, "a cookie over the budget was sent");
            let value = reply.cookie("sessionid").unwrap();
            self.cookie = if line.contains("Max-Age=0;") {
                None
            } else {
                Some(format!("sessionid={value}"))
            };
        }
    }

    async fn get(&mut self, path: &str) -> Reply {
        let reply = get(self.addr, path, self.cookie.as_deref()).await;
        self.keep(&reply);
        reply
    }

    /// A form post, then the redirect to `/` a browser follows.
    async fn post(&mut self, path: &str, form: &str) -> (Reply, Reply) {
        let reply = send(self.addr, "POST", path, self.cookie.as_deref(), Some(form)).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            reply.body
        );
        assert_eq!(reply.header("location").as_deref(), Some("/"));
        self.keep(&reply);
        let page = self.get("/").await;
        (reply, page)
    }
}

/// Which demo.
#[derive(Clone, Copy, Debug)]
enum Demo {
    Axum,
    Actix,
}

impl Demo {
    /// Serves the demo's application on 127.0.0.1 with an ephemeral port,
    /// with the development secret, for the rest of the test process.
    async fn serve(self) -> SocketAddr {
        match self {
            Self::Axum => serve(app::app(&dev_keys(), true)).await,
            Self::Actix => {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                std::thread::spawn(move || {
                    actix_web::rt::System::new().block_on(async move {
                        actix_web::HttpServer::new(|| actix_app::app(dev_keys(), true))
                            .workers(1)
                            .disable_signals()
                            .listen(listener)
                            .unwrap()
                            .run()
                            .await
                            .unwrap();
                    });
                });
                addr
            }
        }
    }

    /// The example's name.
    fn example(self) -> &'static str {
        match self {
            Self::Axum => "demo",
            Self::Actix => "actix_demo",
        }
    }

    /// The feature the example needs.
    fn feature(self) -> &'static str {
        match self {
            Self::Axum => "axum",
            Self::Actix => "actix",
        }
    }
}

#[tokio::test]
async fn a_visit_through_the_axum_demo() {
    a_visit_through(Demo::Axum).await;
}

#[tokio::test]
async fn a_visit_through_the_actix_demo() {
    a_visit_through(Demo::Actix).await;
}

async fn a_visit_through(demo: Demo) {
    let addr = demo.serve().await;
    let mut browser = Browser { addr, cookie: None };

    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Development secret in use"));
    assert!(page.body.contains("<p class=big>1</p>"));
    assert!(page.body.contains("None yet"));
    assert!(browser.cookie.is_some());

    // The panel decodes the cookie the browser sent.
    let page = browser.get("/").await;
    assert!(page.body.contains("<p class=big>2</p>"));
    assert!(
        page.body.contains("{&quot;visits&quot;:1}"),
        "{}",
        page.body
    );
    for row in [
        "signed at",
        "age",
        "expiry",
        "size",
        "Max-Age 1209600 s",
        "of 4096 bytes",
    ] {
        assert!(page.body.contains(row), "{row} missing");
    }

    // Login cycles the cookie value; the name is escaped.
    let before = browser.cookie.clone();
    let (_, page) = browser
        .post("/login", "username=%3Cb%3Ealice%3C%2Fb%3E")
        .await;
    assert_ne!(browser.cookie, before);
    assert!(
        page.body
            .contains("Logged in as <strong>&lt;b&gt;alice&lt;/b&gt;</strong>")
    );

    // A short expiry.
    let (reply, page) = browser.post("/expire-soon", "").await;
    assert!(
        reply
            .cookie_line("sessionid")
            .unwrap()
            .contains("; Max-Age=30;")
    );
    assert!(page.body.contains("Max-Age 30 s"), "{}", page.body);
    let (reply, _) = browser.post("/expire-default", "").await;
    assert!(
        reply
            .cookie_line("sessionid")
            .unwrap()
            .contains("; Max-Age=1209600;")
    );

    // Grow the session until the budget stops it: never a 500, never a
    // cookie over 4096 bytes (checked in `keep`).
    let mut refused = false;
    for _ in 0..30 {
        let (_, page) = browser.post("/grow", "").await;
        if page.body.contains("Not added: the cookie would be") {
            refused = true;
            break;
        }
    }
    assert!(refused, "the budget was never reached");
    let (_, page) = browser.post("/shrink", "").await;
    assert!(page.body.contains("(0 notes stored)"));

    // Logout deletes the cookie; the next visit is a new session.
    let (reply, page) = browser.post("/logout", "").await;
    assert!(
        reply
            .cookie_line("sessionid")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert!(page.body.contains("<p class=big>1</p>"));
    assert!(page.body.contains("None yet"));
}

#[tokio::test]
async fn an_expired_short_session_is_refused_by_the_axum_demo() {
    an_expired_short_session_is_refused(Demo::Axum).await;
}

#[tokio::test]
async fn an_expired_short_session_is_refused_by_the_actix_demo() {
    an_expired_short_session_is_refused(Demo::Actix).await;
}

async fn an_expired_short_session_is_refused(demo: Demo) {
    let addr = demo.serve().await;
    // What the browser would still hold 40 s after "expire in 30 s", had it
    // not dropped the cookie itself.
    let clock = ManualClock::new(SystemClock.now() - time::Duration::seconds(40));
    let config = SessionConfig::new().with_clock(clock.clone());
    let middleware = SessionMiddleware::new(&dev_keys(), config, CookieConfig::new()).unwrap();
    let mut session = middleware.codec().new_session();
    session.insert("visits", 7);
    session.set_expiry(Expiry::Idle(time::Duration::seconds(app::SHORT_EXPIRY)));
    let token = middleware.codec().save(&mut session).unwrap();

    let page = get(addr, "/", Some(&format!("sessionid={token}"))).await;
    assert!(
        page.body.contains("Refused: signature valid but expired"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<p class=big>1</p>"));

    // 20 s old, it is still good.
    clock.advance(time::Duration::seconds(20));
    let token = middleware.codec().save(&mut session).unwrap();
    let page = get(addr, "/", Some(&format!("sessionid={token}"))).await;
    assert!(page.body.contains("<p class=big>8</p>"));
}

/// The example binary next to this test's, built if it is not there.
fn demo_binary(demo: Demo) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = profile_dir.join("examples").join(format!(
        "{}{}",
        demo.example(),
        std::env::consts::EXE_SUFFIX
    ));
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args([
                "build",
                "--example",
                demo.example(),
                "--features",
                demo.feature(),
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building the demo failed");
    }
    assert!(binary.exists(), "no demo binary at {}", binary.display());
    binary
}

/// Starts the binary on an ephemeral port, fetches `/`, stops it, and
/// returns the page and what it printed on stderr.
fn run_binary(demo: Demo, secret: Option<&str>) -> (Reply, String) {
    let mut command = Command::new(demo_binary(demo));
    command
        .env("PORT", "0")
        .env_remove(app::SECRET_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(secret) = secret {
        command.env(app::SECRET_ENV, secret);
    }
    let mut child = command.spawn().unwrap();

    // "signed-session demo listening on http://127.0.0.1:PORT/"
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60));
    let Ok(line) = line else {
        let _ = child.kill();
        panic!("the demo printed no address");
    };
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("signed-session demo listening on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    assert!(addr.ip().is_loopback());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let reply = runtime.block_on(get(addr, "/", None));
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    (reply, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_axum_binary_serves_and_warns_without_a_secret() {
    the_binary_serves_and_warns_without_a_secret(Demo::Axum);
}

#[test]
fn the_actix_binary_serves_and_warns_without_a_secret() {
    the_binary_serves_and_warns_without_a_secret(Demo::Actix);
}

/// Both demos sign with the same settings: a cookie from one is a session
/// in the other.
#[tokio::test]
async fn a_cookie_from_one_demo_is_a_session_in_the_other() {
    let axum = Demo::Axum.serve().await;
    let actix = Demo::Actix.serve().await;
    let mut browser = Browser {
        addr: axum,
        cookie: None,
    };
    browser.get("/").await;
    browser.post("/login", "username=bob").await;
    browser.addr = actix;
    let page = browser.get("/").await;
    assert!(page.body.contains("Logged in as <strong>bob</strong>"));
    assert!(page.body.contains("<p class=big>3</p>"), "{}", page.body);
    // Logged out on actix (the redirect starts a new session there), the
    // new session carries on in axum.
    let (_, page) = browser.post("/logout", "").await;
    assert!(page.body.contains("<p class=big>1</p>"));
    browser.addr = axum;
    let page = browser.get("/").await;
    assert!(page.body.contains("<p class=big>2</p>"), "{}", page.body);
    assert!(!page.body.contains("Logged in as"));
}

fn the_binary_serves_and_warns_without_a_secret(demo: Demo) {
    let (reply, stderr) = run_binary(demo, None);
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("signed-session demo"));
    assert!(reply.body.contains("Development secret in use"));
    assert!(reply.cookie("sessionid").is_some());
    assert!(
        stderr.contains("WARNING: SIGNED_SESSION_SECRET is not set"),
        "{stderr}"
    );

    let (reply, stderr) = run_binary(demo, Some("a test secret that is not the development one"));
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("Development secret in use"));
    assert!(!stderr.contains("WARNING"), "{stderr}");
    // Signed with the given secret, not the development one.
    let value = reply.cookie("sessionid").unwrap();
    let dev =
        SessionMiddleware::new(&dev_keys(), SessionConfig::new(), CookieConfig::new()).unwrap();
    assert!(dev.codec().try_load(Some(&value)).is_err());
}
