//! `signing.dumps` / `signing.loads`: JSON values as signed, timestamped,
//! optionally compressed tokens (docs/django-format.md §2 and §3).

use core::any::{Any, TypeId};
use std::sync::Arc;

use python_json::{self as json, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{Duration, OffsetDateTime};

use super::signer::{TimestampSigner, signed_at, token_timestamp};
use super::{DEFAULT_SALT, Keyring, Limits};
use crate::clock::{Clock, SharedClock};
use crate::encoding::{b64, base62, zlib};
use crate::error::{DecodeError, EncodeError, PayloadError};

/// When to zlib-compress the JSON before signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// Never compress (Django's `dumps(..., compress=False)`, its default).
    #[default]
    Never,
    /// Django's rule (`compress=True`, what its session backend uses):
    /// compress, and keep the result only when it saves at least 2 bytes.
    /// The deflate output is stock zlib's level-6 bytes, so the decision
    /// and the token are exactly Django's.
    Django,
    /// Try compression only when the JSON is at least this many bytes, then
    /// apply Django's rule. Small payloads rarely shrink, and skipping them
    /// saves the deflate on encode and the inflate on every later decode.
    /// Tokens stay readable by Django either way.
    MinJsonLen(usize),
}

/// What a verified token contained.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Loaded<T> {
    /// The decoded value.
    pub value: T,
    /// When the token was signed (whole seconds, as the token carries it).
    pub signed_at: OffsetDateTime,
    /// The keyring index of the key that matched (0 = current).
    pub key_index: usize,
    /// Whether the body was zlib-compressed.
    pub compressed: bool,
}

/// A verified token whose JSON has not been parsed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Opened {
    /// The JSON bytes (to be read as latin-1, as Django does).
    pub json: Vec<u8>,
    /// When the token was signed (whole seconds, as the token carries it).
    pub signed_at: OffsetDateTime,
    /// The keyring index of the key that matched (0 = current).
    pub key_index: usize,
    /// Whether the body was zlib-compressed.
    pub compressed: bool,
}

thread_local! {
    /// The JSON text of a value being signed, kept between calls.
    static JSON: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
    /// The base64-decoded bytes of a compressed body, kept between calls.
    static COMPRESSED: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The largest buffer [`COMPRESSED`] keeps between calls.
const KEPT_BUFFER: usize = 16 * 1024;

/// A verified body, before its timestamp became an instant.
#[derive(Debug)]
pub(crate) struct RawOpened {
    pub(crate) json: Vec<u8>,
    pub(crate) timestamp: i64,
    pub(crate) key_index: usize,
    pub(crate) compressed: bool,
}

/// Django's `signing.dumps` and `signing.loads` for one keyring and salt.
///
/// Build it once and reuse it: the HMAC keys are derived at construction.
/// The time comes from its [`Clock`] (the system clock by default).
///
/// ```
/// use signed_session::clock::ManualClock;
/// use signed_session::signing::{Compression, Keyring, ObjectSigner, Secret};
/// use time::{Duration, macros::datetime};
///
/// let clock = ManualClock::new(datetime!(2023-11-14 22:13:20 UTC));
/// let keys = Keyring::new(Secret::new("s3cr3t")?);
/// let codec = ObjectSigner::new(&keys, "my.app")
///     .with_compression(Compression::Django)
///     .with_clock(clock.clone());
/// let token = codec.dumps(&vec![1, 2, 3])?;
/// clock.advance(Duration::seconds(100));
/// let back = codec.loads::<Vec<i32>>(&token, Some(Duration::hours(1)))?;
/// assert_eq!(back.value, [1, 2, 3]);
/// assert_eq!(back.key_index, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ObjectSigner {
    signer: TimestampSigner,
    compression: Compression,
    limits: Limits,
}

impl ObjectSigner {
    /// A codec for `salt` (Django's default is [`DEFAULT_SALT`]; an empty
    /// salt becomes `django.core.signing.TimestampSigner`, as in Django).
    /// Compression is off, as in `signing.dumps`; limits are the defaults.
    /// A weak secret in `keyring` (see [`Secret::weakness`](super::Secret::weakness))
    /// is accepted with a `tracing` warning.
    pub fn new(keyring: &Keyring, salt: &str) -> Self {
        keyring.warn_if_weak("an ObjectSigner");
        ObjectSigner::quiet(keyring, salt)
    }

    /// [`new`](Self::new) without the weak-key warning, for codecs that
    /// give it themselves.
    pub(crate) fn quiet(keyring: &Keyring, salt: &str) -> Self {
        let limits = Limits::default();
        ObjectSigner {
            signer: TimestampSigner::quiet(keyring, salt).with_max_len(limits.max_token_len()),
            compression: Compression::Never,
            limits,
        }
    }

    /// A codec with Django's default salt, `django.core.signing`.
    pub fn with_default_salt(keyring: &Keyring) -> Self {
        ObjectSigner::new(keyring, DEFAULT_SALT)
    }

    /// Sets the compression policy. Default [`Compression::Never`], as in
    /// `signing.dumps`.
    #[must_use]
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Sets the limits applied to tokens, on decode and on encode (so that
    /// nothing is produced that this codec would refuse). Default
    /// [`Limits::default`].
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.signer = self.signer.with_max_len(limits.max_token_len());
        self.limits = limits;
        self
    }

    /// Reads the time from `clock`. Default: the system clock (feature
    /// `clock`).
    #[must_use]
    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        self.with_shared_clock(Arc::new(clock))
    }

    pub(crate) fn with_shared_clock(mut self, clock: SharedClock) -> Self {
        self.signer = self.signer.with_shared_clock(clock);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The compression policy in force.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The time now, as Python's `time.time()` float.
    pub(crate) fn now(&self) -> f64 {
        self.signer.now()
    }

    /// Django's `signing.dumps`: signs any serializable value as made now.
    ///
    /// # Errors
    /// [`EncodeError::Value`] if the value has no JSON form;
    /// [`EncodeError::TooDeep`], [`EncodeError::TooLarge`] or
    /// [`EncodeError::TooLong`] when this codec's [`Limits`] would refuse
    /// the token on the way back.
    pub fn dumps<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, EncodeError> {
        self.dumps_at(value, self.now())
    }

    /// [`dumps`](Self::dumps) at `now`: the JSON is written straight from
    /// `value`'s `Serialize` (no intermediate [`Value`]), byte for byte
    /// what `to_vec(&to_value(value)?)` would write.
    pub(crate) fn dumps_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: f64,
    ) -> Result<String, EncodeError> {
        JSON.with(|buffer| {
            let mut json = buffer.borrow_mut();
            json.clear();
            let depth = json::write_of(&mut json, value)?;
            let limit = self.limits.max_json_depth();
            let result = if depth > limit {
                Err(EncodeError::TooDeep { limit })
            } else {
                self.sign_json(&json, now)
            };
            if json.capacity() > KEPT_BUFFER {
                *json = Vec::new();
            }
            result
        })
    }

    /// Signs JSON text as made now. The text is checked with the decoder's
    /// own rules and limits first, so that whatever is signed reads back;
    /// it should be in Django's exact form (as [`json::to_vec`] writes it)
    /// for the token to equal Django's.
    ///
    /// # Errors
    /// [`EncodeError::Json`] for text the decoder would refuse,
    /// [`EncodeError::TooDeep`], [`EncodeError::TooLarge`] or
    /// [`EncodeError::TooLong`] past the limits.
    pub fn dumps_json(&self, json: &[u8]) -> Result<String, EncodeError> {
        self.dumps_json_at(json, self.now())
    }

    pub(crate) fn dumps_value_at(&self, value: &Value, now: f64) -> Result<String, EncodeError> {
        let mut json = Vec::new();
        let depth = json::write_value_depth(&mut json, value);
        let limit = self.limits.max_json_depth();
        if depth > limit {
            return Err(EncodeError::TooDeep { limit });
        }
        self.sign_json(&json, now)
    }

    pub(crate) fn dumps_json_at(&self, json: &[u8], now: f64) -> Result<String, EncodeError> {
        self.check_json_len(json)?;
        let limit = self.limits.max_json_depth();
        json::validate(json, limit).map_err(|e| match e.kind() {
            json::JsonErrorKind::TooDeep => EncodeError::TooDeep { limit },
            _ => EncodeError::Json(e),
        })?;
        self.sign_json(json, now)
    }

    fn check_json_len(&self, json: &[u8]) -> Result<(), EncodeError> {
        let limit = self.limits.max_inflated_len();
        if json.len() > limit {
            return Err(EncodeError::TooLarge {
                len: json.len(),
                limit,
            });
        }
        Ok(())
    }

    /// Compresses (by the policy), encodes and signs JSON that is known to
    /// read back within the depth limit.
    fn sign_json(&self, json: &[u8], now: f64) -> Result<String, EncodeError> {
        self.check_json_len(json)?;
        let deflated = match self.compression {
            Compression::Never => None,
            Compression::Django => deflate_if_smaller(json),
            Compression::MinJsonLen(min) if json.len() >= min => deflate_if_smaller(json),
            Compression::MinJsonLen(_) => None,
        };
        let body: &[u8] = deflated.as_deref().unwrap_or(json);
        let sep = self.signer.separator();
        let b64_len = body.len().div_ceil(3).saturating_mul(4);
        let mut out = String::with_capacity(b64_len + 2 * sep.len() + 1 + 12 + 43);
        if deflated.is_some() {
            out.push('.');
        }
        b64::encode_into(body, &mut out);
        out.push_str(sep);
        base62::encode_into(token_timestamp(now), &mut out);
        self.signer.finish_in_place(&mut out);
        if out.len() > self.limits.max_token_len() {
            return Err(EncodeError::TooLong {
                len: out.len(),
                max: self.limits.max_token_len(),
            });
        }
        Ok(out)
    }

    /// Verifies `token` and checks its age, and returns its JSON bytes
    /// unparsed (to read them with another JSON library, say).
    ///
    /// # Errors
    /// Any [`DecodeError`] except a JSON one.
    pub fn open(&self, token: &str, max_age: Option<Duration>) -> Result<Opened, DecodeError> {
        let raw = self.open_at(token, max_age.map(|d| d.as_seconds_f64()), self.now())?;
        Ok(Opened {
            signed_at: signed_at(raw.timestamp)?,
            json: raw.json,
            key_index: raw.key_index,
            compressed: raw.compressed,
        })
    }

    pub(crate) fn open_at(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<RawOpened, DecodeError> {
        let (body, timestamp, key_index) = self.signer.unsign_at(token, max_age, now)?;
        // Only now, with the signature verified, is the body looked at.
        let (compressed, body) = match body.strip_prefix('.') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let limit = self.limits.max_inflated_len();
        let json = if compressed {
            // The deflated bytes only live until they are inflated: decode
            // them into this thread's reused buffer.
            COMPRESSED.with(|buffer| {
                let mut buffer = buffer.borrow_mut();
                let result = b64::decode_into(body.as_bytes(), &mut buffer)
                    .map_err(DecodeError::from)
                    .and_then(|()| Ok(zlib::decompress(&buffer, limit)?));
                // Keep a cookie-sized buffer, not the largest token seen.
                if buffer.capacity() > KEPT_BUFFER {
                    *buffer = Vec::new();
                }
                result
            })?
        } else {
            let raw = b64::decode(body.as_bytes())?;
            if raw.len() > limit {
                return Err(PayloadError::TooLarge { limit }.into());
            }
            raw
        };
        Ok(RawOpened {
            json,
            timestamp,
            key_index,
            compressed,
        })
    }

    /// Django's `signing.loads`: verifies `token`, checks that it is at most
    /// `max_age` old now (strictly older expires; `None` skips the check),
    /// then decodes it into `T`. Use [`Value`] for any JSON Python writes
    /// (`NaN`, big integers, `1.0` kept apart from `1`).
    ///
    /// # Errors
    /// Any [`DecodeError`]; a value of the wrong shape for `T` is
    /// [`PayloadError::Shape`].
    pub fn loads<T: DeserializeOwned + 'static>(
        &self,
        token: &str,
        max_age: Option<Duration>,
    ) -> Result<Loaded<T>, DecodeError> {
        let max_age = max_age.map(|d| d.as_seconds_f64());
        let raw = self.open_at(token, max_age, self.now())?;
        Ok(Loaded {
            value: self.read::<T>(&raw.json)?,
            signed_at: signed_at(raw.timestamp)?,
            key_index: raw.key_index,
            compressed: raw.compressed,
        })
    }

    /// Verified JSON as `T`: the crate's own reader for a [`Value`], and
    /// for any other type a serde `Deserializer` straight over the text
    /// (no intermediate [`Value`]), with the same rules and results.
    fn read<T: DeserializeOwned + 'static>(&self, json: &[u8]) -> Result<T, PayloadError> {
        let depth = self.limits.max_json_depth();
        if TypeId::of::<T>() == TypeId::of::<Value>() {
            let value = json::from_slice(json, depth)?;
            return Ok(same_type(value));
        }
        json::from_slice_of::<T>(json, depth).map_err(|e| match e {
            json::Error::Json(e) => PayloadError::Json(e),
            json::Error::Value(e) => PayloadError::Shape(e),
            // A future kind of error is still a payload the type refuses.
            other => PayloadError::Shape(<json::ValueError as serde::de::Error>::custom(other)),
        })
    }

    /// [`loads`](Self::loads) into a [`Value`] at `now`, with the raw
    /// timestamp (the JSON bytes of `RawOpened` are moved out).
    pub(crate) fn loads_value_at(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<(Value, RawOpened), DecodeError> {
        let mut raw = self.open_at(token, max_age, now)?;
        let value = json::from_slice(&raw.json, self.limits.max_json_depth())
            .map_err(PayloadError::Json)?;
        raw.json = Vec::new();
        Ok((value, raw))
    }
}

/// `value` as `T`, when `T` is [`Value`] (the caller checked the type).
#[expect(
    clippy::expect_used,
    reason = "the caller compared the TypeIds, so the downcast cannot fail"
)]
fn same_type<T: 'static>(value: Value) -> T {
    *(Box::new(value) as Box<dyn Any>)
        .downcast::<T>()
        .expect("T is Value")
}

/// zlib output if it is at least 2 bytes shorter than `json` (Django keeps
/// it only when `len(compressed) < len(json) - 1`).
fn deflate_if_smaller(json: &[u8]) -> Option<Vec<u8>> {
    let z = zlib::compress(json);
    (z.len().saturating_add(1) < json.len()).then_some(z)
}
