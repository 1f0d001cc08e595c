//! [`SessionMiddleware`]: Django's `SessionMiddleware` on the `http`
//! crate's types, without any framework.

use ::http::header::{CONTENT_LENGTH, SET_COOKIE, VARY};
use ::http::{HeaderMap, HeaderValue, Response, StatusCode};

use super::config::{CookieConfig, OversizePolicy};
use super::cookies::{
    Lifetime, deletion_cookie_value, http_date, request_cookie, set_cookie_value,
};
use super::error::{ConfigError, CookieTooLarge, SaveError};
use super::vary::{patch_cache_control_private, patch_vary};
use std::sync::Arc;

use crate::error::{DecodeError, EncodeError};
use crate::session::revocation::{AsyncRevocationCheck, settle};
use crate::session::{ExpiryArgs, Session, SessionCodec, SessionConfig, presented};
use crate::signing::Keyring;

/// The session of one request, and whether the request carried the
/// session cookie at all (which decides whether an emptied session
/// deletes it).
#[derive(Debug)]
#[non_exhaustive]
pub struct LoadedSession {
    /// The session, loaded leniently: a refused cookie gives an empty
    /// session (see [`Session::load_error`]).
    pub session: Session,
    /// Whether the cookie name was present in the request, even with an
    /// empty or unusable value (Django's `name in request.COOKIES`).
    pub had_cookie: bool,
}

/// What [`SessionMiddleware::finish`] did to the response headers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// No `Set-Cookie`: the session was not modified (or is empty and came
    /// without a cookie).
    Unchanged,
    /// The session was signed and sent; `size` is the length of the
    /// `Set-Cookie` header value in bytes.
    Set {
        /// Bytes of the `Set-Cookie` value, within the budget.
        size: usize,
    },
    /// The session is empty but the request had a cookie: a deletion
    /// cookie was sent.
    Deleted,
    /// The session needed saving but the response is a 5xx: like Django,
    /// nothing was saved or sent.
    SkippedServerError,
}

/// Django's `SessionMiddleware` for the `http` crate's request and response
/// types, with the framework left out: [`load`](Self::load) before the
/// handler, [`finish`](Self::finish) (or
/// [`process_response`](Self::process_response)) after it. The time comes
/// from the [`SessionConfig`]'s clock.
///
/// The response headers are Django's, byte for byte (docs/django-format.md §6):
///
/// * **delete**: the request had the cookie and the session is now
///   [blank](Session::is_blank) (after [`flush`](Session::flush), or when
///   the incoming value was under 8 characters): a deletion cookie and
///   `Vary: Cookie`, whatever the status;
/// * **set**: the session was modified (or
///   [`save_every_request`](CookieConfig::with_save_every_request) is on)
///   and is not blank, and the status is below 500: the session is re-signed
///   at the response time, with `Max-Age`/`expires` from its expiry (none for
///   a browser-session cookie, negative for a date in the past), and
///   `Vary: Cookie`;
/// * otherwise `Vary: Cookie` if the session was read at all.
///
/// Past Django, a cookie whose `Set-Cookie` value would exceed the
/// [size budget](CookieConfig::with_size_budget) (4096 bytes by default) is
/// never sent, since the browser would drop it and the user would silently
/// lose the session: [`finish`](Self::finish) returns
/// [`SaveError::TooLarge`] instead and [`process_response`](Self::process_response)
/// applies the [`OversizePolicy`].
///
/// It is built once (the HMAC keys are derived here) and shared; every
/// method takes `&self`.
///
/// ```
/// use http::{HeaderMap, HeaderValue, StatusCode, header::{COOKIE, SET_COOKIE, VARY}};
/// use signed_session::clock::ManualClock;
/// use signed_session::http::{CookieConfig, Outcome, SessionMiddleware};
/// use signed_session::{Keyring, Secret, SessionConfig};
/// use time::macros::datetime;
///
/// let clock = ManualClock::new(datetime!(2023-11-14 22:30:00 UTC));
/// let middleware = SessionMiddleware::new(
///     &Keyring::new(Secret::new("s3cr3t")?),
///     SessionConfig::new().with_clock(clock),
///     CookieConfig::new(),
/// )?;
///
/// // A first request, without a cookie: the handler stores something.
/// let mut loaded = middleware.load(&HeaderMap::new());
/// loaded.session.insert("a", 1);
/// let mut response_headers = HeaderMap::new();
/// let outcome = middleware.finish(&mut loaded.session, loaded.had_cookie, StatusCode::OK, &mut response_headers)?;
/// assert!(matches!(outcome, Outcome::Set { .. }));
/// let set_cookie = response_headers[SET_COOKIE].to_str()?;
/// assert!(set_cookie.starts_with("sessionid=eyJhIjoxfQ:1r31uy:"));
/// assert!(set_cookie.ends_with("; expires=Tue, 28 Nov 2023 22:30:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"));
/// assert_eq!(response_headers[VARY], "Cookie");
///
/// // The next request brings the cookie back.
/// let token = loaded.session.session_key().unwrap_or_default();
/// let mut request_headers = HeaderMap::new();
/// request_headers.insert(COOKIE, HeaderValue::from_str(&format!("sessionid={token}"))?);
/// let loaded = middleware.load(&request_headers);
/// assert_eq!(loaded.session.get("a").and_then(|v| v.as_i64()), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionMiddleware {
    codec: SessionCodec,
    config: CookieConfig,
    async_checks: Vec<Arc<dyn AsyncRevocationCheck>>,
}

impl SessionMiddleware {
    /// A middleware signing with `keyring`'s current key (and accepting its
    /// fallbacks), with the session settings `session` and the cookie
    /// settings `cookie`.
    ///
    /// # Errors
    /// A [`ConfigError`] when the cookie name, domain or path cannot be
    /// written into a header, or a browser would drop the cookie (see
    /// [`CookieConfig::validate`]).
    pub fn new(
        keyring: &Keyring,
        session: SessionConfig,
        cookie: CookieConfig,
    ) -> Result<Self, ConfigError> {
        cookie.validate()?;
        let codec = SessionCodec::new(keyring, session);
        Ok(Self {
            codec,
            config: cookie,
            async_checks: Vec::new(),
        })
    }

    /// Adds a revocation check whose lookup awaits (see
    /// [`revocation`](crate::session::revocation)). It runs after the
    /// session configuration's synchronous checks, in the order added,
    /// in [`load_async`](Self::load_async), which the tower layer uses; the
    /// session configuration's
    /// [`CheckFailurePolicy`](crate::session::revocation::CheckFailurePolicy)
    /// decides what a failed lookup does. [`load`](Self::load) does not run
    /// it.
    #[must_use]
    pub fn with_async_check(mut self, check: impl AsyncRevocationCheck + 'static) -> Self {
        self.async_checks.push(Arc::new(check));
        self
    }

    /// Whether asynchronous checks are configured (then
    /// [`load_async`](Self::load_async) is the way to load).
    pub fn has_async_checks(&self) -> bool {
        !self.async_checks.is_empty()
    }

    /// [`load`](Self::load), then the asynchronous revocation checks: a
    /// session one of them refuses is replaced by an empty one, with a
    /// [`DecodeError::Revoked`] as its [`load_error`](Session::load_error),
    /// exactly as a synchronous check would leave it. No borrow of the
    /// session is held across an `.await`.
    pub async fn load_async(&self, headers: &HeaderMap) -> LoadedSession {
        let mut loaded = self.load(headers);
        if loaded.session.load_error().is_some() {
            return loaded;
        }
        let policy = self.codec.config().check_failure_policy();
        for check in &self.async_checks {
            let future = {
                let Some(presented) = presented(&loaded.session, self.codec.now()) else {
                    // No verified cookie: nothing to revoke.
                    return loaded;
                };
                check.check(&presented)
            };
            if let Some(why) = settle(future.await, policy, check) {
                loaded.session.refuse(DecodeError::Revoked(why));
                break;
            }
        }
        loaded
    }

    /// The cookie settings.
    pub fn config(&self) -> &CookieConfig {
        &self.config
    }

    /// The session codec (to sign or verify a cookie value directly; its
    /// [`config`](SessionCodec::config) is the session settings).
    pub fn codec(&self) -> &SessionCodec {
        &self.codec
    }

    /// Django's `process_request`: the session of a request with these
    /// headers, now. Never fails: a missing, tampered, expired or malformed
    /// cookie gives an empty session, as in Django.
    pub fn load(&self, headers: &HeaderMap) -> LoadedSession {
        let cookie = request_cookie(headers, self.config.name());
        let session = self.codec.load(cookie.as_deref());
        LoadedSession {
            session,
            had_cookie: cookie.is_some(),
        }
    }

    /// Django's `process_response`, now, on the response's status and
    /// headers: adds the `Set-Cookie` (or deletion cookie), `Vary: Cookie`
    /// and, if configured, `Cache-Control: private`. Existing headers are
    /// kept (`Set-Cookie` is appended, `Vary` merged).
    ///
    /// # Errors
    /// When the session needed saving but cannot be sent: a
    /// [`SaveError::TooLarge`] when its `Set-Cookie` would exceed the size
    /// budget, a [`SaveError::Encode`] when the data cannot be encoded so
    /// that it reads back. No `Set-Cookie` is added then (`Vary: Cookie`
    /// still is); the caller decides what to do (see
    /// [`process_response`](Self::process_response)).
    pub fn finish(
        &self,
        session: &mut Session,
        had_cookie: bool,
        status: StatusCode,
        headers: &mut HeaderMap,
    ) -> Result<Outcome, SaveError> {
        self.finish_at(session, had_cookie, status, headers, self.codec.now())
    }

    fn finish_at(
        &self,
        session: &mut Session,
        had_cookie: bool,
        status: StatusCode,
        headers: &mut HeaderMap,
        now: f64,
    ) -> Result<Outcome, SaveError> {
        // Read before anything below touches the session, as Django does.
        let accessed = session.accessed();
        let blank = session.is_blank();
        let mut vary = accessed;
        let mut result = Ok(Outcome::Unchanged);

        if had_cookie && blank {
            append_set_cookie(headers, &deletion_cookie_value(&self.config));
            vary = true;
            result = Ok(Outcome::Deleted);
        } else if (session.modified() || self.refresh_due(session, now) || self.resign_due(session))
            && !blank
        {
            if status.is_server_error() {
                result = Ok(Outcome::SkippedServerError);
            } else {
                // Like Django, the session counts as set (and varies on the
                // cookie) even when we then refuse to send it.
                vary = true;
                result = self.set_cookie(session, headers, now);
            }
        }

        if vary {
            patch_vary(headers, "Cookie");
        }
        if self.config.cache_control_private()
            && matches!(result, Ok(Outcome::Set { .. } | Outcome::Deleted))
        {
            patch_cache_control_private(headers);
        }
        result
    }

    /// `SESSION_SAVE_EVERY_REQUEST`, throttled by the refresh interval: an
    /// unmodified session is re-signed when its cookie is at least that old.
    fn refresh_due(&self, session: &Session, now: f64) -> bool {
        if !self.config.save_every_request() {
            return false;
        }
        match (self.config.refresh_interval(), session.signed_at()) {
            (Some(interval), Some(signed_at)) => {
                #[allow(clippy::cast_precision_loss)] // Unix seconds are far below 2^53
                let age = now - signed_at.unix_timestamp() as f64;
                // NaN re-signs (and then fails in the codec, closed).
                age.partial_cmp(&interval.as_seconds_f64()) != Some(core::cmp::Ordering::Less)
            }
            _ => true,
        }
    }

    /// A cookie verified by a fallback key is re-signed with the current
    /// key, when so configured.
    fn resign_due(&self, session: &Session) -> bool {
        self.config.resign_fallback() && session.key_index().is_some_and(|index| index > 0)
    }

    /// [`finish`](Self::finish) on a whole response, with the
    /// [`OversizePolicy`] applied when the session cannot be sent:
    ///
    /// * [`OversizePolicy::Fail`]: the response is replaced with an empty
    ///   `500 Internal Server Error` (with `Vary: Cookie`);
    /// * [`OversizePolicy::KeepPrevious`]: the response is kept, without a
    ///   session cookie, so the browser keeps the one it has.
    ///
    /// Either way the [`SaveError`] is stored in the response's extensions
    /// (for the application's own middleware) and returned.
    ///
    /// # Errors
    /// The [`SaveError`] of [`finish`](Self::finish), after the policy was
    /// applied.
    pub fn process_response<B: Default>(
        &self,
        session: &mut Session,
        had_cookie: bool,
        response: &mut Response<B>,
    ) -> Result<Outcome, SaveError> {
        let status = response.status();
        let result = self.finish(session, had_cookie, status, response.headers_mut());
        if let Err(error) = &result {
            if self.config.oversize_policy() == OversizePolicy::Fail {
                *response = failure_response();
            }
            response.extensions_mut().insert(error.clone());
        }
        result
    }

    /// The `Set-Cookie` value that saving `session` now would send, whether
    /// or not it is modified, without changing it. Use it to show or check
    /// the cookie size before answering.
    ///
    /// # Errors
    /// As [`finish`](Self::finish): [`SaveError::TooLarge`] when it is over
    /// the budget, [`SaveError::Encode`] when the data cannot be encoded.
    ///
    /// ```
    /// use signed_session::http::{CookieConfig, SaveErrorKind, SessionMiddleware};
    /// use signed_session::{Keyring, Secret, SessionConfig, session::Session};
    ///
    /// let middleware = SessionMiddleware::new(
    ///     &Keyring::new(Secret::new("s3cr3t")?),
    ///     SessionConfig::new(),
    ///     CookieConfig::new(),
    /// )?;
    /// let mut session = Session::new();
    /// session.insert("note", "short");
    /// let header = middleware.preview(&session)?;
    /// assert!(header.len() < 4096);
    ///
    /// // Random letters barely compress: 6000 of them cannot fit.
    /// let mut x = 0x2545_f491_4f6c_dd1d_u64;
    /// let noise: String = (0..6000)
    ///     .map(|_| {
    ///         x ^= x << 13;
    ///         x ^= x >> 7;
    ///         x ^= x << 17;
    ///         char::from(b'a' + (x % 26) as u8)
    ///     })
    ///     .collect();
    /// session.insert("note", noise);
    /// let err = middleware.preview(&session).unwrap_err();
    /// assert_eq!(err.kind(), SaveErrorKind::TooLarge);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn preview(&self, session: &Session) -> Result<String, SaveError> {
        let now = self.codec.now();
        let mut copy = session.clone();
        let lifetime = self.lifetime(&copy, now);
        let token = self.sign(&mut copy, now)?;
        let header = set_cookie_value(&self.config, &token, lifetime.as_ref());
        self.check_budget(&header)?;
        Ok(header)
    }

    /// Django's `session.save()` now, whether or not the session is
    /// modified, and the `Set-Cookie` value that sends the new cookie
    /// (with `Max-Age` and `expires` from the session's expiry, as
    /// [`finish`](Self::finish) writes them). The token becomes the
    /// session key. For hosts that send headers themselves (the
    /// JavaScript package's `session.save()`); [`finish`](Self::finish)
    /// decides by Django's rules whether to save at all.
    ///
    /// # Errors
    /// As [`finish`](Self::finish): [`SaveError::TooLarge`] over the
    /// budget (the session is then signed but nothing should be sent),
    /// [`SaveError::Encode`] when the data cannot be encoded (the session
    /// is unchanged).
    ///
    /// ```
    /// use signed_session::clock::ManualClock;
    /// use signed_session::http::{CookieConfig, SessionMiddleware};
    /// use signed_session::{Keyring, Secret, SessionConfig};
    /// use time::macros::datetime;
    ///
    /// let clock = ManualClock::new(datetime!(2023-11-14 22:30:00 UTC));
    /// let middleware = SessionMiddleware::new(
    ///     &Keyring::new(Secret::new("s3cr3t")?),
    ///     SessionConfig::new().with_clock(clock),
    ///     CookieConfig::new(),
    /// )?;
    /// let mut session = middleware.codec().new_session();
    /// session.insert("a", 1);
    /// let header = middleware.save(&mut session)?;
    /// assert!(header.starts_with("sessionid=eyJhIjoxfQ:1r31uy:"));
    /// assert!(header.contains("; Max-Age=1209600;"));
    /// assert!(header.contains(session.session_key().unwrap_or("?")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self, session: &mut Session) -> Result<String, SaveError> {
        let now = self.codec.now();
        let lifetime = self.lifetime(session, now);
        let token = self.sign(session, now)?;
        let header = set_cookie_value(&self.config, &token, lifetime.as_ref());
        self.check_budget(&header)?;
        Ok(header)
    }

    /// Signs the session and appends its `Set-Cookie`, within the budget.
    fn set_cookie(
        &self,
        session: &mut Session,
        headers: &mut HeaderMap,
        now: f64,
    ) -> Result<Outcome, SaveError> {
        // Django computes Max-Age before `save()`, both at the same time.
        let lifetime = self.lifetime(session, now);
        let token = self.sign(session, now)?;
        let header = set_cookie_value(&self.config, &token, lifetime.as_ref());
        self.check_budget(&header)?;
        append_set_cookie(headers, &header);
        Ok(Outcome::Set { size: header.len() })
    }

    /// `Max-Age` and `expires`, or `None` for a browser-session cookie.
    fn lifetime(&self, session: &Session, now: f64) -> Option<Lifetime> {
        if session.expire_at_browser_close() {
            return None;
        }
        let max_age = session.expiry_age_at(&ExpiryArgs::new(), now);
        // Django: http_date(time.time() + max_age), which goes through a
        // `datetime`: rounded to the microsecond, then the second taken.
        #[allow(clippy::cast_precision_loss)]
        let expires = crate::session::unix_to_datetime_second(now + max_age as f64);
        Some(Lifetime {
            max_age,
            expires: http_date(expires),
        })
    }

    /// Django's `session.save()`, with the codec's refusal of an over-long
    /// token reported as the cookie being too large.
    fn sign(&self, session: &mut Session, now: f64) -> Result<String, SaveError> {
        self.codec.save_at(session, now).map_err(|e| match e {
            EncodeError::TooLong { len, .. } => {
                // The header would have at least the name, `=` and the token.
                let size = self
                    .config
                    .name()
                    .len()
                    .saturating_add(1)
                    .saturating_add(len);
                SaveError::TooLarge(CookieTooLarge::new(
                    self.config.name(),
                    size,
                    self.config.size_budget(),
                ))
            }
            other => SaveError::Encode(other),
        })
    }

    fn check_budget(&self, header: &str) -> Result<(), CookieTooLarge> {
        let budget = self.config.size_budget();
        if header.len() > budget {
            Err(CookieTooLarge::new(
                self.config.name(),
                header.len(),
                budget,
            ))
        } else {
            Ok(())
        }
    }
}

/// Appends a `Set-Cookie` line. The value is made of a validated name and
/// attributes and a base64url token, so it is always a valid header value;
/// should it ever not be, nothing is sent rather than a broken header.
fn append_set_cookie(headers: &mut HeaderMap, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.append(SET_COOKIE, value);
    }
}

/// The empty 500 of [`OversizePolicy::Fail`].
fn failure_response<B: Default>() -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static("Cookie"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    response
}
