//! Issue 11's property: for any session data and any `Limits` (raised,
//! lowered or the defaults), saving either fails with a typed limit error
//! or the next load gives back equal data; nothing in between. Checked at
//! the `signing.dumps` level, through the session codec and through the
//! HTTP middleware, where an encode refusal must take the configured
//! `OversizePolicy` (as a cookie over budget does) and never produce a
//! cookie that the next request refuses.
//!
//! Besides `ArbObject`, the data gets values that are small as tokens but
//! large or deep once decoded: long runs of one character (which compress
//! to almost nothing) and arrays nested around the depth limits.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use libfuzzer_sys::fuzz_target;
use signed_session::clock::ManualClock;
use signed_session::http::{CookieConfig, OversizePolicy, SaveError, SessionMiddleware};
use signed_session::session::{SessionCodec, SessionConfig};
use signed_session::signing::{Compression, Limits, ObjectSigner};
use signed_session::{EncodeError, Map, Value};
use signed_session_fuzz::{ArbObject, ArbValue, ORDINARY_UNIX, keyring};
use time::{Duration, OffsetDateTime};

/// Every codec here reads this clock, which stays at an ordinary time: the
/// property is about the limits, not about ages.
fn clock() -> ManualClock {
    ManualClock::new(
        OffsetDateTime::from_unix_timestamp(ORDINARY_UNIX).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}

fn gen_limits(u: &mut Unstructured<'_>) -> arbitrary::Result<Limits> {
    let token = match u.choose_index(3)? {
        0 => 8192,
        1 => u.int_in_range(0..=20_000)?,
        _ => 1 << 20,
    };
    let inflated = match u.choose_index(3)? {
        0 => 65_536,
        1 => u.int_in_range(0..=4_000)?,
        _ => 1 << 20,
    };
    let depth = match u.choose_index(4)? {
        0 => 128,
        1 => u.int_in_range(0..=16)?,
        2 => u.int_in_range(100..=700)?,
        _ => usize::MAX,
    };
    Ok(Limits::default()
        .with_max_token_len(token)
        .with_max_inflated_len(inflated)
        .with_max_json_depth(depth))
}

/// A value that is cheap to describe but large or deep when decoded.
fn gen_heavy(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    Ok(match u.choose_index(3)? {
        0 => {
            let c: char = u.arbitrary()?;
            Value::from(c.to_string().repeat(u.int_in_range(0..=70_000)?))
        }
        1 => {
            let mut v = ArbValue::arbitrary(u)?.0;
            for _ in 0..u.int_in_range(0..=600)? {
                v = Value::Array(vec![v]);
            }
            v
        }
        _ => ArbValue::arbitrary(u)?.0,
    })
}

fn gen_data(u: &mut Unstructured<'_>) -> arbitrary::Result<Map> {
    let mut data = ArbObject::arbitrary(u)?.0;
    for _ in 0..u.int_in_range(0..=2)? {
        let key: String = u.arbitrary()?;
        data.insert(key, gen_heavy(u)?);
    }
    Ok(data)
}

fn gen_compression(u: &mut Unstructured<'_>) -> arbitrary::Result<Compression> {
    Ok(match u.choose_index(3)? {
        0 => Compression::Never,
        1 => Compression::Django,
        _ => Compression::MinJsonLen(u.int_in_range(0..=2048)?),
    })
}

fn is_limit(e: &EncodeError) -> bool {
    matches!(
        e,
        EncodeError::TooLong { .. } | EncodeError::TooLarge { .. } | EncodeError::TooDeep { .. }
    )
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let data = gen_data(u)?;
    let limits = gen_limits(u)?;
    let compression = gen_compression(u)?;
    let ring = keyring();
    let clock = clock();

    // signing.dumps / signing.loads
    let signer = ObjectSigner::new(&ring, "fuzz")
        .with_compression(compression)
        .with_limits(limits)
        .with_clock(clock.clone());
    let value = Value::Object(data.clone());
    match signer.dumps(&value) {
        Err(e) => assert!(is_limit(&e), "dumps: {e:?}"),
        Ok(token) => {
            let back = signer
                .loads::<Value>(&token, Some(Duration::ZERO))
                .unwrap_or_else(|e| panic!("dumps wrote what loads refuses: {e}"));
            assert_eq!(back.value, value);
        }
    }

    // The session codec.
    let config = SessionConfig::new()
        .with_clock(clock)
        .with_limits(limits)
        .with_compression(compression);
    let codec = SessionCodec::new(&ring, config.clone());
    let mut session = codec.new_session();
    session.extend(data.clone());
    match codec.save(&mut session) {
        Err(e) => {
            assert!(is_limit(&e), "save: {e:?}");
            assert_eq!(session.session_key(), None);
        }
        Ok(cookie) => {
            let back = codec
                .try_load(Some(&cookie))
                .unwrap_or_else(|e| panic!("save wrote what load refuses: {e}"));
            assert_eq!(back.as_map(), &data);
        }
    }

    // The middleware, with either policy and any budget.
    let keep = u.arbitrary::<bool>()?;
    let policy = if keep {
        OversizePolicy::KeepPrevious
    } else {
        OversizePolicy::Fail
    };
    let budget = if u.arbitrary()? {
        usize::MAX
    } else {
        u.int_in_range(0..=8192)?
    };
    let cookie_config = CookieConfig::new()
        .with_size_budget(budget)
        .with_oversize_policy(policy);
    let Ok(middleware) = SessionMiddleware::new(&ring, config, cookie_config) else {
        unreachable!("the default cookie settings are valid")
    };
    let mut loaded = middleware.load(&HeaderMap::new());
    loaded.session.extend(data.clone());
    let mut response = Response::new(String::from("body"));
    match middleware.process_response(&mut loaded.session, false, &mut response) {
        Err(e) => {
            match &e {
                SaveError::Encode(inner) => assert!(is_limit(inner), "{inner:?}"),
                SaveError::TooLarge(t) => assert!(t.size() > budget.min(limits.max_token_len())),
                other => panic!("{other:?}"),
            }
            assert!(response.headers().get(SET_COOKIE).is_none());
            assert_eq!(response.extensions().get::<SaveError>(), Some(&e));
            let status = if keep {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            assert_eq!(response.status(), status);
        }
        Ok(_) if data.is_empty() => assert!(response.headers().get(SET_COOKIE).is_none()),
        Ok(_) => {
            let line = response.headers()[SET_COOKIE]
                .to_str()
                .unwrap_or_else(|e| panic!("{e}"))
                .to_owned();
            assert!(line.len() <= budget);
            let pair = line.split(';').next().unwrap_or_default();
            let mut headers = HeaderMap::new();
            headers.insert(
                COOKIE,
                HeaderValue::from_str(pair).unwrap_or_else(|e| panic!("{e}")),
            );
            let back = middleware.load(&headers);
            assert_eq!(back.session.load_error(), None, "{pair}");
            assert_eq!(back.session.as_map(), &data);
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
