//! An arbitrary value signed with `dumps` comes back equal from `loads`,
//! with every compression policy and at any time; an arbitrary session
//! with any expiry setting saves and loads back to equal data.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use signed_session::session::{SessionCodec, SessionConfig};
use signed_session::signing::{Compression, Limits, ObjectSigner};
use signed_session::{DecodeErrorKind, EncodeError, Map, Value};
use signed_session_fuzz::{ArbObject, ArbValue, SESSION_SALT, gen_expiry, gen_now, keyring};

/// A session holding `data`, with an arbitrary expiry, saved and loaded.
fn session_roundtrip(u: &mut Unstructured<'_>, data: &Map, now: f64) -> arbitrary::Result<()> {
    let enforce = u.arbitrary()?;
    let cookie_age = *u.choose(&[1_209_600, 1, 0, -1, i64::MAX, i64::MIN])?;
    let config = SessionConfig::new()
        .with_cookie_age(cookie_age)
        .with_expire_at_browser_close(u.arbitrary()?)
        .with_use_tz(u.arbitrary()?)
        .with_enforce_expiry(enforce)
        .with_compression(if u.arbitrary()? {
            Compression::Django
        } else {
            Compression::Never
        })
        .with_limits(
            Limits::default()
                .with_max_token_len(1 << 20)
                .with_max_inflated_len(1 << 20),
        );
    let codec = SessionCodec::new(&keyring(), config);
    let mut session = codec.new_session();
    for (k, v) in data {
        session.insert(k.clone(), v.clone());
    }
    let expiry = gen_expiry(u)?;
    session.set_expiry_at(expiry, now);
    let _ = (
        session.get_expiry_age_at(now),
        session.get_expiry_date_at(now),
    );
    let expected = session.as_map().clone();
    let token = match codec.save_at(&mut session, now) {
        Ok(t) => t,
        Err(EncodeError::TooLong { .. }) => return Ok(()),
        Err(e) => panic!("save refused a session: {e}"),
    };
    assert_eq!(session.session_key(), Some(token.as_str()));
    match codec.try_load_at(Some(&token), now) {
        Ok(back) => assert_eq!(back.as_map(), &expected),
        Err(e) => {
            // Only the age rules may refuse a session loaded at the time it
            // was saved: a cookie age below the fraction of a second, a
            // time past the ends of i64, or (when enforced) its own expiry.
            assert_eq!(
                e.kind(),
                DecodeErrorKind::Expired,
                "{e} ({expiry:?}, {token})"
            );
            let odd_time = !now.is_finite() || now.abs() >= 9.2e18;
            assert!(
                cookie_age < 1 || odd_time || enforce,
                "{e} ({expiry:?}, cookie age {cookie_age})"
            );
        }
    }
    Ok(())
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let value = if u.arbitrary()? {
        ArbObject::arbitrary(u).map(|o| Value::Object(o.0))?
    } else {
        ArbValue::arbitrary(u)?.0
    };
    let compression = match u.choose_index(3)? {
        0 => Compression::Never,
        1 => Compression::Django,
        _ => Compression::MinJsonLen(u.int_in_range(0..=512)?),
    };
    let now = gen_now(u)?;
    let salt = if u.arbitrary()? {
        SESSION_SALT.to_owned()
    } else {
        u.arbitrary()?
    };
    // Generous limits: the property is about fidelity, not the caps.
    let limits = Limits::default()
        .with_max_token_len(1 << 20)
        .with_max_inflated_len(1 << 20);
    let ring = keyring();
    let codec = ObjectSigner::new(&ring, &salt)
        .with_compression(compression)
        .with_limits(limits);

    let token = match codec.dumps_value_at(&value, now) {
        Ok(t) => t,
        Err(EncodeError::TooLong { len, max }) => {
            assert!(len > max);
            return Ok(());
        }
        Err(e) => panic!("dumps refused a plain Value: {e}"),
    };
    assert!(token.is_ascii(), "token is not ASCII: {token:?}");

    let loaded = codec
        .loads_value_at(&token, None, now)
        .unwrap_or_else(|e| panic!("own token refused: {e}\n token {token}"));
    assert_eq!(loaded.value, value, "token {token}");
    assert_eq!(loaded.key_index, 0);
    assert_eq!(loaded.compressed, token.starts_with('.'));
    // Django's int(time.time()): truncated toward zero, saturated, NaN as 0.
    #[allow(clippy::cast_possible_truncation)]
    let whole = now.trunc() as i64;
    assert_eq!(loaded.timestamp, whole);

    // A max_age check at the signing time itself never expires a finite
    // token whose timestamp is exact.
    if now.is_finite() && now.abs() < 9e15 {
        let at = codec.loads_value_at(&token, Some(0.0), whole as f64);
        assert!(at.is_ok(), "age 0 refused: {at:?}");
    }
    if let Value::Object(data) = &value {
        session_roundtrip(u, data, now)?;
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
