//! [`SessionHandle`]: the session of the current request as handlers see
//! it, and its axum extractor.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ::http::StatusCode;
use ::http::request::Parts;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::error::SaveError;
use super::middleware::SessionMiddleware;
use crate::error::DecodeError;
use crate::session::{Expiry, KeyError, Session};
use python_json::{Value, ValueError};

/// The session of the current request, shared between the handler and the
/// [`SessionLayer`](super::SessionLayer) that sends it back.
///
/// Take it as a handler argument (it is an axum extractor) and use Django's
/// session API on it. Each method locks the session for just the duration
/// of the call and returns owned values, so no lock is ever held across an
/// `.await`; a group of calls that must see each other atomically goes in
/// [`with`](Self::with) / [`with_mut`](Self::with_mut), whose closures are
/// synchronous.
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
    ///     s.mark_modified();
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

    /// `session.get(key)`: a copy of the value. See [`Session::get`].
    pub fn get(&self, key: &str) -> Option<Value> {
        self.lock().get(key).cloned()
    }

    /// `session.get(key, default)`. See [`Session::get_or`].
    pub fn get_or(&self, key: &str, default: impl Into<Value>) -> Value {
        self.lock().get_or(key, default)
    }

    /// `session.get(key)` as a serde type. See [`Session::get_as`].
    ///
    /// # Errors
    /// A [`ValueError`] when the stored value does not fit `T`.
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.lock().get_as(key)
    }

    /// `session[key]`. See [`Session::try_get`].
    ///
    /// # Errors
    /// [`KeyError`] when the key is missing.
    pub fn try_get(&self, key: &str) -> Result<Value, KeyError> {
        self.lock().try_get(key).cloned()
    }

    /// `key in session`. See [`Session::contains_key`].
    pub fn contains_key(&self, key: &str) -> bool {
        self.lock().contains_key(key)
    }

    /// `session.keys()`, in insertion order.
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().map(str::to_owned).collect()
    }

    /// `session.items()`, in insertion order.
    pub fn items(&self) -> Vec<(String, Value)> {
        self.lock()
            .items()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect()
    }

    /// The number of entries. See [`Session::len`].
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Django's `is_empty()`: no session key and no data. See
    /// [`Session::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// `session[key] = value`. See [`Session::insert`].
    pub fn insert(&self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.lock().insert(key, value)
    }

    /// `session[key] = value` for any serde type. See [`Session::insert_as`].
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

    /// `session.pop(key, default)`. See [`Session::pop_or`].
    pub fn pop_or(&self, key: &str, default: impl Into<Value>) -> Value {
        self.lock().pop_or(key, default)
    }

    /// `session.setdefault(key, value)`: a copy of the resulting value. See
    /// [`Session::setdefault`].
    pub fn setdefault(&self, key: impl Into<String>, value: impl Into<Value>) -> Value {
        self.lock().setdefault(key, value).clone()
    }

    /// `session.update(mapping)`. See [`Session::update`].
    pub fn update<I, K, V>(&self, entries: I)
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Value>,
    {
        self.lock().update(entries);
    }

    /// `del session[key]`. See [`Session::delete`].
    ///
    /// # Errors
    /// [`KeyError`] when the key is missing.
    pub fn delete(&self, key: &str) -> Result<(), KeyError> {
        self.lock().delete(key)
    }

    /// `session.clear()`: the data goes, the cookie stays (a signed `{}`).
    /// See [`Session::clear`].
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// `session.flush()`: data and key go, and the response deletes the
    /// cookie. Use it on logout. See [`Session::flush`].
    pub fn flush(&self) {
        self.lock().flush();
    }

    /// `session.cycle_key()`: the response carries a freshly signed cookie
    /// (a new value) for the same data. Use it on login, against session
    /// fixation. See [`Session::cycle_key`].
    pub fn cycle_key(&self) {
        self.lock().cycle_key();
    }

    /// `session.modified = True`, after changing a nested value in place.
    pub fn mark_modified(&self) {
        self.lock().mark_modified();
    }

    /// Django's `session.modified`.
    pub fn modified(&self) -> bool {
        self.lock().modified()
    }

    /// Django's `session.accessed`.
    pub fn accessed(&self) -> bool {
        self.lock().accessed()
    }

    /// Django's `session.session_key`: the incoming cookie value (or the
    /// last saved one), if any.
    pub fn session_key(&self) -> Option<String> {
        self.lock().session_key().map(str::to_owned)
    }

    /// Why the incoming cookie was refused, if it was. See
    /// [`Session::load_error`].
    pub fn load_error(&self) -> Option<DecodeError> {
        self.lock().load_error().cloned()
    }

    /// When the incoming cookie was signed (Unix seconds), if it verified.
    pub fn signed_at(&self) -> Option<i64> {
        self.lock().signed_at()
    }

    /// Which key of the keyring verified the incoming cookie (0 = current).
    pub fn key_index(&self) -> Option<usize> {
        self.lock().key_index()
    }

    /// `session.set_expiry(value)` at the current time. See
    /// [`Session::set_expiry_at`].
    pub fn set_expiry(&self, expiry: impl Into<Expiry>) {
        self.lock()
            .set_expiry_at(expiry.into(), crate::clock::now());
    }

    /// `session.get_expiry_age()` at the current time.
    pub fn get_expiry_age(&self) -> i64 {
        self.lock().get_expiry_age_at(crate::clock::now())
    }

    /// `session.get_expiry_date()` at the current time.
    pub fn get_expiry_date(&self) -> OffsetDateTime {
        self.lock().get_expiry_date_at(crate::clock::now())
    }

    /// `session.get_expire_at_browser_close()`.
    pub fn get_expire_at_browser_close(&self) -> bool {
        self.lock().get_expire_at_browser_close()
    }

    /// `session.set_test_cookie()`.
    pub fn set_test_cookie(&self) {
        self.lock().set_test_cookie();
    }

    /// `session.test_cookie_worked()`.
    pub fn test_cookie_worked(&self) -> bool {
        self.lock().test_cookie_worked()
    }

    /// `session.delete_test_cookie()`.
    ///
    /// # Errors
    /// [`KeyError`] when there is no test cookie.
    pub fn delete_test_cookie(&self) -> Result<(), KeyError> {
        self.lock().delete_test_cookie()
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
        self.middleware.preview_at(&copy, crate::clock::now())
    }

    /// The size in bytes of [`preview_cookie`](Self::preview_cookie).
    ///
    /// # Errors
    /// As [`preview_cookie`](Self::preview_cookie).
    pub fn check_size(&self) -> Result<usize, SaveError> {
        self.preview_cookie().map(|header| header.len())
    }

    /// Takes the session out for the response: locks once, briefly.
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
/// wrapped in a [`SessionLayer`](super::SessionLayer). Answers `500`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingSessionLayer;

impl core::fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("no session: the route is not wrapped in a SessionLayer")
    }
}

impl std::error::Error for MissingSessionLayer {}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

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
