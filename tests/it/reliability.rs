//! Issue 11: nothing the crate writes is ever refused by it, and the
//! review's findings, one named regression test each (`itemNN_...`), plus
//! the property that would have caught the first two: for any data and any
//! limits, saving either fails with a typed error or loads back equal, at
//! the codec level and through the HTTP middleware.

use crate::at::{self, prelude::*};
use proptest::prelude::*;
use signed_session::error::report;
use signed_session::session::{Expiry, SessionCodec};
use signed_session::signing::{Compression, Keyring, Limits, Secret, Weakness};
use signed_session::{DecodeError, DecodeErrorKind, EncodeError, Map, Value};

const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";
const T0: f64 = 1_700_000_000.0;

fn ring() -> Keyring {
    Keyring::new(Secret::new("reliability-test-secret-0123456789-abcdefghijklmnop").unwrap())
}

fn nested_array(depth: usize) -> Value {
    let mut v = Value::from(0);
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    v
}

/// A validly signed session cookie around any JSON text, made below the
/// codec (which refuses to sign what it cannot read back): what a holder of
/// the key using another implementation could send.
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
    at::timestamp_signer(&ring(), SESSION_SALT)
        .with_max_len(usize::MAX)
        .sign_at(&body, T0)
        .unwrap()
}

// ---------------------------------------------------------------------------
// Item 1: encode obeys the decode limits.

/// A 70,000-byte string compresses into a 189-byte cookie, but inflates
/// past the 64 KiB cap: it used to be saved, then silently dropped by the
/// next load. Now the save is refused.
#[test]
fn item01_encode_obeys_the_decode_limits() {
    let codec = SessionCodec::new(&ring(), at::config());
    let mut session = codec.new_session();
    session.insert("cache", "x".repeat(70_000));
    match codec.save_at(&mut session, T0) {
        Err(EncodeError::TooLarge { len, limit }) => {
            assert_eq!(limit, 64 * 1024);
            assert!(len > 70_000, "{len}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(session.session_key(), None, "nothing was saved");

    // Nested deeper than the decoder's depth limit (128 by default; the
    // session object itself is one level).
    let mut session = codec.new_session();
    session.insert("deep", nested_array(128));
    assert_eq!(
        codec.save_at(&mut session, T0),
        Err(EncodeError::TooDeep { limit: 128 })
    );
    let mut session = codec.new_session();
    session.insert("deep", nested_array(127));
    let cookie = codec.save_at(&mut session, T0).unwrap();
    let back = codec.try_load_at(Some(&cookie), T0).unwrap();
    assert_eq!(back.as_map(), session.as_map());

    // The same rules at the `signing.dumps` level, for every entry point.
    let signer = at::signer(&ring(), "s").with_compression(Compression::Django);
    assert!(matches!(
        signer.dumps_at(&"x".repeat(70_000), T0),
        Err(EncodeError::TooLarge { .. })
    ));
    assert_eq!(
        signer.dumps_at(&nested_array(129), T0),
        Err(EncodeError::TooDeep { limit: 128 })
    );
    assert_eq!(
        signer.dumps_json_at(b"[[[1]]]", T0).map(|_| ()),
        Ok(()),
        "within the limits"
    );
    let small = signer.with_limits(Limits::default().with_max_json_depth(2));
    assert_eq!(
        small.dumps_json_at(b"[[[1]]]", T0),
        Err(EncodeError::TooDeep { limit: 2 })
    );
    assert!(matches!(
        small.dumps_json_at(b"{\"a\": }", T0),
        Err(EncodeError::Json(_))
    ));
    // An integer Python cannot write (over 4300 digits) cannot be built.
    assert!(signed_session::Number::from_integer_str(&"7".repeat(4301)).is_none());
    assert!(signed_session::Number::from_integer_str(&"7".repeat(4300)).is_some());
}

// ---------------------------------------------------------------------------
// Item 2: the session path caps the JSON depth.

/// With `with_max_json_depth(usize::MAX)` the session path used the raw
/// field, so a 182-byte signed cookie of 32,000 nested arrays loaded, and
/// reading the value overflowed the stack (an abort, not a panic).
#[test]
fn item02_session_path_caps_the_json_depth() {
    let limits = Limits::default()
        .with_max_json_depth(usize::MAX)
        .with_max_inflated_len(1 << 20);
    let codec = SessionCodec::new(&ring(), at::config().with_limits(limits));
    let mut json = b"{\"a\":".to_vec();
    json.extend(std::iter::repeat_n(b'[', 32_000));
    json.extend(std::iter::repeat_n(b']', 32_000));
    json.push(b'}');
    let cookie = signed_raw(&json, true);
    assert!(cookie.len() < 400, "{}", cookie.len());
    let err = codec.try_load_at(Some(&cookie), T0).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::MalformedJson);
    let session = codec.load_at(Some(&cookie), T0);
    assert!(session.get("a").is_none());
    assert_eq!(
        session.load_error().map(DecodeError::kind),
        Some(DecodeErrorKind::MalformedJson)
    );
}

// ---------------------------------------------------------------------------
// Item 3: non-finite times fail closed. Times and ages are typed now, so a
// NaN or an infinity cannot be passed in at all; the float arithmetic
// underneath still fails closed, which the unit test
// `signing::signer::tests::item03_non_finite_max_age_or_now_fails_closed`
// checks, and js/test/vectors.test.js checks the same through the npm
// package's wasm module ("fail closed").

// ---------------------------------------------------------------------------
// Item 4: `Debug` never shows the cookie.

#[test]
fn item04_debug_redacts_the_cookie() {
    let codec = SessionCodec::new(&ring(), at::config());
    let mut session = codec.new_session();
    session.insert("user_id", 42);
    let cookie = codec.save_at(&mut session, T0).unwrap();
    let signature = cookie.rsplit(':').next().unwrap().to_owned();
    let loaded = codec.load_at(Some(&cookie), T0);
    for shown in [format!("{session:?}"), format!("{loaded:?}")] {
        assert!(!shown.contains(&signature), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains("user_id"), "the keys stay visible: {shown}");
    }
    #[cfg(feature = "http")]
    {
        use http::{HeaderMap, HeaderValue, header::COOKIE};
        use signed_session::http::{CookieConfig, SessionMiddleware};
        let middleware =
            SessionMiddleware::new(&ring(), at::config(), CookieConfig::new()).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("sessionid={cookie}")).unwrap(),
        );
        let loaded = middleware.load_at(&headers, T0);
        let shown = format!("{loaded:?}");
        assert!(!shown.contains(&signature), "{shown}");
        #[cfg(feature = "axum")]
        {
            let handle = signed_session::http::SessionHandle::new(
                loaded.session,
                std::sync::Arc::new(middleware),
            );
            let shown = format!("{handle:?}");
            assert!(!shown.contains(&signature), "{shown}");
        }
    }
}

// ---------------------------------------------------------------------------
// Item 7: one message per layer in a chain.

/// Each error's `Display` says its own layer's words and its `source()`
/// gives the cause: a chain printer shows each message once.
#[test]
fn item07_a_chain_printer_shows_each_message_once() {
    let signer = at::signer(&ring(), "s");
    let mut errors: Vec<Box<dyn std::error::Error>> = Vec::new();
    // Malformed JSON, base64, zlib, timestamp and shape, all validly signed.
    let ts = at::timestamp_signer(&ring(), "s");
    for body in ["eyJh", "!!!!", ".eJzLSM0pyAEABs0B1w-broken"] {
        let token = ts.sign_at(body, T0).unwrap();
        errors.push(Box::new(
            signer.loads_value_at(&token, None, T0).unwrap_err(),
        ));
    }
    // The same salt derives the same key, so this carries a valid signature
    // around a timestamp that is not base62.
    let bad_timestamp = signed_session::signing::Signer::new(&ring(), "s")
        .sign("e30:!bad!")
        .unwrap();
    errors.push(Box::new(
        signer.loads_value_at(&bad_timestamp, None, T0).unwrap_err(),
    ));
    let token = signer.dumps_at(&[1, 2], T0).unwrap();
    errors.push(Box::new(
        signer.loads_at::<String>(&token, None, T0).unwrap_err(),
    ));
    let mut map = std::collections::BTreeMap::new();
    map.insert(vec![1u8], 1);
    errors.push(Box::new(signer.dumps_at(&map, T0).unwrap_err()));
    #[cfg(feature = "http")]
    {
        use signed_session::http::{CookieConfig, SessionMiddleware};
        let middleware =
            SessionMiddleware::new(&ring(), at::config(), CookieConfig::new()).unwrap();
        let mut session = at::session();
        session.insert("big", "x".repeat(70_000));
        errors.push(Box::new(middleware.preview_at(&session, T0).unwrap_err()));
        // Random letters barely compress: 6000 of them are over the budget.
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let noise: String = (0..6000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'a' + u8::try_from(x % 26).unwrap())
            })
            .collect();
        session.insert("big", noise);
        errors.push(Box::new(middleware.preview_at(&session, T0).unwrap_err()));
    }
    let mut longest = 0;
    for error in &errors {
        let mut messages = vec![error.to_string()];
        let mut cause = error.source();
        while let Some(e) = cause {
            messages.push(e.to_string());
            cause = e.source();
        }
        longest = longest.max(messages.len());
        for (i, outer) in messages.iter().enumerate() {
            for inner in &messages[i + 1..] {
                assert!(
                    !outer.contains(inner.as_str()),
                    "{outer:?} repeats its cause {inner:?}"
                );
            }
        }
        let full = report(error.as_ref());
        assert_eq!(full, messages.join(": "));
    }
    assert!(longest >= 3, "the chains reach the codec's own errors");
}

// ---------------------------------------------------------------------------
// Item 8: weak secrets are reported.

#[test]
fn item08_weak_secrets_are_reported_as_django_does() {
    let weakness = |s: &str| Secret::new(s).unwrap().weakness();
    assert_eq!(weakness("s3cr3t"), Some(Weakness::TooShort { chars: 6 }));
    // Django counts characters, not bytes.
    assert_eq!(
        weakness(&"é".repeat(49)),
        Some(Weakness::TooShort { chars: 49 })
    );
    assert_eq!(
        weakness(&"abcd".repeat(20)),
        Some(Weakness::FewDistinct { distinct: 4 })
    );
    assert_eq!(
        weakness(&format!("django-insecure-{}", "q1w2e3r4t5y6".repeat(5))),
        Some(Weakness::InsecurePrefix)
    );
    assert_eq!(weakness(&"abcde".repeat(10)), None);
    let ring = Keyring::new(Secret::new("abcde".repeat(10)).unwrap())
        .with_fallback(Secret::new("short").unwrap());
    assert_eq!(ring.weak_secrets(), [(1, Weakness::TooShort { chars: 5 })]);
}

#[cfg(feature = "tracing")]
#[test]
fn item08_a_weak_key_logs_a_warning_when_a_codec_is_built() {
    let warnings = capture::warnings(|| {
        let weak = Keyring::new(Secret::new("hunter2").unwrap());
        let _ = SessionCodec::new(&weak, at::config());
        let _ = at::signer(&weak, "s");
        let _ = SessionCodec::new(&ring(), at::config());
    });
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("weak") && warnings[0].contains("7 characters"));
    assert!(
        warnings.iter().all(|w| !w.contains("hunter2")),
        "the secret itself never appears: {warnings:?}"
    );
}

#[cfg(feature = "tracing")]
mod capture {
    //! A minimal `tracing` subscriber that keeps the messages of WARN events.
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::subscriber::Interest;
    use tracing::{Event, Level, Metadata, Subscriber};

    struct Warnings(Arc<Mutex<Vec<String>>>);

    struct Message(String);

    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = format!("{value:?}");
            }
        }
    }

    impl Subscriber for Warnings {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            *metadata.level() <= Level::WARN
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            if *event.metadata().level() == Level::WARN {
                let mut message = Message(String::new());
                event.record(&mut message);
                self.0.lock().unwrap().push(message.0);
            }
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
        // Ask at every event rather than cache a verdict per callsite:
        // other threads run without this subscriber.
        fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
            Interest::sometimes()
        }
    }

    pub fn warnings(f: impl FnOnce()) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        tracing::subscriber::with_default(Warnings(Arc::clone(&seen)), || {
            // Another test thread may have hit a callsite first, with no
            // subscriber of its own, and cached "never" for it: recompute
            // every callsite's interest now that this one is installed.
            tracing::callsite::rebuild_interest_cache();
            f();
        });

        seen.lock().unwrap().clone()
    }
}

// ---------------------------------------------------------------------------
// Item 16: `expires` is rounded to the microsecond first, as Django does.

#[cfg(feature = "http")]
#[test]
fn item16_expires_rounds_to_the_microsecond_like_django() {
    use http::{HeaderMap, StatusCode, header::SET_COOKIE};
    use signed_session::http::{CookieConfig, SessionMiddleware};
    let middleware = SessionMiddleware::new(&ring(), at::config(), CookieConfig::new()).unwrap();
    // (now, expiry, Django's expires), from `http_date(time.time() + max_age)`
    // under Django 5.2.
    let cases = [
        (
            1_754_326_308.999_999_5,
            None,
            "Mon, 18 Aug 2025 16:51:49 GMT",
        ),
        (
            1_754_326_308.999_999_3,
            None,
            "Mon, 18 Aug 2025 16:51:48 GMT",
        ),
        (
            1_754_326_308.999_999_5,
            Some(300),
            "Mon, 04 Aug 2025 16:56:49 GMT",
        ),
    ];
    for (now, expiry, want) in cases {
        let mut session = at::session();
        session.insert("a", 1);
        if let Some(seconds) = expiry {
            session.set_expiry_at(Expiry::Idle(time::Duration::seconds(seconds)), now);
        }
        let mut headers = HeaderMap::new();
        middleware
            .finish_at(&mut session, false, StatusCode::OK, &mut headers, now)
            .unwrap();
        let line = headers[SET_COOKIE].to_str().unwrap();
        assert!(
            line.contains(&format!("expires={want};")),
            "{now} {expiry:?}: {line}"
        );
    }
}

// ---------------------------------------------------------------------------
// The property: save refuses with a typed error, or the data loads back.

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "user_id", "cart", "ключ", "😀", ""])
        .prop_map(str::to_owned)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        // Long and compressible: small as a token, large once inflated.
        (0usize..40_000, any::<char>()).prop_map(|(n, c)| Value::from(c.to_string().repeat(n))),
        // Deep: around the default limit and the hard cap of 512.
        (0usize..600).prop_map(nested_array),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map>())),
        ]
    })
}

fn data() -> impl Strategy<Value = Map> {
    prop::collection::vec((key(), value()), 0..4).prop_map(|kv| kv.into_iter().collect())
}

/// Limits below, at and above the defaults, including a depth past the
/// hard cap.
fn limits() -> impl Strategy<Value = Limits> {
    (
        prop_oneof![Just(8192usize), 40usize..20_000, Just(1usize << 20)],
        prop_oneof![Just(65_536usize), 0usize..2_000, Just(1usize << 20)],
        prop_oneof![Just(128usize), 0usize..20, 100usize..700, Just(usize::MAX)],
    )
        .prop_map(|(token, inflated, depth)| {
            Limits::default()
                .with_max_token_len(token)
                .with_max_inflated_len(inflated)
                .with_max_json_depth(depth)
        })
}

fn compression() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::Never),
        Just(Compression::Django),
        (0usize..2048).prop_map(Compression::MinJsonLen),
    ]
}

/// The refusals an encoder may give for data that has a JSON form.
fn is_limit(e: &EncodeError) -> bool {
    matches!(
        e,
        EncodeError::TooLong { .. } | EncodeError::TooLarge { .. } | EncodeError::TooDeep { .. }
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn object_signer_refuses_or_round_trips(
        v in value(), limits in limits(), compression in compression()
    ) {
        let codec = at::signer(&ring(), "prop")
            .with_compression(compression)
            .with_limits(limits);
        match codec.dumps_at(&v, T0) {
            Err(e) => prop_assert!(is_limit(&e), "{e:?}"),
            Ok(token) => {
                let back = codec.loads_value_at(&token, Some(0.0), T0);
                prop_assert_eq!(back.map(|l| l.value), Ok(v));
            }
        }
    }

    #[test]
    fn session_refuses_or_round_trips(
        data in data(), limits in limits(), compression in compression()
    ) {
        let config = at::config().with_limits(limits).with_compression(compression);
        let codec = SessionCodec::new(&ring(), config);
        let mut session = codec.new_session();
        session.extend(data.clone());
        match codec.save_at(&mut session, T0) {
            Err(e) => {
                prop_assert!(is_limit(&e), "{e:?}");
                prop_assert_eq!(session.session_key(), None);
            }
            Ok(cookie) => {
                let back = codec.try_load_at(Some(&cookie), T0);
                prop_assert!(back.is_ok(), "{:?}", back.err());
                let back = back.unwrap();
                prop_assert_eq!(back.as_map(), &data);
            }
        }
    }
}

#[cfg(feature = "http")]
mod through_the_middleware {
    use super::*;
    use http::header::{COOKIE, SET_COOKIE};
    use http::{HeaderMap, HeaderValue, Response, StatusCode};
    use signed_session::http::{CookieConfig, OversizePolicy, SaveError, SessionMiddleware};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// An encode refusal takes the same path as a cookie over budget:
        /// the configured policy, and never a cookie the next request
        /// refuses.
        #[test]
        fn middleware_refuses_or_round_trips(
            data in data(),
            limits in limits(),
            compression in compression(),
            keep_previous in any::<bool>(),
        ) {
            let policy = if keep_previous { OversizePolicy::KeepPrevious } else { OversizePolicy::Fail };
            let config = CookieConfig::new()
                .with_size_budget(usize::MAX)
                .with_oversize_policy(policy);
            let session = at::config().with_limits(limits).with_compression(compression);
            let middleware = SessionMiddleware::new(&ring(), session, config).unwrap();
            let mut loaded = middleware.load_at(&HeaderMap::new(), T0);
            loaded.session.extend(data.clone());
            let mut response = Response::new(String::from("body"));
            match middleware.process_response_at(&mut loaded.session, loaded.had_cookie, &mut response, T0) {
                Err(e) => {
                    // A token over the codec's length limit is reported as a
                    // cookie too large; every other refusal as an encode error.
                    match &e {
                        SaveError::Encode(inner) => prop_assert!(is_limit(inner), "{inner:?}"),
                        SaveError::TooLarge(too_large) => {
                            prop_assert!(too_large.size() > limits.max_token_len());
                        }
                        other => prop_assert!(false, "{other:?}"),
                    }
                    prop_assert!(response.headers().get(SET_COOKIE).is_none());
                    prop_assert_eq!(response.extensions().get::<SaveError>(), Some(&e));
                    let status = if keep_previous { StatusCode::OK } else { StatusCode::INTERNAL_SERVER_ERROR };
                    prop_assert_eq!(response.status(), status);
                }
                Ok(_) if data.is_empty() => {
                    prop_assert!(response.headers().get(SET_COOKIE).is_none());
                }
                Ok(_) => {
                    let line = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
                    let pair = line.split(';').next().unwrap();
                    let mut headers = HeaderMap::new();
                    headers.insert(COOKIE, HeaderValue::from_str(pair).unwrap());
                    let back = middleware.load_at(&headers, T0);
                    prop_assert_eq!(back.session.load_error(), None);
                    prop_assert_eq!(back.session.as_map(), &data);
                }
            }
        }
    }
}
