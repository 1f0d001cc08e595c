//! The demo: a small axum site whose whole session lives in a signed
//! cookie, in Django's format.
//!
//! ```sh
//! cargo run --example demo --features axum          # http://127.0.0.1:8000
//! PORT=9000 SIGNED_SESSION_SECRET='a long random string' cargo run --example demo --features axum
//! ```
//!
//! It has a visit counter, a login form (which cycles the session key), a
//! logout button (which flushes the session and deletes the cookie), a
//! button that makes the session expire 30 seconds after the last request,
//! buttons that grow the session towards the 4096-byte cookie budget, and a
//! panel that decodes the cookie the browser sent. Plain HTML, no script.
//! The pages live in `examples/site/pages.rs`, shared with the actix-web
//! demo (`examples/actix_demo.rs`); this file only wires axum's routes.
//!
//! Without `SIGNED_SESSION_SECRET` it signs with a development secret that
//! is written in the source, so anyone can forge its cookies; it says so
//! loudly.

#[path = "site/pages.rs"]
mod site;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use signed_session::Keyring;
use signed_session::http::{SessionHandle, SessionLayer};

pub use site::{DEVELOPMENT_SECRET, Demo, SECRET_ENV, SHORT_EXPIRY};

/// The demo's router, with its session layer.
pub fn app(keys: &Keyring, development_secret: bool) -> Router {
    /// A form post: the action, then the redirect to `/` a browser follows.
    fn action(act: fn(&SessionHandle)) -> axum::routing::MethodRouter<Arc<Demo>> {
        post(move |session: SessionHandle| async move {
            act(&session);
            Redirect::to("/")
        })
    }
    Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/logout", action(site::logout))
        .route("/expire-soon", action(site::expire_soon))
        .route("/expire-default", action(site::expire_default))
        .route("/grow", action(site::grow))
        .route("/shrink", action(site::shrink))
        .layer(SessionLayer::new(site::middleware(keys)))
        .with_state(Arc::new(Demo { development_secret }))
}

async fn index(
    State(demo): State<Arc<Demo>>,
    session: SessionHandle,
    headers: HeaderMap,
) -> Html<String> {
    Html(site::index(&demo, &session, &headers))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
}

async fn login(session: SessionHandle, Form(form): Form<LoginForm>) -> Redirect {
    site::login(&session, &form.username);
    Redirect::to("/")
}

#[tokio::main]
async fn main() {
    let (keys, development_secret) = site::keys_from_env();
    site::warn_if_development(
        development_secret,
        "cargo run --example demo --features axum",
    );
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, site::port_from_env()));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e} (set PORT to use another port)");
            std::process::exit(1)
        }
    };
    println!(
        "{}",
        site::listening_line(listener.local_addr().unwrap_or(addr))
    );
    if let Err(e) = axum::serve(listener, app(&keys, development_secret)).await {
        eprintln!("server error: {e}");
        std::process::exit(1)
    }
}
