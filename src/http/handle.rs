//! [`SessionHandle`]: the session of the current request as handlers see
//! it, and its axum and actix-web extractors.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[cfg(feature = "axum")]
use ::http::StatusCode;
#[cfg(feature = "axum")]
use ::http::request::Parts;
#[cfg(feature = "axum")]
use axum::extract::FromRequestParts;
#[cfg(feature = "axum")]
use axum::response::{IntoResponse, Response};
use python_json::{Value, ValueError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::SaveError;
use super::middleware::SessionMiddleware;
use crate::session::Session;

/// The session of the current request, shared between the handler and the
/// [`SessionLayer`](super::SessionLayer) that sends it back.
///
/// Take it as a handler argument (it is an axum extractor). The few calls a
/// handler makes most are methods here; each locks the session for just
/// the duration of the call and returns owned values, so no lock is ever
/// held across an `.await`. Everything else of [`Session`] is reached
/// through [`with`](Self::with) / [`with_mut`](Self::with_mut), whose
/// closures are synchronous, and a group of calls that must see each other
/// atomically goes there too.
///
/// Cloning gives another handle to the same session.
///
/// ```
/// use signed_session::http::SessionHandle;
///
/// async fn visit(session: SessionHandle) -> String {
///     let visits = session.get_as::<u64>("visits").ok().flatten().unwrap_or(0) + 1;
///     session.insert("visits", visits);
///     format!("visit number {visits}")
/// }
/// ```
#[derive(Clone, Debug)]
pub struct SessionHandle {
    session: Arc<Mutex<Session>>,
    middleware: Arc<SessionMiddleware>,
}

impl SessionHandle {
    /// A handle around `session`, sent back by `middleware`'s settings.
    pub fn new(session: Session, middleware: Arc<SessionMiddleware>) -> Self {
        Self {
            session: Arc::new(Mutex::new(session)),
            middleware,
        }
    }

    /// Locks the session. A panic in another holder leaves the session as
    /// it was, which is still a valid session, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the session while it is locked. `f` is synchronous, so
    /// the lock cannot be held across an `.await`.
    pub fn with<R>(&self, f: impl FnOnce(&Session) -> R) -> R {
        f(&self.lock())
    }

    /// Runs `f` on the session, mutably, while it is locked.
    ///
    /// ```
    /// # fn demo(session: signed_session::http::SessionHandle) {
    /// // Change a nested value and say so, in one locked step.
    /// session.with_mut(|s| {
    ///     if let Some(cart) = s.get_mut("cart").and_then(|v| v.as_array_mut()) {
    ///         cart.push("sku-2".into());
    ///     }
    ///     s.set_modified(true);
    /// });
    /// # }
    /// ```
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.lock())
    }

    /// The middleware this session is sent back with.
    pub fn middleware(&self) -> &SessionMiddleware {
        &self.middleware
    }

    /// A copy of the value under `key`. See [`Session::get`].
    pub fn get(&self, key: &str) -> Option<Value> {
        self.lock().get(key).cloned()
    }

    /// The value under `key` as a serde type. See [`Session::get_as`].
    ///
    /// # Errors
    /// A [`ValueError`] when the stored value does not fit `T`.
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.lock().get_as(key)
    }

    /// `session[key] = value`. See [`Session::insert`].
    pub fn insert(&self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.lock().insert(key, value)
    }

    /// `session[key] = value` for a serde type. See [`Session::insert_as`].
    ///
    /// # Errors
    /// A [`ValueError`] when `value` has no JSON form.
    pub fn insert_as<T: Serialize + ?Sized>(
        &self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<Option<Value>, ValueError> {
        self.lock().insert_as(key, value)
    }

    /// `session.pop(key, None)`. See [`Session::remove`].
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.lock().remove(key)
    }

    /// `session.cycle_key()`: re-signed with a fresh timestamp when the
    /// response is sent. Call it on login.
    pub fn cycle_key(&self) {
        self.lock().cycle_key();
    }

    /// `session.flush()`: the data and the key are dropped and the cookie
    /// is deleted when the response is sent. Call it on logout.
    pub fn flush(&self) {
        self.lock().flush();
    }

    /// The `Set-Cookie` value this session would be sent with if saved now,
    /// checked against the size budget. Call it after a large change to
    /// find out in the handler, rather than from the
    /// [`OversizePolicy`](super::OversizePolicy), that the session no longer
    /// fits. Does not change the session.
    ///
    /// # Errors
    /// [`SaveError::TooLarge`] over the budget, [`SaveError::Encode`] when
    /// the data has no JSON form.
    pub fn preview_cookie(&self) -> Result<String, SaveError> {
        // Clone under the lock, sign outside it.
        let copy = self.lock().clone();
        self.middleware.preview(&copy)
    }

    /// The size in bytes of [`preview_cookie`](Self::preview_cookie).
    ///
    /// # Errors
    /// As [`preview_cookie`](Self::preview_cookie).
    pub fn check_size(&self) -> Result<usize, SaveError> {
        self.preview_cookie().map(|header| header.len())
    }

    /// Django's `process_response` on a status and headers: locks once,
    /// briefly.
    #[cfg(feature = "actix")]
    pub(crate) fn finish_headers(
        &self,
        had_cookie: bool,
        status: ::http::StatusCode,
        headers: &mut ::http::HeaderMap,
    ) -> Result<super::Outcome, SaveError> {
        let mut session = self.lock();
        self.middleware
            .finish(&mut session, had_cookie, status, headers)
    }

    /// Takes the session out for the response: locks once, briefly.
    #[cfg(feature = "axum")]
    pub(crate) fn finish<B: Default>(
        &self,
        had_cookie: bool,
        response: &mut ::http::Response<B>,
    ) -> Result<super::Outcome, SaveError> {
        let mut session = self.lock();
        self.middleware
            .process_response(&mut session, had_cookie, response)
    }
}

/// The rejection of the [`SessionHandle`] extractor: the route is not
/// wrapped in the session layer (tower) or middleware (actix-web).
/// Answers `500`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingSessionLayer;

impl core::fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(
            "no session: the route is not wrapped in the SessionLayer (tower, axum) or the ActixSession middleware (actix-web)",
        )
    }
}

impl std::error::Error for MissingSessionLayer {}

#[cfg(feature = "axum")]
impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

#[cfg(feature = "axum")]
impl<S: Send + Sync> FromRequestParts<S> for SessionHandle {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SessionHandle>()
            .cloned()
            .ok_or(MissingSessionLayer)
    }
}

/// Logs a failed save with `tracing::error!` (the cookie, the policy and,
/// when the session was too large, its size and the budget): the tower
/// layer's and the actix-web middleware's one report of it.
pub(super) fn log_save_error(error: &SaveError, middleware: &SessionMiddleware) {
    let config = middleware.config();
    let message = crate::error::report(error);
    match error.too_large() {
        Some(too_large) => tracing::error!(
            cookie = config.name(),
            size = too_large.size(),
            budget = too_large.budget(),
            policy = ?config.oversize_policy(),
            "{message}"
        ),
        None => {
            tracing::error!(cookie = config.name(), policy = ?config.oversize_policy(), "{message}")
        }
    }
}

/// Logs a refused cookie at `debug`: expected now and then (key rotation,
/// expiry, revocation), and Django is silent about it. The tower layer's
/// and the actix-web middleware's one report of it.
pub(super) fn log_load_error(session: &crate::session::Session) {
    if let Some(error) = session.load_error() {
        tracing::debug!(
            error = %crate::error::report(error),
            kind = %error.kind(),
            "session cookie refused, starting a new session"
        );
    }
}
