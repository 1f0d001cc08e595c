//! The errors a caller handles when a token is refused or cannot be made.

use core::fmt;

use time::Duration;

pub use crate::encoding::b64::B64Error;
pub use crate::encoding::base62::Base62Error;
pub use crate::encoding::zlib::ZlibError;
pub use python_json::ValueError;
pub use python_json::{JsonError, JsonErrorKind};

/// Why a token (a signed value or a cookie) was refused.
///
/// Match on [`DecodeError::kind`] for a stable, field-less classification
/// (for metrics or exit codes), or on the variants for the details.
/// Messages never contain key material.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The token is longer than the configured maximum; it was refused
    /// before any cryptographic work.
    TooLong {
        /// The length of the token in bytes.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The signature does not match any key of the keyring (or the token
    /// has no signature at all). The token was tampered with, was signed
    /// with a key that is not configured, or with another salt.
    BadSignature(SignatureFailure),
    /// The signature is valid but the token is older than allowed.
    Expired {
        /// The time between the token's timestamp and now.
        age: Duration,
        /// The largest age that was allowed.
        max_age: Duration,
    },
    /// The signature is valid but what was signed is not a well-formed
    /// payload. Only a holder of the key can produce this.
    Malformed(PayloadError),
    /// The signature is valid and the token within its age, but the
    /// session was first created longer ago than the configured absolute
    /// lifetime ([`SessionConfig::with_absolute_lifetime`](crate::SessionConfig::with_absolute_lifetime)),
    /// whatever its activity since.
    LifetimeExceeded {
        /// The time since the session was created.
        age: Duration,
        /// The configured absolute lifetime.
        max_age: Duration,
    },
    /// The signature is valid but a revocation check refused the session
    /// (see [`session::revocation`](crate::session::revocation)).
    Revoked(crate::session::revocation::Revocation),
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The value has no separator, so it carries no signature.
    NoSeparator,
    /// A signature is present but no configured key produced it.
    Mismatch,
    /// The signature was made by a fallback key that is retired as of now
    /// ([`Keyring::with_fallback_until`](crate::Keyring::with_fallback_until)).
    Retired {
        /// The index of the retired key in the keyring (1 = first fallback).
        key_index: usize,
    },
}

/// What was wrong inside a validly signed token, step by step in the order
/// Django decodes (docs/django-format.md §3).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PayloadError {
    /// The signed text has no timestamp field.
    MissingTimestamp,
    /// The timestamp field is not base62.
    Timestamp(Base62Error),
    /// The body is not base64.
    Base64(B64Error),
    /// The body is flagged as compressed but is not a valid zlib stream.
    Zlib(ZlibError),
    /// The body inflates (or decodes) to more bytes than allowed.
    TooLarge {
        /// The configured cap, in bytes.
        limit: usize,
    },
    /// The body is not JSON as Python reads it.
    Json(JsonError),
    /// The JSON is valid but does not have the shape of the requested
    /// Rust type.
    Shape(ValueError),
}

/// A field-less classification of [`DecodeError`], stable for matching,
/// logging and metrics labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// [`DecodeError::TooLong`].
    TooLong,
    /// [`DecodeError::BadSignature`].
    BadSignature,
    /// [`DecodeError::Expired`].
    Expired,
    /// A bad timestamp field after a valid signature.
    MalformedTimestamp,
    /// Bad base64 after a valid signature.
    MalformedBase64,
    /// A bad zlib stream after a valid signature.
    MalformedZlib,
    /// Bad JSON after a valid signature.
    MalformedJson,
    /// A payload over the inflated-size cap after a valid signature.
    TooLarge,
    /// [`DecodeError::LifetimeExceeded`].
    LifetimeExceeded,
    /// [`DecodeError::Revoked`].
    Revoked,
}

impl DecodeErrorKind {
    /// A short snake_case name, for logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            DecodeErrorKind::TooLong => "too_long",
            DecodeErrorKind::BadSignature => "bad_signature",
            DecodeErrorKind::Expired => "expired",
            DecodeErrorKind::MalformedTimestamp => "malformed_timestamp",
            DecodeErrorKind::MalformedBase64 => "malformed_base64",
            DecodeErrorKind::MalformedZlib => "malformed_zlib",
            DecodeErrorKind::MalformedJson => "malformed_json",
            DecodeErrorKind::TooLarge => "too_large",
            DecodeErrorKind::LifetimeExceeded => "lifetime_exceeded",
            DecodeErrorKind::Revoked => "revoked",
        }
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DecodeError {
    /// The field-less kind of this error.
    pub fn kind(&self) -> DecodeErrorKind {
        match self {
            DecodeError::TooLong { .. } => DecodeErrorKind::TooLong,
            DecodeError::BadSignature(_) => DecodeErrorKind::BadSignature,
            DecodeError::Expired { .. } => DecodeErrorKind::Expired,
            DecodeError::Malformed(p) => match p {
                PayloadError::MissingTimestamp | PayloadError::Timestamp(_) => {
                    DecodeErrorKind::MalformedTimestamp
                }
                PayloadError::Base64(_) => DecodeErrorKind::MalformedBase64,
                PayloadError::Zlib(_) => DecodeErrorKind::MalformedZlib,
                PayloadError::TooLarge { .. } => DecodeErrorKind::TooLarge,
                PayloadError::Json(_) | PayloadError::Shape(_) => DecodeErrorKind::MalformedJson,
            },
            DecodeError::LifetimeExceeded { .. } => DecodeErrorKind::LifetimeExceeded,
            DecodeError::Revoked(_) => DecodeErrorKind::Revoked,
        }
    }

    /// Whether the signature was valid (the error is about age or content).
    pub fn signature_was_valid(&self) -> bool {
        matches!(
            self,
            DecodeError::Expired { .. }
                | DecodeError::Malformed(_)
                | DecodeError::LifetimeExceeded { .. }
                | DecodeError::Revoked(_)
        )
    }
}

impl From<PayloadError> for DecodeError {
    fn from(e: PayloadError) -> Self {
        DecodeError::Malformed(e)
    }
}

impl From<Base62Error> for PayloadError {
    fn from(e: Base62Error) -> Self {
        PayloadError::Timestamp(e)
    }
}

impl From<B64Error> for PayloadError {
    fn from(e: B64Error) -> Self {
        PayloadError::Base64(e)
    }
}

/// An inflated size over the cap is the payload's size error, whatever the
/// codec; every other zlib error is a bad stream.
impl From<ZlibError> for PayloadError {
    fn from(e: ZlibError) -> Self {
        match e {
            ZlibError::TooLarge { limit } => PayloadError::TooLarge { limit },
            other => PayloadError::Zlib(other),
        }
    }
}

impl From<JsonError> for PayloadError {
    fn from(e: JsonError) -> Self {
        PayloadError::Json(e)
    }
}

impl From<B64Error> for DecodeError {
    fn from(e: B64Error) -> Self {
        PayloadError::from(e).into()
    }
}

impl From<ZlibError> for DecodeError {
    fn from(e: ZlibError) -> Self {
        PayloadError::from(e).into()
    }
}

impl From<JsonError> for DecodeError {
    fn from(e: JsonError) -> Self {
        PayloadError::from(e).into()
    }
}

// Every `Display` here says this layer's words only; the cause (a
// `PayloadError`, then the codec's own error) is reached through
// `source()`, so a chain printer shows each message once.
impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLong { len, max } => write!(
                f,
                "token is {len} bytes, over the limit of {max}; it was refused unread \
                 (raise the limit if such tokens are legitimate)"
            ),
            DecodeError::BadSignature(SignatureFailure::NoSeparator) => f.write_str(
                "bad signature: the value has no ':' separator, so it is not a signed token",
            ),
            DecodeError::BadSignature(SignatureFailure::Mismatch) => f.write_str(
                "bad signature: no configured key signed this value; check the secret, \
                 the fallback keys and the salt, or the value was tampered with",
            ),
            DecodeError::Expired { age, max_age } => write!(
                f,
                "signature valid but expired: the token is {} s old, the limit is {} s",
                age.as_seconds_f64(),
                max_age.as_seconds_f64()
            ),
            DecodeError::Malformed(_) => f.write_str("signature valid but payload malformed"),
            DecodeError::BadSignature(SignatureFailure::Retired { key_index }) => write!(
                f,
                "bad signature: signed with fallback key {key_index}, which is retired"
            ),
            DecodeError::LifetimeExceeded { age, max_age } => write!(
                f,
                "signature valid but the session is past its absolute lifetime: created {} s \
                 ago, the limit is {} s",
                age.whole_seconds(),
                max_age.whole_seconds()
            ),
            DecodeError::Revoked(_) => f.write_str("signature valid but the session is revoked"),
        }
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayloadError::MissingTimestamp => f.write_str("the signed text has no timestamp field"),
            PayloadError::Timestamp(_) => f.write_str("bad timestamp field"),
            PayloadError::Base64(_) => f.write_str("the body is not base64url"),
            PayloadError::Zlib(_) => f.write_str("the body is not a valid zlib stream"),
            PayloadError::TooLarge { limit } => write!(
                f,
                "the payload is larger than the limit of {limit} bytes once decoded"
            ),
            PayloadError::Json(_) => f.write_str("the body is not JSON as Python reads it"),
            PayloadError::Shape(_) => f.write_str("the JSON does not have the expected shape"),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecodeError::Malformed(p) => Some(p),
            DecodeError::Revoked(r) => Some(r),
            _ => None,
        }
    }
}

impl std::error::Error for PayloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PayloadError::Timestamp(e) => Some(e),
            PayloadError::Base64(e) => Some(e),
            PayloadError::Zlib(e) => Some(e),
            PayloadError::Json(e) => Some(e),
            PayloadError::Shape(e) => Some(e),
            PayloadError::MissingTimestamp | PayloadError::TooLarge { .. } => None,
        }
    }
}

/// Why a value could not be signed.
///
/// Every limit a decoder applies is also checked here, so whatever the
/// codec writes, the same codec reads back: a value that would be refused
/// on the next request is refused now, with this error, instead.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The value cannot be represented as JSON (for example a map whose
    /// keys are not strings, integers, floats, booleans or null).
    Value(ValueError),
    /// The token would be longer than the configured maximum token length.
    TooLong {
        /// The length the token would have.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The JSON is larger than the configured cap on a decoded payload
    /// (`Limits::max_inflated_len`), even if it compresses into a short
    /// token.
    TooLarge {
        /// The length of the JSON text, in bytes.
        len: usize,
        /// The configured cap.
        limit: usize,
    },
    /// The value nests arrays and objects deeper than the decoder allows
    /// (`Limits::json_depth`).
    TooDeep {
        /// The largest depth allowed (the top-level container counts 1).
        limit: usize,
    },
    /// The JSON text given to `dumps_json_at` is not JSON the decoder
    /// reads.
    Json(JsonError),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Value(_) => f.write_str("the value cannot be written as JSON"),
            EncodeError::TooLong { len, max } => write!(
                f,
                "the signed token would be {len} bytes, over the limit of {max}; \
                 store less in it or raise the limit"
            ),
            EncodeError::TooLarge { len, limit } => write!(
                f,
                "the JSON is {len} bytes, over the decoded-size limit of {limit}, so the \
                 token would be refused when read back; store less or raise the limit"
            ),
            EncodeError::TooDeep { limit } => write!(
                f,
                "the value nests deeper than {limit} levels, so the token would be refused \
                 when read back"
            ),
            EncodeError::Json(_) => f.write_str("the JSON text would not read back"),
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EncodeError::Value(e) => Some(e),
            EncodeError::Json(e) => Some(e),
            EncodeError::TooLong { .. }
            | EncodeError::TooLarge { .. }
            | EncodeError::TooDeep { .. } => None,
        }
    }
}

impl From<ValueError> for EncodeError {
    fn from(e: ValueError) -> Self {
        EncodeError::Value(e)
    }
}

/// Every message of an error's chain (`Display` of the error, then of each
/// `source()`), joined with `": "`: what a log line or a command-line tool
/// shows.
///
/// ```
/// use signed_session::error::report;
/// use signed_session::{Keyring, Secret, signing::ObjectSigner};
///
/// let codec = ObjectSigner::new(&Keyring::new(Secret::new("k")?), "s");
/// let token = codec.dumps_json(b"[1]")?;
/// let err = codec.loads::<String>(&token, None).unwrap_err();
/// assert_eq!(
///     report(&err),
///     "signature valid but payload malformed: the JSON does not have the expected shape: \
///      invalid type: sequence, expected a string"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        out.push_str(": ");
        out.push_str(&e.to_string());
        cause = e.source();
    }
    out
}
