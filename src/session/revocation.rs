//! Revocation checks: refusing a validly signed, unexpired session
//! without a server-side session store.
//!
//! A signed cookie stays valid until it expires, so a copy taken before a
//! logout still works. A revocation check closes that gap with a small
//! piece of state the application already has (a time per user, or one
//! time for everybody) instead of a store of every session. It runs on
//! every load, after the signature, the age and the session's own expiry
//! passed, and sees the verified session, when its token was signed and
//! which key matched.
//!
//! - [`RevocationCheck`] is the synchronous form, given to
//!   [`SessionConfig::with_revocation_check`](crate::SessionConfig::with_revocation_check):
//!   every load through the codec, the middleware or the layer runs it.
//! - [`AsyncRevocationCheck`] is the form for lookups that await (a
//!   database, a cache), given to the HTTP middleware (feature `http`),
//!   whose tower layer awaits it before the handler runs.
//! - Built in: [`AllSessionsNotBefore`] ("log everyone out", with no key
//!   change) and [`UserNotBefore`] / [`AsyncUserNotBefore`] ("log this
//!   user out everywhere").
//!
//! A revoked session is refused as an expired one is: the request gets an
//! empty session whose [`load_error`](crate::Session::load_error) is a
//! [`DecodeError::Revoked`](crate::DecodeError::Revoked), and the response
//! replaces the cookie. A check that fails (its lookup returned an error)
//! is handled by the [`CheckFailurePolicy`]: refused by default.
//!
//! ```
//! use signed_session::clock::ManualClock;
//! use signed_session::session::revocation::AllSessionsNotBefore;
//! use signed_session::{DecodeErrorKind, Keyring, Secret, SessionCodec, SessionConfig};
//! use time::{Duration, macros::datetime};
//!
//! let clock = ManualClock::new(datetime!(2025-06-01 12:00 UTC));
//! let everyone = AllSessionsNotBefore::new();
//! let config = SessionConfig::new()
//!     .with_clock(clock.clone())
//!     .with_revocation_check(everyone.clone());
//! let codec = SessionCodec::new(&Keyring::new(Secret::new("s3cr3t")?), config);
//!
//! let mut session = codec.load(None);
//! session.insert("user_id", 42);
//! let cookie = codec.save(&mut session)?;
//!
//! // An incident: every session signed until now is logged out.
//! clock.advance(Duration::minutes(1));
//! everyone.set(datetime!(2025-06-01 12:01 UTC));
//! let session = codec.load(Some(&cookie));
//! assert!(session.get("user_id").is_none());
//! assert_eq!(session.load_error().map(|e| e.kind()), Some(DecodeErrorKind::Revoked));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

use super::store::Session;
use python_json::Value;

/// The session key Django's `login()` stores the user's primary key under
/// (as a string): what [`UserNotBefore`] reads by default.
pub const DJANGO_USER_KEY: &str = "_auth_user_id";

/// What a check sees: the verified session and how its token was signed.
#[derive(Debug)]
#[non_exhaustive]
pub struct Presented<'a> {
    /// The session, verified and unexpired. Reading it does not mark it
    /// accessed.
    pub session: &'a Session,
    /// When the presented token was signed (its timestamp).
    pub signed_at: OffsetDateTime,
    /// When the session was first created, if it carries the creation
    /// time (see [`SessionConfig::with_absolute_lifetime`](crate::SessionConfig::with_absolute_lifetime)).
    pub created_at: Option<OffsetDateTime>,
    /// Which key of the keyring verified it (0 = the current key).
    pub key_index: usize,
    /// The time of the load.
    pub now: OffsetDateTime,
}

impl Presented<'_> {
    /// The value stored under `key`, without marking the session accessed.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.session.peek(key)
    }

    /// The user id stored under `key` (a string, as Django stores it, or an
    /// integer), or `None` for an anonymous session.
    pub fn user_id(&self, key: &str) -> Option<Cow<'_, str>> {
        match self.get(key)? {
            Value::String(s) => Some(Cow::Borrowed(s.as_str())),
            Value::Number(n) => n.integer_text().map(Cow::Owned),
            _ => None,
        }
    }
}

/// A check's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The session may be used.
    Valid,
    /// The session is refused, for this reason.
    Revoked(Revocation),
}

/// Why a session was revoked: the detail of a
/// [`DecodeError::Revoked`](crate::DecodeError::Revoked).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Revocation {
    /// Signed before the global not-before time ([`AllSessionsNotBefore`]).
    AllSessionsBefore {
        /// The token's signing time.
        signed_at: OffsetDateTime,
        /// The not-before time in force.
        not_before: OffsetDateTime,
    },
    /// Signed before the user's own not-before time ([`UserNotBefore`]).
    UserSessionsBefore {
        /// The user id read from the session.
        user: String,
        /// The token's signing time.
        signed_at: OffsetDateTime,
        /// The user's not-before time.
        not_before: OffsetDateTime,
    },
    /// An application's own check refused it, with its reason.
    Refused(Cow<'static, str>),
    /// A check could not answer and the [`CheckFailurePolicy`] is
    /// [`FailClosed`](CheckFailurePolicy::FailClosed).
    CheckFailed(CheckError),
}

impl fmt::Display for Revocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revocation::AllSessionsBefore {
                signed_at,
                not_before,
            } => write!(
                f,
                "signed at {}, before the global not-before time {}",
                signed_at.unix_timestamp(),
                not_before.unix_timestamp()
            ),
            Revocation::UserSessionsBefore {
                user,
                signed_at,
                not_before,
            } => write!(
                f,
                "signed at {}, before user {:?}'s not-before time {}",
                signed_at.unix_timestamp(),
                user,
                not_before.unix_timestamp()
            ),
            Revocation::Refused(reason) => write!(f, "refused by a check: {reason}"),
            Revocation::CheckFailed(_) => {
                f.write_str("a revocation check failed, and failures refuse the session")
            }
        }
    }
}

impl std::error::Error for Revocation {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Revocation::CheckFailed(e) => Some(e),
            _ => None,
        }
    }
}

/// A check could not answer: its lookup failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    message: String,
}

impl CheckError {
    /// An error with this message (the lookup's own error, as text).
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "revocation check failed: {}", self.message)
    }
}

impl std::error::Error for CheckError {}

/// What a failed check (an error from its lookup) does to the session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckFailurePolicy {
    /// Refuse the session, as revoked with
    /// [`Revocation::CheckFailed`] (the default): an outage of the lookup
    /// logs users out rather than letting revoked sessions in.
    #[default]
    FailClosed,
    /// Accept the session and log a `tracing` warning (feature
    /// `tracing`): an outage of the lookup keeps users logged in, and
    /// revocations are not enforced while it lasts.
    FailOpen,
}

/// A synchronous revocation check, run on every load after the signature,
/// the token age and the session's own expiry passed.
pub trait RevocationCheck: fmt::Debug + Send + Sync {
    /// Whether the presented session may be used.
    ///
    /// # Errors
    /// A [`CheckError`] when it cannot tell; the configuration's
    /// [`CheckFailurePolicy`] decides.
    fn check(&self, presented: &Presented<'_>) -> Result<Verdict, CheckError>;
}

/// The future an [`AsyncRevocationCheck`] returns.
pub type CheckFuture = Pin<Box<dyn Future<Output = Result<Verdict, CheckError>> + Send + 'static>>;

/// A revocation check whose lookup awaits. It reads what it needs from the
/// session synchronously, then returns a `'static` future doing the
/// lookup, so no borrow of the session is held across an `.await`.
pub trait AsyncRevocationCheck: fmt::Debug + Send + Sync {
    /// Whether the presented session may be used, once the future is
    /// ready. Errors as [`RevocationCheck::check`].
    fn check(&self, presented: &Presented<'_>) -> CheckFuture;
}

/// One not-before time shared by every session: "log everyone out" with
/// no key change. Clones share the time, so the application keeps one to
/// [`set`](Self::set) while the codec holds another.
///
/// A token signed before the not-before time is revoked. Tokens carry
/// whole seconds, so the time is rounded up to a whole second: a token
/// signed in the same second as the revocation is revoked too.
#[derive(Clone, Debug, Default)]
pub struct AllSessionsNotBefore {
    /// Unix seconds; `i64::MIN` when unset.
    at: Arc<AtomicI64>,
}

impl AllSessionsNotBefore {
    /// No not-before time yet: every session passes.
    pub fn new() -> Self {
        Self {
            at: Arc::new(AtomicI64::new(i64::MIN)),
        }
    }

    /// Revokes every token signed before `at` (rounded up to a second).
    pub fn set(&self, at: OffsetDateTime) {
        self.at.store(ceil_seconds(at), Ordering::Release);
    }

    /// Removes the not-before time.
    pub fn clear(&self) {
        self.at.store(i64::MIN, Ordering::Release);
    }

    /// The not-before time in force, if any.
    pub fn get(&self) -> Option<OffsetDateTime> {
        match self.at.load(Ordering::Acquire) {
            i64::MIN => None,
            t => OffsetDateTime::from_unix_timestamp(t).ok(),
        }
    }
}

impl RevocationCheck for AllSessionsNotBefore {
    fn check(&self, presented: &Presented<'_>) -> Result<Verdict, CheckError> {
        Ok(match self.get() {
            Some(not_before) if presented.signed_at < not_before => {
                Verdict::Revoked(Revocation::AllSessionsBefore {
                    signed_at: presented.signed_at,
                    not_before,
                })
            }
            _ => Verdict::Valid,
        })
    }
}

/// A per-user not-before time: "log this user out everywhere". The
/// application supplies the lookup from a user id to that user's time
/// (`None`: never revoked), typically a column it sets on password change
/// or on "log out other devices".
///
/// The user id is read from the session under [`DJANGO_USER_KEY`] unless
/// [`with_user_key`](Self::with_user_key) says otherwise; an anonymous
/// session (no user id) passes. A token signed before the user's time
/// (rounded up to a whole second) is revoked.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, RwLock};
/// use signed_session::session::revocation::{CheckError, UserNotBefore};
/// use time::OffsetDateTime;
///
/// let revoked: Arc<RwLock<HashMap<String, OffsetDateTime>>> = Arc::default();
/// let table = Arc::clone(&revoked);
/// let check = UserNotBefore::new(move |user: &str| {
///     let table = table.read().map_err(CheckError::new)?;
///     Ok(table.get(user).copied())
/// });
/// # let _ = check;
/// ```
pub struct UserNotBefore<F> {
    lookup: F,
    user_key: Cow<'static, str>,
}

impl<F> UserNotBefore<F>
where
    F: Fn(&str) -> Result<Option<OffsetDateTime>, CheckError> + Send + Sync,
{
    /// A check looking users up with `lookup`.
    pub fn new(lookup: F) -> Self {
        Self {
            lookup,
            user_key: Cow::Borrowed(DJANGO_USER_KEY),
        }
    }
}

impl<F> UserNotBefore<F> {
    /// Reads the user id from `key` instead of Django's `_auth_user_id`.
    #[must_use]
    pub fn with_user_key(mut self, key: impl Into<Cow<'static, str>>) -> Self {
        self.user_key = key.into();
        self
    }
}

impl<F> fmt::Debug for UserNotBefore<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserNotBefore")
            .field("user_key", &self.user_key)
            .finish_non_exhaustive()
    }
}

impl<F> RevocationCheck for UserNotBefore<F>
where
    F: Fn(&str) -> Result<Option<OffsetDateTime>, CheckError> + Send + Sync,
{
    fn check(&self, presented: &Presented<'_>) -> Result<Verdict, CheckError> {
        let Some(user) = presented.user_id(&self.user_key) else {
            return Ok(Verdict::Valid);
        };
        let not_before = (self.lookup)(&user)?;
        Ok(user_verdict(&user, presented.signed_at, not_before))
    }
}

/// [`UserNotBefore`] with a lookup that awaits: `lookup` takes the user id
/// and returns a future of the user's not-before time.
pub struct AsyncUserNotBefore<F> {
    lookup: F,
    user_key: Cow<'static, str>,
}

impl<F, Fut> AsyncUserNotBefore<F>
where
    F: Fn(String) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Option<OffsetDateTime>, CheckError>> + Send + 'static,
{
    /// A check looking users up with `lookup`.
    pub fn new(lookup: F) -> Self {
        Self {
            lookup,
            user_key: Cow::Borrowed(DJANGO_USER_KEY),
        }
    }
}

impl<F> AsyncUserNotBefore<F> {
    /// Reads the user id from `key` instead of Django's `_auth_user_id`.
    #[must_use]
    pub fn with_user_key(mut self, key: impl Into<Cow<'static, str>>) -> Self {
        self.user_key = key.into();
        self
    }
}

impl<F> fmt::Debug for AsyncUserNotBefore<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncUserNotBefore")
            .field("user_key", &self.user_key)
            .finish_non_exhaustive()
    }
}

impl<F, Fut> AsyncRevocationCheck for AsyncUserNotBefore<F>
where
    F: Fn(String) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Option<OffsetDateTime>, CheckError>> + Send + 'static,
{
    fn check(&self, presented: &Presented<'_>) -> CheckFuture {
        let Some(user) = presented.user_id(&self.user_key).map(Cow::into_owned) else {
            return Box::pin(core::future::ready(Ok(Verdict::Valid)));
        };
        let signed_at = presented.signed_at;
        let lookup = (self.lookup)(user.clone());
        Box::pin(async move {
            let not_before = lookup.await?;
            Ok(user_verdict(&user, signed_at, not_before))
        })
    }
}

fn user_verdict(
    user: &str,
    signed_at: OffsetDateTime,
    not_before: Option<OffsetDateTime>,
) -> Verdict {
    match not_before {
        Some(at) => {
            let not_before = whole_second(at);
            if signed_at < not_before {
                Verdict::Revoked(Revocation::UserSessionsBefore {
                    user: user.to_owned(),
                    signed_at,
                    not_before,
                })
            } else {
                Verdict::Valid
            }
        }
        None => Verdict::Valid,
    }
}

/// `at` rounded up to a whole second, as Unix seconds.
fn ceil_seconds(at: OffsetDateTime) -> i64 {
    let whole = at.unix_timestamp();
    if at.nanosecond() > 0 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

/// `at` rounded up to a whole second (token timestamps are whole seconds).
/// Only the last fraction of a second of the year 9999 has no whole second
/// above it; it is kept as is, which is after every token's timestamp.
fn whole_second(at: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(ceil_seconds(at)).unwrap_or(at)
}

/// Applies the failure policy to a check's result: `None` if the session
/// may be used, the revocation otherwise.
pub(crate) fn settle(
    result: Result<Verdict, CheckError>,
    policy: CheckFailurePolicy,
    check: &dyn fmt::Debug,
) -> Option<Revocation> {
    match result {
        Ok(Verdict::Valid) => None,
        Ok(Verdict::Revoked(why)) => Some(why),
        Err(error) => match policy {
            CheckFailurePolicy::FailClosed => Some(Revocation::CheckFailed(error)),
            CheckFailurePolicy::FailOpen => {
                #[cfg(feature = "tracing")]
                tracing::warn!(
                    check = ?check,
                    "{error}; the session is accepted (CheckFailurePolicy::FailOpen)"
                );
                #[cfg(not(feature = "tracing"))]
                let _ = (check, error);
                None
            }
        },
    }
}
