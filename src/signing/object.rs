//! `signing.dumps` / `signing.loads`: JSON values as signed, timestamped,
//! optionally compressed tokens (spec §2 and §3).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::signer::{TimestampSigner, whole_seconds};
use super::{DEFAULT_SALT, Keyring, Limits};
use crate::encoding::zlib::ZlibError;
use crate::encoding::{b64, base62, zlib};
use python_json as json;
use crate::error::{DecodeError, EncodeError, PayloadError};
use python_json::{self as value, Value};

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
pub struct Loaded {
    /// The decoded value.
    pub value: Value,
    /// When the token was signed, in whole Unix seconds.
    pub timestamp: i64,
    /// The keyring index of the key that matched (0 = current).
    pub key_index: usize,
    /// Whether the body was zlib-compressed.
    pub compressed: bool,
}

/// A verified token whose JSON has not been parsed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The JSON bytes (to be read as latin-1, as Django does).
    pub json: Vec<u8>,
    /// When the token was signed, in whole Unix seconds.
    pub timestamp: i64,
    /// The keyring index of the key that matched (0 = current).
    pub key_index: usize,
    /// Whether the body was zlib-compressed.
    pub compressed: bool,
}

/// Django's `signing.dumps` and `signing.loads` for one keyring and salt.
///
/// Build it once and reuse it: the HMAC keys are derived at construction.
///
/// ```
/// use signed_session::signing::{Compression, Keyring, ObjectSigner, Secret};
/// use signed_session::Value;
///
/// let keys = Keyring::new(Secret::new("s3cr3t")?);
/// let codec = ObjectSigner::new(&keys, "my.app").with_compression(Compression::Django);
/// let token = codec.dumps_at(&vec![1, 2, 3], 1_700_000_000.0)?;
/// let back = codec.loads_value_at(&token, Some(3600.0), 1_700_000_100.0)?;
/// assert_eq!(back.value, Value::from(vec![1, 2, 3]));
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
            signer: TimestampSigner::quiet(keyring, salt).with_max_len(limits.max_token_len),
            compression: Compression::Never,
            limits,
        }
    }

    /// A codec with Django's default salt, `django.core.signing`.
    pub fn with_default_salt(keyring: &Keyring) -> Self {
        ObjectSigner::new(keyring, DEFAULT_SALT)
    }

    /// Sets the compression policy.
    #[must_use]
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Sets the limits applied to tokens (on decode, and on encode so that
    /// nothing is produced that this codec would refuse).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.signer = self.signer.with_max_len(limits.max_token_len);
        self.limits = limits;
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

    /// Signs any serializable value as made at `now` (Unix seconds).
    ///
    /// # Errors
    /// [`EncodeError::Value`] if the value has no JSON form,
    /// [`EncodeError::TooLong`] if the token would exceed the length limit.
    pub fn dumps_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: f64,
    ) -> Result<String, EncodeError> {
        self.dumps_value_at(&value::to_value(value)?, now)
    }

    /// Signs a [`Value`] as made at `now` (Unix seconds).
    ///
    /// # Errors
    /// [`EncodeError::TooDeep`], [`EncodeError::TooLarge`] or
    /// [`EncodeError::TooLong`] when this codec's [`Limits`] would refuse
    /// the token on the way back.
    pub fn dumps_value_at(&self, value: &Value, now: f64) -> Result<String, EncodeError> {
        let mut json = Vec::new();
        let depth = json::write_value_depth(&mut json, value);
        let limit = self.limits.json_depth();
        if depth > limit {
            return Err(EncodeError::TooDeep { limit });
        }
        self.sign_json(&json, now)
    }

    /// Signs JSON text as made at `now`. The text is checked with the
    /// decoder's own rules and limits first, so that whatever is signed
    /// reads back; it should be in Django's exact form (as produced by
    /// [`json::to_vec`]) for the token to equal Django's.
    ///
    /// # Errors
    /// [`EncodeError::Json`] for text the decoder would refuse,
    /// [`EncodeError::TooDeep`], [`EncodeError::TooLarge`] or
    /// [`EncodeError::TooLong`] past the limits.
    pub fn dumps_json_at(&self, json: &[u8], now: f64) -> Result<String, EncodeError> {
        self.check_json_len(json)?;
        let limit = self.limits.json_depth();
        json::validate(json, limit).map_err(|e| match e.kind() {
            json::JsonErrorKind::TooDeep => EncodeError::TooDeep { limit },
            _ => EncodeError::Json(e),
        })?;
        self.sign_json(json, now)
    }

    fn check_json_len(&self, json: &[u8]) -> Result<(), EncodeError> {
        let limit = self.limits.max_inflated_len;
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
        base62::encode_into(whole_seconds(now), &mut out);
        self.signer.finish_in_place(&mut out);
        if out.len() > self.limits.max_token_len {
            return Err(EncodeError::TooLong {
                len: out.len(),
                max: self.limits.max_token_len,
            });
        }
        Ok(out)
    }

    /// Verifies `token` and returns its JSON bytes unparsed.
    ///
    /// # Errors
    /// Any [`DecodeError`] except a JSON one.
    pub fn open_at(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<Opened, DecodeError> {
        let unsigned = self.signer.unsign_at(token, max_age, now)?;
        // Only now, with the signature verified, is the body looked at.
        let (compressed, body) = match unsigned.value.strip_prefix('.') {
            Some(rest) => (true, rest),
            None => (false, unsigned.value),
        };
        let raw = b64::decode(body.as_bytes()).map_err(PayloadError::Base64)?;
        let limit = self.limits.max_inflated_len;
        let json = if compressed {
            zlib::decompress(&raw, limit).map_err(|e| match e {
                ZlibError::TooLarge { limit } => PayloadError::TooLarge { limit },
                other => PayloadError::Zlib(other),
            })?
        } else if raw.len() > limit {
            return Err(PayloadError::TooLarge { limit }.into());
        } else {
            raw
        };
        Ok(Opened {
            json,
            timestamp: unsigned.timestamp,
            key_index: unsigned.key_index,
            compressed,
        })
    }

    /// Django's `signing.loads` at time `now`: verifies `token`, checks its
    /// age against `max_age` (strictly greater expires; `None` skips the
    /// check), then decodes it.
    ///
    /// # Errors
    /// Any [`DecodeError`].
    pub fn loads_value_at(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<Loaded, DecodeError> {
        let opened = self.open_at(token, max_age, now)?;
        let value =
            json::from_slice(&opened.json, self.limits.json_depth()).map_err(PayloadError::Json)?;
        Ok(Loaded {
            value,
            timestamp: opened.timestamp,
            key_index: opened.key_index,
            compressed: opened.compressed,
        })
    }

    /// [`loads_value_at`](Self::loads_value_at), then converts the value to `T`.
    ///
    /// # Errors
    /// Any [`DecodeError`]; a value of the wrong shape for `T` is
    /// [`PayloadError::Shape`].
    pub fn loads_at<T: DeserializeOwned>(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<T, DecodeError> {
        let loaded = self.loads_value_at(token, max_age, now)?;
        value::from_value(loaded.value).map_err(|e| PayloadError::Shape(e).into())
    }

    /// [`dumps_at`](Self::dumps_at) at the current system time.
    ///
    /// # Errors
    /// As [`dumps_at`](Self::dumps_at).
    #[cfg(feature = "clock")]
    pub fn dumps<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, EncodeError> {
        self.dumps_at(value, crate::clock::now())
    }

    /// [`loads_value_at`](Self::loads_value_at) at the current system time.
    ///
    /// # Errors
    /// As [`loads_value_at`](Self::loads_value_at).
    #[cfg(feature = "clock")]
    pub fn loads_value(&self, token: &str, max_age: Option<f64>) -> Result<Loaded, DecodeError> {
        self.loads_value_at(token, max_age, crate::clock::now())
    }

    /// [`loads_at`](Self::loads_at) at the current system time.
    ///
    /// # Errors
    /// As [`loads_at`](Self::loads_at).
    #[cfg(feature = "clock")]
    pub fn loads<T: DeserializeOwned>(
        &self,
        token: &str,
        max_age: Option<f64>,
    ) -> Result<T, DecodeError> {
        self.loads_at(token, max_age, crate::clock::now())
    }
}

/// zlib output if it is at least 2 bytes shorter than `json` (Django keeps
/// it only when `len(compressed) < len(json) - 1`).
fn deflate_if_smaller(json: &[u8]) -> Option<Vec<u8>> {
    let z = zlib::compress(json);
    (z.len().saturating_add(1) < json.len()).then_some(z)
}
