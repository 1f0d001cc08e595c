//! `Signer` and `TimestampSigner`: Django's `django.core.signing` over
//! plain strings (docs/django-format.md §2.4–2.6 and steps 1–4 of §3).

use core::fmt;

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::Limits;
use super::key::{DerivedKeys, Keyring};
use crate::clock::{Clock, SharedClock, default_clock, seconds, unix_seconds};
use crate::encoding::base62::{self, Base62Error};
use crate::error::{DecodeError, EncodeError, PayloadError, SignatureFailure};

/// The salt Django's `Signer` uses when none (or an empty one) is given.
pub const SIGNER_CLASS_SALT: &str = "django.core.signing.Signer";
/// The salt Django's `TimestampSigner` uses when none (or an empty one) is given.
pub const TIMESTAMP_SIGNER_CLASS_SALT: &str = "django.core.signing.TimestampSigner";

/// Why a separator was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeparatorError {
    /// Django refuses separators made only of characters from the regex
    /// class `[A-z0-9-_=]` (including the empty separator): they could occur
    /// inside a signature or a base64 value.
    Unsafe(String),
}

impl fmt::Display for SeparatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeparatorError::Unsafe(sep) => write!(
                f,
                "unsafe signer separator {sep:?}: it must contain a character outside \
                 A-z, 0-9, '-', '_' and '='"
            ),
        }
    }
}

impl std::error::Error for SeparatorError {}

/// A value whose signature verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unsigned<'a> {
    /// The original value.
    pub value: &'a str,
    /// The keyring index of the key that matched (0 = current).
    pub key_index: usize,
}

/// A value whose signature and age verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimestampUnsigned<'a> {
    /// The original value.
    pub value: &'a str,
    /// When it was signed (whole seconds, as the token carries it).
    pub signed_at: OffsetDateTime,
    /// The keyring index of the key that matched (0 = current).
    pub key_index: usize,
}

/// Signs strings as `value:signature`, like Django's `Signer`.
///
/// The HMAC keys are derived from the keyring once, when the signer is
/// built; signing and verifying then cost one HMAC each.
///
/// ```
/// use signed_session::signing::{Keyring, Secret, Signer};
/// let signer = Signer::new(&Keyring::new(Secret::new("s3cr3t")?), "");
/// let signed = signer.sign("hello")?;
/// assert_eq!(signer.unsign(&signed)?.value, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer {
    keys: DerivedKeys,
    sep: String,
    max_len: usize,
    /// Read only to apply a fallback key's retirement time.
    clock: SharedClock,
}

fn effective_salt<'a>(salt: &'a str, class_salt: &'a str) -> &'a str {
    if salt.is_empty() { class_salt } else { salt }
}

/// Splitting at the last separator. A one-byte separator (`:`, the
/// default) is looked for as a byte, which the standard library does with a
/// fast reverse byte search; a longer one as a substring.
trait RsplitSep {
    fn rsplit_sep<'a>(&'a self, sep: &str) -> Option<(&'a str, &'a str)>;
}

impl RsplitSep for str {
    #[inline]
    fn rsplit_sep<'a>(&'a self, sep: &str) -> Option<(&'a str, &'a str)> {
        match sep.as_bytes() {
            // A one-byte UTF-8 string is one ASCII char.
            &[byte] => self.rsplit_once(char::from(byte)),
            _ => self.rsplit_once(sep),
        }
    }
}

fn check_separator(sep: &str) -> Result<(), SeparatorError> {
    // Django's regex is ^[A-z0-9-_=]*$; the range A-z also covers [ \ ] ^ _ `.
    let unsafe_char = |c: char| matches!(c, 'A'..='z' | '0'..='9' | '-' | '=');
    if sep.chars().all(unsafe_char) {
        Err(SeparatorError::Unsafe(sep.to_owned()))
    } else {
        Ok(())
    }
}

impl Signer {
    /// A signer with `salt`; an empty salt becomes `django.core.signing.Signer`,
    /// as in Django.
    ///
    /// A weak secret in `keyring` (see [`Secret::weakness`](super::Secret::weakness))
    /// is accepted with a `tracing` warning.
    pub fn new(keyring: &Keyring, salt: &str) -> Self {
        keyring.warn_if_weak("a Signer");
        Signer::with_class_salt(keyring, salt, SIGNER_CLASS_SALT)
    }

    fn with_class_salt(keyring: &Keyring, salt: &str, class_salt: &str) -> Self {
        Signer {
            keys: keyring.derive(effective_salt(salt, class_salt)),
            sep: ":".to_owned(),
            max_len: Limits::default().max_token_len(),
            clock: default_clock(),
        }
    }

    /// Reads the time from `clock` (default: the system clock). A plain
    /// signer reads it only to apply fallback keys' retirement times
    /// ([`Keyring::with_fallback_until`]).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Uses `sep` instead of `:`.
    ///
    /// # Errors
    /// A separator Django would refuse (see [`SeparatorError`]).
    pub fn with_separator(mut self, sep: &str) -> Result<Self, SeparatorError> {
        check_separator(sep)?;
        self.sep = sep.to_owned();
        Ok(self)
    }

    /// Refuses signed values longer than `max_len` bytes before any HMAC
    /// work (default: [`Limits::default`]'s `max_token_len`).
    #[must_use]
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// The separator in use.
    pub fn separator(&self) -> &str {
        &self.sep
    }

    /// The signature of `value` with the current key (43 characters).
    pub fn signature(&self, value: &str) -> String {
        let mut out = String::with_capacity(43);
        self.keys.sign(value.as_bytes(), &mut out);
        out
    }

    /// `value`, the separator, and the signature of `value`.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] when the result would be longer than the
    /// [limit](Self::with_max_len) that [`unsign`](Self::unsign) applies:
    /// nothing is signed that this signer would refuse.
    pub fn sign(&self, value: &str) -> Result<String, EncodeError> {
        let mut out = String::with_capacity(value.len() + self.sep.len() + 43);
        out.push_str(value);
        out.push_str(&self.sep);
        self.keys.sign(value.as_bytes(), &mut out);
        self.within_limit(out)
    }

    fn within_limit(&self, signed: String) -> Result<String, EncodeError> {
        if signed.len() > self.max_len {
            return Err(EncodeError::TooLong {
                len: signed.len(),
                max: self.max_len,
            });
        }
        Ok(signed)
    }

    /// Verifies `signed` and returns the value, trying the current key and
    /// then each fallback in order.
    ///
    /// # Errors
    /// [`DecodeError::TooLong`] over the length limit,
    /// [`DecodeError::BadSignature`] when no key matches.
    pub fn unsign<'a>(&self, signed: &'a str) -> Result<Unsigned<'a>, DecodeError> {
        self.unsign_when(signed, || unix_seconds(self.clock.now()))
    }

    /// [`unsign`](Self::unsign), reading the time (for retired keys) only
    /// when a key has a retirement time.
    fn unsign_when<'a>(
        &self,
        signed: &'a str,
        now: impl FnOnce() -> f64,
    ) -> Result<Unsigned<'a>, DecodeError> {
        if signed.len() > self.max_len {
            return Err(DecodeError::TooLong {
                len: signed.len(),
                max: self.max_len,
            });
        }
        let (value, sig) = signed
            .rsplit_sep(&self.sep)
            .ok_or(DecodeError::BadSignature(SignatureFailure::NoSeparator))?;
        let key_index = self
            .keys
            .verify(value.as_bytes(), sig.as_bytes())
            .ok_or(DecodeError::BadSignature(SignatureFailure::Mismatch))?;
        if self.keys.has_retirement() && self.keys.is_retired(key_index, now()) {
            return Err(DecodeError::BadSignature(SignatureFailure::Retired {
                key_index,
            }));
        }
        Ok(Unsigned { value, key_index })
    }
}

/// Signs strings as `value:timestamp:signature`, like Django's
/// `TimestampSigner`, and checks their age on the way back.
///
/// The time comes from the signer's [`Clock`](crate::clock::Clock): the
/// system clock by default, any other with [`with_clock`](Self::with_clock).
///
/// ```
/// use signed_session::clock::ManualClock;
/// use signed_session::signing::{Keyring, Secret, TimestampSigner};
/// use time::{Duration, macros::datetime};
///
/// let clock = ManualClock::new(datetime!(2023-11-14 22:13:20 UTC));
/// let signer = TimestampSigner::new(&Keyring::new(Secret::new("s3cr3t")?), "")
///     .with_clock(clock.clone());
/// let signed = signer.sign("hello")?;
/// clock.advance(Duration::seconds(30));
/// let back = signer.unsign(&signed, Some(Duration::minutes(1)))?;
/// assert_eq!(back.value, "hello");
/// assert_eq!(back.signed_at, datetime!(2023-11-14 22:13:20 UTC));
/// clock.advance(Duration::seconds(31));
/// assert!(signer.unsign(&signed, Some(Duration::minutes(1))).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TimestampSigner {
    signer: Signer,
    clock: SharedClock,
}

/// The timestamp a token signed at `now` carries: Django's
/// `int(time.time())`, truncated toward zero (0 for NaN), and kept within
/// the timestamps the codec reads back (years -9999 to 9999).
///
/// The clamp matters in the last 15 µs of the year 9999, where the float
/// of a clock's time rounds up to the first second of 10000: without it a
/// codec would sign a token it then refuses (found by fuzzing).
pub(crate) fn token_timestamp(now: f64) -> i64 {
    // `as` saturates and maps NaN to 0.
    (now.trunc() as i64).clamp(FIRST_TIMESTAMP, LAST_TIMESTAMP)
}

/// -9999-01-01T00:00:00Z, the first second `time` represents.
const FIRST_TIMESTAMP: i64 = -377_705_116_800;
/// 9999-12-31T23:59:59Z, the last one.
const LAST_TIMESTAMP: i64 = 253_402_300_799;

/// The age check of docs/django-format.md §3 step 4: strictly greater than `max_age` expires.
///
/// A time or a limit that is not a finite number (NaN, an infinity) fails
/// closed: `age > max_age` is false for NaN, so a plain comparison would
/// let such a token live forever. Typed times cannot produce one; the check
/// guards the float arithmetic underneath.
pub(crate) fn check_age(timestamp: i64, max_age: Option<f64>, now: f64) -> Result<(), DecodeError> {
    if let Some(max_age) = max_age {
        // i64 → f64 may round for |t| > 2^53, far beyond any real clock.
        #[allow(clippy::cast_precision_loss)]
        let age = now - timestamp as f64;
        let within = now.is_finite() && max_age.is_finite() && age <= max_age;
        if !within {
            return Err(DecodeError::Expired {
                age: seconds(age),
                max_age: seconds(max_age),
            });
        }
    }
    Ok(())
}

/// A token's timestamp as an instant; one outside the years -9999 to 9999
/// is refused (only a holder of the key can sign one).
pub(crate) fn signed_at(timestamp: i64) -> Result<OffsetDateTime, PayloadError> {
    OffsetDateTime::from_unix_timestamp(timestamp)
        .map_err(|_| PayloadError::Timestamp(Base62Error::OutOfRange))
}

impl TimestampSigner {
    /// A timestamp signer with `salt`; an empty salt becomes
    /// `django.core.signing.TimestampSigner`, as in Django.
    ///
    /// A weak secret in `keyring` (see [`Secret::weakness`](super::Secret::weakness))
    /// is accepted with a `tracing` warning.
    pub fn new(keyring: &Keyring, salt: &str) -> Self {
        keyring.warn_if_weak("a TimestampSigner");
        TimestampSigner::quiet(keyring, salt)
    }

    /// [`new`](Self::new) without the weak-key warning, for codecs that
    /// give it themselves.
    pub(crate) fn quiet(keyring: &Keyring, salt: &str) -> Self {
        TimestampSigner {
            signer: Signer::with_class_salt(keyring, salt, TIMESTAMP_SIGNER_CLASS_SALT),
            clock: default_clock(),
        }
    }

    /// Uses `sep` instead of `:`.
    ///
    /// # Errors
    /// A separator Django would refuse (see [`SeparatorError`]).
    pub fn with_separator(self, sep: &str) -> Result<Self, SeparatorError> {
        Ok(TimestampSigner {
            signer: self.signer.with_separator(sep)?,
            clock: self.clock,
        })
    }

    /// Refuses signed values longer than `max_len` bytes before any work,
    /// and never signs one.
    #[must_use]
    pub fn with_max_len(self, max_len: usize) -> Self {
        TimestampSigner {
            signer: self.signer.with_max_len(max_len),
            clock: self.clock,
        }
    }

    /// Reads the time from `clock` (default: the system clock).
    #[must_use]
    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        self.with_shared_clock(Arc::new(clock))
    }

    pub(crate) fn with_shared_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The time now, as Python's `time.time()` float.
    pub(crate) fn now(&self) -> f64 {
        unix_seconds(self.clock.now())
    }

    /// Signs `value` as made now (the fraction of the second is dropped,
    /// as Django does).
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] over the [length limit](Self::with_max_len).
    pub fn sign(&self, value: &str) -> Result<String, EncodeError> {
        self.sign_at(value, self.now())
    }

    pub(crate) fn sign_at(&self, value: &str, now: f64) -> Result<String, EncodeError> {
        let sep = self.signer.sep.as_str();
        let mut out = String::with_capacity(value.len() + 2 * sep.len() + 12 + 43);
        out.push_str(value);
        out.push_str(sep);
        base62::encode_into(token_timestamp(now), &mut out);
        self.finish_in_place(&mut out);
        self.signer.within_limit(out)
    }

    /// Verifies the signature, then the timestamp, then (when `max_age` is
    /// given) that the value is at most `max_age` old now. Timestamps in
    /// the future are accepted, as in Django.
    ///
    /// # Errors
    /// [`DecodeError::TooLong`], [`DecodeError::BadSignature`],
    /// [`DecodeError::Malformed`] for a missing or bad timestamp, and
    /// [`DecodeError::Expired`].
    pub fn unsign<'a>(
        &self,
        signed: &'a str,
        max_age: Option<Duration>,
    ) -> Result<TimestampUnsigned<'a>, DecodeError> {
        let max_age = max_age.map(|d| d.as_seconds_f64());
        let (value, timestamp, key_index) = self.unsign_at(signed, max_age, self.now())?;
        Ok(TimestampUnsigned {
            value,
            signed_at: signed_at(timestamp)?,
            key_index,
        })
    }

    /// [`unsign`](Self::unsign) at `now`, with the raw timestamp.
    pub(crate) fn unsign_at<'a>(
        &self,
        signed: &'a str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<(&'a str, i64, usize), DecodeError> {
        let Unsigned { value, key_index } = self.signer.unsign_when(signed, || now)?;
        let (value, ts) = value
            .rsplit_sep(&self.signer.sep)
            .ok_or(PayloadError::MissingTimestamp)?;
        let timestamp = base62::decode(ts).map_err(PayloadError::Timestamp)?;
        check_age(timestamp, max_age, now)?;
        Ok((value, timestamp, key_index))
    }

    /// Signs an already-built `body:timestamp` text in place (appends the
    /// separator and signature). Used by the object codec to avoid copies.
    pub(crate) fn finish_in_place(&self, out: &mut String) {
        let mut sig = String::with_capacity(43);
        self.signer.keys.sign(out.as_bytes(), &mut sig);
        out.push_str(&self.signer.sep);
        out.push_str(&sig);
    }

    pub(crate) fn separator(&self) -> &str {
        &self.signer.sep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::Secret;

    #[test]
    fn separator_rules_follow_django() {
        for bad in ["", "a", "Z", "_", "-", "=", "[", "^", "`", "abc"] {
            assert!(check_separator(bad).is_err(), "{bad:?} should be refused");
        }
        for good in [":", "/", ".", "a:b", "~"] {
            assert!(check_separator(good).is_ok(), "{good:?} should be allowed");
        }
    }

    #[test]
    fn too_long_is_refused_first() {
        let ring = Keyring::new(Secret::new("k").unwrap());
        let signer = Signer::new(&ring, "").with_max_len(10);
        assert_eq!(
            signer.unsign("aaaaaaaaaaaaa"),
            Err(DecodeError::TooLong { len: 13, max: 10 })
        );
    }

    /// Issue 11, item 3: `age > max_age` is false for NaN, so a NaN or
    /// infinite `max_age` or `now` let a token live forever. The typed API
    /// cannot express one any more; the float check underneath still
    /// refuses the token as expired.
    #[test]
    fn item03_non_finite_max_age_or_now_fails_closed() {
        let t0 = 1_700_000_000.0;
        for (max_age, now) in [
            (f64::NAN, t0),
            (f64::INFINITY, t0),
            (f64::NEG_INFINITY, t0),
            (60.0, f64::NAN),
            (60.0, f64::INFINITY),
            (60.0, f64::NEG_INFINITY),
        ] {
            assert!(
                matches!(
                    check_age(1_700_000_000, Some(max_age), now),
                    Err(DecodeError::Expired { .. })
                ),
                "{max_age} at {now}"
            );
        }
        assert_eq!(check_age(1_700_000_000, None, f64::NAN), Ok(()));
        let ts = TimestampSigner::new(&Keyring::new(Secret::new("k").unwrap()), "s");
        let signed = ts.sign_at("v", t0).unwrap();
        let err = ts.unsign_at(&signed, Some(f64::NAN), t0).unwrap_err();
        assert_eq!(err.kind(), crate::DecodeErrorKind::Expired);
        let codec = crate::SessionCodec::new(
            &Keyring::new(Secret::new("k").unwrap()),
            crate::SessionConfig::new(),
        );
        let mut session = codec.new_session();
        session.insert("a", 1);
        let cookie = codec.save_at(&mut session, t0).unwrap();
        let loaded = codec.load_at(Some(&cookie), f64::NAN);
        assert_eq!(
            loaded.load_error().map(DecodeError::kind),
            Some(crate::DecodeErrorKind::Expired)
        );
    }

    #[test]
    fn token_timestamps_truncate_toward_zero_within_the_readable_range() {
        assert_eq!(token_timestamp(1.9), 1);
        assert_eq!(token_timestamp(-1.5), -1);
        assert_eq!(token_timestamp(f64::NAN), 0);
        assert_eq!(token_timestamp(1e300), LAST_TIMESTAMP);
        assert_eq!(token_timestamp(-1e300), FIRST_TIMESTAMP);
        assert!(signed_at(LAST_TIMESTAMP).is_ok() && signed_at(FIRST_TIMESTAMP).is_ok());
        assert!(signed_at(LAST_TIMESTAMP + 1).is_err() && signed_at(FIRST_TIMESTAMP - 1).is_err());
    }

    /// Found by fuzzing the 0.2 clock API: a clock in the last 15 µs of the
    /// year 9999 gives a float that rounds up to 253402300800.0, and the
    /// token signed then used to be refused by the same codec.
    #[test]
    fn signing_at_the_last_instant_of_9999_reads_back() {
        use crate::clock::ManualClock;
        use time::{Date, Time};
        let last = OffsetDateTime::new_utc(
            Date::MAX,
            Time::from_hms_nano(23, 59, 59, 999_999_999).unwrap(),
        );
        let ring = Keyring::new(Secret::new("k").unwrap());
        let clock = ManualClock::new(last);
        let ts = TimestampSigner::new(&ring, "s").with_clock(clock.clone());
        let signed = ts.sign("v").unwrap();
        let back = ts.unsign(&signed, Some(Duration::seconds(1))).unwrap();
        assert_eq!(back.signed_at.unix_timestamp(), LAST_TIMESTAMP);
        let codec = crate::ObjectSigner::new(&ring, "s").with_clock(clock);
        let token = codec.dumps(&1).unwrap();
        assert!(codec.loads::<crate::Value>(&token, None).is_ok());
    }
}
