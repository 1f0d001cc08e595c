//! An arbitrary value signed with `dumps` comes back equal from `loads`,
//! with every compression policy and at any time a clock can show; an
//! arbitrary session with any expiry setting saves and loads back to equal
//! data.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use signed_session::clock::ManualClock;
use signed_session::session::{SessionCodec, SessionConfig};
use signed_session::signing::{Compression, Limits, ObjectSigner};
use signed_session::{DecodeError, DecodeErrorKind, EncodeError, Map, Value};
use signed_session_fuzz::{
    ArbObject, ArbValue, SESSION_SALT, django_timestamp, gen_cookie_age, gen_expiry, gen_instant,
    keyring,
};
use time::{Duration, OffsetDateTime};

/// A session holding `data`, with an arbitrary expiry, saved and loaded
/// with the clock at `now`.
fn session_roundtrip(
    u: &mut Unstructured<'_>,
    data: &Map,
    now: OffsetDateTime,
) -> arbitrary::Result<()> {
    let enforce = u.arbitrary()?;
    let clock = ManualClock::new(now);
    let config = SessionConfig::new()
        .with_clock(clock.clone())
        .with_cookie_age(gen_cookie_age(u)?)
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
    let cookie_age = config.cookie_age();
    let codec = SessionCodec::new(&keyring(), config);
    let mut session = codec.new_session();
    for (k, v) in data {
        session.insert(k.clone(), v.clone());
    }
    let expiry = gen_expiry(u)?;
    session.set_expiry(expiry);
    let _ = (session.expiry_age(), session.expiry_date());
    let expected = session.as_map().clone();
    let token = match codec.save(&mut session) {
        Ok(t) => t,
        Err(EncodeError::TooLong { .. }) => return Ok(()),
        Err(e) => panic!("save refused a session: {e}"),
    };
    assert_eq!(session.session_key(), Some(token.as_str()));
    match codec.try_load(Some(&token)) {
        Ok(back) => {
            assert_eq!(back.as_map(), &expected);
            assert_eq!(back.key_index(), Some(0));
            let signed_at = OffsetDateTime::from_unix_timestamp(django_timestamp(now)).ok();
            assert_eq!(back.signed_at(), signed_at);
        }
        Err(e) => {
            // Only the age rules may refuse a session loaded at the time it
            // was saved: a cookie age below the fraction of a second that
            // the timestamp dropped, or (when enforced) its own expiry.
            assert_eq!(
                e.kind(),
                DecodeErrorKind::Expired,
                "{e} ({expiry:?}, {token})"
            );
            assert!(
                cookie_age < Duration::SECOND || enforce,
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
    let now = gen_instant(u)?;
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
    let clock = ManualClock::new(now);
    let codec = ObjectSigner::new(&ring, &salt)
        .with_compression(compression)
        .with_limits(limits)
        .with_clock(clock.clone());

    let token = match codec.dumps(&value) {
        Ok(t) => t,
        Err(EncodeError::TooLong { len, max }) => {
            assert!(len > max);
            return Ok(());
        }
        Err(e) => panic!("dumps refused a plain Value: {e}"),
    };
    assert!(token.is_ascii(), "token is not ASCII: {token:?}");

    let loaded = codec
        .loads::<Value>(&token, None)
        .unwrap_or_else(|e| panic!("own token refused at {now}: {e}\n token {token}"));
    assert_eq!(loaded.value, value, "token {token}");
    assert_eq!(loaded.key_index, 0);
    assert_eq!(loaded.compressed, token.starts_with('.'));
    // Django's int(time.time()): the float of the instant, truncated toward
    // zero; never a whole second or more away from the instant.
    assert_eq!(
        loaded.signed_at.unix_timestamp(),
        django_timestamp(now),
        "signed at {now}"
    );
    assert!(
        (loaded.signed_at - now).abs() < Duration::SECOND,
        "{} for {now}",
        loaded.signed_at
    );

    // A max_age of zero at the signing time itself (the instant truncated
    // to the token's whole second) never expires the token; a second later
    // it does.
    clock.set(loaded.signed_at);
    let at = codec.loads::<Value>(&token, Some(Duration::ZERO));
    assert!(at.is_ok(), "age 0 refused at {}: {at:?}", loaded.signed_at);
    if let Some(later) = loaded.signed_at.checked_add(Duration::SECOND) {
        clock.set(later);
        match codec.loads::<Value>(&token, Some(Duration::ZERO)) {
            Err(DecodeError::Expired { age, max_age }) => {
                assert_eq!((age, max_age), (Duration::SECOND, Duration::ZERO));
            }
            other => panic!("age 1 s with max_age 0 at {later}: {other:?}"),
        }
    }
    clock.set(now);

    if let Value::Object(data) = &value {
        session_roundtrip(u, data, now)?;
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
