//! Session cookies: Django's `signed_cookies` backend, load and save.
//!
//! Settings travel as an object with Django's setting names, which is also
//! the `settings` object of the `session_store` vectors:
//! `{"SECRET_KEY", "SECRET_KEY_FALLBACKS"?, "SESSION_COOKIE_AGE"?,
//! "SESSION_EXPIRE_AT_BROWSER_CLOSE"?, "USE_TZ"?}`, plus our own
//! `"enforce_expiry"`? (default true: a cookie past its own
//! `_session_expiry` is refused, which Django does not do).

use python_json::Map;
use signed_session::Value;
use signed_session::clock::ManualClock;
use signed_session::session::{Session, SessionCodec, SessionConfig};
use time::Duration;

use crate::api::{Failure, handle, keyring_from, opt, req, req_clock};

/// The codec for a `settings` object (see the module docs), reading the
/// time from `clock`.
pub(crate) fn codec(settings: &Value, clock: ManualClock) -> Result<SessionCodec, Failure> {
    let ring = keyring_from(settings, "SECRET_KEY", "SECRET_KEY_FALLBACKS")?;
    let bool_setting = |name: &str| match opt(settings, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Failure::request(format!("\"{name}\" is not a boolean"))),
    };
    // The module has no clock of its own: without this one the first
    // reading of the time would panic.
    let mut config = SessionConfig::new().with_clock(clock);
    if let Some(v) = opt(settings, "SESSION_COOKIE_AGE") {
        let age = v
            .as_i64()
            .ok_or_else(|| Failure::request("\"SESSION_COOKIE_AGE\" is not an integer"))?;
        config = config.with_cookie_age(Duration::seconds(age));
    }
    if let Some(b) = bool_setting("SESSION_EXPIRE_AT_BROWSER_CLOSE")? {
        config = config.with_expire_at_browser_close(b);
    }
    if let Some(b) = bool_setting("USE_TZ")? {
        config = config.with_use_tz(b);
    }
    if let Some(b) = bool_setting("enforce_expiry")? {
        config = config.with_enforce_expiry(b);
    }
    Ok(SessionCodec::new(&ring, config))
}

/// `SessionStore(cookie).load()` at time `now`. Like Django it never fails
/// on a bad cookie: the data is then empty and `load_error` says why.
///
/// Request: `{"settings", "cookie" (string or null), "now"}`.
/// Response: `{"ok":true, "data", "key_index" (null unless a key
/// verified), "load_error" (null or `{"kind","error"}`), "expiry_age",
/// "expire_at_browser_close"}`. `expiry_age` is `get_expiry_age()`: the
/// `Max-Age` to send unless `expire_at_browser_close` is true.
pub(crate) fn load(input: &[u8]) -> Vec<u8> {
    handle(input, |request| {
        let clock = req_clock(request, "now")?;
        let codec = codec(req(request, "settings")?, clock)?;
        let cookie = match req(request, "cookie")? {
            Value::Null => None,
            Value::String(s) => Some(s.as_str()),
            _ => return Err(Failure::request("\"cookie\" is not a string or null")),
        };
        let session = codec.load(cookie);
        let mut out = Map::new();
        out.insert("data".into(), Value::Object(session.as_map().clone()));
        out.insert("key_index".into(), session.key_index().into());
        let error = session.load_error().map(|e| {
            let mut m = Map::new();
            m.insert("kind".into(), e.kind().as_str().into());
            m.insert("error".into(), e.to_string().into());
            m
        });
        out.insert(
            "load_error".into(),
            error.map_or(Value::Null, Value::Object),
        );
        expiry_fields(&mut out, &session);
        Ok(out)
    })
}

/// `SessionStore.save()` of `data` at time `now`.
///
/// Request: `{"settings", "data" (an object), "now"}`.
/// Response: `{"ok":true, "cookie", "expiry_age", "expire_at_browser_close"}`.
pub(crate) fn save(input: &[u8]) -> Vec<u8> {
    handle(input, |request| {
        let clock = req_clock(request, "now")?;
        let codec = codec(req(request, "settings")?, clock)?;
        let data = req(request, "data")?
            .as_object()
            .ok_or_else(|| Failure::request("\"data\" is not an object"))?;
        let mut session = codec.new_session();
        session.extend(data.clone());
        let cookie = codec.save(&mut session)?;
        let mut out = Map::new();
        out.insert("cookie".into(), cookie.into());
        expiry_fields(&mut out, &session);
        Ok(out)
    })
}

/// `get_expiry_age()` (whole seconds, as Django's integer) and
/// `get_expire_at_browser_close()`, at the session's clock.
fn expiry_fields(out: &mut Map, session: &Session) {
    out.insert(
        "expiry_age".into(),
        session.expiry_age().whole_seconds().into(),
    );
    out.insert(
        "expire_at_browser_close".into(),
        session.expire_at_browser_close().into(),
    );
}
