//! Reading a token **without verifying it**.
//!
//! Everything here skips the signature check, so nothing it returns may be
//! trusted: use it to debug, log or explain a token, never to act on its
//! contents. The limits still apply, so even this path cannot be made to
//! allocate without bound.

use crate::encoding::{b64, base62, zlib};
use crate::error::PayloadError;
use crate::signing::Limits;
use python_json as json;
use python_json::Value;

/// The parts of a token, decoded without checking the signature.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Inspection {
    /// The body as it appears in the token (without the `.` flag).
    pub body: String,
    /// Whether the body carries the `.` compression flag.
    pub compressed: bool,
    /// The base62 timestamp text, if the token has one.
    pub timestamp_text: Option<String>,
    /// The timestamp, if it decodes.
    pub timestamp: Option<i64>,
    /// The signature text, if the token has one.
    pub signature: Option<String>,
    /// The decoded payload, or why it does not decode. **Unverified.**
    pub payload: Result<Value, PayloadError>,
}

/// Splits and decodes `token` without verifying its signature.
///
/// Returns `None` if the token is longer than `limits.max_token_len`.
///
/// ```
/// use signed_session::dangerous::inspect;
/// use signed_session::signing::Limits;
/// let i = inspect("eyJhIjoxfQ:1r31uy:QaQnJGF9pQfylOptDJ31B3aczpD7zP4F9geyNCJnkGg", &Limits::default()).unwrap();
/// assert_eq!(i.timestamp, Some(1_700_001_000));
/// assert!(i.payload.is_ok());
/// ```
pub fn inspect(token: &str, limits: &Limits) -> Option<Inspection> {
    if token.len() > limits.max_token_len() {
        return None;
    }
    let (signed, signature) = match token.rsplit_once(':') {
        Some((v, s)) => (v, Some(s.to_owned())),
        None => (token, None),
    };
    let (body, timestamp_text) = match (signature.is_some(), signed.rsplit_once(':')) {
        (true, Some((b, t))) => (b, Some(t.to_owned())),
        _ => (signed, None),
    };
    let timestamp = timestamp_text
        .as_deref()
        .and_then(|t| base62::decode(t).ok());
    let (compressed, body) = match body.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let payload = decode_body(body, compressed, limits);
    Some(Inspection {
        body: body.to_owned(),
        compressed,
        timestamp_text,
        timestamp,
        signature,
        payload,
    })
}

fn decode_body(body: &str, compressed: bool, limits: &Limits) -> Result<Value, PayloadError> {
    let raw = b64::decode(body.as_bytes())?;
    let json_bytes = if compressed {
        zlib::decompress(&raw, limits.max_inflated_len())?
    } else {
        raw
    };
    Ok(json::from_slice(&json_bytes, limits.max_json_depth())?)
}
