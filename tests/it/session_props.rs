//! Property tests of the session layer: random sequences of session
//! operations, saved into a cookie value and loaded back later.
//!
//! * With enforcement off, what was saved always loads back: equal data,
//!   equal expiry age and date, equal browser-close flag.
//! * With enforcement on, a session loads if and only if it is not past its
//!   own expiry (worked out here from the operations, not by the crate),
//!   and never loads after it.

use crate::at::{self, prelude::*};
use proptest::prelude::*;
use signed_session::session::{Expiry, Session, SessionCodec};
use signed_session::signing::{Keyring, Limits, Secret};
use signed_session::{DecodeError, DecodeErrorKind, Map, Value};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

const COOKIE_AGE: i64 = 1_209_600;

fn codec(enforce: bool) -> SessionCodec {
    let keys = Keyring::new(Secret::new("property-test-secret").unwrap());
    // Generous limits: the properties are about the session, not the caps.
    let limits = Limits::default()
        .with_max_token_len(1 << 20)
        .with_max_inflated_len(1 << 20);
    let config = at::config()
        .with_enforce_expiry(enforce)
        .with_limits(limits)
        .with_cookie_age(time::Duration::seconds(COOKIE_AGE));
    SessionCodec::new(&keys, config)
}

#[derive(Clone, Debug)]
enum ExpiryChoice {
    Default,
    Seconds(i64),
    /// Milliseconds from "now".
    InMillis(i64),
    /// Unix microseconds, shown in an offset of this many minutes.
    At(i64, i16),
    /// Unix microseconds, written naive (read back as UTC).
    AtNaive(i64),
}

#[derive(Clone, Debug)]
enum Op {
    Insert(String, Value),
    Remove(String),
    PopOr(String, Value),
    SetDefault(String, Value),
    Update(Vec<(String, Value)>),
    Delete(String),
    Clear,
    Flush,
    SetExpiry(ExpiryChoice),
    MarkModified,
    SetTestCookie,
    DeleteTestCookie,
    AppendNested(String, Value),
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "user_id", "testcookie", "ключ", "😀"])
        .prop_map(str::to_owned)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map>())),
        ]
    })
}

/// Unix microseconds between 2000 and 2100.
fn instant() -> impl Strategy<Value = i64> {
    946_684_800_000_000..4_102_444_800_000_000_i64
}

fn expiry_choice() -> impl Strategy<Value = ExpiryChoice> {
    prop_oneof![
        Just(ExpiryChoice::Default),
        Just(ExpiryChoice::Seconds(0)),
        (-1_000..2_000_000_i64).prop_map(ExpiryChoice::Seconds),
        (-1_000_000..2_000_000_000_i64).prop_map(ExpiryChoice::InMillis),
        (instant(), -14 * 60..14 * 60_i16).prop_map(|(t, m)| ExpiryChoice::At(t, m)),
        instant().prop_map(ExpiryChoice::AtNaive),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key(), value()).prop_map(|(k, v)| Op::Insert(k, v)),
        1 => key().prop_map(Op::Remove),
        1 => (key(), value()).prop_map(|(k, v)| Op::PopOr(k, v)),
        1 => (key(), value()).prop_map(|(k, v)| Op::SetDefault(k, v)),
        1 => prop::collection::vec((key(), value()), 0..3).prop_map(Op::Update),
        1 => key().prop_map(Op::Delete),
        1 => Just(Op::Clear),
        1 => Just(Op::Flush),
        3 => expiry_choice().prop_map(Op::SetExpiry),
        1 => Just(Op::MarkModified),
        1 => Just(Op::SetTestCookie),
        1 => Just(Op::DeleteTestCookie),
        1 => (key(), value()).prop_map(|(k, v)| Op::AppendNested(k, v)),
    ]
}

/// The session's own expiry as the test models it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Model {
    /// No expiry of its own (absent or 0): only the cookie age applies.
    None,
    Seconds(i64),
    AtMicros(i128),
}

fn micros(t: f64) -> i128 {
    (t * 1e6).round() as i128
}

fn to_datetime(us: i64, offset_minutes: i16) -> OffsetDateTime {
    let offset = UtcOffset::from_whole_seconds(i32::from(offset_minutes) * 60).unwrap();
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .unwrap()
        .to_offset(offset)
}

/// Applies `ops` at time `now`, returning the modelled expiry.
fn apply(s: &mut Session, ops: &[Op], now: f64) -> Model {
    let mut model = Model::None;
    for op in ops {
        match op {
            Op::Insert(k, v) => {
                let _ = s.insert(k.clone(), v.clone());
            }
            Op::Remove(k) => {
                let _ = s.remove(k);
            }
            Op::PopOr(k, v) => {
                let _ = s.remove(k).unwrap_or_else(|| v.clone());
            }
            Op::SetDefault(k, v) => {
                let _ = s.get_or_insert(k.clone(), v.clone());
            }
            Op::Update(kv) => s.extend(kv.clone()),
            Op::Delete(k) => {
                let _ = s.delete(k);
            }
            Op::Clear | Op::Flush => {
                if matches!(op, Op::Clear) {
                    s.clear()
                } else {
                    s.flush()
                }
                model = Model::None;
            }
            Op::SetExpiry(choice) => {
                let (expiry, m) = match *choice {
                    ExpiryChoice::Default => (Expiry::Default, Model::None),
                    ExpiryChoice::Seconds(0) => {
                        (Expiry::Idle(time::Duration::seconds(0)), Model::None)
                    }
                    ExpiryChoice::Seconds(n) => {
                        (Expiry::Idle(time::Duration::seconds(n)), Model::Seconds(n))
                    }
                    ExpiryChoice::InMillis(ms) => (
                        Expiry::In(Duration::milliseconds(ms)),
                        Model::AtMicros(micros(now) + i128::from(ms) * 1000),
                    ),
                    ExpiryChoice::At(us, off) => (
                        Expiry::At(to_datetime(us, off)),
                        Model::AtMicros(i128::from(us)),
                    ),
                    ExpiryChoice::AtNaive(us) => {
                        let dt = to_datetime(us, 0);
                        (
                            Expiry::AtNaive(PrimitiveDateTime::new(dt.date(), dt.time())),
                            Model::AtMicros(i128::from(us)),
                        )
                    }
                };
                s.set_expiry_at(expiry, now);
                model = m;
            }
            Op::MarkModified => s.set_modified(true),
            Op::SetTestCookie => s.set_test_cookie(),
            Op::DeleteTestCookie => {
                let _ = s.delete_test_cookie();
            }
            Op::AppendNested(k, v) => {
                if let Some(list) = s.get_mut(k).and_then(Value::as_array_mut) {
                    list.push(v.clone());
                }
            }
        }
    }
    model
}

/// Whether the modelled expiry has passed at `later` for a cookie signed at `signed`.
fn past(model: Model, signed: f64, later: f64) -> bool {
    match model {
        Model::None => false,
        Model::Seconds(n) => later - signed.trunc() > n as f64,
        Model::AtMicros(us) => micros(later) > us,
    }
}

/// "now" with millisecond fractions, and a later time within the cookie age.
fn times() -> impl Strategy<Value = (f64, f64)> {
    (
        1_600_000_000_000..1_800_000_000_000_i64,
        0..(COOKIE_AGE - 1) * 1000,
    )
        .prop_map(|(t0, dt)| {
            let t0 = t0 as f64 / 1000.0;
            (t0, t0 + dt as f64 / 1000.0)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn saved_sessions_load_back_equal(ops in prop::collection::vec(op(), 0..16), (t0, t1) in times()) {
        let codec = codec(false);
        let mut s = codec.new_session();
        apply(&mut s, &ops, t0);
        let cookie = codec.save_at(&mut s, t0).unwrap();
        prop_assert_eq!(s.session_key(), Some(cookie.as_str()));

        let loaded = codec.try_load_at(Some(&cookie), t1).unwrap();
        prop_assert!(!loaded.accessed() && !loaded.modified());
        prop_assert_eq!(loaded.key_index(), Some(0));
        prop_assert_eq!(loaded.as_map(), s.as_map());
        prop_assert_eq!(loaded.get_expiry_age_at(t1), s.get_expiry_age_at(t1));
        prop_assert_eq!(loaded.get_expiry_date_at(t1), s.get_expiry_date_at(t1));
        prop_assert_eq!(loaded.expire_at_browser_close(), s.expire_at_browser_close());

        // Saving the loaded session again at the same time gives the same cookie.
        let mut again = loaded;
        prop_assert_eq!(codec.save_at(&mut again, t0).unwrap(), cookie);
    }

    #[test]
    fn sessions_never_load_after_their_own_expiry(
        ops in prop::collection::vec(op(), 0..8),
        last in expiry_choice(),
        (t0, t1) in times(),
    ) {
        let codec = codec(true);
        let mut s = codec.new_session();
        let mut all = ops;
        all.push(Op::SetExpiry(last));
        let model = apply(&mut s, &all, t0);
        let cookie = codec.save_at(&mut s, t0).unwrap();

        let strict = codec.try_load_at(Some(&cookie), t1);
        let lenient = codec.load_at(Some(&cookie), t1);
        if past(model, t0, t1) {
            prop_assert!(matches!(strict, Err(DecodeError::Expired { .. })), "{:?} loaded at {} (signed {})", model, t1, t0);
            prop_assert_eq!(lenient.load_error().map(DecodeError::kind), Some(DecodeErrorKind::Expired));
            prop_assert_eq!(lenient.len(), 0);
            prop_assert!(lenient.modified());
            prop_assert_eq!(lenient.session_key(), Some(cookie.as_str()));
        } else {
            let loaded = strict.unwrap();
            prop_assert_eq!(loaded.as_map(), s.as_map());
            prop_assert!(lenient.load_error().is_none());
        }
    }
}
