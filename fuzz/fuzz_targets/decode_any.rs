//! Any byte string as a token: it must never panic, and decoding must never
//! hold more memory than the configured caps allow.
//!
//! The input is used three ways: as a token straight from a cookie (almost
//! always refused at the signature) through the strict `loads`, the strict
//! and lenient session loads and `dangerous::inspect`; as a whole `Cookie`
//! header through the HTTP layer; and as the signed text of a token this
//! target signs itself, so the code behind the signature check (base62,
//! base64, zlib, JSON, the session's expiry rules) sees arbitrary bytes too.
#![no_main]

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use signed_session::clock::ManualClock;
use signed_session::dangerous::inspect;
use signed_session::error::Base62Error;
use signed_session::http::{CookieConfig, SessionMiddleware, request_cookie};
use signed_session::session::{SessionCodec, SessionConfig};
use signed_session::signing::{Limits, ObjectSigner, Signer};
use signed_session::{DecodeError, DecodeErrorKind, PayloadError, Value};
use signed_session_fuzz::{ORDINARY_UNIX, PeakAlloc, SESSION_SALT, keyring, peak_during};
use time::{Duration, OffsetDateTime};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Every codec here reads this clock: an ordinary time, shortly after the
/// golden vectors were signed.
fn clock() -> ManualClock {
    let now = OffsetDateTime::from_unix_timestamp(ORDINARY_UNIX + 100)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    ManualClock::new(now)
}

/// The most heap a decode may hold at once, for the given limits.
///
/// A decoded value costs more than its JSON text (a `Value` is a few dozen
/// bytes, `[{},{},…]` spends three bytes of text per element), and a `Vec`
/// may hold twice what it uses while growing, so the bound is a fixed
/// multiple of the caps. What it rules out is memory that depends on
/// anything else, such as a length claimed inside the data.
fn budget(limits: &Limits, token_len: usize) -> usize {
    let per_json_byte = 96;
    64 * 1024 + 8 * token_len + per_json_byte * limits.max_inflated_len()
}

fn check(codec: &ObjectSigner, token: &str, max_age: Option<Duration>) {
    let limits = *codec.limits();
    let (result, peak) = peak_during(|| codec.loads::<Value>(token, max_age));
    let allowed = budget(&limits, token.len().min(limits.max_token_len()));
    assert!(
        peak <= allowed,
        "decode held {peak} bytes, budget {allowed}"
    );
    match result {
        Err(e) => {
            if token.len() > limits.max_token_len() {
                assert_eq!(
                    e,
                    DecodeError::TooLong {
                        len: token.len(),
                        max: limits.max_token_len()
                    }
                );
            }
            // Every error has a kind and a message.
            let _ = e.kind().as_str();
            assert!(!e.to_string().is_empty());
        }
        Ok(loaded) => {
            assert!(token.len() <= limits.max_token_len());
            // What was accepted can be written again and read back equal.
            let again = codec.dumps(&loaded.value);
            if let Ok(again) = again {
                let back = codec.loads::<Value>(&again, None).map(|l| l.value);
                assert_eq!(back, Ok(loaded.value));
            }
        }
    }
}

/// The lenient load is the strict one with failures turned into an empty
/// session that remembers why.
fn check_session(codec: &SessionCodec, cookie: &str) {
    let limits = *codec.config().limits();
    let allowed = budget(&limits, cookie.len().min(limits.max_token_len()));
    let (strict, peak) = peak_during(|| codec.try_load(Some(cookie)));
    assert!(
        peak <= allowed,
        "session load held {peak} bytes, budget {allowed}"
    );
    let lenient = codec.load(Some(cookie));
    match strict {
        Ok(session) => {
            assert!(lenient.load_error().is_none());
            assert_eq!(lenient.as_map(), session.as_map());
        }
        Err(e) => {
            assert_eq!(lenient.load_error(), Some(&e));
            assert!(lenient.as_map().is_empty());
            if cookie.len() > limits.max_token_len() {
                assert_eq!(e.kind(), DecodeErrorKind::TooLong);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let ring = keyring();
    let clock = clock();
    let tight = Limits::default()
        .with_max_token_len(2048)
        .with_max_inflated_len(4096)
        .with_max_json_depth(8);
    let codecs = [
        ObjectSigner::new(&ring, SESSION_SALT).with_clock(clock.clone()),
        ObjectSigner::new(&ring, SESSION_SALT)
            .with_limits(tight)
            .with_clock(clock.clone()),
        ObjectSigner::with_default_salt(&ring).with_clock(clock.clone()),
    ];
    let text = String::from_utf8_lossy(data);

    // 1. The bytes as a token from the wire.
    for codec in &codecs {
        check(codec, &text, None);
        check(codec, &text, Some(Duration::minutes(1)));
    }
    let (inspected, peak) = peak_during(|| inspect(&text, &Limits::default()));
    let allowed = budget(
        &Limits::default(),
        text.len().min(Limits::default().max_token_len()),
    );
    assert!(
        peak <= allowed,
        "inspect held {peak} bytes, budget {allowed}"
    );
    if text.len() > Limits::default().max_token_len() {
        assert!(inspected.is_none());
    }

    let sessions = [
        SessionCodec::new(&ring, SessionConfig::new().with_clock(clock.clone())),
        SessionCodec::new(
            &ring,
            SessionConfig::new()
                .with_clock(clock.clone())
                .with_limits(tight)
                .with_enforce_expiry(false),
        ),
    ];
    for codec in &sessions {
        check_session(codec, &text);
    }

    // 2. The bytes as a whole Cookie header, as the HTTP layer reads it.
    if let Ok(value) = HeaderValue::from_bytes(data) {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, value);
        let found = request_cookie(&headers, "sessionid");
        let session_config = SessionConfig::new().with_clock(clock.clone());
        if let Ok(mw) = SessionMiddleware::new(&ring, session_config, CookieConfig::new()) {
            let (loaded, peak) = peak_during(|| mw.load(&headers));
            let allowed = budget(
                &Limits::default(),
                data.len().min(Limits::default().max_token_len()),
            );
            assert!(
                peak <= allowed + 4 * data.len(),
                "middleware load held {peak} bytes"
            );
            assert_eq!(loaded.had_cookie, found.is_some());
            if let Some(cookie) = &found {
                check_session(mw.codec(), cookie);
            }
        }
    }

    // 3. The bytes as the text a key holder signed: everything after the
    // signature check sees them.
    for codec in &codecs[..2] {
        let signed = Signer::new(&ring, SESSION_SALT)
            .with_max_len(usize::MAX)
            .sign(&text)
            .expect("no limit, no refusal");
        check(codec, &signed, Some(Duration::seconds(1_000_000_000_000)));
        check_session(&sessions[0], &signed);
        if signed.len() <= codec.limits().max_token_len() {
            let r = codec.loads::<Value>(&signed, None);
            // The unverified inspector reads a verified token the same way.
            let seen = inspect(&signed, codec.limits());
            match r {
                Err(e) => {
                    assert!(
                        e.signature_was_valid(),
                        "a token this target signed failed at the signature: {e}"
                    );
                    assert_ne!(e.kind(), DecodeErrorKind::BadSignature);
                    // A payload that reads, under a timestamp that is not an
                    // instant of the years -9999 to 9999, is refused for the
                    // timestamp (new in 0.2; inspect does not apply the
                    // decoded-size cap to an uncompressed body).
                    let seen = seen.unwrap_or_else(|| panic!("inspect refused {signed:?}"));
                    if let (Ok(_), Some(ts)) = (&seen.payload, seen.timestamp)
                        && OffsetDateTime::from_unix_timestamp(ts).is_err()
                    {
                        match &e {
                            DecodeError::Malformed(PayloadError::Timestamp(
                                Base62Error::OutOfRange,
                            )) => {}
                            DecodeError::Malformed(PayloadError::TooLarge { .. })
                                if !seen.compressed => {}
                            other => panic!("timestamp {ts} refused as {other:?}"),
                        }
                    }
                }
                Ok(loaded) => {
                    let seen = seen.unwrap_or_else(|| panic!("inspect refused {signed:?}"));
                    assert_eq!(seen.payload.as_ref(), Ok(&loaded.value));
                    assert_eq!(seen.timestamp, Some(loaded.signed_at.unix_timestamp()));
                    assert_eq!(seen.compressed, loaded.compressed);
                }
            }
        }
    }
});
