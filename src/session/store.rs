//! [`Session`]: the session map with Django's `SessionBase` semantics.

use core::cell::Cell;

use indexmap::map::Entry;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{Duration, OffsetDateTime, UtcOffset};

use super::config::SessionConfig;
use super::error::KeyError;
use super::expiry::{self, EXPIRY_KEY, Expiry, ExpiryArgs, Policy};
use super::lazy::Data;
use crate::error::DecodeError;
use python_json::{Map, Value, ValueError};

/// Django's `SessionBase.TEST_COOKIE_NAME`.
pub const TEST_COOKIE_NAME: &str = "testcookie";
/// Django's `SessionBase.TEST_COOKIE_VALUE`.
pub const TEST_COOKIE_VALUE: &str = "worked";

/// The reserved session key holding when the session was first created,
/// as integer Unix seconds: written when an absolute lifetime is
/// configured (see
/// [`SessionConfig::with_absolute_lifetime`](crate::SessionConfig::with_absolute_lifetime)).
/// Django carries it along like any other key.
pub const CREATED_KEY: &str = "_session_created";

/// A session key shorter than this is no key at all (Django's validator).
const MIN_KEY_CHARS: usize = 8;

/// One session: an insertion-ordered map of JSON values, the cookie value it
/// came from (the "session key"), and Django's `accessed` / `modified` flags.
///
/// It behaves like Django's `request.session` (`SessionBase`), method for
/// method; the [module documentation](super) has the full name table.
///
/// * Every call that reads or writes the data sets [`accessed`](Self::accessed)
///   (reads take `&self`). [`is_blank`](Self::is_blank) and
///   [`session_key`](Self::session_key) do not.
/// * Writes set [`modified`](Self::modified), with Django's exceptions:
///   [`remove`](Self::remove) of a missing key, [`get_or_insert`](Self::get_or_insert)
///   of an existing key and a failed [`delete`](Self::delete) leave it alone,
///   while [`extend`](Self::extend) always sets it, even with nothing to add.
/// * Changing a nested value in place through [`get_mut`](Self::get_mut) is
///   not detected, as in Django: call [`set_modified`](Self::set_modified).
///
/// A session whose cookie failed to load (see [`SessionCodec::load`](super::SessionCodec::load))
/// starts out empty and becomes modified on its first access, exactly when
/// Django's lazy `load()` would call `create()`.
///
/// `Session` is `Send` (it can move between threads with a request) but not
/// `Sync`, since reads update the flags.
///
/// ```
/// use signed_session::session::Session;
///
/// let mut session = Session::new();
/// session.insert("user_id", 42);
/// assert_eq!(session.get("user_id").and_then(|v| v.as_i64()), Some(42));
/// assert!(session.accessed() && session.modified());
/// ```
#[derive(Clone)]
pub struct Session {
    key: Option<String>,
    /// Set by [`cycle_key`](Session::cycle_key) until the next save or
    /// flush: Django's signed-cookies `cycle_key()` signs at once, so the
    /// session has a key (it is not blank) even with no data.
    key_cycled: bool,
    /// Built, or raw JSON whose values are built on first read.
    data: Data,
    accessed: Cell<bool>,
    modified: Cell<bool>,
    /// Set when the cookie failed to load: the first access then marks the
    /// session modified, as Django's `load()` calling `create()` does.
    create_on_access: Cell<bool>,
    policy: Policy,
    /// Why the incoming cookie was refused, kept for logging and metrics.
    load_error: Option<DecodeError>,
    /// Which key of the keyring verified the incoming cookie.
    key_index: Option<usize>,
    /// The timestamp of the incoming cookie.
    signed_at: Option<i64>,
}

/// The cookie value is a bearer credential (whoever holds it is logged in
/// until it expires), and values such as a CSRF secret can be too, so
/// `Debug` shows neither: only the keys, the flags and the load details.
///
/// ```
/// use signed_session::session::{SessionCodec, SessionConfig};
/// use signed_session::{Keyring, Secret};
///
/// let codec = SessionCodec::new(&Keyring::new(Secret::new("s3cr3t")?), SessionConfig::new());
/// let mut session = codec.new_session();
/// session.insert("user_id", 42);
/// let cookie = codec.save(&mut session)?;
/// let shown = format!("{session:?}");
/// assert!(!shown.contains(&cookie) && !shown.contains("42"));
/// assert!(shown.contains("user_id"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Reading the keys must not set `accessed`, so go around `keys()`.
        struct Keys<'a>(&'a Data);
        impl core::fmt::Debug for Keys<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_list().entries(self.0.keys()).finish()
            }
        }
        f.debug_struct("Session")
            .field("session_key", &self.key.as_ref().map(|_| Redacted))
            .field("keys", &Keys(&self.data))
            .field("accessed", &self.accessed.get())
            .field("modified", &self.modified.get())
            .field("load_error", &self.load_error)
            .field("key_index", &self.key_index)
            .field("signed_at", &self.signed_at)
            .finish_non_exhaustive()
    }
}

/// Stands in for a credential in `Debug` output.
struct Redacted;

impl core::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A new, empty session without a key, with Django's default settings.
    pub fn new() -> Self {
        Self::with_config(&SessionConfig::default())
    }

    /// A new, empty session without a key, using the expiry settings of
    /// `config` (cookie age, expire-at-browser-close, `use_tz`).
    pub fn with_config(config: &SessionConfig) -> Self {
        Self::from_parts(None, Map::new(), config.policy())
    }

    pub(crate) fn from_parts(key: Option<String>, data: Map, policy: Policy) -> Self {
        Self {
            key: valid_key(key),
            key_cycled: false,
            data: Data::from(data),
            accessed: Cell::new(false),
            modified: Cell::new(false),
            create_on_access: Cell::new(false),
            policy,
            load_error: None,
            key_index: None,
            signed_at: None,
        }
    }

    /// A session whose cookie verified.
    pub(crate) fn loaded(
        key: &str,
        data: Data,
        policy: Policy,
        key_index: usize,
        signed_at: i64,
    ) -> Self {
        let mut s = Self::from_parts(Some(key.to_owned()), Map::new(), policy);
        s.data = data;
        s.key_index = Some(key_index);
        s.signed_at = Some(signed_at);
        s
    }

    /// A session whose cookie was refused: empty, the key kept (so the
    /// middleware answers with a signed `{}`), modified on first access.
    pub(crate) fn failed(key: &str, error: DecodeError, policy: Policy) -> Self {
        let mut s = Self::from_parts(Some(key.to_owned()), Map::new(), policy);
        s.create_on_access.set(true);
        s.load_error = Some(error);
        s
    }

    /// Makes the first access mark the session modified (a failed load).
    #[cfg(test)]
    pub(crate) fn set_create_on_access(&self) {
        self.create_on_access.set(true);
    }

    /// Django's `save()` around a signing function: touches the data, signs
    /// it, stores the token as the session key and sets `modified`.
    pub(crate) fn save_with<E>(
        &mut self,
        sign: impl FnOnce(&Value) -> Result<String, E>,
    ) -> Result<String, E> {
        self.touch();
        // Lend the map to the signer as a `Value` without copying it.
        let value = Value::Object(self.data.take_map());
        let signed = sign(&value);
        if let Value::Object(map) = value {
            self.data = Data::from(map);
        }
        let token = signed?;
        self.key = valid_key(Some(token.clone()));
        self.key_cycled = false;
        self.modified.set(true);
        Ok(token)
    }

    /// Django's `_session` property: every data access goes through here.
    fn touch(&self) {
        self.accessed.set(true);
        if self.create_on_access.replace(false) {
            self.modified.set(true);
        }
    }

    // ----- flags and key -------------------------------------------------

    /// Why the incoming cookie was refused (tampered, expired, malformed…),
    /// or `None` if it verified or there was none. Django swallows this;
    /// here the session still behaves as Django's (empty, modified on first
    /// access) and the reason stays available for logging and metrics.
    ///
    /// ```
    /// use signed_session::session::{SessionCodec, SessionConfig};
    /// use signed_session::{DecodeErrorKind, Keyring, Secret};
    ///
    /// let codec = SessionCodec::new(&Keyring::new(Secret::new("k")?), SessionConfig::new());
    /// let session = codec.load(Some("eyJhIjoxfQ:1r31eq:forged-signature"));
    /// assert_eq!(session.load_error().map(|e| e.kind()), Some(DecodeErrorKind::BadSignature));
    /// assert!(session.get("a").is_none());
    /// assert!(session.modified()); // a signed `{}` replaces the bad cookie
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_error(&self) -> Option<&DecodeError> {
        self.load_error.as_ref()
    }

    /// Which key of the keyring verified the incoming cookie: `Some(0)` for
    /// the current key, `Some(n)` for the n-th fallback (time to re-sign
    /// with [`set_modified`](Self::set_modified)), `None` without a
    /// verified cookie.
    pub fn key_index(&self) -> Option<usize> {
        self.key_index
    }

    /// When the incoming cookie was signed, if it verified.
    pub fn signed_at(&self) -> Option<OffsetDateTime> {
        self.signed_at
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
    }

    /// When the session was first created, from its reserved
    /// [`CREATED_KEY`] (written when an absolute lifetime is configured),
    /// or `None` when it has none or it is not a time. Does not set
    /// `accessed`.
    pub fn created_at(&self) -> Option<OffsetDateTime> {
        self.created_seconds()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
    }

    /// [`CREATED_KEY`] as Unix seconds, if it holds an integer.
    pub(crate) fn created_seconds(&self) -> Option<i64> {
        self.data.get(CREATED_KEY).and_then(Value::as_i64)
    }

    /// The value under `key`, without setting `accessed` (for checks that
    /// look at a session on the application's behalf).
    pub(crate) fn peek(&self, key: &str) -> Option<&Value> {
        self.data.get(key)
    }

    /// Writes the creation time if the session has data and no creation
    /// time: the signing time of the cookie it came from (the earliest
    /// time known), else `now`. Flags are left alone (this runs inside a
    /// save).
    pub(crate) fn stamp_created(&mut self, now: i64) {
        if self.data.is_empty() || self.data.contains_key(CREATED_KEY) {
            return;
        }
        let at = self.signed_at.map_or(now, |t| t.min(now));
        self.data.insert(CREATED_KEY.to_owned(), Value::from(at));
    }

    /// Refuses a session after it loaded (a revocation found by an
    /// asynchronous check): the session of a refused cookie, with `error`.
    #[cfg(feature = "http")]
    pub(crate) fn refuse(&mut self, error: DecodeError) {
        let key = self.key.take().unwrap_or_default();
        *self = Self::failed(&key, error, self.policy.clone());
    }

    /// Django's `session.accessed`: whether the data has been read or
    /// written. The middleware adds `Vary: Cookie` when it is set.
    pub fn accessed(&self) -> bool {
        self.accessed.get()
    }

    /// Django's `session.modified`: whether the session must be saved.
    pub fn modified(&self) -> bool {
        self.modified.get()
    }

    /// Django's `session.modified = value`; `set_modified(true)` after
    /// changing a value in place:
    ///
    /// ```
    /// use signed_session::session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("cart", vec!["sku-1"]);
    /// session.set_modified(false);
    /// if let Some(cart) = session.get_mut("cart").and_then(|v| v.as_array_mut()) {
    ///     cart.push("sku-2".into());
    /// }
    /// assert!(!session.modified()); // nested changes are not seen...
    /// session.set_modified(true); // ...so say so
    /// assert!(session.modified());
    /// ```
    pub fn set_modified(&mut self, modified: bool) {
        self.modified.set(modified);
    }

    /// Django's `session.session_key`: the cookie value this session was
    /// loaded from or last saved as, or `None`. A value shorter than 8
    /// characters counts as `None`, as in Django.
    pub fn session_key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Django's `is_empty()` (and `not bool(session)`): true when there is
    /// no session key **and** no data, which is when the middleware has
    /// nothing to send and, if a cookie came in, deletes it. After
    /// [`clear`](Self::clear) a session that had a key is not blank (a
    /// signed `{}` is sent back); after [`flush`](Self::flush) it is. Does
    /// not set `accessed`.
    ///
    /// ```
    /// use signed_session::session::Session;
    ///
    /// let mut session = Session::new();
    /// assert!(session.is_blank());
    /// session.insert("a", 1);
    /// assert!(!session.is_blank());
    /// session.flush();
    /// assert!(session.is_blank());
    /// ```
    pub fn is_blank(&self) -> bool {
        self.key.is_none() && !self.key_cycled && self.data.is_empty()
    }

    // ----- reading -------------------------------------------------------

    /// Django's `session.get(key)`; `session.get(key, default)` is
    /// `get(key).cloned().unwrap_or(default)`, and `session[key]` (which
    /// raises `KeyError`) is `get(key).ok_or(...)`.
    ///
    /// ```
    /// use signed_session::{Value, session::Session};
    ///
    /// let mut session = Session::new();
    /// session.insert("theme", "dark");
    /// assert_eq!(session.get("theme"), Some(&Value::from("dark")));
    /// assert!(session.get("lang").is_none());
    /// assert!(session.contains_key("theme"));
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.touch();
        self.data.get(key)
    }

    /// `session.get(key)` converted to a serde type.
    ///
    /// # Errors
    /// A [`ValueError`] when the stored value does not fit `T`.
    ///
    /// ```
    /// use signed_session::session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert_as("cart", &vec!["sku-1".to_owned()])?;
    /// let cart: Option<Vec<String>> = session.get_as("cart")?;
    /// assert_eq!(cart, Some(vec!["sku-1".to_owned()]));
    /// assert_eq!(session.get_as::<u32>("missing")?, None);
    /// # Ok::<(), signed_session::error::ValueError>(())
    /// ```
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.touch();
        self.data.get_as(key).transpose()
    }

    /// The value, mutably. Like changing a nested object in Django, this
    /// does **not** set `modified`: call [`set_modified`](Self::set_modified)
    /// if you change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.touch();
        self.data.get_mut(key)
    }

    /// Django's `key in session` (and `has_key`).
    pub fn contains_key(&self, key: &str) -> bool {
        self.touch();
        self.data.contains_key(key)
    }

    /// Django's `session.keys()`, in insertion order.
    ///
    /// ```
    /// use signed_session::{Value, session::Session};
    ///
    /// let mut session = Session::new();
    /// session.extend([("b", 2), ("a", 1)]);
    /// assert_eq!(session.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// assert_eq!(session.values().cloned().collect::<Vec<_>>(), [Value::from(2), Value::from(1)]);
    /// assert_eq!(session.iter().count(), session.len());
    /// ```
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.touch();
        self.data.keys()
    }

    /// Django's `session.values()`, in insertion order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + '_ {
        self.touch();
        self.data.values()
    }

    /// Django's `session.items()`, in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> + '_ {
        self.touch();
        self.data.iter()
    }

    /// The number of entries (`len(session.keys())`; Django's `SessionBase`
    /// has no `__len__`). Sets `accessed`.
    pub fn len(&self) -> usize {
        self.touch();
        self.data.len()
    }

    /// Whether there are no entries (`len() == 0`). Sets `accessed`. For
    /// Django's `is_empty()`, which also looks at the key, see
    /// [`is_blank`](Self::is_blank).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole data map. Sets `accessed`.
    pub fn as_map(&self) -> &Map {
        self.touch();
        self.data.as_map()
    }

    // ----- writing -------------------------------------------------------

    /// Django's `session[key] = value`. Returns the previous value.
    ///
    /// ```
    /// use signed_session::session::Session;
    ///
    /// let mut session = Session::new();
    /// session.insert("a", 1);
    /// assert_eq!(session.get_or_insert("a", 2).as_i64(), Some(1));
    /// session.set_modified(false);
    /// assert_eq!(session.remove("missing"), None);
    /// assert!(!session.modified()); // nothing removed, nothing modified
    /// assert_eq!(session.remove("a").and_then(|v| v.as_i64()), Some(1));
    /// assert!(session.modified());
    /// assert!(session.delete("a").is_err());
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.touch();
        let old = self.data.insert(key.into(), value.into());
        self.modified.set(true);
        old
    }

    /// `session[key] = value` for any serde type. Returns the previous value.
    ///
    /// # Errors
    /// A [`ValueError`] when `value` cannot be represented as JSON; the
    /// session is then unchanged.
    pub fn insert_as<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<Option<Value>, ValueError> {
        let value = python_json::to_value(value)?;
        Ok(self.insert(key, value))
    }

    /// Django's `session.pop(key, None)`: removes and returns the value
    /// (`session.pop(key, default)` is `remove(key).unwrap_or(default)`;
    /// `None` where Django's `pop(key)` raises `KeyError`). Sets
    /// `modified` only if the key was present. Order is kept.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        // Django evaluates `self.modified or key in self._session`: the old
        // flag is read before the lazy load runs, and the assignment then
        // overwrites whatever a failed load set. So a `pop` that is the
        // first access to a refused cookie leaves the session unmodified
        // (checked against Django 5.2 by the interop tests).
        let was_modified = self.modified.get();
        self.touch();
        let old = self.data.shift_remove(key);
        self.modified.set(was_modified || old.is_some());
        old
    }

    /// Django's `session.setdefault(key, value)`: the existing value
    /// (unmodified), or `value` inserted (modified).
    pub fn get_or_insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> &mut Value {
        self.touch();
        match self.data.entry(key.into()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                self.modified.set(true);
                e.insert(value.into())
            }
        }
    }

    /// Django's `session.update(mapping)`. Always sets `modified`, even when
    /// there is nothing to add. Takes any iterator of pairs, e.g. a [`Map`].
    pub fn extend<I, K, V>(&mut self, entries: I)
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Value>,
    {
        self.touch();
        self.data
            .extend(entries.into_iter().map(|(k, v)| (k.into(), v.into())));
        self.modified.set(true);
    }

    /// Django's `del session[key]`. Order is kept. It differs from
    /// [`remove`](Self::remove) in its flags, as in Django: it loads first,
    /// so on a refused cookie it sets `modified` even when the key is
    /// missing.
    ///
    /// # Errors
    /// [`KeyError`] when the key is missing.
    pub fn delete(&mut self, key: &str) -> Result<(), KeyError> {
        self.touch();
        match self.data.shift_remove(key) {
            Some(_) => {
                self.modified.set(true);
                Ok(())
            }
            None => Err(KeyError::new(key)),
        }
    }

    /// Django's `session.clear()`: drops the data but keeps the session key,
    /// so the session is not [blank](Self::is_blank) and a signed `{}` is
    /// sent back. Sets `accessed` and `modified`.
    pub fn clear(&mut self) {
        self.data.clear();
        // Django sets the cache directly, so a failed load never runs.
        self.create_on_access.set(false);
        self.accessed.set(true);
        self.modified.set(true);
    }

    /// Django's `session.flush()`: drops the data **and** the session key,
    /// so the session is [blank](Self::is_blank) and the middleware deletes
    /// the cookie (use it on logout). This is also what Django's store-level
    /// `SessionStore.delete()` amounts to for signed cookies.
    pub fn flush(&mut self) {
        self.clear();
        self.key = None;
        self.key_cycled = false;
    }

    /// Django's `session.cycle_key()`: marks the session so that it is
    /// re-signed (with a fresh timestamp) when saved. Use it on login,
    /// against session fixation.
    ///
    /// Django's signed-cookies backend signs the session on the spot, so a
    /// cycled session has a key and is never [blank](Self::is_blank), even
    /// with no data: the middleware then sends a cookie holding `{}`, as
    /// Django does. One difference: [`session_key`](Self::session_key)
    /// keeps the old value until the session is saved, where Django's is
    /// the new token at once.
    pub fn cycle_key(&mut self) {
        self.touch();
        self.modified.set(true);
        self.key_cycled = true;
    }

    // ----- test cookie ---------------------------------------------------

    /// Django's `set_test_cookie()`: `session["testcookie"] = "worked"`.
    ///
    /// ```
    /// use signed_session::session::Session;
    ///
    /// let mut session = Session::new();
    /// assert!(!session.test_cookie_worked());
    /// session.set_test_cookie();
    /// assert!(session.test_cookie_worked());
    /// session.delete_test_cookie()?;
    /// assert!(session.delete_test_cookie().is_err());
    /// # Ok::<(), signed_session::session::KeyError>(())
    /// ```
    pub fn set_test_cookie(&mut self) {
        self.insert(TEST_COOKIE_NAME, TEST_COOKIE_VALUE);
    }

    /// Django's `test_cookie_worked()`.
    pub fn test_cookie_worked(&self) -> bool {
        self.get(TEST_COOKIE_NAME).and_then(Value::as_str) == Some(TEST_COOKIE_VALUE)
    }

    /// Django's `delete_test_cookie()`.
    ///
    /// # Errors
    /// [`KeyError`] when there is no test cookie, as in Django.
    pub fn delete_test_cookie(&mut self) -> Result<(), KeyError> {
        self.delete(TEST_COOKIE_NAME)
    }

    // ----- expiry --------------------------------------------------------

    /// Django's `set_expiry(value)`. Stores `_session_expiry` exactly as
    /// Django does: an integer, or `isoformat()` text. [`Expiry::In`] is
    /// counted from the session's clock.
    ///
    /// ```
    /// use signed_session::clock::ManualClock;
    /// use signed_session::session::{Expiry, Session, SessionConfig};
    /// use signed_session::Value;
    /// use time::{Duration, macros::datetime};
    ///
    /// let clock = ManualClock::new(datetime!(2023-11-14 22:13:20.5 UTC));
    /// let config = SessionConfig::new().with_clock(clock);
    /// let mut session = Session::with_config(&config);
    /// session.set_expiry(Expiry::In(Duration::hours(1)));
    /// assert_eq!(session.get("_session_expiry"), Some(&Value::from("2023-11-14T23:13:20.500000+00:00")));
    /// assert_eq!(session.expiry_age(), Duration::hours(1));
    ///
    /// session.set_expiry(Expiry::AT_BROWSER_CLOSE);
    /// assert!(session.expire_at_browser_close());
    /// assert_eq!(session.expiry_age(), Duration::days(14)); // 0 falls back to the cookie age
    /// session.set_expiry(Expiry::Default);
    /// assert!(!session.contains_key("_session_expiry"));
    /// ```
    pub fn set_expiry(&mut self, expiry: impl Into<Expiry>) {
        let now = self.policy.now();
        self.set_expiry_at(expiry.into(), now);
    }

    pub(crate) fn set_expiry_at(&mut self, expiry: Expiry, now: f64) {
        match expiry {
            Expiry::Default => {
                // Django's `del self[...]` inside a try: a miss changes nothing.
                let _ = self.delete(EXPIRY_KEY);
            }
            Expiry::Idle(d) => {
                self.insert(EXPIRY_KEY, d.whole_seconds());
            }
            other => {
                if let Some(text) = expiry::stored_text(&self.policy, other, now) {
                    self.insert(EXPIRY_KEY, text);
                }
            }
        }
    }

    /// Django's `get_expiry_age()`: the time until the session expires, in
    /// whole seconds. The cookie age when no expiry (or `0`) is set; a
    /// stored integer as is; for a date, the whole seconds from now to it,
    /// floored, and negative once it has passed.
    pub fn expiry_age(&self) -> Duration {
        self.expiry_age_with(&ExpiryArgs::new())
    }

    /// Django's `get_expiry_age(modification=…, expiry=…)`. With an
    /// `expiry` argument the session data is not read.
    pub fn expiry_age_with(&self, args: &ExpiryArgs) -> Duration {
        Duration::seconds(self.expiry_age_at(args, self.policy.now()))
    }

    pub(crate) fn expiry_age_at(&self, args: &ExpiryArgs, now: f64) -> i64 {
        let modification = self.modification(args, now).0;
        match args.expiry_ref() {
            Some(stored) => expiry::expiry_age(&self.policy, modification, Some(stored)),
            None => expiry::expiry_age(&self.policy, modification, self.get(EXPIRY_KEY)),
        }
    }

    /// Django's `get_expiry_date()`: a stored date as written (with its own
    /// offset; naive text in the naive offset), otherwise now plus the
    /// stored seconds or the cookie age. The result is in UTC when `use_tz`
    /// is on and in the naive offset when it is off.
    ///
    /// ```
    /// use signed_session::clock::ManualClock;
    /// use signed_session::session::{Expiry, Session, SessionConfig};
    /// use time::{Duration, macros::datetime};
    ///
    /// let clock = ManualClock::new(datetime!(2023-11-14 22:13:20 UTC));
    /// let mut session = Session::with_config(&SessionConfig::new().with_clock(clock));
    /// session.set_expiry(Expiry::Idle(Duration::minutes(5)));
    /// assert_eq!(session.expiry_date(), datetime!(2023-11-14 22:18:20 UTC));
    /// ```
    pub fn expiry_date(&self) -> OffsetDateTime {
        self.expiry_date_with(&ExpiryArgs::new())
    }

    /// Django's `get_expiry_date(modification=…, expiry=…)`.
    pub fn expiry_date_with(&self, args: &ExpiryArgs) -> OffsetDateTime {
        self.expiry_date_at(args, self.policy.now())
    }

    pub(crate) fn expiry_date_at(&self, args: &ExpiryArgs, now: f64) -> OffsetDateTime {
        let (modification, offset) = self.modification(args, now);
        match args.expiry_ref() {
            Some(stored) => expiry::expiry_date(&self.policy, modification, offset, Some(stored)),
            None => expiry::expiry_date(&self.policy, modification, offset, self.get(EXPIRY_KEY)),
        }
    }

    /// Django's `get_expire_at_browser_close()`: with no expiry stored, the
    /// `expire_at_browser_close` setting; otherwise whether it is `0`. A
    /// stored expiry such as 300 overrides a global `true`.
    pub fn expire_at_browser_close(&self) -> bool {
        match self.get(EXPIRY_KEY) {
            None | Some(Value::Null) => self.policy.expire_at_browser_close,
            Some(Value::Number(n)) => n.is_zero(),
            Some(Value::Bool(b)) => !b,
            Some(_) => false,
        }
    }

    /// Django's `get_session_cookie_age()`: the configured cookie age.
    pub fn cookie_age(&self) -> Duration {
        Duration::seconds(self.policy.cookie_age)
    }

    /// The `modification` instant in microseconds and the offset Django's
    /// `timezone.now()` would carry.
    fn modification(&self, args: &ExpiryArgs, now: f64) -> (i128, UtcOffset) {
        match args.modification_ref() {
            Some(at) => (expiry::datetime_micros(at), at.offset()),
            None => {
                let offset = if self.policy.use_tz {
                    UtcOffset::UTC
                } else {
                    self.policy.naive_offset
                };
                (expiry::unix_to_micros(now), offset)
            }
        }
    }
}

/// Django's `_validate_session_key`: falsy or shorter than 8 characters
/// counts as no key.
fn valid_key(key: Option<String>) -> Option<String> {
    // Characters, as Python's len(); only the first few need counting.
    key.filter(|k| k.chars().nth(MIN_KEY_CHARS - 1).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn session_is_send() {
        assert_send::<Session>();
    }

    fn flags(s: &Session) -> (bool, bool) {
        (s.accessed(), s.modified())
    }

    #[test]
    fn reads_set_accessed_only() {
        let s = Session::new();
        assert_eq!(flags(&s), (false, false));
        assert!(s.is_blank());
        assert_eq!(s.session_key(), None);
        assert_eq!(
            flags(&s),
            (false, false),
            "is_blank and session_key do not access"
        );
        assert_eq!(s.get("x"), None);
        assert_eq!(flags(&s), (true, false));
    }

    #[test]
    fn each_reader_sets_accessed() {
        type Reader = (&'static str, fn(&Session));
        let readers: [Reader; 8] = [
            ("get", |s| {
                let _ = s.get("k");
            }),
            ("contains_key", |s| {
                let _ = s.contains_key("k");
            }),
            ("keys", |s| {
                let _ = s.keys();
            }),
            ("values", |s| {
                let _ = s.values();
            }),
            ("iter", |s| {
                let _ = s.iter();
            }),
            ("len", |s| {
                let _ = s.len();
            }),
            ("test_cookie_worked", |s| {
                let _ = s.test_cookie_worked();
            }),
            ("expire_at_browser_close", |s| {
                let _ = s.expire_at_browser_close();
            }),
        ];
        for (name, read) in readers {
            let s = Session::new();
            read(&s);
            assert_eq!(flags(&s), (true, false), "{name}");
        }
    }

    #[test]
    fn modified_rules() {
        let mut s = Session::new();
        assert_eq!(s.remove("missing"), None);
        assert_eq!(flags(&s), (true, false), "pop of a missing key");
        assert!(s.delete("missing").is_err());
        assert!(!s.modified(), "failed delete");
        s.extend(Vec::<(String, Value)>::new());
        assert!(s.modified(), "update of nothing");

        let mut s = Session::new();
        s.insert("a", 1);
        s.set_modified(false);
        assert_eq!(s.get_or_insert("a", 2), &Value::from(1));
        assert!(!s.modified(), "setdefault of an existing key");
        s.get_or_insert("b", 2);
        assert!(s.modified(), "setdefault of a new key");
        s.set_modified(false);
        assert_eq!(s.remove("a"), Some(Value::from(1)));
        assert!(s.modified(), "pop of a present key");
        s.set_modified(false);
        assert!(s.delete("b").is_ok());
        assert!(s.modified(), "delete of a present key");
    }

    #[test]
    fn removal_keeps_order() {
        let mut s = Session::new();
        s.extend([("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
        s.remove("b");
        assert_eq!(s.keys().collect::<Vec<_>>(), ["a", "c", "d"]);
    }

    #[test]
    fn failed_load_marks_modified_on_first_access_only() {
        let s = Session::from_parts(
            Some("tampered:value".into()),
            Map::new(),
            SessionConfig::new().policy(),
        );
        s.set_create_on_access();
        assert!(!s.is_blank(), "the key is kept");
        assert_eq!(flags(&s), (false, false));
        assert_eq!(s.get("a"), None);
        assert_eq!(flags(&s), (true, true));

        // clear() sets the data directly: the failed load never runs.
        let mut s = Session::from_parts(
            Some("tampered:value".into()),
            Map::new(),
            SessionConfig::new().policy(),
        );
        s.set_create_on_access();
        s.clear();
        s.set_modified(false);
        assert_eq!(s.get("a"), None);
        assert!(!s.modified());
    }

    #[test]
    fn short_keys_are_no_keys() {
        let s = Session::from_parts(
            Some("abc:def".into()),
            Map::new(),
            SessionConfig::new().policy(),
        );
        assert_eq!(s.session_key(), None);
        assert!(s.is_blank());
        let s = Session::from_parts(
            Some("abcdefgh".into()),
            Map::new(),
            SessionConfig::new().policy(),
        );
        assert_eq!(s.session_key(), Some("abcdefgh"));
        // Characters, not bytes, as Python's len().
        let s = Session::from_parts(
            Some("ééééééé".into()),
            Map::new(),
            SessionConfig::new().policy(),
        );
        assert_eq!(s.session_key(), None);
    }

    #[test]
    fn clear_keeps_key_flush_drops_it() {
        let mut s = Session::from_parts(
            Some("eyJhIjoxfQ:1r31eq:sig".into()),
            Map::new(),
            SessionConfig::new().policy(),
        );
        s.insert("a", 1);
        s.clear();
        assert!(!s.is_blank());
        assert!(s.is_empty());
        s.flush();
        assert!(s.is_blank());
        assert_eq!(s.session_key(), None);
        assert_eq!(flags(&s), (true, true));
    }

    #[test]
    fn expiry_default_of_absent_key_does_not_modify() {
        let mut s = Session::new();
        s.set_expiry_at(Expiry::Default, 0.0);
        assert_eq!(flags(&s), (true, false));
        s.set_expiry_at(Expiry::Idle(Duration::seconds(5)), 0.0);
        s.set_modified(false);
        s.set_expiry_at(Expiry::Default, 0.0);
        assert!(s.modified());
    }

    #[test]
    fn reads_back_every_stored_form() {
        let now = 1_700_000_000.0;
        let cases: &[(Value, i64)] = &[
            (Value::from(300), 300),
            (Value::from(0), 1_209_600),
            (Value::Null, 1_209_600),
            (Value::from(false), 1_209_600),
            (Value::from(true), 1),
            (Value::from(300.9), 300),
            (Value::from(-5), -5),
            (Value::from("2023-11-15T00:00:00+00:00"), 6400),
            (Value::from("2023-11-15T00:00:00"), 6400),
            (Value::from("2023-11-15T01:00:00+01:00"), 6400),
            (Value::from("2023-11-14T23:13:20.500000+00:00"), 3600),
            (Value::from("2023-11-14T22:13:19.5+00:00"), -1),
            (Value::from("not a date"), 1_209_600),
            (Value::from(vec![1]), 1_209_600),
        ];
        for (stored, age) in cases {
            let mut s = Session::new();
            s.insert(EXPIRY_KEY, stored.clone());
            assert_eq!(s.expiry_age_at(&ExpiryArgs::new(), now), *age, "{stored:?}");
            let args = ExpiryArgs::new().expiry(stored.clone());
            assert_eq!(
                Session::new().expiry_age_at(&args, now),
                *age,
                "{stored:?} as argument"
            );
        }
    }

    #[test]
    fn expiry_argument_does_not_access() {
        let s = Session::new();
        let args = ExpiryArgs::new().expiry(10);
        assert_eq!(s.expiry_age_at(&args, 0.0), 10);
        let _ = s.expiry_date_at(&args, 0.0);
        assert!(!s.accessed());
        assert_eq!(s.expiry_age_at(&ExpiryArgs::new(), 0.0), 1_209_600);
        assert!(s.accessed());
    }

    #[test]
    fn expiry_dates() {
        use time::macros::datetime;
        let now = 1_700_000_000.0;
        let mut s = Session::new();
        assert_eq!(
            s.expiry_date_at(&ExpiryArgs::new(), now),
            datetime!(2023-11-28 22:13:20 UTC)
        );
        s.insert(EXPIRY_KEY, "2023-11-15T01:00:00+01:00");
        assert_eq!(
            expiry::isoformat(s.expiry_date_at(&ExpiryArgs::new(), now)),
            "2023-11-15T01:00:00+01:00"
        );
        let naive = SessionConfig::new()
            .with_use_tz(false)
            .with_naive_offset(time::macros::offset!(+2));
        let mut s = Session::with_config(&naive);
        s.set_expiry_at(Expiry::In(time::Duration::hours(1)), now);
        assert_eq!(s.get(EXPIRY_KEY), Some(&Value::from("2023-11-15T01:13:20")));
        assert_eq!(s.expiry_age_at(&ExpiryArgs::new(), now), 3600);
        assert_eq!(
            s.expiry_date_at(&ExpiryArgs::new(), now),
            datetime!(2023-11-15 01:13:20 +2)
        );
        s.set_expiry_at(Expiry::Idle(Duration::seconds(0)), now);
        let args = ExpiryArgs::new().modification(datetime!(2023-11-14 22:13:20 UTC));
        assert_eq!(
            s.expiry_date_at(&args, 0.0),
            datetime!(2023-11-28 22:13:20 UTC)
        );
        s.set_expiry_at(Expiry::At(datetime!(2023-11-14 22:13:20.25 -3)), now);
        assert_eq!(
            s.get(EXPIRY_KEY),
            Some(&Value::from("2023-11-14T22:13:20.250000-03:00"))
        );
        s.set_expiry_at(Expiry::AtNaive(datetime!(2023-11-14 22:13:20)), now);
        assert_eq!(s.get(EXPIRY_KEY), Some(&Value::from("2023-11-14T22:13:20")));
    }

    #[test]
    fn browser_close() {
        let global = SessionConfig::new().with_expire_at_browser_close(true);
        let mut s = Session::with_config(&global);
        assert!(s.expire_at_browser_close());
        s.set_expiry_at(Expiry::Idle(Duration::seconds(300)), 0.0);
        assert!(
            !s.expire_at_browser_close(),
            "a stored 300 overrides the global setting"
        );
        s.set_expiry_at(Expiry::Idle(Duration::seconds(0)), 0.0);
        assert!(s.expire_at_browser_close());
        let mut s = Session::new();
        s.insert(EXPIRY_KEY, Value::Null);
        assert!(!s.expire_at_browser_close());
    }
}
