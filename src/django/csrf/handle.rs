//! [`CsrfHandle`]: the CSRF secret of the current request (Django's
//! `request.META["CSRF_COOKIE"]` and `CSRF_COOKIE_NEEDS_UPDATE`), and what
//! the layer writes back on the response.

use core::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ::http::request::Parts;
use ::http::{HeaderMap, HeaderValue, StatusCode};
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use python_json::Value;

use super::check::{CsrfRequest, StoredSecret};
use super::config::CsrfConfig;
use super::token::{CsrfSecret, RandomnessError};
use crate::http::SessionHandle;
use crate::http::cookies::{Lifetime, set_cookie_value};

/// Django's `CSRF_SESSION_KEY`: where the secret is kept in the session
/// when `CSRF_USE_SESSIONS` is on.
pub const CSRF_SESSION_KEY: &str = "_csrftoken";

/// The secret of one request, as Django keeps it in `request.META`.
pub(crate) struct CsrfState {
    /// `META["CSRF_COOKIE"]`: the secret the request brought, or a new
    /// one.
    secret: Option<StoredSecret>,
    /// `META["CSRF_COOKIE_NEEDS_UPDATE"]`.
    needs_update: bool,
}

impl fmt::Debug for CsrfState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfState")
            .field("has_secret", &self.secret.is_some())
            .field("needs_update", &self.needs_update)
            .finish()
    }
}

impl CsrfState {
    /// Django's `process_request`: the request's secret; a malformed
    /// cookie is replaced by a new secret, to be sent with the response.
    pub(crate) fn load(
        config: &CsrfConfig,
        request: &CsrfRequest<'_>,
    ) -> Result<Self, RandomnessError> {
        match StoredSecret::read(config, request) {
            Ok(secret) => Ok(Self {
                secret,
                needs_update: false,
            }),
            Err(_) => Ok(Self {
                secret: Some(StoredSecret::Secret(CsrfSecret::generate()?)),
                needs_update: true,
            }),
        }
    }

    /// Django's `get_token`.
    fn token(&mut self) -> Result<String, RandomnessError> {
        if let Some(StoredSecret::Secret(secret)) = &self.secret {
            let token = secret.mask()?;
            self.needs_update = true;
            return Ok(token);
        }
        // No secret, or a session value that is not one (Django would fail
        // on it): a new secret.
        let secret = CsrfSecret::generate()?;
        let token = secret.mask()?;
        self.secret = Some(StoredSecret::Secret(secret));
        self.needs_update = true;
        Ok(token)
    }

    /// Django's `rotate_token`.
    fn rotate(&mut self) -> Result<(), RandomnessError> {
        self.secret = Some(StoredSecret::Secret(CsrfSecret::generate()?));
        self.needs_update = true;
        Ok(())
    }

    /// The secret to send back, if it needs sending; clears the flag.
    fn take_update(&mut self) -> Option<CsrfSecret> {
        if !core::mem::take(&mut self.needs_update) {
            return None;
        }
        match &self.secret {
            Some(StoredSecret::Secret(secret)) => Some(secret.clone()),
            // The flag is only ever set together with a real secret.
            _ => None,
        }
    }
}

/// The CSRF token source of the current request: Django's `get_token`
/// and `rotate_token`. The [`CsrfLayer`](super::CsrfLayer) puts it in the
/// request's extensions; take it as a handler argument (it is an axum
/// extractor). Clones share the state; `Debug` shows no secret.
///
/// ```
/// use signed_session::django::csrf::CsrfHandle;
///
/// async fn form(csrf: CsrfHandle) -> String {
///     format!(
///         r#"<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{}"></form>"#,
///         csrf.token()
///     )
/// }
/// ```
#[derive(Clone, Debug)]
pub struct CsrfHandle {
    state: Arc<Mutex<CsrfState>>,
}

impl CsrfHandle {
    pub(crate) fn new(state: CsrfState) -> Self {
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The state is valid whatever a panicking holder did, so poisoning is
    /// ignored.
    fn lock(&self) -> MutexGuard<'_, CsrfState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Django's `get_token(request)`: a fresh masked token (64 characters)
    /// for a form field or the `X-CSRFToken` header. It makes a secret if
    /// the request had none, and marks the cookie (or session value) to
    /// be sent with the response, which renews its expiry.
    ///
    /// # Panics
    /// When the operating system's random number generator fails (as
    /// Django raises); no weaker token is ever made instead.
    pub fn token(&self) -> String {
        #[expect(
            clippy::expect_used,
            reason = "no token can be made without randomness, and none weaker may be"
        )]
        self.lock()
            .token()
            .expect("the operating system's random number generator failed")
    }

    /// Django's `rotate_token(request)`: a new secret for this user, sent
    /// with the response, so that tokens issued before stop working. Call
    /// it on login (`auth::login` does).
    ///
    /// # Panics
    /// When the operating system's random number generator fails.
    pub fn rotate(&self) {
        #[expect(
            clippy::expect_used,
            reason = "no secret can be made without randomness, and none weaker may be"
        )]
        self.lock()
            .rotate()
            .expect("the operating system's random number generator failed");
    }

    /// Django's `CSRF_COOKIE_NEEDS_UPDATE`: whether the response will carry
    /// the secret (a new one, [`token`](Self::token) was called, or
    /// [`rotate`](Self::rotate)).
    pub fn needs_update(&self) -> bool {
        self.lock().needs_update
    }

    /// Django's `process_response`: when the secret needs sending, the
    /// cookie is set with the configured attributes and `Vary: Cookie`
    /// added, or (with `CSRF_USE_SESSIONS`) the session's `_csrftoken` is
    /// set if it differs.
    pub(crate) fn finish(
        &self,
        config: &CsrfConfig,
        session: Option<&SessionHandle>,
        headers: &mut HeaderMap,
    ) {
        let Some(secret) = self.lock().take_update() else {
            return;
        };
        if config.use_sessions() {
            if let Some(session) = session {
                let current = session.get(CSRF_SESSION_KEY);
                if current.as_ref().and_then(Value::as_str) != Some(secret.as_str()) {
                    session.insert(CSRF_SESSION_KEY, secret.as_str());
                }
            }
            return;
        }
        headers.append(::http::header::SET_COOKIE, cookie_header(config, &secret));
        crate::http::patch_vary(headers, "Cookie");
    }
}

/// The `Set-Cookie` value of Django's `response.set_cookie` for the
/// secret.
fn cookie_header(config: &CsrfConfig, secret: &CsrfSecret) -> HeaderValue {
    let lifetime = config.cookie_age().map(|age| {
        let max_age = age.whole_seconds();
        Lifetime {
            max_age,
            expires: crate::http::http_date(config.now_unix().saturating_add(max_age)),
        }
    });
    let line = set_cookie_value(config.cookie(), secret.as_str(), lifetime.as_ref());
    #[expect(
        clippy::expect_used,
        reason = "the layer validated the cookie settings (printable ASCII, no ';'), and a secret is alphanumeric"
    )]
    HeaderValue::from_str(&line).expect("a validated cookie is a header value")
}

/// The rejection of the [`CsrfHandle`] extractor: the route is not
/// wrapped in the [`CsrfLayer`](super::CsrfLayer). Answers `500`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingCsrfLayer;

impl fmt::Display for MissingCsrfLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no CSRF token: the route is not wrapped in the CsrfLayer")
    }
}

impl std::error::Error for MissingCsrfLayer {}

impl IntoResponse for MissingCsrfLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfHandle {
    type Rejection = MissingCsrfLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CsrfHandle>()
            .cloned()
            .ok_or(MissingCsrfLayer)
    }
}

#[cfg(test)]
mod tests {
    use ::http::{HeaderMap, Method};

    use super::*;

    fn handle_for(cookie: Option<&str>) -> CsrfHandle {
        let mut headers = HeaderMap::new();
        if let Some(cookie) = cookie {
            headers.insert(::http::header::COOKIE, cookie.parse().unwrap());
        }
        let config = CsrfConfig::new();
        let request = CsrfRequest::new(&Method::GET, &headers);
        CsrfHandle::new(CsrfState::load(&config, &request).unwrap())
    }

    fn sent(handle: &CsrfHandle) -> Option<String> {
        let mut headers = HeaderMap::new();
        handle.finish(&CsrfConfig::new(), None, &mut headers);
        headers
            .get(::http::header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn get_token_and_rotate_as_django() {
        let secret = CsrfSecret::generate().unwrap();
        let cookie = format!("csrftoken={}", secret.as_str());

        // An untouched good cookie is not sent again.
        let handle = handle_for(Some(&cookie));
        assert!(!handle.needs_update());
        assert_eq!(sent(&handle), None);

        // get_token keeps the secret and renews the cookie.
        let handle = handle_for(Some(&cookie));
        let token = handle.token();
        assert!(handle.needs_update());
        assert_eq!(CsrfSecret::unmask(&token).unwrap(), secret);
        let line = sent(&handle).unwrap();
        assert!(line.starts_with(&format!("{cookie}; expires=")), "{line}");
        assert!(!handle.needs_update(), "the flag is cleared once sent");

        // rotate makes a new one.
        let handle = handle_for(Some(&cookie));
        handle.rotate();
        let line = sent(&handle).unwrap();
        assert!(!line.contains(secret.as_str()));

        // A malformed cookie is replaced even if nothing asks for a token;
        // a legacy masked one is only unmasked.
        assert!(handle_for(Some("csrftoken=bad")).needs_update());
        let legacy = handle_for(Some(&format!("csrftoken={}", secret.mask().unwrap())));
        assert!(!legacy.needs_update());
        assert_eq!(CsrfSecret::unmask(&legacy.token()).unwrap(), secret);

        // No cookie: get_token makes the secret.
        let fresh = handle_for(None);
        let token = fresh.token();
        let line = sent(&fresh).unwrap();
        let value = CsrfSecret::unmask(&token).unwrap();
        assert!(line.starts_with(&format!("csrftoken={};", value.as_str())));
    }

    #[test]
    fn debug_shows_no_secret() {
        let secret = CsrfSecret::generate().unwrap();
        let handle = handle_for(Some(&format!("csrftoken={}", secret.as_str())));
        let shown = format!("{handle:?}");
        assert!(!shown.contains(secret.as_str()), "{shown}");
        assert!(shown.contains("has_secret: true"), "{shown}");
    }
}
