//! Keys and settings from JavaScript.

use python_json::{self as json, Map, Value};
use signed_session::clock::ManualClock;
use signed_session::http::{CookieConfig, SameSite, SessionMiddleware};
use signed_session::signing::{Compression, Limits};
use signed_session::{Keyring, Secret, SessionConfig};
use time::OffsetDateTime;
use wasm_bindgen::JsError;

use crate::convert::seconds;

/// The keyring from the current secret and the fallbacks, in order.
/// The strings are moved into the [`Secret`]s (which wipe them on drop),
/// so no copy of a key stays behind in the module's memory.
///
/// # Errors
/// An empty secret.
pub(crate) fn keyring(secret: String, fallbacks: Vec<String>) -> Result<Keyring, JsError> {
    let new = |text: String, what: &str| {
        Secret::new(text).map_err(|e| JsError::new(&format!("{what}: {e}")))
    };
    let mut ring = Keyring::new(new(secret, "secret")?);
    for (i, key) in fallbacks.into_iter().enumerate() {
        ring = ring.with_fallback(new(key, &format!("fallbackKeys[{i}]"))?);
    }
    Ok(ring)
}

/// A clock for one codec, set before each call that reads the time.
pub(crate) fn clock() -> ManualClock {
    ManualClock::new(OffsetDateTime::UNIX_EPOCH)
}

/// The settings object of a `SessionStore` (its JSON text, keys as in the
/// TypeScript `SessionOptions`, without the keys and the clock).
struct Settings {
    map: Map,
}

impl Settings {
    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.shift_remove(name).filter(|v| !v.is_null())
    }

    fn bool(&mut self, name: &str) -> Result<Option<bool>, JsError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(JsError::new(&format!("{name} must be a boolean"))),
        }
    }

    fn string(&mut self, name: &str) -> Result<Option<String>, JsError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(JsError::new(&format!("{name} must be a string"))),
        }
    }

    /// A whole number of seconds or bytes, within `i64`.
    fn integer(&mut self, name: &str) -> Result<Option<i64>, JsError> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => v
                .as_number()
                .filter(|n| n.is_integer())
                .and_then(|n| n.as_i64())
                .map(Some)
                .ok_or_else(|| JsError::new(&format!("{name} must be an integer"))),
        }
    }

    fn size(&mut self, name: &str) -> Result<Option<usize>, JsError> {
        match self.integer(name)? {
            None => Ok(None),
            Some(n) => usize::try_from(n)
                .map(Some)
                .map_err(|_| JsError::new(&format!("{name} must not be negative"))),
        }
    }

    /// Seconds, with a fraction allowed (`null` or absent: `None`).
    fn duration(&mut self, name: &str) -> Result<Option<time::Duration>, JsError> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => {
                v.as_f64().and_then(seconds).map(Some).ok_or_else(|| {
                    JsError::new(&format!("{name} must be a finite number of seconds"))
                })
            }
        }
    }
}

/// What the JavaScript `SessionStore` applies itself.
pub(crate) struct HostSettings {
    /// `oversize: "keep-previous"`: send the response without the cookie
    /// instead of failing it.
    pub(crate) keep_previous: bool,
}

/// The middleware for a settings object, reading the time from `clock`.
///
/// # Errors
/// A setting of the wrong type or an unknown one (a typo would otherwise
/// be ignored), or cookie settings a browser would drop.
pub(crate) fn middleware(
    keyring: &Keyring,
    settings: &str,
    clock: ManualClock,
) -> Result<(SessionMiddleware, HostSettings), JsError> {
    let map = match json::from_slice(settings.as_bytes(), 8) {
        Ok(Value::Object(map)) => map,
        _ => return Err(JsError::new("the options are not a plain object")),
    };
    let mut s = Settings { map };

    let mut session = SessionConfig::new().with_clock(clock);
    if let Some(age) = s.integer("cookieAge")? {
        session = session.with_cookie_age(time::Duration::seconds(age));
    }
    if let Some(b) = s.bool("expireAtBrowserClose")? {
        session = session.with_expire_at_browser_close(b);
    }
    if let Some(b) = s.bool("useTz")? {
        session = session.with_use_tz(b);
    }
    if let Some(b) = s.bool("enforceExpiry")? {
        session = session.with_enforce_expiry(b);
    }
    if let Some(mode) = s.string("compression")? {
        let compression = match mode.as_str() {
            "auto" => signed_session::session::DEFAULT_COMPRESSION,
            "django" => Compression::Django,
            "never" => Compression::Never,
            other => {
                return Err(JsError::new(&format!(
                    "compression must be \"auto\", \"django\" or \"never\", not \"{other}\""
                )));
            }
        };
        session = session.with_compression(compression);
    }
    if let Some(lifetime) = s.duration("absoluteLifetime")? {
        session = session.with_absolute_lifetime(Some(lifetime));
    }
    let mut limits = Limits::default();
    if let Some(n) = s.size("maxTokenLength")? {
        limits = limits.with_max_token_len(n);
    }
    if let Some(n) = s.size("maxDecodedLength")? {
        limits = limits.with_max_inflated_len(n);
    }
    if let Some(n) = s.size("maxDepth")? {
        limits = limits.with_max_json_depth(n);
    }
    session = session.with_limits(limits);

    let mut cookie = CookieConfig::new();
    if let Some(name) = s.string("cookieName")? {
        cookie = cookie.with_name(name);
    }
    // `null` is meaningful for these two (no attribute), so absent and
    // null differ: absent keeps Django's default.
    if let Some(domain) = s.map.shift_remove("cookieDomain") {
        cookie = cookie.with_domain(nullable_string(domain, "cookieDomain")?);
    }
    if let Some(path) = s.map.shift_remove("cookiePath") {
        cookie = cookie.with_path(nullable_string(path, "cookiePath")?);
    }
    if let Some(same_site) = s.map.shift_remove("cookieSameSite") {
        let same_site = nullable_string(same_site, "cookieSameSite")?
            .map(|v| v.parse::<SameSite>())
            .transpose()
            .map_err(|e| JsError::new(&e.to_string()))?;
        cookie = cookie.with_same_site(same_site);
    }
    if let Some(b) = s.bool("cookieSecure")? {
        cookie = cookie.with_secure(b);
    }
    if let Some(b) = s.bool("cookieHttpOnly")? {
        cookie = cookie.with_http_only(b);
    }
    if let Some(b) = s.bool("cookiePartitioned")? {
        cookie = cookie.with_partitioned(b);
    }
    if let Some(b) = s.bool("saveEveryRequest")? {
        cookie = cookie.with_save_every_request(b);
    }
    if let Some(n) = s.size("sizeBudget")? {
        cookie = cookie.with_size_budget(n);
    }
    if let Some(b) = s.bool("cacheControlPrivate")? {
        cookie = cookie.with_cache_control_private(b);
    }
    if let Some(interval) = s.duration("refreshInterval")? {
        cookie = cookie.with_refresh_interval(Some(interval));
    }
    if let Some(b) = s.bool("resignFallback")? {
        cookie = cookie.with_resign_fallback(b);
    }
    let keep_previous = match s.string("oversize")?.as_deref() {
        None | Some("fail") => false,
        Some("keep-previous") => true,
        Some(other) => {
            return Err(JsError::new(&format!(
                "oversize must be \"fail\" or \"keep-previous\", not \"{other}\""
            )));
        }
    };

    if let Some(unknown) = s.map.keys().next() {
        return Err(JsError::new(&format!("unknown option \"{unknown}\"")));
    }
    let middleware = SessionMiddleware::new(keyring, session, cookie)
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok((middleware, HostSettings { keep_previous }))
}

fn nullable_string(value: Value, name: &str) -> Result<Option<String>, JsError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(JsError::new(&format!("{name} must be a string or null"))),
    }
}
