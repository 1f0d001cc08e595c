//! What crosses the boundary: times, tagged results and errors.

use python_json::{self as json, JsonErrorKind, Map, Value};
use signed_session::error::report;
use signed_session::http::SaveError;
use signed_session::{DecodeError, EncodeError, SignatureFailure};
use time::{Duration, OffsetDateTime};

/// JavaScript milliseconds since the epoch (`Date.now()`, or a fraction of
/// a millisecond from another clock) as an instant, exactly: the whole
/// milliseconds and the fraction are converted apart, so that today's
/// times keep every nanosecond an `f64` holds. `None` for `NaN`, the
/// infinities and instants outside the years -9999 to 9999.
pub(crate) fn instant(ms: f64) -> Option<OffsetDateTime> {
    if !ms.is_finite() {
        return None;
    }
    let whole = ms.floor();
    // Both are finite here; `as` saturates, and a saturated value fails
    // the checked arithmetic or the range check below.
    let fraction = ((ms - whole) * 1e6).round() as i128;
    let nanos = (whole as i128)
        .checked_mul(1_000_000)?
        .checked_add(fraction)?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// An instant as JavaScript milliseconds since the epoch.
pub(crate) fn millis(at: OffsetDateTime) -> f64 {
    // Whole seconds are exact in an f64 for any instant `time` holds.
    at.unix_timestamp() as f64 * 1000.0 + f64::from(at.nanosecond()) / 1e6
}

/// Seconds (an age, a lifetime) as a duration; `None` for `NaN`, the
/// infinities and anything past what a [`Duration`] holds.
pub(crate) fn seconds(s: f64) -> Option<Duration> {
    Duration::checked_seconds_f64(s)
}

/// A duration as fractional seconds.
pub(crate) fn as_seconds(d: Duration) -> f64 {
    d.as_seconds_f64()
}

/// `" "` and the text: a success.
pub(crate) fn ok(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    out.push(' ');
    out.push_str(text);
    out
}

/// `" "` and Python's JSON text of `value`: a success carrying a value.
pub(crate) fn ok_value(value: &Value) -> String {
    let mut bytes = Vec::with_capacity(64);
    bytes.push(b' ');
    json::write_value(&mut bytes, value);
    ascii(bytes)
}

/// The writer only ever emits ASCII; should that change, a replacement
/// character shows it instead of a panic.
pub(crate) fn ascii(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// An error object for the wrapper: `kind`, `message`, then `fields`.
pub(crate) fn failure(kind: &str, message: String, fields: Map) -> String {
    let mut bytes = vec![b'!'];
    json::write_value(&mut bytes, &error_object(kind, message, fields));
    ascii(bytes)
}

/// The error object itself: `kind`, `message`, then `fields`.
fn error_object(kind: &str, message: String, fields: Map) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), kind.into());
    m.insert("message".into(), message.into());
    m.extend(fields);
    Value::Object(m)
}

/// A refused token, with the fields of its variant.
pub(crate) fn decode_failure(error: &DecodeError) -> String {
    failure(error.kind().as_str(), report(error), decode_fields(error))
}

/// The fields of a [`DecodeError`] that a program may want: the lengths of
/// a token too long, the age and limit of an expired one (in seconds), why
/// a signature failed.
pub(crate) fn decode_fields(error: &DecodeError) -> Map {
    let mut m = Map::new();
    match error {
        DecodeError::TooLong { len, max } => {
            m.insert("length".into(), (*len).into());
            m.insert("max".into(), (*max).into());
        }
        DecodeError::Expired { age, max_age } | DecodeError::LifetimeExceeded { age, max_age } => {
            m.insert("age".into(), as_seconds(*age).into());
            m.insert("maxAge".into(), as_seconds(*max_age).into());
        }
        DecodeError::BadSignature(failure) => {
            let reason = match failure {
                SignatureFailure::NoSeparator => "no_separator",
                SignatureFailure::Mismatch => "mismatch",
                SignatureFailure::Retired { key_index } => {
                    m.insert("keyIndex".into(), (*key_index).into());
                    "retired"
                }
                _ => "other",
            };
            m.insert("reason".into(), reason.into());
        }
        _ => {}
    }
    m
}

/// A time that cannot be used (not finite, or outside the years -9999 to
/// 9999) where a token is verified: refused as `expired`, so that a host
/// passing `NaN` never gets a token through an age check.
pub(crate) fn time_failure(what: &str, value: f64) -> String {
    failure(
        "expired",
        format!("{what} ({value}) is not a usable time or age, so the token is refused"),
        Map::new(),
    )
}

/// A time that cannot be used where a token is signed: nothing is signed.
pub(crate) fn clock_failure(value: f64) -> String {
    failure(
        "time",
        format!("the clock's time ({value} ms) is not a usable time, so nothing was signed"),
        Map::new(),
    )
}

/// A value that could not be signed: `kind` names the variant.
pub(crate) fn encode_failure(error: &EncodeError) -> String {
    let (kind, fields) = encode_kind(error);
    failure(kind, report(error), fields)
}

fn encode_kind(error: &EncodeError) -> (&'static str, Map) {
    let mut m = Map::new();
    let kind = match error {
        EncodeError::Value(_) => "value",
        EncodeError::TooLong { len, max } => {
            m.insert("length".into(), (*len).into());
            m.insert("max".into(), (*max).into());
            "too_long"
        }
        EncodeError::TooLarge { len, limit } => {
            m.insert("length".into(), (*len).into());
            m.insert("max".into(), (*limit).into());
            "too_large"
        }
        EncodeError::TooDeep { limit } => {
            m.insert("max".into(), (*limit).into());
            "too_deep"
        }
        EncodeError::Json(_) => "json",
        _ => "other",
    };
    (kind, m)
}

/// A session that could not be sent: over the cookie budget
/// (`cookie_too_large`) or not encodable (an encode kind).
pub(crate) fn save_failure(error: &SaveError) -> String {
    let mut bytes = vec![b'!'];
    json::write_value(&mut bytes, &save_error(error));
    ascii(bytes)
}

/// The error object of a [`SaveError`] (to embed in a result).
pub(crate) fn save_error(error: &SaveError) -> Value {
    match error {
        SaveError::TooLarge(e) => {
            let mut m = Map::new();
            m.insert("cookieName".into(), e.name().into());
            m.insert("size".into(), e.size().into());
            m.insert("budget".into(), e.budget().into());
            error_object("cookie_too_large", report(error), m)
        }
        SaveError::Encode(e) => {
            let (kind, fields) = encode_kind(e);
            error_object(kind, report(e), fields)
        }
        _ => error_object("other", report(error), Map::new()),
    }
}

/// JSON text from the wrapper, read with the decoder's rules.
///
/// # Errors
/// An encode failure of kind `json` (the wrapper writes valid JSON, so
/// this means a value the reader refuses: a lone surrogate, a nesting
/// past `depth`).
pub(crate) fn read(text: &str, depth: usize) -> Result<Value, String> {
    json::from_slice(text.as_bytes(), depth).map_err(|e| {
        encode_failure(&if e.kind() == JsonErrorKind::TooDeep {
            EncodeError::TooDeep { limit: depth }
        } else {
            EncodeError::Json(e)
        })
    })
}
