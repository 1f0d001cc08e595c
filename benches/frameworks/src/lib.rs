//! Requests per second of a one-`get` session handler (issue 18):
//! signed-session's middleware against each framework's usual session
//! crate with a signed-cookie store.
//!
//! | framework | ours | theirs |
//! |---|---|---|
//! | actix-web 4 | [`ActixSession`] | `actix-session` (`CookieSessionStore`, `CookieContentSecurity::Signed`) |
//! | axum 0.8 | [`SessionLayer`] | `tower-sessions` (`tower-sessions-cookie-store`, `CookieSessionManagerLayer::signed`) |
//!
//! Every server has two routes: `/set` stores `user = "alice"` and `n = 1`,
//! so the response carries the session cookie; `/get` reads `user` once and
//! returns it as the body, modifying nothing, so its response sets no
//! cookie. The benchmark calls `/set` once, keeps the cookie, and then
//! measures `/get` with that cookie on every request: each request verifies
//! the cookie's HMAC-SHA256 signature, decodes the session and reads one
//! key, which is the work a session middleware adds to most requests.
//!
//! Why the comparison is fair:
//! - each contender is configured the way its documentation shows
//!   (defaults, plus the signed-cookie store the task is about), and the
//!   set-up checks, over HTTP, that `/get` returns the stored value with
//!   the cookie, nothing without it, and nothing with a tampered cookie;
//! - within a framework both servers are the same (one worker thread:
//!   `workers(1)` on its own actix system, or a tokio current-thread
//!   runtime), the handlers do the same thing, and the responses differ
//!   only in the cookie name and the headers the middleware adds;
//! - the same load generator drives all four: [`CONNECTIONS`] keep-alive
//!   HTTP/1.1 connections on loopback, one client thread each, one request
//!   in flight per connection, every response checked (status `200`, a
//!   `Content-Length` body equal to the stored value).
//!
//! The client threads and the server share the machine's cores, so the
//! absolute figures depend on the machine; the ratios within a framework
//! are what the benchmark is for. On a shared machine they move with the
//! load from elsewhere; the bench `app` calls the same apps in process,
//! without the network, which isolates what the session crates change.
//!
//! [`ActixSession`]: signed_session::http::ActixSession
//! [`SessionLayer`]: signed_session::http::SessionLayer

pub mod client;
pub mod servers;

use std::io;

pub use client::{Connection, Load, Response, request};
pub use servers::{Contender, Server};

/// The number of keep-alive connections (one client thread each).
pub const CONNECTIONS: usize = 4;

/// The value `/set` stores under `user`, which `/get` returns.
pub const USER: &str = "alice";

/// The body `/get` returns when the session has no `user`.
pub const NO_USER: &str = "-";

/// A server ready to be measured: started, its session cookie obtained
/// from `/set`, and checked over HTTP.
#[derive(Debug)]
pub struct Target {
    server: Server,
    cookie: String,
    request: Vec<u8>,
    get_sets_cookie: bool,
}

fn check(what: &str, ok: bool) -> io::Result<()> {
    if ok {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidData, what.to_owned()))
    }
}

impl Target {
    /// Starts `contender`'s server, calls `/set` and keeps its cookie, and
    /// checks that `/get` returns [`USER`] with the cookie and [`NO_USER`]
    /// without it or with a tampered one.
    ///
    /// # Errors
    /// A failed check (as [`io::ErrorKind::InvalidData`], saying which),
    /// or the server's or the connection's error.
    pub fn prepare(contender: Contender) -> io::Result<Self> {
        let server = Server::start(contender)?;
        let mut connection = Connection::open(server.addr())?;
        let label = format!("{} {}", contender.framework(), contender.name());

        let set = connection.round_trip(&request("/set", None))?;
        check(
            &format!("{label}: /set answers {}", set.status),
            set.status == 200,
        )?;
        let cookie = set
            .session_cookie()
            .ok_or_else(|| io::Error::other(format!("{label}: /set sets no cookie")))?;

        let request_with_cookie = request("/get", Some(&cookie));
        let get = connection.round_trip(&request_with_cookie)?;
        check(
            &format!(
                "{label}: /get with the cookie answers {} {:?}, not 200 {USER:?}",
                get.status,
                get.text()
            ),
            get.status == 200 && get.body == USER.as_bytes(),
        )?;

        let anonymous = connection.round_trip(&request("/get", None))?;
        check(
            &format!(
                "{label}: /get without a cookie answers {} {:?}, not 200 {NO_USER:?}",
                anonymous.status,
                anonymous.text()
            ),
            anonymous.status == 200 && anonymous.body == NO_USER.as_bytes(),
        )?;

        let tampered_cookie = tamper(&cookie);
        check(
            &format!("{label}: could not tamper with {cookie:?}"),
            tampered_cookie != cookie,
        )?;
        let tampered = connection.round_trip(&request("/get", Some(&tampered_cookie)))?;
        check(
            &format!(
                "{label}: /get with a tampered cookie answers {} {:?}, not 200 {NO_USER:?}",
                tampered.status,
                tampered.text()
            ),
            tampered.status == 200 && tampered.body == NO_USER.as_bytes(),
        )?;

        // Once more with the real cookie on the same connection: the
        // refusal changed nothing on the server.
        let again = connection.round_trip(&request_with_cookie)?;
        check(
            &format!(
                "{label}: /get after the tampered cookie answers {:?}",
                again.text()
            ),
            again.status == 200 && again.body == USER.as_bytes(),
        )?;

        Ok(Self {
            server,
            cookie,
            request: request_with_cookie,
            get_sets_cookie: !get.set_cookies.is_empty(),
        })
    }

    /// Which server this is.
    pub fn contender(&self) -> Contender {
        self.server.contender()
    }

    /// How many threads the server started (0 where that cannot be seen).
    pub fn server_threads(&self) -> usize {
        self.server.thread_count()
    }

    /// The CPU time the server's threads have used so far (Linux only).
    pub fn server_cpu_time(&self) -> Option<std::time::Duration> {
        self.server.cpu_time()
    }

    /// Where the server listens.
    pub fn load_addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// The session cookie sent on every measured request (`name=value`).
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// Whether the measured `/get` response carries a `Set-Cookie` (none
    /// should: the session is not modified).
    pub fn get_sets_cookie(&self) -> bool {
        self.get_sets_cookie
    }

    /// Opens [`CONNECTIONS`] keep-alive connections that send `/get` with
    /// the cookie and expect [`USER`] back.
    ///
    /// # Errors
    /// The connections'.
    pub fn load(&self) -> io::Result<Load> {
        Load::open(
            self.server.addr(),
            self.request.clone(),
            USER.as_bytes(),
            CONNECTIONS,
        )
    }

    /// Stops the server.
    ///
    /// # Errors
    /// See [`Server::stop`].
    pub fn stop(self) -> io::Result<()> {
        self.server.stop()
    }
}

/// `cookie` (`name=value`) with one character of its value changed, from
/// the middle on (a base64 character there carries six bits of the MAC or
/// of the signed data, never padding).
pub fn tamper(cookie: &str) -> String {
    let Some((name, value)) = cookie.split_once('=') else {
        return cookie.to_owned();
    };
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    if let Some(byte) = bytes
        .iter_mut()
        .skip(middle)
        .find(|byte| byte.is_ascii_alphanumeric())
    {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
    format!("{name}={}", String::from_utf8_lossy(&bytes))
}
