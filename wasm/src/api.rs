//! The request handlers behind the ABI: JSON text in, JSON text out, all
//! through the crate's own Python-compatible JSON reader and writer so that
//! `1.0` stays a float and big integers survive the trip.

use python_json as json;
use python_json::Map;
use signed_session::Value;
use signed_session::clock::ManualClock;
use signed_session::encoding::zlib;
use signed_session::signing::{Compression, DEFAULT_SALT, Keyring, ObjectSigner, Secret};
use time::{Duration, OffsetDateTime};

/// How deeply a request may nest (a payload inside a request inside a case).
const MAX_REQUEST_DEPTH: usize = 256;

/// Why a request failed: a stable `kind` for programs, a message for people.
pub(crate) struct Failure {
    kind: &'static str,
    message: String,
}

impl Failure {
    /// The request itself was unusable (not JSON, a field missing, ...).
    pub(crate) fn request(message: impl Into<String>) -> Self {
        Failure {
            kind: "bad_request",
            message: message.into(),
        }
    }

    /// A time or an age that is not a finite number, or not one the crate
    /// can represent: refused as `expired`, so that a host sending `NaN`
    /// or an infinity never gets a token through an age check.
    fn time(message: String) -> Self {
        Failure {
            kind: "expired",
            message,
        }
    }

    /// The explanation.
    #[cfg_attr(not(feature = "vectors"), allow(dead_code))]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl From<signed_session::DecodeError> for Failure {
    fn from(e: signed_session::DecodeError) -> Self {
        Failure {
            kind: e.kind().as_str(),
            message: e.to_string(),
        }
    }
}

impl From<signed_session::EncodeError> for Failure {
    fn from(e: signed_session::EncodeError) -> Self {
        Failure {
            kind: "encode",
            message: e.to_string(),
        }
    }
}

/// Parses a request, runs `f` and writes `{"ok":true, ...}` with the fields
/// `f` returned, or `{"ok":false,"kind":...,"error":...}`.
pub(crate) fn handle(input: &[u8], f: impl FnOnce(&Value) -> Result<Map, Failure>) -> Vec<u8> {
    let result = json::from_slice(input, MAX_REQUEST_DEPTH)
        .map_err(|e| Failure::request(format!("the request is not JSON: {e}")))
        .and_then(|request| f(&request));
    let mut out = Map::new();
    match result {
        Ok(fields) => {
            out.insert("ok".into(), Value::Bool(true));
            out.extend(fields);
        }
        Err(failure) => {
            out.insert("ok".into(), Value::Bool(false));
            out.insert("kind".into(), failure.kind.into());
            out.insert("error".into(), failure.message.into());
        }
    }
    json::to_vec(&Value::Object(out))
}

/// A field of the request object, if present.
pub(crate) fn opt<'a>(request: &'a Value, name: &str) -> Option<&'a Value> {
    request.as_object().and_then(|m| m.get(name))
}

/// A required field.
pub(crate) fn req<'a>(request: &'a Value, name: &str) -> Result<&'a Value, Failure> {
    opt(request, name).ok_or_else(|| Failure::request(format!("the request has no \"{name}\"")))
}

/// A required string field.
pub(crate) fn req_str<'a>(request: &'a Value, name: &str) -> Result<&'a str, Failure> {
    req(request, name)?
        .as_str()
        .ok_or_else(|| Failure::request(format!("\"{name}\" is not a string")))
}

/// Fractional seconds as whole nanoseconds, exactly: the whole seconds and
/// the fraction are converted apart (one f64 holding the nanoseconds of
/// today's times would round them to 256 ns, which breaks Django's rounding
/// to the microsecond). `None` for NaN, the infinities and anything past
/// `i128`.
fn exact_nanos(seconds: f64) -> Option<i128> {
    if !seconds.is_finite() {
        return None;
    }
    let whole = seconds.floor();
    // Both are finite whole numbers here; `as` saturates, and a saturated
    // value is then refused by the checked arithmetic or by the range
    // checks of the callers.
    let fraction = ((seconds - whole) * 1e9).round() as i128;
    (whole as i128)
        .checked_mul(1_000_000_000)?
        .checked_add(fraction)
}

/// A number field of the request, as `f64`. A number too large for an
/// `f64` (a big integer) is given as infinity, so that it fails closed with
/// the other non-finite values.
fn number(value: &Value, name: &str) -> Result<f64, Failure> {
    match value {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::INFINITY)),
        _ => Err(Failure::request(format!("\"{name}\" is not a number"))),
    }
}

/// A required time field (Unix seconds, with a fraction) as an instant.
///
/// # Errors
/// `bad_request` when it is absent or not a number; `expired` (fail
/// closed) when it is not finite or outside the years -9999 to 9999.
pub(crate) fn req_instant(request: &Value, name: &str) -> Result<OffsetDateTime, Failure> {
    instant(number(req(request, name)?, name)?, name)
}

/// Unix seconds as an instant; see [`req_instant`].
fn instant(seconds: f64, name: &str) -> Result<OffsetDateTime, Failure> {
    exact_nanos(seconds)
        .and_then(|nanos| OffsetDateTime::from_unix_timestamp_nanos(nanos).ok())
        .ok_or_else(|| {
            Failure::time(format!(
                "\"{name}\" ({seconds}) is not a representable time"
            ))
        })
}

/// A clock set to the request's time field `name`, for one request.
pub(crate) fn req_clock(request: &Value, name: &str) -> Result<ManualClock, Failure> {
    req_instant(request, name).map(ManualClock::new)
}

/// An optional age field in seconds (absent or `null` is `None`).
///
/// # Errors
/// `bad_request` when it is not a number; `expired` (fail closed) when it
/// is not finite or beyond what a [`Duration`] holds.
pub(crate) fn opt_duration(request: &Value, name: &str) -> Result<Option<Duration>, Failure> {
    let seconds = match opt(request, name) {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => number(v, name)?,
    };
    exact_nanos(seconds)
        .and_then(|nanos| {
            let whole = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
            // In 0..1e9, so it fits.
            let fraction = i32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?;
            Some(Duration::new(whole, fraction))
        })
        .map(Some)
        .ok_or_else(|| Failure::time(format!("\"{name}\" ({seconds}) is not a representable age")))
}

/// The keyring of a request: `secret` and the optional `fallback_keys`
/// list, both as text (Django's `SECRET_KEY` and `SECRET_KEY_FALLBACKS`).
pub(crate) fn keyring(request: &Value) -> Result<Keyring, Failure> {
    keyring_from(request, "secret", "fallback_keys")
}

/// A keyring from the string field `current` and the optional list of
/// strings `fallbacks`.
pub(crate) fn keyring_from(
    request: &Value,
    current: &str,
    fallbacks: &str,
) -> Result<Keyring, Failure> {
    let secret = |text: &str| Secret::new(text).map_err(|e| Failure::request(e.to_string()));
    let mut ring = Keyring::new(secret(req_str(request, current)?)?);
    if let Some(list) = opt(request, fallbacks).and_then(Value::as_array) {
        for key in list {
            let text = key
                .as_str()
                .ok_or_else(|| Failure::request(format!("\"{fallbacks}\" holds a non-string")))?;
            ring = ring.with_fallback(secret(text)?);
        }
    }
    Ok(ring)
}

/// The request's `"salt"`, or `signing.dumps`' default salt when absent.
fn salt(request: &Value) -> Result<&str, Failure> {
    match opt(request, "salt") {
        Some(v) => v
            .as_str()
            .ok_or_else(|| Failure::request("\"salt\" is not a string")),
        None => Ok(DEFAULT_SALT),
    }
}

/// `signing.dumps(payload, key=secret, salt=salt, compress=compress)` at
/// time `timestamp`.
///
/// Request: `{"secret", "fallback_keys"?, "salt"? (default
/// "django.core.signing"), "compress"? (default false), "payload",
/// "timestamp"}`, the field names of the `dumps` vectors.
/// Response: `{"ok":true, "token", "json", "zlib_len"}` where `json` is the
/// exact JSON text that was signed and `zlib_len` the length of its zlib
/// form (what Django's compress-or-not decision compares).
pub(crate) fn dumps(input: &[u8]) -> Vec<u8> {
    handle(input, |request| {
        let ring = keyring(request)?;
        let salt = salt(request)?;
        let compression = match opt(request, "compress") {
            Some(Value::Bool(true)) => Compression::Django,
            None | Some(Value::Bool(false)) => Compression::Never,
            Some(_) => return Err(Failure::request("\"compress\" is not a boolean")),
        };
        let clock = req_clock(request, "timestamp")?;
        let text = json::to_vec(req(request, "payload")?);
        let token = ObjectSigner::new(&ring, salt)
            .with_compression(compression)
            .with_clock(clock)
            .dumps_json(&text)?;
        let mut out = Map::new();
        out.insert("token".into(), token.into());
        // The writer emits ASCII only, so this never replaces anything.
        out.insert(
            "json".into(),
            String::from_utf8_lossy(&text).into_owned().into(),
        );
        out.insert("zlib_len".into(), zlib::compress(&text).len().into());
        Ok(out)
    })
}

/// `signing.loads(token, key=secret, salt=salt, max_age=max_age,
/// fallback_keys=...)` at time `now`.
///
/// Request: `{"secret", "fallback_keys"?, "salt"?, "token", "max_age"?
/// (null: no age check), "now"}`, the field names of the `loads` vectors.
/// Response: `{"ok":true, "value", "timestamp", "key_index",
/// "compressed"}`, or a failure whose `kind` is
/// [`DecodeErrorKind::as_str`](signed_session::DecodeErrorKind::as_str).
pub(crate) fn loads(input: &[u8]) -> Vec<u8> {
    handle(input, |request| {
        let ring = keyring(request)?;
        let salt = salt(request)?;
        let token = req_str(request, "token")?;
        let max_age = opt_duration(request, "max_age")?;
        let clock = req_clock(request, "now")?;
        let loaded = ObjectSigner::new(&ring, salt)
            .with_clock(clock)
            .loads::<Value>(token, max_age)?;
        let mut out = Map::new();
        out.insert("value".into(), loaded.value);
        out.insert("timestamp".into(), loaded.signed_at.unix_timestamp().into());
        out.insert("key_index".into(), loaded.key_index.into());
        out.insert("compressed".into(), loaded.compressed.into());
        Ok(out)
    })
}
