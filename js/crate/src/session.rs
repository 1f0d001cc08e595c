//! Django's `signed_cookies` sessions and `SessionMiddleware` rules.

use std::rc::Rc;

use http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use python_json::{self as json, Map, Value};
use signed_session::clock::ManualClock;
use signed_session::http::{Outcome, SessionMiddleware};
use signed_session::session::Expiry;
use wasm_bindgen::prelude::*;

use crate::config::{HostSettings, clock, keyring, middleware};
use crate::convert::{
    ascii, decode_failure, instant, millis, ok, ok_value, read, save_error, save_failure, seconds,
};
use crate::cookie::cookie_value;

/// What every session of a store shares: the middleware (keys, settings)
/// and the clock it reads.
struct Shared {
    middleware: SessionMiddleware,
    clock: ManualClock,
    host: HostSettings,
    depth: usize,
}

impl Shared {
    /// Sets the clock to `now_ms`.
    ///
    /// # Errors
    /// A time that is not finite or outside the years -9999 to 9999.
    fn at(&self, now_ms: f64) -> Result<(), JsError> {
        let now = instant(now_ms).ok_or_else(|| {
            JsError::new(&format!("the clock's time ({now_ms} ms) is not usable"))
        })?;
        self.clock.set(now);
        Ok(())
    }
}

/// Django's session engine and middleware settings with one keyring: it
/// loads [`Session`]s from requests and writes their cookies.
#[wasm_bindgen]
pub struct Store {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl Store {
    /// `settings` is the JSON text of the options object, without the keys
    /// and the clock.
    ///
    /// # Errors
    /// An empty secret, an unknown option or one of the wrong type, or
    /// cookie settings that browsers drop.
    #[wasm_bindgen(constructor)]
    pub fn new(secret: String, fallbacks: Vec<String>, settings: &str) -> Result<Store, JsError> {
        let ring = keyring(secret, fallbacks)?;
        let clock = clock();
        let (middleware, host) = middleware(&ring, settings, clock.clone())?;
        let depth = middleware.codec().config().limits().max_json_depth();
        Ok(Store {
            shared: Rc::new(Shared {
                middleware,
                clock,
                host,
                depth,
            }),
        })
    }

    /// The session of a request whose `Cookie` header is `cookie_header`
    /// (`undefined` without one), at `now_ms`. A missing, tampered,
    /// expired or malformed cookie gives an empty session, as in Django,
    /// with the reason in [`Session::load_error`]. A header that is not a
    /// valid header value (control characters) counts as absent.
    ///
    /// # Errors
    /// An unusable time.
    pub fn load(&self, cookie_header: Option<String>, now_ms: f64) -> Result<Session, JsError> {
        let name = self.shared.middleware.config().name();
        let value = cookie_header.as_deref().and_then(|h| cookie_value(h, name));
        self.load_value(value.map(str::to_owned), now_ms)
    }

    /// The session of a cookie value (not a header), at `now_ms`.
    ///
    /// # Errors
    /// An unusable time.
    pub fn load_value(&self, value: Option<String>, now_ms: f64) -> Result<Session, JsError> {
        self.shared.at(now_ms)?;
        let session = self.shared.middleware.codec().load(value.as_deref());
        Ok(Session {
            shared: Rc::clone(&self.shared),
            session,
            had_cookie: value.is_some(),
        })
    }

    /// The cookie's name.
    pub fn cookie_name(&self) -> String {
        self.shared.middleware.config().name().to_owned()
    }

    /// Whether a session over the budget leaves the response as it is
    /// (`oversize: "keep-previous"`) rather than failing it.
    pub fn keep_previous(&self) -> bool {
        self.shared.host.keep_previous
    }
}

/// One request's session: Django's `request.session`.
#[wasm_bindgen]
pub struct Session {
    shared: Rc<Shared>,
    session: signed_session::Session,
    had_cookie: bool,
}

/// Python's JSON text of a value.
fn text(value: &Value) -> String {
    let mut bytes = Vec::with_capacity(32);
    json::write_value(&mut bytes, value);
    ascii(bytes)
}

#[wasm_bindgen]
impl Session {
    /// The value of `key` as Python's JSON text, or `undefined`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.session.get(key).map(text)
    }

    /// Sets `key` to the value in `json`. Returns `undefined`, or
    /// `"!" + error` for a value the decoder would refuse.
    pub fn set(&mut self, key: String, json: &str) -> Option<String> {
        match read(json, self.shared.depth.saturating_sub(1)) {
            Ok(value) => {
                self.session.insert(key, value);
                None
            }
            Err(failure) => Some(failure),
        }
    }

    /// Removes `key`; whether it was there.
    pub fn delete(&mut self, key: &str) -> bool {
        self.session.delete(key).is_ok()
    }

    /// Whether `key` is in the session.
    pub fn has(&self, key: &str) -> bool {
        self.session.contains_key(key)
    }

    /// The keys, as a JSON array.
    pub fn keys(&self) -> String {
        text(&Value::Array(
            self.session.keys().map(Value::from).collect(),
        ))
    }

    /// The whole data, as a JSON object.
    pub fn data(&self) -> String {
        text(&Value::Object(self.session.as_map().clone()))
    }

    /// How many keys the session holds.
    pub fn size(&self) -> usize {
        self.session.len()
    }

    /// Django's `clear()`.
    pub fn clear(&mut self) {
        self.session.clear();
    }

    /// Django's `flush()`: no data, no key; the cookie is deleted.
    pub fn flush(&mut self) {
        self.session.flush();
    }

    /// Django's `cycle_key()`: re-signed when saved.
    pub fn cycle_key(&mut self) {
        self.session.cycle_key();
    }

    /// `set_expiry(None)`.
    pub fn set_expiry_default(&mut self) {
        self.session.set_expiry(Expiry::Default);
    }

    /// `set_expiry(int)`: expire after `seconds` without a save (0: when
    /// the browser closes). Returns false for a number that is not one.
    pub fn set_expiry_idle(&mut self, seconds_: f64) -> bool {
        match seconds(seconds_) {
            Some(d) => {
                self.session.set_expiry(Expiry::Idle(d));
                true
            }
            None => false,
        }
    }

    /// `set_expiry(datetime)` (aware, UTC) at `at_ms`. Returns false for an
    /// unusable time.
    pub fn set_expiry_at(&mut self, at_ms: f64) -> bool {
        match instant(at_ms) {
            Some(at) => {
                self.session.set_expiry(Expiry::At(at));
                true
            }
            None => false,
        }
    }

    /// `set_expiry(timedelta(seconds=…))` at `now_ms`: a fixed date.
    ///
    /// # Errors
    /// An unusable time or duration.
    pub fn set_expiry_in(&mut self, seconds_: f64, now_ms: f64) -> Result<(), JsError> {
        let d = seconds(seconds_).ok_or_else(|| {
            JsError::new(&format!("{seconds_} is not a usable number of seconds"))
        })?;
        self.shared.at(now_ms)?;
        self.session.set_expiry(Expiry::In(d));
        Ok(())
    }

    /// `get_expiry_age()` at `now_ms`, in whole seconds.
    ///
    /// # Errors
    /// An unusable time.
    pub fn expiry_age(&self, now_ms: f64) -> Result<f64, JsError> {
        self.shared.at(now_ms)?;
        Ok(self.session.expiry_age().whole_seconds() as f64)
    }

    /// `get_expiry_date()` at `now_ms`, in milliseconds since the epoch.
    ///
    /// # Errors
    /// An unusable time.
    pub fn expiry_date(&self, now_ms: f64) -> Result<f64, JsError> {
        self.shared.at(now_ms)?;
        Ok(millis(self.session.expiry_date()))
    }

    /// `get_expire_at_browser_close()`.
    pub fn expire_at_browser_close(&self) -> bool {
        self.session.expire_at_browser_close()
    }

    /// `set_test_cookie()`.
    pub fn set_test_cookie(&mut self) {
        self.session.set_test_cookie();
    }

    /// `test_cookie_worked()`.
    pub fn test_cookie_worked(&self) -> bool {
        self.session.test_cookie_worked()
    }

    /// `delete_test_cookie()`; false where Django raises `KeyError`.
    pub fn delete_test_cookie(&mut self) -> bool {
        self.session.delete_test_cookie().is_ok()
    }

    /// `session_key`: the cookie value the session came from or was last
    /// saved as.
    pub fn key(&self) -> Option<String> {
        self.session.session_key().map(str::to_owned)
    }

    /// `accessed`.
    pub fn accessed(&self) -> bool {
        self.session.accessed()
    }

    /// `modified`.
    pub fn modified(&self) -> bool {
        self.session.modified()
    }

    /// `modified = yes`.
    pub fn set_modified(&mut self, yes: bool) {
        self.session.set_modified(yes);
    }

    /// Django's `is_empty()`: no key and no data.
    pub fn is_blank(&self) -> bool {
        self.session.is_blank()
    }

    /// Whether the request carried the cookie at all.
    pub fn had_cookie(&self) -> bool {
        self.had_cookie
    }

    /// Why the incoming cookie was refused, as `"!" + error`, or
    /// `undefined`.
    pub fn load_error(&self) -> Option<String> {
        self.session.load_error().map(decode_failure)
    }

    /// Which key verified the incoming cookie (0: the current one).
    pub fn key_index(&self) -> Option<u32> {
        self.session.key_index().and_then(|i| u32::try_from(i).ok())
    }

    /// When the incoming cookie was signed, in milliseconds.
    pub fn signed_at(&self) -> Option<f64> {
        self.session.signed_at().map(millis)
    }

    /// Django's `save()` at `now_ms`: `" "` and the `Set-Cookie` value that
    /// sends the new cookie, or `"!" + error`.
    ///
    /// # Errors
    /// An unusable time.
    pub fn save(&mut self, now_ms: f64) -> Result<String, JsError> {
        self.shared.at(now_ms)?;
        Ok(match self.shared.middleware.save(&mut self.session) {
            Ok(header) => ok(&header),
            Err(e) => save_failure(&e),
        })
    }

    /// Django's `process_response` at `now_ms` for a response with this
    /// status and these `Vary` and `Cache-Control` values: `" "` and a JSON
    /// object `{"outcome", "setCookie", "vary", "cacheControl", "error"}`
    /// (the new header values, `null` where there is none; `error` is the
    /// error object when the session could not be sent).
    ///
    /// # Errors
    /// An unusable time or status.
    pub fn finish(
        &mut self,
        status: u16,
        vary: Option<String>,
        cache_control: Option<String>,
        now_ms: f64,
    ) -> Result<String, JsError> {
        let status = StatusCode::from_u16(status)
            .map_err(|_| JsError::new(&format!("{status} is not an HTTP status")))?;
        self.shared.at(now_ms)?;
        let mut headers = HeaderMap::new();
        for (name, value) in [(VARY, vary), (CACHE_CONTROL, cache_control)] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                headers.insert(name, value);
            }
        }
        let result =
            self.shared
                .middleware
                .finish(&mut self.session, self.had_cookie, status, &mut headers);
        let mut m = Map::new();
        let outcome = match &result {
            Ok(Outcome::Set { .. }) => "set",
            Ok(Outcome::Deleted) => "deleted",
            Ok(Outcome::SkippedServerError) => "skipped_server_error",
            Ok(_) => "unchanged",
            Err(_) => "failed",
        };
        m.insert("outcome".into(), outcome.into());
        for (key, name) in [
            ("setCookie", SET_COOKIE),
            ("vary", VARY),
            ("cacheControl", CACHE_CONTROL),
        ] {
            m.insert(key.into(), header(&headers, &name));
        }
        if let Err(e) = &result {
            m.insert("error".into(), save_error(e));
        }
        Ok(ok_value(&Value::Object(m)))
    }
}

/// Every value of a header, joined as one, or `null`.
fn header(headers: &HeaderMap, name: &HeaderName) -> Value {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    if values.is_empty() {
        Value::Null
    } else {
        values.join(", ").into()
    }
}
