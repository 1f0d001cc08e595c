//! The decoder's hard bounds (issue 6), as ordinary tests: over-long
//! tokens, validly signed zip bombs, deep nesting, and times and ages at
//! the ends of their ranges. Each must end in a typed error or a correct
//! result, never a panic, a stack overflow or unbounded memory.
//!
//! That the length check comes before any HMAC is proved with an HMAC
//! counter in the unit tests of `src/signing/key.rs`
//! (`a_token_over_the_limit_costs_no_hmac`); here the same token is shown to
//! carry a valid signature, so `TooLong` cannot come from a failed check.

use crate::at::{self, prelude::*, with_now};
use python_json::JsonErrorKind;
use signed_session::dangerous::inspect;
use signed_session::session::{Expiry, SessionCodec};
use signed_session::signing::{Compression, Keyring, Limits, ObjectSigner, Secret, Signer};
use signed_session::{DecodeError, DecodeErrorKind, Map, PayloadError, Value};

const SALT: &str = "django.contrib.sessions.backends.signed_cookies";
const T0: f64 = 1_700_000_000.0;

fn ring() -> Keyring {
    Keyring::new(Secret::new("adversarial-test-secret").unwrap())
        .with_fallback(Secret::new("adversarial-old-secret").unwrap())
}

/// A codec with caps far above the defaults, to make and check tokens that
/// the default codec must refuse.
fn wide(compression: Compression) -> ObjectSigner {
    let limits = Limits::default()
        .with_max_token_len(4 << 20)
        .with_max_inflated_len(8 << 20)
        .with_max_json_depth(1000);
    at::signer(&ring(), SALT)
        .with_compression(compression)
        .with_limits(limits)
}

fn strict() -> ObjectSigner {
    at::signer(&ring(), SALT)
}

fn malformed(e: &DecodeError) -> &PayloadError {
    match e {
        DecodeError::Malformed(p) => p,
        other => panic!("expected a payload error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// 1 MiB tokens

/// A validly signed token of at least 1 MiB.
fn one_mib_token() -> String {
    // Incompressible enough not to matter: compression is off anyway.
    let text: String = (0..800_000u32)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    let token = wide(Compression::Never).dumps_at(&text, T0).unwrap();
    assert!(
        token.len() >= 1 << 20,
        "token is only {} bytes",
        token.len()
    );
    token
}

#[test]
fn one_mib_token_with_a_valid_signature_is_refused_as_too_long() {
    let token = one_mib_token();
    // The signature is valid: the wide codec accepts the token...
    assert!(
        wide(Compression::Never)
            .loads_value_at(&token, None, T0)
            .is_ok()
    );
    // ...and the default one refuses it for its length alone.
    let max = Limits::default().max_token_len();
    let err = strict().loads_value_at(&token, Some(60.0), T0).unwrap_err();
    assert_eq!(
        err,
        DecodeError::TooLong {
            len: token.len(),
            max
        }
    );
    assert_eq!(err.kind(), DecodeErrorKind::TooLong);
    assert!(!err.signature_was_valid());
    // The same for the plain signers, whose key is the same for this salt.
    let signer = Signer::new(&ring(), SALT);
    assert_eq!(
        signer.unsign(&token).unwrap_err().kind(),
        DecodeErrorKind::TooLong
    );
    let ts = at::timestamp_signer(&ring(), SALT);
    assert_eq!(
        ts.unsign_at(&token, None, T0).unwrap_err().kind(),
        DecodeErrorKind::TooLong
    );
    assert!(signer.with_max_len(usize::MAX).unsign(&token).is_ok());
    // The unverified inspector refuses it too.
    assert!(inspect(&token, &Limits::default()).is_none());
}

#[test]
fn one_mib_token_through_the_session_layer() {
    let token = one_mib_token();
    let codec = SessionCodec::new(&ring(), at::config());
    let err = codec.try_load_at(Some(&token), T0).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::TooLong);
    let session = codec.load_at(Some(&token), T0);
    assert_eq!(
        session.load_error().map(DecodeError::kind),
        Some(DecodeErrorKind::TooLong)
    );
    // Empty data; the key is kept, as Django keeps it, so a signed `{}` replaces it.
    assert!(session.as_map().is_empty());
}

#[test]
fn one_mib_of_garbage_is_too_long_whatever_it_contains() {
    for filler in ["A", ":", ".", "\u{e9}", "\0"] {
        let token = filler.repeat((1 << 20) / filler.len());
        let err = strict().loads_value_at(&token, None, T0).unwrap_err();
        assert_eq!(
            err,
            DecodeError::TooLong {
                len: token.len(),
                max: 8192
            },
            "filler {filler:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Zip bombs

#[test]
fn validly_signed_zip_bomb_stops_at_the_inflate_cap() {
    // A 4 MiB JSON string deflates to a few KiB: a token well under the
    // length limit that inflates 64 times past the default cap.
    let bomb = "a".repeat(4 << 20);
    let token = wide(Compression::Django).dumps_at(&bomb, T0).unwrap();
    assert!(token.starts_with('.'));
    assert!(
        token.len() <= Limits::default().max_token_len(),
        "bomb token is {} bytes",
        token.len()
    );
    // It is a genuine, validly signed payload...
    let loaded = wide(Compression::Django)
        .loads_value_at(&token, None, T0)
        .unwrap();
    assert_eq!(loaded.value.as_str().map(str::len), Some(4 << 20));
    // ...that the default codec refuses at the cap.
    let err = strict().loads_value_at(&token, None, T0).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::TooLarge);
    assert_eq!(
        malformed(&err),
        &PayloadError::TooLarge { limit: 64 * 1024 }
    );
    assert!(err.signature_was_valid());
    // The session layer reports the same kind.
    let codec = SessionCodec::new(&ring(), at::config());
    let err = codec.try_load_at(Some(&token), T0).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::TooLarge);
    // And the unverified inspector stops at the same cap.
    let inspected = inspect(&token, &Limits::default()).unwrap();
    assert_eq!(
        inspected.payload,
        Err(PayloadError::TooLarge { limit: 64 * 1024 })
    );
}

#[test]
fn inflate_cap_is_exact() {
    // JSON of exactly `cap` bytes passes, one byte more does not.
    let cap = 10_000;
    let limits = Limits::default().with_max_inflated_len(cap);
    let codec = at::signer(&ring(), SALT).with_compression(Compression::Django);
    let at_cap = format!("\"{}\"", "b".repeat(cap - 2));
    let over = format!("\"{}\"", "b".repeat(cap - 1));
    let at_cap = codec.dumps_json_at(at_cap.as_bytes(), T0).unwrap();
    let over = codec.dumps_json_at(over.as_bytes(), T0).unwrap();
    let capped = codec.with_limits(limits);
    assert!(capped.loads_value_at(&at_cap, None, T0).is_ok());
    let err = capped.loads_value_at(&over, None, T0).unwrap_err();
    assert_eq!(malformed(&err), &PayloadError::TooLarge { limit: cap });
}

#[test]
fn uncompressed_payload_over_the_cap_is_too_large() {
    // Without compression the token length bounds the payload, but a cap
    // set below it still applies.
    let limits = Limits::default().with_max_inflated_len(100);
    let token = strict().dumps_at(&"c".repeat(200), T0).unwrap();
    let err = strict()
        .with_limits(limits)
        .loads_value_at(&token, None, T0)
        .unwrap_err();
    assert_eq!(malformed(&err), &PayloadError::TooLarge { limit: 100 });
}

// ---------------------------------------------------------------------------
// Deep nesting

/// `[[[...]]]` (or `{"a":{"a":...}}`) nested `depth` deep, as JSON text.
fn nested(depth: usize, object: bool) -> Vec<u8> {
    let (open, close): (&[u8], &[u8]) = if object {
        (b"{\"a\":", b"}")
    } else {
        (b"[", b"]")
    };
    let mut out = Vec::with_capacity(depth * (open.len() + 1));
    for _ in 0..depth {
        out.extend_from_slice(open);
    }
    out.extend_from_slice(b"0");
    for _ in 0..depth {
        out.extend_from_slice(close);
    }
    out
}

/// A validly signed token around any bytes, made below the codec, which
/// would refuse to sign JSON it cannot read back: what a holder of the key
/// with another implementation could send.
fn signed_raw(json: &[u8], compress: bool) -> String {
    let mut body = String::new();
    if compress {
        body.push('.');
        signed_session::encoding::b64::encode_into(
            &signed_session::encoding::zlib::compress(json),
            &mut body,
        );
    } else {
        signed_session::encoding::b64::encode_into(json, &mut body);
    }
    at::timestamp_signer(&ring(), SALT)
        .with_max_len(usize::MAX)
        .sign_at(&body, T0)
        .unwrap()
}

fn json_error_kind(e: &DecodeError) -> JsonErrorKind {
    match malformed(e) {
        PayloadError::Json(j) => j.kind(),
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    for object in [false, true] {
        // Deep enough to overflow any recursive parser, small enough to stay
        // within the default inflate cap.
        let depth = if object { 10_000 } else { 30_000 };
        let token = signed_raw(&nested(depth, object), true);
        let err = strict().loads_value_at(&token, None, T0).unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::MalformedJson,
            "object={object}"
        );
        assert_eq!(
            json_error_kind(&err),
            JsonErrorKind::TooDeep,
            "object={object}"
        );
        let codec = SessionCodec::new(&ring(), at::config());
        assert_eq!(
            codec.try_load_at(Some(&token), T0).unwrap_err().kind(),
            DecodeErrorKind::MalformedJson
        );
        let inspected = inspect(&token, &Limits::default()).unwrap();
        assert!(inspected.payload.is_err());
    }
}

#[test]
fn nesting_limit_is_exact() {
    let max = Limits::default().max_json_depth();
    let ok = signed_raw(&nested(max, false), false);
    let deep = signed_raw(&nested(max + 1, false), false);
    assert!(strict().loads_value_at(&ok, None, T0).is_ok());
    let err = strict().loads_value_at(&deep, None, T0).unwrap_err();
    assert_eq!(json_error_kind(&err), JsonErrorKind::TooDeep);
}

/// Found while writing these bounds: with `max_json_depth` raised far, a
/// 341-byte validly signed token of 100 000 nested arrays parsed (the
/// reader does not recurse) and then aborted the process with a stack
/// overflow when the decoded value was dropped. The depth is now capped.
#[test]
fn raised_depth_limit_is_capped_so_a_deep_value_never_reaches_drop() {
    use signed_session::signing::MAX_JSON_DEPTH;
    let limits = Limits::default()
        .with_max_inflated_len(1 << 20)
        .with_max_json_depth(usize::MAX);
    assert_eq!(limits.max_json_depth(), MAX_JSON_DEPTH);
    let codec = at::signer(&ring(), SALT)
        .with_compression(Compression::Django)
        .with_limits(limits);
    let token = signed_raw(&nested(100_000, false), true);
    assert!(token.len() < 1000);
    let err = codec.loads_value_at(&token, None, T0).unwrap_err();
    assert_eq!(json_error_kind(&err), JsonErrorKind::TooDeep);
    // The cap itself is exact.
    let at_cap = codec
        .dumps_json_at(&nested(MAX_JSON_DEPTH, false), T0)
        .unwrap();
    assert_eq!(
        codec.dumps_json_at(&nested(MAX_JSON_DEPTH + 1, false), T0),
        Err(signed_session::EncodeError::TooDeep {
            limit: MAX_JSON_DEPTH
        }),
        "the encoder refuses what the decoder would"
    );
    let past_cap = signed_raw(&nested(MAX_JSON_DEPTH + 1, false), true);
    assert!(codec.loads_value_at(&at_cap, None, T0).is_ok());
    assert_eq!(
        json_error_kind(&codec.loads_value_at(&past_cap, None, T0).unwrap_err()),
        JsonErrorKind::TooDeep
    );
    // The unverified inspector obeys the same cap.
    assert!(inspect(&token, &limits).unwrap().payload.is_err());
}

// ---------------------------------------------------------------------------
// Times and ages at the extremes

/// Times are typed instants now, so NaN, the infinities and floats past the
/// ends of `i64` cannot reach the codec (the float arithmetic underneath
/// still fails closed on them: `check_age`'s unit tests). The ends of the
/// representable range sign and read back exactly.
#[test]
fn signing_at_the_ends_of_the_time_range() {
    let codec = at::signer(&ring(), SALT);
    for (now, expected) in [
        (253_402_300_799.0, 253_402_300_799),   // 9999-12-31T23:59:59Z
        (-377_705_116_800.0, -377_705_116_800), // -9999-01-01T00:00:00Z
        (-0.5, 0),                              // truncated toward zero, as int()
        (0.0, 0),
    ] {
        let token = codec.dumps_at(&1, now).unwrap();
        let loaded = codec.loads_value_at(&token, None, T0).unwrap();
        assert_eq!(
            loaded.signed_at.unix_timestamp(),
            expected,
            "signed at {now}"
        );
    }
}

#[test]
fn ages_at_the_extremes_give_errors_or_correct_results() {
    let codec = at::signer(&ring(), SALT);
    let future = codec.dumps_at(&1, 253_402_300_799.0).unwrap();
    let past = codec.dumps_at(&1, -377_705_116_800.0).unwrap();
    let now_token = codec.dumps_at(&1, T0).unwrap();

    // A timestamp in the future has a negative age: accepted, as in Django.
    assert!(codec.loads_value_at(&future, Some(60.0), T0).is_ok());
    // Age from the year -9999 to now: expired, with that age.
    match codec.loads_value_at(&past, Some(60.0), T0) {
        Err(DecodeError::Expired { age, max_age }) => {
            assert_eq!(age.whole_seconds(), 1_700_000_000 + 377_705_116_800);
            assert_eq!(max_age, time::Duration::seconds(60));
        }
        other => panic!("{other:?}"),
    }
    // The largest age limit a Duration holds still expires nothing it
    // should not, and is no error.
    assert!(
        with_now(T0, || codec
            .loads::<Value>(&past, Some(time::Duration::MAX)))
        .is_ok()
    );
    // A negative limit expires everything not from the future.
    assert!(matches!(
        codec.loads_value_at(&now_token, Some(-1.0), T0),
        Err(DecodeError::Expired { .. })
    ));
    assert!(codec.loads_value_at(&future, Some(-1.0), T0).is_ok());
    // The boundary is strict: exactly max_age old still loads.
    assert!(
        codec
            .loads_value_at(&now_token, Some(60.0), T0 + 60.0)
            .is_ok()
    );
    assert!(
        codec
            .loads_value_at(&now_token, Some(60.0), T0 + 60.5)
            .is_err()
    );
}

#[test]
fn timestamp_fields_outside_the_time_range_are_malformed_not_panics() {
    // Signed by the key holder, so the check behind the signature runs.
    let signer = Signer::new(&ring(), SALT);
    let cases = [
        ("zzzzzzzzzzzz", DecodeErrorKind::MalformedTimestamp), // > 2^64
        ("AzL8n0Y58m8", DecodeErrorKind::MalformedTimestamp),  // i64::MAX + 1
        ("-AzL8n0Y58m9", DecodeErrorKind::MalformedTimestamp), // below i64::MIN
        ("", DecodeErrorKind::MalformedTimestamp),
        ("1r3!eq", DecodeErrorKind::MalformedTimestamp),
    ];
    for (ts, kind) in cases {
        let token = signer.sign(&format!("e30:{ts}")).unwrap();
        let err = strict().loads_value_at(&token, Some(60.0), T0).unwrap_err();
        assert_eq!(err.kind(), kind, "timestamp {ts:?}");
        assert!(err.signature_was_valid());
    }
    // Timestamps that fit an i64 but not the years -9999 to 9999 are
    // refused as malformed when read without an age limit (with one, they
    // are long expired or, in the future, refused the same way).
    for ts in ["AzL8n0Y58m7", "-AzL8n0Y58m8"] {
        let token = signer.sign(&format!("e30:{ts}")).unwrap();
        let err = strict().loads_value_at(&token, None, T0).unwrap_err();
        assert_eq!(
            malformed(&err),
            &PayloadError::Timestamp(signed_session::error::Base62Error::OutOfRange),
            "timestamp {ts:?}"
        );
    }
    // The ones that do fit are read exactly.
    for (ts, expected) in [("-", 0), ("000", 0), ("1r31eq", 1_700_000_000)] {
        let token = signer.sign(&format!("e30:{ts}")).unwrap();
        let loaded = strict().loads_value_at(&token, None, T0).unwrap();
        assert_eq!(
            loaded.signed_at.unix_timestamp(),
            expected,
            "timestamp {ts:?}"
        );
    }
    // No timestamp at all.
    let err = strict()
        .loads_value_at(&signer.sign("e30").unwrap(), None, T0)
        .unwrap_err();
    assert_eq!(malformed(&err), &PayloadError::MissingTimestamp);
}

/// The latest and the earliest instants a clock can show (9999-12-31 and
/// -9999-01-01, to the second).
const LATEST: f64 = 253_402_300_799.0;
const EARLIEST: f64 = -377_705_116_800.0;

/// A session cookie whose data carries `_session_expiry = stored`, signed at
/// `signed_at`.
fn session_cookie(stored: Value, signed_at: f64) -> String {
    let mut data = Map::new();
    data.insert("user".into(), 1.into());
    data.insert("_session_expiry".into(), stored);
    at::signer(&ring(), SALT)
        .dumps_at(&Value::Object(data), signed_at)
        .unwrap()
}

#[test]
fn stored_session_expiry_at_the_extremes() {
    let enforcing = SessionCodec::new(&ring(), at::config());
    let lenient = SessionCodec::new(&ring(), at::config().with_enforce_expiry(false));
    let big = Value::Number(signed_session::Number::from_integer_str(&"9".repeat(400)).unwrap());
    let neg_big = Value::Number(
        signed_session::Number::from_integer_str(&format!("-{}", "9".repeat(400))).unwrap(),
    );
    let cases: Vec<(Value, bool)> = vec![
        // (stored value, still valid one second after signing when enforced)
        (Value::from(i64::MAX), true),
        (Value::from(i64::MIN), false),
        (Value::from(u64::MAX), true),
        (big, true),
        (neg_big, false),
        (Value::from(f64::MAX), true),
        (Value::from(-f64::MAX), false),
        (Value::from(f64::INFINITY), true),
        (Value::from(f64::NEG_INFINITY), false),
        (Value::from(f64::NAN), true), // unusable: the cookie age applies
        (Value::from("9999-12-31T23:59:59.999999+00:00"), true),
        (Value::from("9999-12-31T23:59:59.999999-23:59"), true),
        (Value::from("0001-01-01T00:00:00+23:59"), false),
        (Value::from("0001-01-01T00:00:00"), false),
        (Value::from("not a date"), true),
    ];
    for (stored, valid) in cases {
        let cookie = session_cookie(stored.clone(), T0);
        let at = T0 + 1.0;
        match enforcing.try_load_at(Some(&cookie), at) {
            Ok(session) => {
                assert!(valid, "{stored:?} should have expired");
                let _ = (
                    session.get_expiry_age_at(at),
                    session.get_expiry_date_at(at),
                );
            }
            Err(e) => {
                assert!(!valid, "{stored:?} refused: {e}");
                assert_eq!(e.kind(), DecodeErrorKind::Expired, "{stored:?}");
            }
        }
        // Without enforcement every one loads, and the expiry getters
        // answer at any time without panicking.
        let session = lenient.try_load_at(Some(&cookie), at).unwrap();
        for now in [at, LATEST, EARLIEST] {
            let _ = session.get_expiry_age_at(now);
            let _ = session.get_expiry_date_at(now);
        }
    }
}

#[test]
fn set_expiry_at_the_extremes_saves_and_loads() {
    use time::{Duration, PrimitiveDateTime};
    let codec = SessionCodec::new(&ring(), at::config().with_enforce_expiry(false));
    for expiry in [
        Expiry::Idle(time::Duration::seconds(i64::MAX)),
        Expiry::Idle(time::Duration::seconds(i64::MIN)),
        Expiry::In(Duration::MAX),
        Expiry::In(Duration::MIN),
        Expiry::At(PrimitiveDateTime::MAX.assume_utc()),
        Expiry::At(PrimitiveDateTime::MIN.assume_utc()),
        Expiry::AtNaive(PrimitiveDateTime::MAX),
    ] {
        for now in [T0, LATEST, EARLIEST] {
            let mut session = codec.new_session();
            session.insert("k", 1);
            session.set_expiry_at(expiry, now);
            let _ = (
                session.get_expiry_age_at(now),
                session.get_expiry_date_at(now),
            );
            let cookie = codec.save_at(&mut session, T0).unwrap();
            let back = codec.try_load_at(Some(&cookie), T0).unwrap();
            assert_eq!(back.as_map(), session.as_map(), "{expiry:?} at {now}");
        }
    }
}
