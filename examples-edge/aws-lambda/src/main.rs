//! An AWS Lambda HTTP function (API Gateway, a function URL or an ALB in
//! front) whose session lives in a Django-compatible signed cookie, handled
//! by `signed-session`'s tower layer.
//!
//! `lambda_http` runs any tower service, so the layer wraps the handler as
//! it would in an axum or hyper server: it loads the session from the
//! request's cookie, hands the handler a `SessionHandle` in the request
//! extensions, and writes `Set-Cookie` and `Vary` as Django's
//! `SessionMiddleware` does. Lambda has a system clock, so the default
//! features (which read it) are fine here.
//!
//! - `GET /` counts the visits of this browser in the session.
//! - `GET /logout` empties the session and deletes the cookie.
//!
//! The secret comes from the environment variable `SECRET_KEY`; see
//! examples-edge/README.md for deploying it.

use lambda_http::tower::Layer;
use lambda_http::{Body, Error, Request, Response, run, service_fn};
use signed_session::http::{CookieConfig, SessionHandle, SessionLayer, SessionMiddleware};
use signed_session::{Keyring, Secret, SessionConfig};

async fn handler(request: Request) -> Result<Response<Body>, Error> {
    let session = request
        .extensions()
        .get::<SessionHandle>()
        .cloned()
        .ok_or("the session layer is not installed")?;
    let body = if request.uri().path() == "/logout" {
        session.flush();
        "logged out\n".to_owned()
    } else {
        let visits = session.get_as::<u64>("visits").ok().flatten().unwrap_or(0) + 1;
        session.insert("visits", visits);
        format!("visit number {visits}\n")
    };
    Ok(Response::builder()
        .header("Content-Type", "text/plain; charset=utf-8")
        .body(Body::from(body))?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut keys = Keyring::new(Secret::new(std::env::var("SECRET_KEY")?)?);
    // A retired key keeps verifying cookies signed before a rotation.
    if let Ok(old) = std::env::var("SECRET_KEY_FALLBACK") {
        keys = keys.with_fallback(Secret::new(old)?);
    }
    // Django's defaults (cookie "sessionid", two weeks), HTTPS only. The
    // session settings read the time from the system clock (the default).
    let middleware = SessionMiddleware::new(
        &keys,
        SessionConfig::new(),
        CookieConfig::new().with_secure(true),
    )?;
    let layer = SessionLayer::new(middleware);
    run(layer.layer(service_fn(handler))).await
}
