//! The four servers, each on 127.0.0.1 with an ephemeral port and one
//! worker thread of its own.

use std::collections::BTreeSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use signed_session::http::{CookieConfig, SessionHandle, SessionMiddleware};
use signed_session::{Keyring, Secret, SessionConfig};

use crate::{NO_USER, USER};

/// Our secret (the key of the other two is generated at start).
const SECRET: &str = "framework-bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

/// One of the four servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Contender {
    /// actix-web 4 with [`signed_session::http::ActixSession`].
    ActixSignedSession,
    /// actix-web 4 with actix-session's `SessionMiddleware`, the
    /// `CookieSessionStore` and `CookieContentSecurity::Signed`.
    ActixSession,
    /// axum 0.8 with [`signed_session::http::SessionLayer`].
    AxumSignedSession,
    /// axum 0.8 with tower-sessions' cookie store,
    /// `CookieSessionManagerLayer::signed`.
    TowerSessions,
}

impl Contender {
    /// The framework: `actix` or `axum` (the criterion group).
    pub fn framework(self) -> &'static str {
        match self {
            Self::ActixSignedSession | Self::ActixSession => "actix",
            Self::AxumSignedSession | Self::TowerSessions => "axum",
        }
    }

    /// The session crate (the benchmark's name in its group).
    pub fn name(self) -> &'static str {
        match self {
            Self::ActixSignedSession | Self::AxumSignedSession => "signed-session",
            Self::ActixSession => "actix-session",
            Self::TowerSessions => "tower-sessions",
        }
    }
}

/// A running server; dropping it stops it.
pub struct Server {
    contender: Contender,
    addr: SocketAddr,
    /// The ids of the threads the server started (Linux), for its CPU
    /// time.
    threads: Vec<u32>,
    stop: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl core::fmt::Debug for Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("contender", &self.contender)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Starts `contender`'s server on a thread of its own.
    ///
    /// # Errors
    /// Binding, or starting the runtime.
    ///
    /// Servers must be started one at a time, with no other thread being
    /// started meanwhile: the threads that appear during the start are
    /// taken as the server's (see [`cpu_time`](Self::cpu_time)).
    pub fn start(contender: Contender) -> io::Result<Self> {
        let before = thread_ids();
        let mut server = match contender {
            Contender::ActixSignedSession => actix_signed_session(),
            Contender::ActixSession => actix_session(),
            Contender::AxumSignedSession => axum_signed_session(),
            Contender::TowerSessions => tower_sessions(),
        }?;
        // One request first: actix-web starts its acceptor and worker
        // threads after the server is returned; once a response came back,
        // every thread the server needs is running.
        crate::Connection::open(server.addr)?.round_trip(&crate::request("/get", None))?;
        server.threads = thread_ids().difference(&before).copied().collect();
        Ok(server)
    }

    /// How many threads the server started (0 where that cannot be seen).
    pub fn thread_count(&self) -> usize {
        self.threads.len()
    }

    /// The CPU time the server's threads have used so far (its acceptor
    /// thread too, under actix-web), from `/proc/self/task/*/schedstat`;
    /// `None` where that cannot be read (not Linux).
    pub fn cpu_time(&self) -> Option<Duration> {
        if self.threads.is_empty() {
            return None;
        }
        let mut total = 0_u64;
        for id in &self.threads {
            let text = std::fs::read_to_string(format!("/proc/self/task/{id}/schedstat")).ok()?;
            total += text.split_whitespace().next()?.parse::<u64>().ok()?;
        }
        Some(Duration::from_nanos(total))
    }

    /// Which server this is.
    pub fn contender(&self) -> Contender {
        self.contender
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits for its thread.
    ///
    /// # Errors
    /// The server's, or a panic on its thread.
    pub fn stop(mut self) -> io::Result<()> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}

/// The ids of this process's threads (empty where `/proc` is missing).
fn thread_ids() -> BTreeSet<u32> {
    std::fs::read_dir("/proc/self/task")
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn bind() -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Our middleware, as the crate's documentation builds it: one key,
/// Django's session and cookie defaults.
pub fn our_middleware() -> SessionMiddleware {
    let keys = Keyring::new(Secret::new(SECRET).expect("the secret is not empty"));
    SessionMiddleware::new(&keys, SessionConfig::new(), CookieConfig::new())
        .expect("the default cookie settings are valid")
}

// Our handlers serve both frameworks: `SessionHandle` is an extractor in
// each.

async fn ours_set(session: SessionHandle) -> &'static str {
    session.insert("user", USER);
    session.insert("n", 1);
    "ok"
}

async fn ours_get(session: SessionHandle) -> String {
    session
        .get("user")
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| NO_USER.to_owned())
}

// ---- actix-web ----

/// Runs the server that `build` makes from the listener on its own
/// `actix_rt::System`, on a thread of its own.
fn spawn_actix(
    contender: Contender,
    build: impl FnOnce(TcpListener) -> io::Result<actix_web::dev::Server> + Send + 'static,
) -> io::Result<Server> {
    let (listener, addr) = bind()?;
    let (ready, started) = mpsc::channel();
    let thread = thread::Builder::new()
        .name(format!("{} {}", contender.framework(), contender.name()))
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match build(listener) {
                    Ok(server) => {
                        let _ = ready.send(Ok(server.handle()));
                        server.await
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        Ok(())
                    }
                }
            })
        })?;
    let handle = started
        .recv()
        .map_err(|_| io::Error::other("the actix server thread ended before starting"))??;
    Ok(Server {
        contender,
        addr,
        threads: Vec::new(),
        // `stop` sends the command at once; its future only awaits the
        // completion, which joining the thread does.
        stop: Some(Box::new(move || drop(handle.stop(false)))),
        thread: Some(thread),
    })
}

/// The type both actix-web app builders return: an `App` of some service
/// factory (the middleware's body type left open).
macro_rules! actix_app {
    () => {
        actix_web::App<
            impl actix_web::dev::ServiceFactory<
                actix_web::dev::ServiceRequest,
                Config = (),
                Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
                Error = actix_web::Error,
                InitError = (),
            >,
        >
    };
}

/// The actix-web app with [`ActixSession`] (what the server runs).
///
/// [`ActixSession`]: signed_session::http::ActixSession
pub fn actix_signed_session_app(sessions: signed_session::http::ActixSession) -> actix_app!() {
    use actix_web::{App, web};

    App::new()
        .wrap(sessions)
        .route("/set", web::get().to(ours_set))
        .route("/get", web::get().to(ours_get))
}

fn actix_signed_session() -> io::Result<Server> {
    use actix_web::HttpServer;
    use signed_session::http::ActixSession;

    let sessions = ActixSession::new(our_middleware());
    spawn_actix(Contender::ActixSignedSession, move |listener| {
        Ok(
            HttpServer::new(move || actix_signed_session_app(sessions.clone()))
                .workers(1)
                .disable_signals()
                .listen(listener)?
                .run(),
        )
    })
}

async fn actix_session_set(session: actix_session::Session) -> actix_web::Result<&'static str> {
    session.insert("user", USER)?;
    session.insert("n", 1)?;
    Ok("ok")
}

async fn actix_session_get(session: actix_session::Session) -> actix_web::Result<String> {
    Ok(session
        .get::<String>("user")?
        .unwrap_or_else(|| NO_USER.to_owned()))
}

/// The actix-web app with actix-session's middleware, the cookie store
/// and signed cookies (what the server runs). As actix-session's
/// documentation does, the middleware is built in the app factory (it
/// holds an `Rc` to the store).
pub fn actix_session_app(key: actix_web::cookie::Key) -> actix_app!() {
    use actix_session::SessionMiddleware;
    use actix_session::config::CookieContentSecurity;
    use actix_session::storage::CookieSessionStore;
    use actix_web::{App, web};

    App::new()
        .wrap(
            SessionMiddleware::builder(CookieSessionStore::default(), key)
                .cookie_content_security(CookieContentSecurity::Signed)
                .build(),
        )
        .route("/set", web::get().to(actix_session_set))
        .route("/get", web::get().to(actix_session_get))
}

fn actix_session() -> io::Result<Server> {
    use actix_web::HttpServer;
    use actix_web::cookie::Key;

    let key = Key::generate();
    spawn_actix(Contender::ActixSession, move |listener| {
        Ok(HttpServer::new(move || actix_session_app(key.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)?
            .run())
    })
}

// ---- axum ----

/// Serves `router` on a tokio current-thread runtime on a thread of its
/// own.
fn spawn_axum(contender: Contender, router: axum::Router) -> io::Result<Server> {
    let (listener, addr) = bind()?;
    listener.set_nonblocking(true)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = thread::Builder::new()
        .name(format!("{} {}", contender.framework(), contender.name()))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await
            })
        })?;
    Ok(Server {
        contender,
        addr,
        threads: Vec::new(),
        stop: Some(Box::new(move || {
            let _ = stop.send(());
        })),
        thread: Some(thread),
    })
}

/// The axum router with [`SessionLayer`] (what the server runs).
///
/// [`SessionLayer`]: signed_session::http::SessionLayer
pub fn axum_signed_session_router() -> axum::Router {
    use axum::routing::get;
    use signed_session::http::SessionLayer;

    axum::Router::new()
        .route("/set", get(ours_set))
        .route("/get", get(ours_get))
        .layer(SessionLayer::new(our_middleware()))
}

fn axum_signed_session() -> io::Result<Server> {
    spawn_axum(Contender::AxumSignedSession, axum_signed_session_router())
}

async fn tower_sessions_set(
    session: tower_sessions_cookie_store::Session,
) -> Result<&'static str, axum::http::StatusCode> {
    let failed = |_| axum::http::StatusCode::INTERNAL_SERVER_ERROR;
    session.insert("user", USER).await.map_err(failed)?;
    session.insert("n", 1).await.map_err(failed)?;
    Ok("ok")
}

async fn tower_sessions_get(
    session: tower_sessions_cookie_store::Session,
) -> Result<String, axum::http::StatusCode> {
    let user = session
        .get::<String>("user")
        .await
        .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(user.unwrap_or_else(|| NO_USER.to_owned()))
}

/// The axum router with tower-sessions' cookie store, signed, as the
/// crate's README builds it: a generated key and the default
/// configuration (what the server runs).
pub fn tower_sessions_router() -> axum::Router {
    use axum::routing::get;
    use tower_sessions_cookie_store::{CookieSessionManagerLayer, Key};

    axum::Router::new()
        .route("/set", get(tower_sessions_set))
        .route("/get", get(tower_sessions_get))
        .layer(CookieSessionManagerLayer::signed(Key::generate()))
}

fn tower_sessions() -> io::Result<Server> {
    spawn_axum(Contender::TowerSessions, tower_sessions_router())
}
