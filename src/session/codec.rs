//! [`SessionCodec`]: a [`Session`] to and from a cookie value, as Django's
//! `signed_cookies.SessionStore` does it.

use std::sync::Arc;

use super::config::SessionConfig;
use super::expiry::{self, EXPIRY_KEY, Stored};
use super::lazy::Data;
use super::revocation::{Presented, Revocation, settle};
use super::store::{CREATED_KEY, Session};
use super::usage::{KeyUse, Usage};
use crate::clock::seconds;
use crate::error::{DecodeError, EncodeError, PayloadError};
use crate::signing::signed_at;
use crate::signing::{Compression, Keyring, ObjectSigner};
use python_json::{Map, Value};

/// The salt of Django's `SessionBase.encode` / `decode` for this backend:
/// `"django.contrib.sessions." + type(self).__qualname__`.
pub const SESSION_STORE_SALT: &str = "django.contrib.sessions.SessionStore";

/// Turns cookie values into [`Session`]s and back, like Django's
/// `signed_cookies.SessionStore`.
///
/// Build it once from the keyring and settings (the HMAC keys are derived
/// here) and share it: it is `Send + Sync` and every method takes `&self`.
/// The time comes from the configuration's clock.
///
/// Loading checks, in order: the signature (current key, then fallbacks),
/// the token age against the cookie age (older than the cookie age
/// expires), the payload, and, unless [`SessionConfig::with_enforce_expiry`]
/// is off, the session's own `_session_expiry` (which Django ignores).
///
/// ```
/// use signed_session::clock::ManualClock;
/// use signed_session::session::{Expiry, SessionCodec, SessionConfig};
/// use signed_session::{DecodeErrorKind, Keyring, Secret};
/// use time::{Duration, macros::datetime};
///
/// let clock = ManualClock::new(datetime!(2023-11-14 22:13:20 UTC));
/// let config = SessionConfig::new().with_clock(clock.clone());
/// let codec = SessionCodec::new(&Keyring::new(Secret::new("s3cr3t")?), config);
///
/// // A request without a cookie: a new session, saved into a cookie value.
/// let mut session = codec.load(None);
/// session.insert("user_id", 42);
/// session.set_expiry(Expiry::Idle(Duration::minutes(5)));
/// let cookie = codec.save(&mut session)?;
///
/// // The next request brings it back.
/// clock.advance(Duration::minutes(1));
/// let session = codec.load(Some(&cookie));
/// assert_eq!(session.get("user_id").and_then(|v| v.as_i64()), Some(42));
///
/// // Five minutes after the save, the session's own expiry has passed.
/// clock.advance(Duration::seconds(241));
/// let err = codec.try_load(Some(&cookie)).unwrap_err();
/// assert_eq!(err.kind(), DecodeErrorKind::Expired);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionCodec {
    signer: ObjectSigner,
    store_signer: ObjectSigner,
    config: SessionConfig,
    usage: Usage,
}

impl SessionCodec {
    /// A codec signing with `keyring`'s current key and accepting any of
    /// its keys, with the settings of `config`.
    ///
    /// A weak secret in `keyring` (see [`Secret::weakness`](crate::Secret::weakness))
    /// is accepted with a `tracing` warning.
    pub fn new(keyring: &Keyring, config: SessionConfig) -> Self {
        keyring.warn_if_weak("a session codec");
        let signer = ObjectSigner::quiet(keyring, config.salt())
            .with_compression(config.compression())
            .with_limits(*config.limits())
            .with_shared_clock(Arc::clone(config.clock()));
        let store_signer = ObjectSigner::quiet(keyring, SESSION_STORE_SALT)
            .with_compression(Compression::Django)
            .with_limits(*config.limits())
            .with_shared_clock(Arc::clone(config.clock()));
        Self {
            signer,
            store_signer,
            config,
            usage: Usage::new(keyring.retirements()),
        }
    }

    /// How often each key of the keyring verified a loaded session since
    /// this codec was built (clones share the counts), and when last: a
    /// fallback key whose matches stopped growing can be removed. A
    /// `tracing` event (feature `tracing`) also marks each fallback match:
    /// `info` the first time a key matches, `debug` after.
    ///
    /// ```
    /// use signed_session::{Keyring, Secret, SessionCodec, SessionConfig};
    ///
    /// let old = SessionCodec::new(&Keyring::new(Secret::new("old")?), SessionConfig::new());
    /// let mut session = old.new_session();
    /// session.insert("a", 1);
    /// let cookie = old.save(&mut session)?;
    ///
    /// let ring = Keyring::new(Secret::new("new")?).with_fallback(Secret::new("old")?);
    /// let codec = SessionCodec::new(&ring, SessionConfig::new());
    /// codec.load(Some(&cookie));
    /// let usage = codec.key_usage();
    /// assert_eq!((usage[0].matches, usage[1].matches), (0, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_usage(&self) -> Vec<KeyUse> {
        self.usage.snapshot()
    }

    /// The settings in force.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// A new, empty session with this codec's settings.
    pub fn new_session(&self) -> Session {
        Session::with_config(&self.config)
    }

    /// The time now, as Python's `time.time()` float.
    pub(crate) fn now(&self) -> f64 {
        self.signer.now()
    }

    /// Django's `SessionStore(cookie)` followed by its lazy `load()`, now.
    /// Never fails:
    ///
    /// * no cookie, or one shorter than 8 characters: a new empty session
    ///   without a key;
    /// * a cookie that is tampered with, too old, malformed, or (with
    ///   enforcement on) past its own expiry: an empty session that keeps
    ///   the cookie as its key and becomes modified on first access, so that
    ///   a signed `{}` replaces it. The reason is in
    ///   [`Session::load_error`].
    pub fn load(&self, cookie: Option<&str>) -> Session {
        self.load_at(cookie, self.now())
    }

    pub(crate) fn load_at(&self, cookie: Option<&str>, now: f64) -> Session {
        match usable(cookie) {
            None => self.new_session(),
            Some(cookie) => match self.verify(cookie, now) {
                Ok(session) => session,
                Err(error) => Session::failed(cookie, error, self.config.policy()),
            },
        }
    }

    /// The strict form of [`load`](Self::load): a refused cookie is an
    /// error instead of an empty session. No cookie, or one shorter than 8
    /// characters, still gives a new session, as in Django.
    ///
    /// # Errors
    /// A [`DecodeError`]: `BadSignature`, `Expired` (the cookie age, or the
    /// session's own expiry when enforced), `Malformed` (including data that
    /// is not a JSON object), or `TooLong`.
    pub fn try_load(&self, cookie: Option<&str>) -> Result<Session, DecodeError> {
        self.try_load_at(cookie, self.now())
    }

    pub(crate) fn try_load_at(
        &self,
        cookie: Option<&str>,
        now: f64,
    ) -> Result<Session, DecodeError> {
        match usable(cookie) {
            None => Ok(self.new_session()),
            Some(cookie) => self.verify(cookie, now),
        }
    }

    /// Django's `save()`: signs the data with the current key as of now,
    /// makes the token the session key, sets `modified`, and returns the
    /// token (the cookie value). Django's `cycle_key()` for signed cookies
    /// is this same re-signing: mark the session with
    /// [`Session::cycle_key`] and save it.
    ///
    /// # Errors
    /// An [`EncodeError`] when the session cannot be written so that this
    /// codec reads it back (over the token length, the decoded size or
    /// the depth limit); the session is then unchanged.
    pub fn save(&self, session: &mut Session) -> Result<String, EncodeError> {
        self.save_at(session, self.now())
    }

    pub(crate) fn save_at(&self, session: &mut Session, now: f64) -> Result<String, EncodeError> {
        if self.config.absolute_lifetime().is_some() {
            session.stamp_created(crate::signing::token_timestamp(now));
        }
        session.save_with(|value| self.signer.dumps_value_at(value, now))
    }

    /// Django's `SessionBase.encode(session_dict)`: signs `data` with the
    /// salt [`SESSION_STORE_SALT`], compressed. The `signed_cookies` backend
    /// never uses it; it exists for code that calls it directly.
    ///
    /// ```
    /// use signed_session::session::{SessionCodec, SessionConfig};
    /// use signed_session::{Keyring, Map, Secret};
    ///
    /// let codec = SessionCodec::new(&Keyring::new(Secret::new("s3cr3t")?), SessionConfig::new());
    /// let mut data = Map::new();
    /// data.insert("a".into(), 1.into());
    /// let text = codec.encode(&data)?;
    /// assert_eq!(codec.decode(&text), data);
    /// assert!(codec.decode("garbage").is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`save`](Self::save).
    pub fn encode(&self, data: &Map) -> Result<String, EncodeError> {
        self.encode_at(data, self.now())
    }

    pub(crate) fn encode_at(&self, data: &Map, now: f64) -> Result<String, EncodeError> {
        self.store_signer
            .dumps_value_at(&Value::Object(data.clone()), now)
    }

    /// Django's `SessionBase.decode(session_data)`: verifies text made by
    /// [`encode`](Self::encode) (no age limit) and returns its data, or an
    /// empty map on any failure, as Django does.
    /// [`try_decode`](Self::try_decode) gives the reason instead.
    pub fn decode(&self, text: &str) -> Map {
        self.try_decode(text).unwrap_or_default()
    }

    /// [`decode`](Self::decode) with the reason for a failure.
    ///
    /// # Errors
    /// Any [`DecodeError`] except `Expired`; data that is not a JSON object
    /// is `Malformed`.
    pub fn try_decode(&self, text: &str) -> Result<Map, DecodeError> {
        // Without a max_age the time is not used.
        let (value, _) = self.store_signer.loads_value_at(text, None, 0.0)?;
        into_map(value)
    }

    /// Verifies a cookie and applies the expiry rules.
    fn verify(&self, cookie: &str, now: f64) -> Result<Session, DecodeError> {
        // Django's `loads(..., max_age=self.get_session_cookie_age())`.
        #[allow(clippy::cast_precision_loss)] // ages are far below 2^53
        let max_age = self.config.cookie_age().whole_seconds() as f64;
        // Verified, then validated as `loads` would, but each top-level
        // value is only built when the application reads it.
        let loaded = self.signer.open_at(cookie, Some(max_age), now)?;
        signed_at(loaded.timestamp)?;
        let data = Data::parse(loaded.json, self.signer.limits().max_json_depth())?
            .ok_or_else(not_an_object)?;
        if self.config.enforce_expiry() {
            check_own_expiry(&data, loaded.timestamp, now, &self.config)?;
        }
        if let Some(lifetime) = self.config.absolute_lifetime() {
            check_lifetime(&data, loaded.timestamp, now, lifetime)?;
        }
        let session = Session::loaded(
            cookie,
            data,
            self.config.policy(),
            loaded.key_index,
            loaded.timestamp,
        );
        if let Some(why) = self.revoked(&session, now) {
            return Err(DecodeError::Revoked(why));
        }
        self.usage.record(loaded.key_index, now);
        Ok(session)
    }

    /// Runs the synchronous revocation checks on a verified session.
    fn revoked(&self, session: &Session, now: f64) -> Option<Revocation> {
        let checks = self.config.revocation_checks();
        if checks.is_empty() {
            return None;
        }
        let presented = presented(session, now)?;
        checks.iter().find_map(|check| {
            settle(
                check.check(&presented),
                self.config.check_failure_policy(),
                check,
            )
        })
    }
}

/// What a revocation check sees of a verified session; `None` only for a
/// session without a verified cookie, which no check is asked about.
pub(crate) fn presented(session: &Session, now: f64) -> Option<Presented<'_>> {
    Some(Presented {
        session,
        signed_at: session.signed_at()?,
        created_at: session.created_at(),
        key_index: session.key_index()?,
        now: crate::clock::datetime(now),
    })
}

/// The absolute lifetime: the time since the session's creation (its
/// reserved key, else the token's signing time) may not pass `lifetime`.
fn check_lifetime(
    data: &Data,
    timestamp: i64,
    now: f64,
    lifetime: time::Duration,
) -> Result<(), DecodeError> {
    let created = match data.get(CREATED_KEY) {
        None => timestamp,
        Some(value) => value.as_i64().ok_or_else(|| {
            DecodeError::from(PayloadError::Shape(serde::de::Error::custom(
                "the session's creation time (_session_created) is not an integer",
            )))
        })?,
    };
    #[allow(clippy::cast_precision_loss)] // Unix seconds are far below 2^53
    let age = now - created as f64;
    #[allow(clippy::cast_precision_loss)]
    let max_age = lifetime.whole_seconds() as f64;
    // Strictly older is refused, as for the cookie age; NaN fails closed.
    if age <= max_age {
        Ok(())
    } else {
        Err(DecodeError::LifetimeExceeded {
            age: seconds(age),
            max_age: lifetime,
        })
    }
}

/// Django's session-key validator: absent or under 8 characters is no key.
fn usable(cookie: Option<&str>) -> Option<&str> {
    // Characters, as Python's len(); only the first eight need counting.
    cookie.filter(|c| c.chars().nth(7).is_some())
}

/// Session data must be a JSON object. Django does not check, and then
/// fails on the first `session.get()`; refusing it here is the same
/// outcome, reported as a malformed payload.
fn into_map(value: Value) -> Result<Map, DecodeError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(not_an_object()),
    }
}

fn not_an_object() -> DecodeError {
    PayloadError::Shape(serde::de::Error::custom(
        "session data is not a JSON object",
    ))
    .into()
}

/// The check Django leaves out (tickets #19201, #27775): a session past its
/// own `_session_expiry` is expired, whatever the cookie age allows.
fn check_own_expiry(
    data: &Data,
    timestamp: i64,
    now: f64,
    config: &SessionConfig,
) -> Result<(), DecodeError> {
    #[allow(clippy::cast_precision_loss)] // Unix seconds are far below 2^53
    let signed = timestamp as f64;
    let age = now - signed;
    match Stored::classify(data.get(EXPIRY_KEY), config.naive_offset()) {
        Stored::Unset => Ok(()),
        Stored::Seconds(limit) => {
            #[allow(clippy::cast_precision_loss)]
            let limit = limit as f64;
            // The same strict comparison as the cookie age.
            if age > limit {
                Err(DecodeError::Expired {
                    age: seconds(age),
                    max_age: seconds(limit),
                })
            } else {
                Ok(())
            }
        }
        Stored::Date { micros, .. } => {
            if expiry::unix_to_micros(now) > micros {
                #[allow(clippy::cast_precision_loss)]
                let until = micros as f64 / 1e6;
                Err(DecodeError::Expired {
                    age: seconds(age),
                    max_age: seconds(until - signed),
                })
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::Secret;

    fn codec(config: SessionConfig) -> SessionCodec {
        SessionCodec::new(&Keyring::new(Secret::new("test-secret").unwrap()), config)
    }

    #[test]
    fn codec_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SessionCodec>();
    }

    #[test]
    fn non_object_data_is_malformed() {
        let c = codec(SessionConfig::new());
        let token = c
            .signer
            .dumps_value_at(&Value::from(vec![1, 2]), 100.0)
            .unwrap();
        let err = c.try_load_at(Some(&token), 100.0).unwrap_err();
        assert_eq!(err.kind(), crate::DecodeErrorKind::MalformedJson);
        let s = c.load_at(Some(&token), 100.0);
        assert!(s.load_error().is_some());
        assert_eq!(s.len(), 0);
        assert!(s.modified());
    }

    #[test]
    fn own_expiry_seconds_and_dates() {
        let t0 = 1_700_000_000.0;
        let on = codec(SessionConfig::new());
        let off = codec(SessionConfig::new().with_enforce_expiry(false));
        let mut s = on.new_session();
        s.set_expiry_at(crate::session::Expiry::In(time::Duration::seconds(100)), t0);
        let token = on.save_at(&mut s, t0).unwrap();
        assert!(
            on.try_load_at(Some(&token), t0 + 100.0).is_ok(),
            "at the expiry instant"
        );
        match on.try_load_at(Some(&token), t0 + 100.5) {
            Err(DecodeError::Expired { age, max_age }) => {
                assert!((age.as_seconds_f64() - 100.5).abs() < 1e-9);
                assert!((max_age.as_seconds_f64() - 100.0).abs() < 1e-9);
            }
            other => panic!("expected Expired, got {other:?}"),
        }
        assert!(off.try_load_at(Some(&token), t0 + 100.5).is_ok());

        let mut s = on.new_session();
        s.set_expiry_at(crate::session::Expiry::AT_BROWSER_CLOSE, t0);
        let token = on.save_at(&mut s, t0).unwrap();
        assert!(
            on.try_load_at(Some(&token), t0 + 1_000_000.0).is_ok(),
            "0 = browser close: cookie age only"
        );
        assert!(
            on.try_load_at(Some(&token), t0 + 1_209_601.0).is_err(),
            "cookie age still applies"
        );
    }

    #[test]
    fn fallback_key_index_is_reported() {
        let old = Keyring::new(Secret::new("old").unwrap());
        let new =
            Keyring::new(Secret::new("new").unwrap()).with_fallback(Secret::new("old").unwrap());
        let mut s = Session::new();
        s.insert("a", 1);
        let token = SessionCodec::new(&old, SessionConfig::new())
            .save_at(&mut s, 10.0)
            .unwrap();
        let s = SessionCodec::new(&new, SessionConfig::new()).load_at(Some(&token), 20.0);
        assert_eq!(s.key_index(), Some(1));
        assert_eq!(s.signed_at().map(|t| t.unix_timestamp()), Some(10));
        assert!(!s.modified() && !s.accessed());
    }

    #[test]
    fn failed_save_leaves_the_session_alone() {
        let c = codec(
            SessionConfig::new()
                .with_limits(crate::signing::Limits::default().with_max_token_len(40)),
        );
        let mut s = c.new_session();
        s.insert("k", "a long value that cannot fit in forty bytes of token");
        s.set_modified(false);
        assert!(matches!(
            c.save_at(&mut s, 0.0),
            Err(EncodeError::TooLong { .. })
        ));
        assert_eq!(s.session_key(), None);
        assert!(!s.modified());
        assert_eq!(s.len(), 1);
    }
}
