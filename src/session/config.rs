//! Session settings, the counterpart of Django's `SESSION_*` settings.

use std::sync::Arc;

use time::{Duration, UtcOffset};

use super::expiry::Policy;
use super::revocation::{CheckFailurePolicy, RevocationCheck};
use crate::clock::{Clock, SharedClock, default_clock};
use crate::signing::{Compression, Limits};

/// The salt Django's `signed_cookies` backend signs session cookies with.
pub const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";

/// Django's default `SESSION_COOKIE_AGE`: two weeks.
pub const DEFAULT_COOKIE_AGE: Duration = Duration::seconds(1_209_600);

/// The session codec's default compression policy: compress only JSON of
/// 1 KiB or more (then with Django's 2-byte rule). See
/// [`SessionConfig::with_compression`].
pub const DEFAULT_COMPRESSION: Compression = Compression::MinJsonLen(1024);

/// Session settings. Every default is Django's, except `enforce_expiry`,
/// which goes beyond Django (see [`SessionConfig::with_enforce_expiry`]),
/// and the decoding `limits`, which Django does not have.
///
/// | setting | Django name | default |
/// |---|---|---|
/// | [`cookie_age`](Self::cookie_age) | `SESSION_COOKIE_AGE` | 14 days |
/// | [`expire_at_browser_close`](Self::expire_at_browser_close) | `SESSION_EXPIRE_AT_BROWSER_CLOSE` | `false` |
/// | [`use_tz`](Self::use_tz) | `USE_TZ` | `true` |
/// | [`naive_offset`](Self::naive_offset) | `TIME_ZONE` (as a fixed offset) | UTC |
/// | [`salt`](Self::salt) | (the backend's salt) | `"django.contrib.sessions.backends.signed_cookies"` |
/// | [`enforce_expiry`](Self::enforce_expiry) | none (ours) | `true` |
/// | [`compression`](Self::compression) | (the backend's `compress=True`) | [`Compression::MinJsonLen`]`(1024)` (ours; see below) |
/// | [`limits`](Self::limits) | none (ours) | [`Limits::default()`] |
/// | [`with_clock`](Self::with_clock) | none (the time) | the system clock (feature `clock`) |
/// | [`absolute_lifetime`](Self::absolute_lifetime) | none (ours) | none |
/// | [`with_revocation_check`](Self::with_revocation_check) | none (ours) | no checks |
/// | [`check_failure_policy`](Self::check_failure_policy) | none (ours) | [`CheckFailurePolicy::FailClosed`] |
///
/// ```
/// use signed_session::session::SessionConfig;
/// use time::Duration;
///
/// let config = SessionConfig::new()
///     .with_cookie_age(Duration::minutes(10))
///     .with_expire_at_browser_close(true);
/// assert_eq!(config.cookie_age(), Duration::seconds(600));
/// assert!(config.enforce_expiry());
/// ```
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// Whole seconds, as Django's integer setting.
    cookie_age: i64,
    expire_at_browser_close: bool,
    use_tz: bool,
    naive_offset: UtcOffset,
    salt: String,
    enforce_expiry: bool,
    compression: Compression,
    limits: Limits,
    clock: SharedClock,
    /// Whole seconds; `None` for no absolute lifetime.
    absolute_lifetime: Option<i64>,
    checks: Vec<Arc<dyn RevocationCheck>>,
    check_failure: CheckFailurePolicy,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            cookie_age: DEFAULT_COOKIE_AGE.whole_seconds(),
            expire_at_browser_close: false,
            use_tz: true,
            naive_offset: UtcOffset::UTC,
            salt: SESSION_SALT.to_owned(),
            enforce_expiry: true,
            compression: DEFAULT_COMPRESSION,
            limits: Limits::default(),
            clock: default_clock(),
            absolute_lifetime: None,
            checks: Vec::new(),
            check_failure: CheckFailurePolicy::FailClosed,
        }
    }
}

impl SessionConfig {
    /// Django's defaults, with per-session expiry enforced.
    pub fn new() -> Self {
        Self::default()
    }

    /// `SESSION_COOKIE_AGE`: the lifetime of a session cookie (its
    /// `Max-Age` when the session has no expiry of its own), and the
    /// oldest token accepted on load. Default 14 days. Django's setting is
    /// whole seconds: a fraction is dropped.
    #[must_use]
    pub fn with_cookie_age(mut self, age: Duration) -> Self {
        self.cookie_age = age.whole_seconds();
        self
    }

    /// `SESSION_EXPIRE_AT_BROWSER_CLOSE`: whether sessions without their
    /// own expiry use a browser-session cookie. Default `false`.
    #[must_use]
    pub fn with_expire_at_browser_close(mut self, yes: bool) -> Self {
        self.expire_at_browser_close = yes;
        self
    }

    /// `USE_TZ`: whether `set_expiry` with a duration writes an aware UTC
    /// date (`2023-11-14T23:13:20+00:00`, the default) or a naive one
    /// (`2023-11-14T23:13:20`, in [`naive_offset`](Self::naive_offset)).
    /// Match the Django project you share cookies with.
    #[must_use]
    pub fn with_use_tz(mut self, yes: bool) -> Self {
        self.use_tz = yes;
        self
    }

    /// The offset naive dates are written and read in: Django's
    /// `TIME_ZONE` when `USE_TZ` is off. Default UTC. A fixed offset cannot
    /// follow daylight saving time; keep UTC unless the Django side uses a
    /// zone without it.
    #[must_use]
    pub fn with_naive_offset(mut self, offset: UtcOffset) -> Self {
        self.naive_offset = offset;
        self
    }

    /// The signing salt. Default [`SESSION_SALT`], which a Django project
    /// using `signed_cookies` needs to read our cookies.
    #[must_use]
    pub fn with_salt(mut self, salt: impl Into<String>) -> Self {
        self.salt = salt.into();
        self
    }

    /// Whether a session whose own `_session_expiry` has passed is rejected
    /// on load (default `true`). Django does not check it (tickets #19201 and
    /// #27775): it only limits the token age to the cookie age, so a stolen
    /// cookie outlives `set_expiry`. Set `false` for Django's exact behaviour.
    #[must_use]
    pub fn with_enforce_expiry(mut self, yes: bool) -> Self {
        self.enforce_expiry = yes;
        self
    }

    /// When to zlib-compress the session JSON. Django reads every choice.
    ///
    /// The default, [`DEFAULT_COMPRESSION`] (`MinJsonLen(1024)`), differs
    /// from Django, whose backend always tries compression and keeps it when
    /// it saves 2 bytes or more: below 1 KiB of JSON compression saves a few
    /// dozen bytes of cookie but makes the save several times slower and
    /// every later load about twice as slow (benches/RESULTS.md). Use
    /// [`Compression::Django`] to make the same compress/don't-compress
    /// choices as Django (tokens are then byte-identical to Django's,
    /// compressed or not).
    #[must_use]
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// The size and depth limits applied to incoming cookies (and to the
    /// tokens we produce). Default [`Limits::default()`].
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// See [`with_cookie_age`](Self::with_cookie_age).
    pub fn cookie_age(&self) -> Duration {
        Duration::seconds(self.cookie_age)
    }

    /// See [`with_expire_at_browser_close`](Self::with_expire_at_browser_close).
    pub fn expire_at_browser_close(&self) -> bool {
        self.expire_at_browser_close
    }

    /// See [`with_use_tz`](Self::with_use_tz).
    pub fn use_tz(&self) -> bool {
        self.use_tz
    }

    /// See [`with_naive_offset`](Self::with_naive_offset).
    pub fn naive_offset(&self) -> UtcOffset {
        self.naive_offset
    }

    /// See [`with_salt`](Self::with_salt).
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// See [`with_enforce_expiry`](Self::with_enforce_expiry).
    pub fn enforce_expiry(&self) -> bool {
        self.enforce_expiry
    }

    /// See [`with_compression`](Self::with_compression).
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// See [`with_limits`](Self::with_limits).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Reads "now" from `clock`: when sessions are loaded and saved, and
    /// for `set_expiry` and the expiry ages. Default: the system clock
    /// (feature `clock`); without that feature a clock must be given.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The absolute lifetime of a session: refused once it was first
    /// created longer ago than `lifetime`, however active it has been
    /// (the token age, [`cookie_age`](Self::cookie_age), stays the idle
    /// timeout). Default: none, as in Django.
    ///
    /// The creation time travels inside the session, as Unix seconds under
    /// the reserved key [`CREATED_KEY`](super::CREATED_KEY), which a Django
    /// site simply carries along (Django does not enforce the lifetime).
    /// With a lifetime set, saving a session that lacks the key stamps it:
    /// with the signing time of the cookie it was loaded from, or now for
    /// a new session. [`cycle_key`](super::Session::cycle_key) (and a
    /// login, which cycles the key) keeps it; [`flush`](super::Session::flush)
    /// drops it, so the next session starts afresh. A session without the
    /// key (one Django wrote) counts from its token's signing time.
    /// Whole seconds: a fraction is dropped.
    #[must_use]
    pub fn with_absolute_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.absolute_lifetime = lifetime.map(|d| d.whole_seconds());
        self
    }

    /// See [`with_absolute_lifetime`](Self::with_absolute_lifetime).
    pub fn absolute_lifetime(&self) -> Option<Duration> {
        self.absolute_lifetime.map(Duration::seconds)
    }

    /// Adds a [revocation check](super::revocation), run on every load
    /// after the signature, the token age and the session's own expiry
    /// passed, in the order added. The first that refuses decides.
    #[must_use]
    pub fn with_revocation_check(mut self, check: impl RevocationCheck + 'static) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// What a revocation check that fails (its lookup errs) does: refuse
    /// the session (the default) or accept it with a warning.
    #[must_use]
    pub fn with_check_failure_policy(mut self, policy: CheckFailurePolicy) -> Self {
        self.check_failure = policy;
        self
    }

    /// See [`with_check_failure_policy`](Self::with_check_failure_policy).
    pub fn check_failure_policy(&self) -> CheckFailurePolicy {
        self.check_failure
    }

    pub(crate) fn revocation_checks(&self) -> &[Arc<dyn RevocationCheck>] {
        &self.checks
    }

    pub(crate) fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub(crate) fn policy(&self) -> Policy {
        Policy {
            cookie_age: self.cookie_age,
            expire_at_browser_close: self.expire_at_browser_close,
            use_tz: self.use_tz,
            naive_offset: self.naive_offset,
            clock: Arc::clone(&self.clock),
        }
    }
}
