//! One behavioural suite over real HTTP on loopback, run against every
//! framework integration: the tower layer (in an axum `Router`) and the
//! actix-web middleware. Each [`Framework`] starts a server on
//! 127.0.0.1 with an ephemeral port, the given [`SessionMiddleware`] and
//! the same fixed routes (whose handlers are [`dispatch`]); each case is a
//! function of the framework, and [`suite`] makes one `#[test]` per case and
//! framework (`axum_suite::*`, `actix_suite::*`).
//!
//! The cases: the golden `middleware` vectors (as `middleware_vectors`
//! replays them through the framework-free middleware), the scripted
//! sequences of `interop_middleware` compared with a live Django, the size
//! budget, a panicking handler, and the basics (counter, login, logout,
//! `Vary`, untouched routes). Every server reads a [`ManualClock`] the test
//! sets, so times are exact.
#![cfg(all(feature = "axum", feature = "actix"))]

use crate::at;
use crate::common::{field, id, noise, section, vectors};
use crate::http_client::{self, Reply};
use crate::interop_middleware::{self as interop, Answer, Ours};
use crate::middleware_vectors as mv;
use crate::oracle::{self, obj, ops};

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::thread::JoinHandle;

use python_json as json;
use signed_session::clock::ManualClock;
use signed_session::http::{
    ActixSession, CookieConfig, OversizePolicy, SaveError, SessionHandle, SessionLayer,
    SessionMiddleware,
};
use signed_session::{Keyring, Secret, SessionConfig, Value};

// ---------------------------------------------------------------------------
// The routes, shared by every framework.

/// What a route's handler does with the session.
#[derive(Clone, Copy, Debug)]
enum Route {
    /// `n += 1`, answers `n`.
    Count,
    /// Reads `n` only.
    Peek,
    /// `cycle_key()` and a user id.
    Login,
    /// `flush()`.
    Logout,
    /// 6000 random letters: over the 4096-byte budget.
    Big,
    /// The same, checked with `check_size` first and taken out again.
    BigChecked,
    /// Changes the session, answers 503.
    Broken,
    /// Never looks at the session.
    Untouched,
    /// Changes the session, then panics.
    Panic,
    /// The session ops of the oracle (`ops::run_all`), the status and the
    /// `Vary` header given in a JSON body; answers the ops' results.
    Ops,
}

#[derive(Clone, Copy, Debug)]
enum Verb {
    Get,
    Post,
}

const ROUTES: [(Verb, &str, Route); 10] = [
    (Verb::Get, "/count", Route::Count),
    (Verb::Get, "/peek", Route::Peek),
    (Verb::Post, "/login", Route::Login),
    (Verb::Post, "/logout", Route::Logout),
    (Verb::Get, "/big", Route::Big),
    (Verb::Get, "/big-checked", Route::BigChecked),
    (Verb::Get, "/broken", Route::Broken),
    (Verb::Get, "/untouched", Route::Untouched),
    (Verb::Get, "/panic", Route::Panic),
    (Verb::Post, "/ops", Route::Ops),
];

/// A handler's answer, before it becomes a framework's response.
struct Out {
    status: u16,
    vary: Option<String>,
    body: String,
}

impl Out {
    fn new(status: u16, body: impl Into<String>) -> Self {
        Out {
            status,
            vary: None,
            body: body.into(),
        }
    }
}

/// The handlers, the same under every framework.
fn dispatch(route: Route, session: &SessionHandle, body: &[u8]) -> Out {
    match route {
        Route::Count => {
            let n = session.get_as::<u64>("n").unwrap().unwrap_or(0) + 1;
            session.insert("n", n);
            Out::new(200, n.to_string())
        }
        Route::Peek => Out::new(
            200,
            format!("{:?}", session.get("n").and_then(|v| v.as_i64())),
        ),
        Route::Login => {
            session.cycle_key();
            session.insert("user", "alice");
            Out::new(200, "logged in")
        }
        Route::Logout => {
            session.flush();
            Out::new(200, "logged out")
        }
        Route::Big => {
            session.insert("blob", noise(6000));
            Out::new(200, "stored")
        }
        Route::BigChecked => {
            session.insert("blob", noise(6000));
            match session.check_size() {
                Ok(_) => Out::new(200, "stored"),
                Err(SaveError::TooLarge(e)) => {
                    session.remove("blob");
                    Out::new(413, format!("{} bytes over", e.excess()))
                }
                Err(other) => Out::new(500, other.to_string()),
            }
        }
        Route::Broken => {
            session.insert("n", 999);
            Out::new(503, "")
        }
        Route::Untouched => Out::new(200, "hello"),
        Route::Panic => {
            session.insert("n", 666);
            panic!("the /panic handler panics after changing the session (expected by the test)");
        }
        Route::Ops => {
            let request = json::from_slice(body, 1000).unwrap();
            let ops = field(&request, "ops").as_array().unwrap().clone();
            let now = field(&request, "now").as_f64().unwrap();
            let results =
                session.with_mut(|s| ops::run_all(session.middleware().codec(), s, &ops, now));
            Out {
                status: u16::try_from(field(&request, "status").as_i64().unwrap()).unwrap(),
                vary: field(&request, "vary").as_str().map(str::to_owned),
                body: String::from_utf8(json::to_vec(&Value::Array(results))).unwrap(),
            }
        }
    }
}

/// The body `Route::Ops` reads.
fn ops_body(ops: &[Value], now: f64, status: u16, vary: Option<&str>) -> String {
    let body = obj([
        ("ops", Value::Array(ops.to_vec())),
        ("now", Value::from(now)),
        ("status", Value::from(i64::from(status))),
        ("vary", vary.map_or(Value::Null, Value::from)),
    ]);
    String::from_utf8(json::to_vec(&body)).unwrap()
}

// ---------------------------------------------------------------------------
// The frameworks.

/// A web framework with the session middleware of this crate.
trait Framework: Sync {
    fn name(&self) -> &'static str;
    /// Serves [`ROUTES`] with `middleware` on 127.0.0.1 with an ephemeral
    /// port, on a thread of its own. Every response also gets
    /// `x-session-error: <SaveErrorKind>` from an outer middleware of the
    /// application when the session middleware left a [`SaveError`] in
    /// the response's extensions.
    fn start(&self, middleware: SessionMiddleware) -> Server;
}

/// A running server; dropping it stops the server and joins its thread.
struct Server {
    addr: SocketAddr,
    stop: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        if let Some(thread) = self.thread.take() {
            // A server thread that panicked has nothing more to say here.
            let _ = thread.join();
        }
    }
}

/// A loopback listener on an ephemeral port.
fn listener() -> (std::net::TcpListener, SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// The tower layer in an axum `Router`, served by `axum::serve` on a
/// current-thread tokio runtime.
struct Axum;

mod axum_app {
    use axum::Router;
    use axum::body::Bytes;
    use axum::http::{HeaderValue, StatusCode, header::VARY};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{MethodFilter, on};
    use signed_session::http::{SaveError, SessionHandle, SessionLayer};

    use super::{Out, ROUTES, Verb, dispatch};

    fn reply(out: Out) -> Response {
        let mut response = (StatusCode::from_u16(out.status).unwrap(), out.body).into_response();
        if let Some(vary) = out.vary {
            response
                .headers_mut()
                .insert(VARY, HeaderValue::from_str(&vary).unwrap());
        }
        response
    }

    async fn report_save_error(mut response: Response) -> Response {
        if let Some(error) = response.extensions().get::<SaveError>() {
            let text = format!("{:?}", error.kind());
            response
                .headers_mut()
                .insert("x-session-error", HeaderValue::from_str(&text).unwrap());
        }
        response
    }

    pub(super) fn router(layer: SessionLayer) -> Router {
        let mut router = Router::new();
        for (verb, path, route) in ROUTES {
            let filter = match verb {
                Verb::Get => MethodFilter::GET,
                Verb::Post => MethodFilter::POST,
            };
            router = router.route(
                path,
                on(
                    filter,
                    move |session: SessionHandle, body: Bytes| async move {
                        reply(dispatch(route, &session, &body))
                    },
                ),
            );
        }
        router
            .layer(layer)
            .layer(axum::middleware::map_response(report_save_error))
    }
}

impl Framework for Axum {
    fn name(&self) -> &'static str {
        "axum"
    }

    fn start(&self, middleware: SessionMiddleware) -> Server {
        let router = axum_app::router(SessionLayer::new(middleware));
        let (listener, addr) = listener();
        listener.set_nonblocking(true).unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("axum server {addr}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let listener = {
                    let _context = rt.enter();
                    tokio::net::TcpListener::from_std(listener).unwrap()
                };
                rt.spawn(async move { axum::serve(listener, router).await.unwrap() });
                rt.block_on(async move {
                    let _ = stop_rx.await;
                });
                // Dropping the runtime drops the server and its connections.
            })
            .unwrap();
        Server {
            addr,
            stop: Some(Box::new(move || {
                let _ = stop_tx.send(());
            })),
            thread: Some(thread),
        }
    }
}

/// The actix-web middleware, served by `HttpServer` with one worker in an
/// actix `System` on a thread of its own.
struct Actix;

mod actix_app {
    use actix_web::dev::Service as _;
    use actix_web::http::StatusCode;
    use actix_web::http::header::{HeaderName, HeaderValue, VARY};
    use actix_web::{App, HttpResponse, web};
    use signed_session::http::{ActixSession, SaveError, SessionHandle};

    use super::{Out, ROUTES, Verb, dispatch};

    fn reply(out: Out) -> HttpResponse {
        let mut response = HttpResponse::build(StatusCode::from_u16(out.status).unwrap());
        if let Some(vary) = out.vary {
            response.insert_header((VARY, HeaderValue::from_str(&vary).unwrap()));
        }
        response.body(out.body)
    }

    pub(super) fn app(
        sessions: ActixSession,
    ) -> App<
        impl actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    > {
        let mut app = App::new();
        for (verb, path, route) in ROUTES {
            let method = match verb {
                Verb::Get => actix_web::http::Method::GET,
                Verb::Post => actix_web::http::Method::POST,
            };
            app = app.route(
                path,
                web::method(method).to(
                    move |session: SessionHandle, body: web::Bytes| async move {
                        reply(dispatch(route, &session, &body))
                    },
                ),
            );
        }
        app.wrap(sessions).wrap_fn(|request, service| {
            let response = service.call(request);
            async move {
                let mut response = response.await?;
                let error = response
                    .response()
                    .extensions()
                    .get::<SaveError>()
                    .map(|e| format!("{:?}", e.kind()));
                if let Some(text) = error {
                    response.headers_mut().insert(
                        HeaderName::from_static("x-session-error"),
                        HeaderValue::from_str(&text).unwrap(),
                    );
                }
                Ok(response)
            }
        })
    }
}

impl Framework for Actix {
    fn name(&self) -> &'static str {
        "actix"
    }

    fn start(&self, middleware: SessionMiddleware) -> Server {
        let sessions = ActixSession::new(middleware);
        let (listener, addr) = listener();
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("actix server {addr}"))
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let server =
                        actix_web::HttpServer::new(move || actix_app::app(sessions.clone()))
                            .workers(1)
                            .disable_signals()
                            .shutdown_timeout(1)
                            .listen(listener)
                            .unwrap()
                            .run();
                    handle_tx.send(server.handle()).unwrap();
                    server.await.unwrap();
                });
            })
            .unwrap();
        let handle = handle_rx.recv().unwrap();
        Server {
            addr,
            stop: Some(Box::new(move || {
                // The command is sent at once; the future says it is done.
                tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap()
                    .block_on(handle.stop(false));
            })),
            thread: Some(thread),
        }
    }
}

// ---------------------------------------------------------------------------
// A server with its clock and a client.

/// The time every server starts at (Unix seconds).
const T0: f64 = 1_700_000_000.0;

const SECRET: &str = "frameworks-test-secret";

fn keys() -> Keyring {
    Keyring::new(Secret::new(SECRET).unwrap())
}

/// A running server, the clock its middleware reads, a copy of that
/// middleware (for its codec) and an HTTP client.
struct App {
    client: tokio::runtime::Runtime,
    server: Server,
    clock: ManualClock,
    middleware: SessionMiddleware,
}

impl App {
    /// Serves `middleware`, which must read `clock`.
    fn serve(fw: &dyn Framework, middleware: SessionMiddleware, clock: ManualClock) -> Self {
        let server = fw.start(middleware.clone());
        let client = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        App {
            client,
            server,
            clock,
            middleware,
        }
    }

    /// A server with `keys()`, the settings given and a clock at `T0`.
    fn start(fw: &dyn Framework, session: SessionConfig, cookie: CookieConfig) -> Self {
        let clock = ManualClock::new(at::at(T0));
        let middleware =
            SessionMiddleware::new(&keys(), session.with_clock(clock.clone()), cookie).unwrap();
        Self::serve(fw, middleware, clock)
    }

    fn with_cookie_config(fw: &dyn Framework, cookie: CookieConfig) -> Self {
        Self::start(fw, SessionConfig::new(), cookie)
    }

    fn advance(&self, seconds: i64) {
        self.clock.advance(time::Duration::seconds(seconds));
    }

    fn try_send(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<&str>,
    ) -> Result<Reply, hyper::Error> {
        self.client.block_on(http_client::try_send(
            self.server.addr,
            method,
            path,
            cookie,
            body,
        ))
    }

    fn send(&self, method: &str, path: &str, cookie: Option<&str>, body: Option<&str>) -> Reply {
        self.try_send(method, path, cookie, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.send("GET", path, cookie, None)
    }

    fn post(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.send("POST", path, cookie, None)
    }

    /// `Route::Ops` at the clock's time `now` (which it sets); returns the
    /// reply and the ops' results.
    fn ops(
        &self,
        cookie: Option<&str>,
        ops: &[Value],
        now: f64,
        status: u16,
        vary: Option<&str>,
    ) -> (Reply, Value) {
        self.clock.set(at::at(now));
        let body = ops_body(ops, now, status, vary);
        let reply = self.send("POST", "/ops", cookie, Some(&body));
        let results = json::from_slice(reply.body.as_bytes(), 1000)
            .unwrap_or_else(|e| panic!("/ops answered {reply:?}: {e}"));
        (reply, results)
    }

    /// The data of a cookie value, as the middleware loads it now.
    fn decode(&self, value: &str) -> Value {
        let session = self.middleware.codec().try_load(Some(value)).unwrap();
        Value::Object(session.as_map().clone())
    }
}

/// `name=value` of the cookie `name` the reply sets; panics when it sets none.
fn jar(reply: &Reply, name: &str) -> String {
    let value = reply
        .cookie(name)
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", reply.headers));
    format!("{name}={value}")
}

/// Every `Vary` line of a reply.
fn vary_lines(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------
// The tally and the suite.

#[derive(Default)]
struct Tally {
    vectors: usize,
    scripted: usize,
    django_missing: bool,
    cases: usize,
    notes: Vec<String>,
}

static TALLY: Mutex<BTreeMap<&'static str, Tally>> = Mutex::new(BTreeMap::new());

fn tally(fw: &dyn Framework, f: impl FnOnce(&mut Tally)) {
    let mut all = TALLY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(all.entry(fw.name()).or_default());
}

/// Counts a passed case; the last of the framework's `total` prints the
/// summary line.
fn finished(fw: &dyn Framework, total: usize) {
    let mut all = TALLY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let t = all.entry(fw.name()).or_default();
    t.cases += 1;
    if t.cases == total {
        let django = if t.django_missing {
            " (Django not available: skipped)"
        } else {
            ""
        };
        let notes = if t.notes.is_empty() {
            String::new()
        } else {
            format!("; {}", t.notes.join("; "))
        };
        oracle::report(&format!(
            "frameworks: {}: {} middleware vectors, {} scripted requests compared with Django{django}, \
             {} cases{notes}",
            fw.name(),
            t.vectors,
            t.scripted,
            t.cases
        ));
    }
}

/// Calls `$m!` with the framework and every case.
macro_rules! with_cases {
    ($m:ident, $fw:expr) => {
        $m!(
            $fw;
            middleware_vectors,
            scripted_sequences_match_django,
            untouched_routes_send_no_headers,
            counter_and_cookie_attributes,
            read_only_requests_vary_on_cookie,
            login_cycles_the_key,
            logout_deletes_the_cookie,
            tampered_cookie_starts_over,
            expired_cookie_starts_over,
            oversized_session_fails_with_500,
            oversized_session_keeps_the_previous_cookie,
            handler_checks_the_size_first,
            larger_budget_lets_the_big_session_through,
            server_errors_set_no_cookie,
            panicking_handler_sets_no_cookie,
            cache_control_private_is_opt_in,
            save_every_request_and_custom_attributes,
            concurrent_requests_start_from_the_same_cookie,
        );
    };
}

/// One `#[test]` per case for the framework `$fw`.
macro_rules! suite {
    ($fw:expr; $($case:ident),* $(,)?) => {
        const CASES: usize = [$(stringify!($case)),*].len();
        $(
            #[test]
            fn $case() {
                super::$case(&$fw);
                super::finished(&$fw, CASES);
            }
        )*
    };
}

mod axum_suite {
    with_cases!(suite, super::Axum);
}

mod actix_suite {
    with_cases!(suite, super::Actix);
}

// ---------------------------------------------------------------------------
// a. The golden middleware vectors.

/// Every `middleware` vector over HTTP: the view's ops in the `/ops`
/// handler at the vector's time, the vector's status and pre-existing
/// `Vary`; the same `Set-Cookie` and `Vary` assertions as
/// `middleware_vectors` (the middleware's `Outcome` is not visible over
/// HTTP, the headers it stands for are).
fn middleware_vectors(fw: &dyn Framework) {
    let all = vectors();
    let cases = section(&all, "middleware");
    assert!(cases.len() >= 24, "expected the full middleware section");
    let mut set_count = 0;
    for case in &cases {
        let id = id(case);
        let id = format!("{}: {id}", fw.name());
        let settings = field(case, "settings");
        let now = field(case, "now").as_f64().unwrap();
        let clock = ManualClock::new(at::at(now));
        let (session_config, config) = mv::config(
            &id,
            settings,
            SessionConfig::new().with_clock(clock.clone()),
        );
        let cookie_name = config.name().to_owned();
        let middleware =
            SessionMiddleware::new(&mv::vector_keyring(settings), session_config, config)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
        let app = App::serve(fw, middleware, clock);

        let cookie = field(case, "request_cookie")
            .as_str()
            .map(|value| format!("other=1; {cookie_name}={value}"));
        let view_ops = field(case, "view_ops").as_array().unwrap();
        let status = u16::try_from(field(case, "response_status").as_i64().unwrap()).unwrap();
        let (reply, results) = app.ops(
            cookie.as_deref(),
            view_ops,
            now,
            status,
            field(case, "preexisting_vary").as_str(),
        );
        assert_eq!(reply.status.as_u16(), status, "{id}: status");

        // The view's `get` results, as the vector records them.
        let results: Vec<Value> = view_ops
            .iter()
            .zip(results.as_array().unwrap())
            .filter(|(op, _)| op.as_array().unwrap()[0].as_str() == Some("get"))
            .map(|(_, result)| result.as_object().unwrap()["r"].clone())
            .collect();
        assert_eq!(
            results,
            mv::expected_view_results(case),
            "{id}: view results"
        );

        let expected = field(case, "expected");
        let ours = reply.set_cookies();
        match expected.as_object().unwrap()["cookie"].as_object() {
            None => assert!(ours.is_empty(), "{id}: unexpected Set-Cookie {ours:?}"),
            Some(want) => {
                assert_eq!(ours.len(), 1, "{id}: one Set-Cookie expected, got {ours:?}");
                let got = mv::check_set_cookie(&id, &ours[0], want, &cookie_name);
                if want["value"].as_str().unwrap().is_empty() {
                    assert_eq!(got.value, "", "{id}: deletion value");
                } else {
                    set_count += 1;
                    // Our own signature must verify, and hold Django's data.
                    assert_eq!(
                        app.decode(&got.value),
                        want["decoded"],
                        "{id}: decoded data"
                    );
                }
            }
        }
        mv::check_vary(&id, &vary_lines(&reply), expected);
    }
    assert!(set_count >= 10, "most vectors set a cookie ({set_count})");
    tally(fw, |t| t.vectors += cases.len());
}

// ---------------------------------------------------------------------------
// b. The scripted sequences of `interop_middleware`, against Django.

/// `interop_middleware`'s side of a comparison, over HTTP: the script's
/// ops run in the `/ops` handler at the script's exact times.
struct OverHttp(App);

impl Ours for OverHttp {
    fn middleware(&self) -> &SessionMiddleware {
        &self.0.middleware
    }

    fn request(
        &mut self,
        cookie: Option<&str>,
        ops: &[Value],
        status: u16,
        vary: Option<&str>,
        scripted_now: f64,
    ) -> (Answer, f64) {
        let (reply, view_results) = self.0.ops(cookie, ops, scripted_now, status, vary);
        assert_eq!(reply.status.as_u16(), status, "{reply:?}");
        let answer = Answer::from_headers(&reply.headers, view_results);
        // The clock is still at the script's time: `differences` decodes
        // cookies with this middleware at that time.
        (answer, scripted_now)
    }
}

/// The whole scripted sequence (time jumps included: the server's clock
/// is the script's), for every settings preset, with own and crossed jars.
fn scripted_sequences_match_django(fw: &dyn Framework) {
    let Some(mut django) = oracle::django() else {
        tally(fw, |t| t.django_missing = true);
        return;
    };
    let (mut total, mut errors) = (0, Vec::new());
    for (label, mw) in interop::presets() {
        let steps = interop::script(mw.use_tz);
        let clock = ManualClock::new(at::at(T0));
        let middleware = mw.rust_with(SessionConfig::new().with_clock(clock.clone()));
        let mut ours = OverHttp(App::serve(fw, middleware, clock));
        let label = format!("{}, {label}", fw.name());
        let (n, e) = interop::run_script_both_ways(&mut django, &mw, &mut ours, &steps, &label);
        total += n;
        errors.extend(e);
    }
    assert!(
        errors.is_empty(),
        "{} differences from Django:\n\n{}",
        fw.name(),
        errors.join("\n\n")
    );
    assert!(total > 100, "{total} requests");
    tally(fw, |t| t.scripted += total);
}

// ---------------------------------------------------------------------------
// e. The basics.

fn untouched_routes_send_no_headers(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new().with_cache_control_private(true));
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    let mut tampered = cookie.clone();
    tampered.pop();
    tampered.push('A');
    for c in [None, Some(cookie.as_str()), Some(tampered.as_str())] {
        let r = app.get("/untouched", c);
        assert_eq!(r.status, 200, "{c:?}");
        assert_eq!(r.body, "hello");
        assert!(r.set_cookies().is_empty(), "{c:?}: {:?}", r.headers);
        assert_eq!(r.header("vary"), None, "{c:?}");
        assert_eq!(r.header("cache-control"), None, "{c:?}");
        assert_eq!(r.header("x-session-error"), None, "{c:?}");
    }
}

fn counter_and_cookie_attributes(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "1");
    assert_eq!(vary_lines(&r), ["Cookie"]);
    assert_eq!(r.set_cookies().len(), 1, "{:?}", r.set_cookies());
    // The clock is at T0 = 2023-11-14 22:13:20 UTC; two weeks on.
    let value = r.cookie("sessionid").unwrap();
    assert_eq!(
        r.cookie_line("sessionid").unwrap(),
        format!(
            "sessionid={value}; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; \
             Max-Age=1209600; Path=/; SameSite=Lax"
        )
    );
    let mut cookie = jar(&r, "sessionid");
    for expected in 2..=4 {
        app.advance(1);
        let r = app.get("/count", Some(&cookie));
        assert_eq!(r.body, expected.to_string());
        let next = jar(&r, "sessionid");
        assert_ne!(next, cookie, "a changed session gets a new cookie");
        cookie = next;
    }
    let value = cookie.strip_prefix("sessionid=").unwrap();
    assert_eq!(
        app.decode(value),
        [("n".to_owned(), Value::from(4))]
            .into_iter()
            .collect::<Value>()
    );

    // Other cookies around ours, and a duplicate: the last one wins.
    let r = app.get(
        "/count",
        Some(&format!("sessionid=stale-unsigned; theme=dark; {cookie}")),
    );
    assert_eq!(r.body, "5");
}

fn read_only_requests_vary_on_cookie(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    let r = app.get("/peek", Some(&cookie));
    assert_eq!(r.body, "Some(1)");
    assert!(r.set_cookies().is_empty(), "{:?}", r.set_cookies());
    assert_eq!(vary_lines(&r), ["Cookie"]);
    // Read without a cookie: still varies, sets nothing.
    let r = app.get("/peek", None);
    assert_eq!(r.body, "None");
    assert!(r.set_cookies().is_empty(), "{:?}", r.set_cookies());
    assert_eq!(vary_lines(&r), ["Cookie"]);
}

fn login_cycles_the_key(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let before = jar(&r, "sessionid");
    app.advance(5);
    let r = app.post("/login", Some(&before));
    assert_eq!(r.body, "logged in");
    assert_eq!(vary_lines(&r), ["Cookie"]);
    let after = jar(&r, "sessionid");
    assert_ne!(before, after, "login gives a new cookie value");
    // The data survives the new key (a signed cookie's key is its value).
    let data = app.decode(after.strip_prefix("sessionid=").unwrap());
    let data = data.as_object().unwrap();
    assert_eq!(data.get("n").and_then(Value::as_i64), Some(1), "{data:?}");
    assert_eq!(data.get("user").and_then(Value::as_str), Some("alice"));
    let r = app.get("/count", Some(&after));
    assert_eq!(r.body, "2");
}

fn logout_deletes_the_cookie(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    let r = app.post("/logout", Some(&cookie));
    assert_eq!(r.body, "logged out");
    assert_eq!(
        r.set_cookies(),
        ["sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"]
    );
    assert_eq!(vary_lines(&r), ["Cookie"]);
    // Logging out without a session cookie sends nothing to delete.
    let r = app.post("/logout", None);
    assert!(r.set_cookies().is_empty(), "{:?}", r.set_cookies());
}

fn tampered_cookie_starts_over(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let good = jar(&r, "sessionid");
    let r = app.get("/count", Some(&good));
    assert_eq!(r.body, "2");
    let good = jar(&r, "sessionid");
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let r = app.get("/count", Some(&tampered));
    assert_eq!(r.body, "1", "a tampered cookie starts over");
    assert!(r.cookie("sessionid").is_some());
}

fn expired_cookie_starts_over(fw: &dyn Framework) {
    let app = App::start(
        fw,
        SessionConfig::new().with_cookie_age(time::Duration::seconds(600)),
        CookieConfig::new(),
    );
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    app.advance(599);
    let r = app.get("/peek", Some(&cookie));
    assert_eq!(r.body, "Some(1)", "599 s old, within the 600 s age");
    app.advance(2);
    let r = app.get("/count", Some(&cookie));
    assert_eq!(r.body, "1", "601 s old: expired, a new session");
}

// ---------------------------------------------------------------------------
// c. The size budget.

fn oversized_session_fails_with_500(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");

    for c in [None, Some(cookie.as_str())] {
        let r = app.get("/big", c);
        assert_eq!(r.status, 500, "{c:?}");
        assert!(r.set_cookies().is_empty(), "{c:?}: {:?}", r.set_cookies());
        assert_eq!(r.body, "", "{c:?}: the handler's body is not sent");
        assert_eq!(r.header("x-session-error").as_deref(), Some("TooLarge"));
        assert_eq!(vary_lines(&r), ["Cookie"], "{c:?}");
    }
    // The previous cookie still works.
    let r = app.get("/count", Some(&cookie));
    assert_eq!(r.body, "2");

    // The handler's own headers go with its response: an empty 500 that
    // varies on the cookie only.
    let big = [ops::op([
        Value::from("set"),
        Value::from("blob"),
        Value::from(noise(6000)),
    ])];
    let reply = app.send(
        "POST",
        "/ops",
        Some(&cookie),
        Some(&ops_body(&big, T0, 200, Some("Accept-Encoding"))),
    );
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "");
    assert!(reply.set_cookies().is_empty(), "{:?}", reply.set_cookies());
    assert_eq!(vary_lines(&reply), ["Cookie"]);
    assert_eq!(reply.header("x-session-error").as_deref(), Some("TooLarge"));
}

fn oversized_session_keeps_the_previous_cookie(fw: &dyn Framework) {
    let app = App::with_cookie_config(
        fw,
        CookieConfig::new().with_oversize_policy(OversizePolicy::KeepPrevious),
    );
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    let r = app.get("/big", Some(&cookie));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "stored", "the handler's response");
    assert!(r.set_cookies().is_empty(), "{:?}", r.set_cookies());
    assert_eq!(r.header("x-session-error").as_deref(), Some("TooLarge"));
    assert_eq!(vary_lines(&r), ["Cookie"]);
    let r = app.get("/count", Some(&cookie));
    assert_eq!(
        r.body, "2",
        "the browser's previous cookie still holds the session"
    );

    // The handler's response, status and headers, varying on the cookie too.
    let big = [ops::op([
        Value::from("set"),
        Value::from("blob"),
        Value::from(noise(6000)),
    ])];
    let (reply, results) = app.ops(Some(&cookie), &big, T0, 202, Some("Accept-Encoding"));
    assert_eq!(reply.status, 202);
    assert_eq!(results, Value::Array(vec![obj([("r", Value::Null)])]));
    assert!(reply.set_cookies().is_empty(), "{:?}", reply.set_cookies());
    assert_eq!(vary_lines(&reply), ["Accept-Encoding, Cookie"]);
    assert_eq!(reply.header("x-session-error").as_deref(), Some("TooLarge"));
}

fn handler_checks_the_size_first(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    let r = app.get("/big-checked", Some(&cookie));
    assert_eq!(r.status, 413);
    assert!(r.body.ends_with("bytes over"), "{}", r.body);
    // The blob was taken out, so the (modified) session fits and is sent.
    let line = r.cookie_line("sessionid").unwrap();
    assert!(line.len() <= 4096);
    assert_eq!(r.header("x-session-error"), None);
}

fn larger_budget_lets_the_big_session_through(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new().with_size_budget(16 * 1024));
    let r = app.get("/big", None);
    assert_eq!(r.status, 200);
    assert!(r.cookie_line("sessionid").unwrap().len() > 4096);
    assert_eq!(r.header("x-session-error"), None);
}

// ---------------------------------------------------------------------------
// d. Errors and panics.

fn server_errors_set_no_cookie(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    for c in [None, Some(cookie.as_str())] {
        let r = app.get("/broken", c);
        assert_eq!(r.status, 503);
        assert!(r.set_cookies().is_empty(), "{c:?}: {:?}", r.set_cookies());
        assert_eq!(vary_lines(&r), ["Cookie"], "{c:?}");
    }
    let r = app.get("/count", Some(&cookie));
    assert_eq!(r.body, "2", "the 503's change was not kept");
}

fn panicking_handler_sets_no_cookie(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    let mut seen = Vec::new();
    for c in [None, Some(cookie.as_str())] {
        match app.try_send("GET", "/panic", c, None) {
            Ok(r) => {
                assert!(r.status.is_server_error(), "{c:?}: {r:?}");
                assert!(r.set_cookies().is_empty(), "{c:?}: {:?}", r.set_cookies());
                seen.push(format!("{}", r.status.as_u16()));
            }
            Err(e) => seen.push(format!("closed ({e})")),
        }
        // The server keeps serving, and the panicked change was not kept.
        let r = app.get("/count", Some(&cookie));
        assert_eq!(r.body, "2", "after the panic");
    }
    seen.dedup();
    tally(fw, |t| {
        t.notes
            .push(format!("a panicking handler gives: {}", seen.join(", ")));
    });
}

// ---------------------------------------------------------------------------
// More settings.

fn cache_control_private_is_opt_in(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    assert_eq!(r.header("cache-control"), None);

    let app = App::with_cookie_config(fw, CookieConfig::new().with_cache_control_private(true));
    let r = app.get("/count", None);
    assert_eq!(r.header("cache-control").as_deref(), Some("private"));
    let cookie = jar(&r, "sessionid");
    let r = app.get("/peek", Some(&cookie));
    assert_eq!(
        r.header("cache-control"),
        None,
        "no cookie set, nothing added"
    );
}

fn save_every_request_and_custom_attributes(fw: &dyn Framework) {
    let config = CookieConfig::new()
        .with_name("sid")
        .with_save_every_request(true)
        .with_secure(true);
    let app = App::start(
        fw,
        SessionConfig::new().with_expire_at_browser_close(true),
        config,
    );
    let r = app.get("/count", None);
    let line = r.cookie_line("sid").unwrap();
    assert!(
        line.ends_with("; HttpOnly; Path=/; SameSite=Lax; Secure"),
        "{line}"
    );
    assert!(!line.contains("Max-Age"), "browser-session cookie: {line}");
    let cookie = jar(&r, "sid");
    // Untouched, yet sent again.
    let r = app.get("/untouched", Some(&cookie));
    assert!(r.cookie("sid").is_some(), "{:?}", r.headers);
    // No cookie and untouched: nothing to save.
    let r = app.get("/untouched", None);
    assert!(r.set_cookies().is_empty(), "{:?}", r.set_cookies());
}

fn concurrent_requests_start_from_the_same_cookie(fw: &dyn Framework) {
    let app = App::with_cookie_config(fw, CookieConfig::new());
    let r = app.get("/count", None);
    let cookie = jar(&r, "sessionid");
    let addr = app.server.addr;
    let bodies = app.client.block_on(async {
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let cookie = cookie.clone();
                tokio::spawn(
                    async move { http_client::get(addr, "/count", Some(&cookie)).await.body },
                )
            })
            .collect();
        let mut bodies = Vec::new();
        for task in tasks {
            bodies.push(task.await.unwrap());
        }
        bodies
    });
    assert_eq!(bodies, vec!["2"; 16]);
}
