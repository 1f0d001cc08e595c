//! The Rust twin of the oracle's session op lists (`run_ops` in
//! `tests/django_oracle.py`): the same op names and arguments, run on a
//! [`Session`], with results in the same shape (`{"r": value}` or
//! `{"raises": "KeyError"}`), so the two sides compare with `==`.

use crate::at::{self, prelude::*};
use signed_session::Value;
use signed_session::session::{
    Expiry, Session, SessionCodec, SessionConfig, isoformat, isoformat_naive,
};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::obj;

/// Settings shared by both sides of a session test.
#[derive(Debug, Clone)]
pub struct Settings {
    pub secret: String,
    pub fallbacks: Vec<String>,
    pub cookie_age: i64,
    pub expire_at_browser_close: bool,
    pub use_tz: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secret: "interop-session-secret".to_owned(),
            fallbacks: Vec::new(),
            cookie_age: 1_209_600,
            expire_at_browser_close: false,
            use_tz: true,
        }
    }
}

impl Settings {
    /// The Django settings overrides for these.
    pub fn django(&self) -> Value {
        obj([
            ("SECRET_KEY", Value::from(self.secret.as_str())),
            (
                "SECRET_KEY_FALLBACKS",
                Value::Array(
                    self.fallbacks
                        .iter()
                        .map(|s| Value::from(s.as_str()))
                        .collect(),
                ),
            ),
            ("SESSION_COOKIE_AGE", Value::from(self.cookie_age)),
            (
                "SESSION_EXPIRE_AT_BROWSER_CLOSE",
                Value::Bool(self.expire_at_browser_close),
            ),
            ("USE_TZ", Value::Bool(self.use_tz)),
        ])
    }

    /// Our session settings for these, with Django's exact behaviour on
    /// load unless `enforce_expiry`.
    pub fn config(&self, enforce_expiry: bool) -> SessionConfig {
        at::config()
            .with_cookie_age(time::Duration::seconds(self.cookie_age))
            .with_expire_at_browser_close(self.expire_at_browser_close)
            .with_use_tz(self.use_tz)
            .with_enforce_expiry(enforce_expiry)
            .with_limits(roomy_limits())
    }

    /// A codec for these settings.
    pub fn codec(&self, enforce_expiry: bool) -> SessionCodec {
        let mut ring = signed_session::Keyring::new(
            signed_session::Secret::new(self.secret.as_str()).unwrap(),
        );
        for f in &self.fallbacks {
            ring = ring.with_fallback(signed_session::Secret::new(f.as_str()).unwrap());
        }
        SessionCodec::new(&ring, self.config(enforce_expiry))
    }
}

/// Limits far above the defaults: Django has none, and generated sessions
/// may be large.
pub fn roomy_limits() -> signed_session::Limits {
    signed_session::Limits::default()
        .with_max_token_len(1 << 20)
        .with_max_inflated_len(1 << 20)
}

fn r(v: impl Into<Value>) -> Value {
    obj([("r", v.into())])
}

fn raises() -> Value {
    obj([("raises", Value::from("KeyError"))])
}

/// `datetime.fromisoformat` for the forms the tests use: aware (RFC 3339
/// offsets) or naive, with or without microseconds.
pub fn parse_expiry_datetime(text: &str) -> Expiry {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Expiry::At(at);
    }
    let naive = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    Expiry::AtNaive(
        PrimitiveDateTime::parse(text, &naive)
            .unwrap_or_else(|e| panic!("bad datetime {text:?}: {e}")),
    )
}

/// `timedelta(seconds=x)` for a float `x`, as CPython computes it: whole
/// seconds times 10^6 exactly, plus the fraction times 10^6 in double
/// precision, whose own fraction is rounded (C `round`, with ties going to
/// make the total even). Converting through nanoseconds instead rounds
/// twice and can land on the other side of a tie.
pub fn python_timedelta(x: f64) -> time::Duration {
    let whole = x.trunc();
    let frac_us = (x - whole) * 1e6;
    let int_us = frac_us.trunc();
    let leftover = frac_us - int_us;
    let acc = (whole as i64) * 1_000_000 + int_us as i64;
    let mut rounded = leftover.round();
    if (rounded - leftover).abs() == 0.5 {
        let odd = acc.rem_euclid(2) as f64;
        rounded = 2.0 * ((leftover + odd) * 0.5).round() - odd;
    }
    time::Duration::microseconds(acc + rounded as i64)
}

/// Whether stored expiry text is a naive `isoformat()` (no offset).
fn is_naive_text(text: &str) -> bool {
    // The offset, when present, follows the seconds: "...T12:00:00[.ffffff]+05:30".
    text.get(19..)
        .is_some_and(|tail| !tail.contains(['+', '-']) && !tail.ends_with('Z'))
}

/// Runs one op on `s` at `now`; returns what the oracle's `run_ops` would.
pub fn run(codec: &SessionCodec, s: &mut Session, op: &[Value], now: f64) -> Value {
    let name = op[0].as_str().unwrap();
    let arg = |i: usize| {
        op.get(i)
            .unwrap_or_else(|| panic!("op {name} needs argument {i}"))
            .clone()
    };
    let key = || op[1].as_str().unwrap().to_owned();
    match name {
        "set" => {
            s.insert(key(), arg(2));
            r(Value::Null)
        }
        "get" if op.len() == 2 => r(s.get(&key()).cloned().unwrap_or(Value::Null)),
        "get" => r(s.get(&key()).cloned().unwrap_or_else(|| arg(2))),
        "getitem" => s.get(&key()).map_or_else(raises, |v| r(v.clone())),
        "contains" => r(s.contains_key(&key())),
        "has_key" => r(s.contains_key(&key())),
        "pop" if op.len() == 2 => s.remove(&key()).map_or_else(raises, r),
        "pop" => r(s.remove(&key()).unwrap_or_else(|| arg(2))),
        "setdefault" => r(s.get_or_insert(key(), arg(2)).clone()),
        "update" => {
            s.extend(arg(1).as_object().unwrap().clone());
            r(Value::Null)
        }
        "delitem" => s
            .delete(&key())
            .map_or_else(|_| raises(), |()| r(Value::Null)),
        "keys" => r(Value::Array(s.keys().map(Value::from).collect())),
        "values" => r(Value::Array(s.values().cloned().collect())),
        "items" => r(Value::Array(
            s.iter()
                .map(|(k, v)| Value::Array(vec![k.into(), v.clone()]))
                .collect(),
        )),
        "clear" => {
            s.clear();
            r(Value::Null)
        }
        "flush" => {
            s.flush();
            r(Value::Null)
        }
        "cycle_key" => {
            s.cycle_key();
            codec.save_at(s, now).unwrap();
            r(Value::Null)
        }
        // Only the session's own `cycle_key`: the middleware saves it.
        "cycle_key_unsaved" => {
            s.cycle_key();
            r(Value::Null)
        }
        "save" => {
            codec.save_at(s, now).unwrap();
            r(Value::Null)
        }
        "session_key" => r(s.session_key().map_or(Value::Null, Value::from)),
        "is_empty" => r(s.is_blank()),
        "mark_modified" => {
            s.set_modified(true);
            r(Value::Null)
        }
        "set_expiry" => {
            let a = arg(1);
            let e = if a.is_null() {
                Expiry::Default
            } else {
                Expiry::Idle(time::Duration::seconds(a.as_i64().unwrap()))
            };
            s.set_expiry_at(e, now);
            r(Value::Null)
        }
        "set_expiry_timedelta" => {
            s.set_expiry_at(Expiry::In(python_timedelta(arg(1).as_f64().unwrap())), now);
            r(Value::Null)
        }
        "set_expiry_datetime" => {
            s.set_expiry_at(parse_expiry_datetime(arg(1).as_str().unwrap()), now);
            r(Value::Null)
        }
        "get_expiry_age" => r(s.get_expiry_age_at(now)),
        "get_expiry_date" => {
            let date = s.get_expiry_date_at(now);
            // Django hands back a naive datetime for naive stored text, and
            // for computed dates when USE_TZ is off.
            let naive = match s.get("_session_expiry") {
                Some(Value::String(t)) => is_naive_text(t),
                _ => !codec.config().use_tz(),
            };
            let text = if naive {
                isoformat_naive(PrimitiveDateTime::new(date.date(), date.time()))
            } else {
                isoformat(date)
            };
            r(text)
        }
        "get_expire_at_browser_close" => r(s.expire_at_browser_close()),
        "set_test_cookie" => {
            s.set_test_cookie();
            r(Value::Null)
        }
        "test_cookie_worked" => r(s.test_cookie_worked()),
        "delete_test_cookie" => s
            .delete_test_cookie()
            .map_or_else(|_| raises(), |()| r(Value::Null)),
        other => panic!("unknown session op {other:?}"),
    }
}

/// Runs an op list; one result per op.
pub fn run_all(codec: &SessionCodec, s: &mut Session, ops: &[Value], now: f64) -> Vec<Value> {
    ops.iter()
        .map(|op| run(codec, s, op.as_array().unwrap(), now))
        .collect()
}

/// The state the oracle reports: key, flags, and the data once loaded.
pub fn state(s: &Session) -> Value {
    let accessed = s.accessed();
    obj([
        (
            "session_key",
            s.session_key().map_or(Value::Null, Value::from),
        ),
        ("modified", Value::Bool(s.modified())),
        ("accessed", Value::Bool(accessed)),
        (
            "data",
            if accessed {
                Value::Object(s.as_map().clone())
            } else {
                Value::Null
            },
        ),
    ])
}

/// An op as a JSON array.
pub fn op<const N: usize>(parts: [Value; N]) -> Value {
    Value::Array(parts.into())
}

fn at_micros(t: f64) -> OffsetDateTime {
    let micros = (t * 1e6).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).unwrap()
}

/// `isoformat()` of the aware UTC datetime at Unix time `t`.
pub fn iso_utc(t: f64) -> String {
    isoformat(at_micros(t))
}

/// `isoformat()` of the datetime at Unix time `t` in a fixed offset.
pub fn iso_in_offset(t: f64, offset_minutes: i32) -> String {
    isoformat(
        at_micros(t).to_offset(time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap()),
    )
}

/// `isoformat()` of the naive UTC wall-clock time at Unix time `t`.
pub fn iso_naive(t: f64) -> String {
    let at = at_micros(t);
    isoformat_naive(PrimitiveDateTime::new(at.date(), at.time()))
}
