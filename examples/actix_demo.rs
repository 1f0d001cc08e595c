//! The demo on actix-web: the same site as `examples/demo.rs` (axum),
//! page for page, with the session middleware for actix-web.
//!
//! ```sh
//! cargo run --example actix_demo --features actix   # http://127.0.0.1:8000
//! PORT=9000 SIGNED_SESSION_SECRET='a long random string' cargo run --example actix_demo --features actix
//! ```
//!
//! The pages live in `examples/site/pages.rs`; this file only wires
//! actix-web's routes. Both demos are built from the same settings, so a
//! cookie from one is a valid session in the other.

#[path = "site/pages.rs"]
mod site;

use std::net::{Ipv4Addr, SocketAddr};

use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentType};
use actix_web::{App, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use signed_session::Keyring;
use signed_session::http::{ActixSession, SessionHandle};

use site::Demo;

/// The demo's application, with its session middleware. It takes the
/// keyring by value: actix-web calls this once per worker thread.
pub fn app(
    keys: Keyring,
    development_secret: bool,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    /// A form post: the action, then the redirect to `/` a browser follows.
    fn action(act: fn(&SessionHandle)) -> actix_web::Route {
        web::post().to(move |session: SessionHandle| async move {
            act(&session);
            see_home()
        })
    }
    App::new()
        .app_data(web::Data::new(Demo { development_secret }))
        .route("/", web::get().to(index))
        .route("/login", web::post().to(login))
        .route("/logout", action(site::logout))
        .route("/expire-soon", action(site::expire_soon))
        .route("/expire-default", action(site::expire_default))
        .route("/grow", action(site::grow))
        .route("/shrink", action(site::shrink))
        .wrap(ActixSession::new(site::middleware(&keys)))
}

/// `303 See Other` to `/`, as axum's `Redirect::to` answers.
fn see_home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

async fn index(
    demo: web::Data<Demo>,
    session: SessionHandle,
    request: HttpRequest,
) -> HttpResponse {
    // The panel reads the `Cookie` headers through the `http` crate's map.
    let mut cookies = http::HeaderMap::new();
    for value in request.headers().get_all(header::COOKIE) {
        if let Ok(value) = http::HeaderValue::from_bytes(value.as_bytes()) {
            cookies.append(http::header::COOKIE, value);
        }
    }
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(site::index(&demo, &session, &cookies))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
}

async fn login(session: SessionHandle, form: web::Form<LoginForm>) -> HttpResponse {
    site::login(&session, &form.username);
    see_home()
}

#[actix_web::main]
async fn main() {
    let (keys, development_secret) = site::keys_from_env();
    site::warn_if_development(
        development_secret,
        "cargo run --example actix_demo --features actix",
    );
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, site::port_from_env()));
    let server = actix_web::HttpServer::new(move || app(keys.clone(), development_secret))
        .workers(2)
        .bind(addr);
    let server = match server {
        Ok(server) => server,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e} (set PORT to use another port)");
            std::process::exit(1)
        }
    };
    let bound = server.addrs().first().copied().unwrap_or(addr);
    println!("{}", site::listening_line(bound));
    if let Err(e) = server.run().await {
        eprintln!("server error: {e}");
        std::process::exit(1)
    }
}
