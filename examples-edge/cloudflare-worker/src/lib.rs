//! A Cloudflare Worker whose whole session lives in a signed cookie that a
//! Django site with `SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"`
//! and the same `SECRET_KEY` can read and write too.
//!
//! It uses only the core of `signed-session` (no default features): a
//! Worker is `wasm32-unknown-unknown`, where there is no system clock, so
//! the time comes from the JavaScript `Date.now()`, read once per request
//! into a `ManualClock` that the session codec reads "now" from (without
//! one, the codec would panic on its first reading of the time).
//!
//! - `GET /` counts the visits of this browser in the session.
//! - `GET /logout` empties the session and deletes the cookie.
//!
//! The secret comes from the Worker secret `SECRET_KEY` (and optionally a
//! retired one in `SECRET_KEY_FALLBACK`); see examples-edge/README.md.

use signed_session::clock::ManualClock;
use signed_session::session::{Session, SessionCodec, SessionConfig};
use signed_session::{Keyring, Secret, Value};
use time::OffsetDateTime;
use worker::{Context, Date, Env, Error, Request, Response, Result, event};

/// Django's default `SESSION_COOKIE_NAME`.
const COOKIE_NAME: &str = "sessionid";

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
    let config = SessionConfig::new().with_clock(ManualClock::new(now()?));
    let codec = SessionCodec::new(&keyring(&env)?, config);

    let cookie = request_cookie(&request, COOKIE_NAME)?;
    let mut session = codec.load(cookie.as_deref());
    if let Some(error) = session.load_error() {
        // Tampered, expired or signed with an unknown key: the session
        // starts empty and the cookie is replaced, as Django does.
        worker::console_log!("session cookie refused ({}): {error}", error.kind());
    }

    let body = if request.path() == "/logout" {
        session.flush();
        "logged out\n".to_owned()
    } else {
        let visits = session.get("visits").and_then(Value::as_i64).unwrap_or(0) + 1;
        session.insert("visits", visits);
        format!("visit number {visits}\n")
    };

    let mut response = Response::ok(body)?;
    write_cookie(&codec, &mut session, cookie.is_some(), &mut response)?;
    Ok(response)
}

/// The Worker's `Date.now()` as an instant. Whole milliseconds convert
/// exactly; a time outside the years -9999 to 9999 is an error, never a
/// made-up date.
fn now() -> Result<OffsetDateTime> {
    let millis = Date::now().as_millis();
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|e| Error::RustError(format!("Date.now() is not a usable time: {e}")))
}

/// The keys: `SECRET_KEY` signs, `SECRET_KEY_FALLBACK` (if set) still
/// verifies cookies signed before a rotation.
fn keyring(env: &Env) -> Result<Keyring> {
    let secret = |text: String| Secret::new(text).map_err(|e| Error::RustError(e.to_string()));
    let mut keys = Keyring::new(secret(env.secret("SECRET_KEY")?.to_string())?);
    if let Ok(old) = env.secret("SECRET_KEY_FALLBACK") {
        keys = keys.with_fallback(secret(old.to_string())?);
    }
    Ok(keys)
}

/// The value of the cookie `name` in the request's `Cookie` header (the
/// last one wins, as in Django's `parse_cookie`).
fn request_cookie(request: &Request, name: &str) -> Result<Option<String>> {
    let Some(header) = request.headers().get("Cookie")? else {
        return Ok(None);
    };
    Ok(header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .next_back())
}

/// What Django's `SessionMiddleware.process_response` does with the
/// default settings: `Vary: Cookie` once the session was read; when it was
/// modified, delete the cookie if the session is now empty (no key and no
/// data: Django's `is_empty()`), or else save it and send it with the
/// session's expiry. The time is the codec's clock.
fn write_cookie(
    codec: &SessionCodec,
    session: &mut Session,
    had_cookie: bool,
    response: &mut Response,
) -> Result<()> {
    let headers = response.headers_mut();
    if session.accessed() {
        headers.append("Vary", "Cookie")?;
    }
    if !session.modified() {
        return Ok(());
    }
    if session.is_blank() {
        if had_cookie {
            headers.append(
                "Set-Cookie",
                &format!("{COOKIE_NAME}=\"\"; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"),
            )?;
        }
        return Ok(());
    }
    let value = codec
        .save(session)
        .map_err(|e| Error::RustError(e.to_string()))?;
    // A session set to expire at browser close gets no Max-Age.
    let max_age = if session.expire_at_browser_close() {
        String::new()
    } else {
        format!("; Max-Age={}", session.expiry_age().whole_seconds())
    };
    headers.append(
        "Set-Cookie",
        &format!("{COOKIE_NAME}={value}{max_age}; Path=/; Secure; HttpOnly; SameSite=Lax"),
    )?;
    Ok(())
}
