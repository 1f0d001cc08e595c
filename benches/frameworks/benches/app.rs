//! The same four apps as `rps.rs`, called in process, without the network:
//! one `/get` with the session cookie through the framework's router, the
//! session middleware and the handler, on one thread (actix-web's test
//! service; axum's `Router` as a tower service). Everything the network
//! adds (sockets, HTTP parsing, the client threads) is the same for both
//! contenders of a framework and is left out, and so is most of the noise
//! of a shared machine: what is left is what the session crates change.
//!
//! ```sh
//! cargo bench --manifest-path benches/frameworks/Cargo.toml --bench app
//! ```

use std::time::Duration;

use actix_web::test::{self as actix_test, TestRequest};
use axum::body::Body;
use axum::http::{Request, header};
use criterion::{BenchmarkGroup, Criterion, measurement::WallTime};
use signed_session_framework_bench::servers::{
    actix_session_app, actix_signed_session_app, axum_signed_session_router, our_middleware,
    tower_sessions_router,
};
use signed_session_framework_bench::{NO_USER, Response, USER, tamper};
use tower_service::Service as _;

fn failed(label: &str, what: &str, response: &Response) -> ! {
    eprintln!("{label}: {what}: {} {:?}", response.status, response.text());
    std::process::exit(1)
}

/// Calls `/set`, keeps the cookie, and checks `/get` with it (the stored
/// value), without it and with a tampered one (nothing); returns the
/// cookie.
fn prepare(label: &str, mut call: impl FnMut(&str, Option<&str>) -> Response) -> String {
    let set = call("/set", None);
    let Some(cookie) = set.session_cookie().filter(|_| set.status == 200) else {
        failed(label, "/set sets no cookie", &set)
    };
    let get = call("/get", Some(&cookie));
    if get.status != 200 || get.body != USER.as_bytes() {
        failed(label, "/get with the cookie", &get);
    }
    let anonymous = call("/get", None);
    if anonymous.status != 200 || anonymous.body != NO_USER.as_bytes() {
        failed(label, "/get without a cookie", &anonymous);
    }
    let tampered = call("/get", Some(&tamper(&cookie)));
    if tampered.status != 200 || tampered.body != NO_USER.as_bytes() {
        failed(label, "/get with a tampered cookie", &tampered);
    }
    println!(
        "{label}: checked (stored value, no cookie, tampered cookie); /get sets a cookie: {}",
        if get.set_cookies.is_empty() {
            "no"
        } else {
            "yes"
        }
    );
    cookie
}

/// Measures `/get` with the cookie through `call`, checking each response.
fn measure(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    mut call: impl FnMut(&str, Option<&str>) -> Response,
) {
    let label = format!("{}/{name}", "app");
    let cookie = prepare(&label, &mut call);
    group.bench_function(name, |bencher| {
        bencher.iter(|| {
            let response = call("/get", Some(&cookie));
            assert!(
                response.status == 200 && response.body == USER.as_bytes(),
                "every response is a 200 with the stored value"
            );
        });
    });
}

/// One actix-web request through `app` (an initialised test service).
macro_rules! actix_call {
    ($system:expr, $app:expr) => {
        |path: &str, cookie: Option<&str>| {
            $system.block_on(async {
                let mut request = TestRequest::get().uri(path);
                if let Some(cookie) = cookie {
                    request = request.insert_header((actix_web::http::header::COOKIE, cookie));
                }
                let response = actix_test::call_service($app, request.to_request()).await;
                let status = response.status().as_u16();
                let set_cookies = response
                    .headers()
                    .get_all(actix_web::http::header::SET_COOKIE)
                    .filter_map(|value| value.to_str().ok())
                    .map(str::to_owned)
                    .collect();
                let body = actix_test::read_body(response).await.to_vec();
                Response {
                    status,
                    set_cookies,
                    body,
                }
            })
        }
    };
}

/// One axum request through `router`.
fn axum_call(
    runtime: &tokio::runtime::Runtime,
    router: &axum::Router,
) -> impl FnMut(&str, Option<&str>) -> Response {
    move |path, cookie| {
        runtime.block_on(async {
            let mut request = Request::builder().uri(path);
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie);
            }
            let request = request.body(Body::empty()).expect("a valid request");
            let Ok(response) = router.clone().call(request).await;
            let status = response.status().as_u16();
            let set_cookies = response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .map(str::to_owned)
                .collect();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("an in-memory body")
                .to_vec();
            Response {
                status,
                set_cookies,
                body,
            }
        })
    }
}

fn main() {
    let quick = std::env::var("FRAMEWORK_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let (warm_up, measurement) = if quick {
        (Duration::from_millis(200), Duration::from_secs(1))
    } else {
        (Duration::from_secs(2), Duration::from_secs(5))
    };
    let mut criterion = Criterion::default()
        .warm_up_time(warm_up)
        .measurement_time(measurement)
        .configure_from_args();

    {
        let system = actix_web::rt::System::new();
        let mut group = criterion.benchmark_group("app-actix");
        let ours = system.block_on(actix_test::init_service(actix_signed_session_app(
            signed_session::http::ActixSession::new(our_middleware()),
        )));
        measure(&mut group, "signed-session", actix_call!(system, &ours));
        let theirs = system.block_on(actix_test::init_service(actix_session_app(
            actix_web::cookie::Key::generate(),
        )));
        measure(&mut group, "actix-session", actix_call!(system, &theirs));
        group.finish();
    }
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let mut group = criterion.benchmark_group("app-axum");
        let ours = axum_signed_session_router();
        measure(&mut group, "signed-session", axum_call(&runtime, &ours));
        let theirs = tower_sessions_router();
        measure(&mut group, "tower-sessions", axum_call(&runtime, &theirs));
        group.finish();
    }
    criterion.final_summary();
}
