//! `Signer` and `TimestampSigner` on arbitrary strings, salts, separators,
//! times and ages: verification never panics, a value signed with any
//! accepted separator comes back unchanged, the age rule is exact at whole
//! seconds, and nothing else verifies.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use signed_session::clock::ManualClock;
use signed_session::signing::{Keyring, Secret, Signer, TimestampSigner};
use signed_session::{DecodeError, EncodeError, PayloadError};
use signed_session_fuzz::{django_timestamp, gen_age, gen_instant, keyring};
use time::Duration;

#[derive(Arbitrary, Debug)]
struct Case<'a> {
    salt: &'a str,
    sep: &'a str,
    value: &'a str,
    wire: &'a str,
    max_len: u16,
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let case = Case::arbitrary(u)?;
    let now = gen_instant(u)?;
    let max_age = if u.arbitrary()? {
        Some(gen_age(u)?)
    } else {
        None
    };
    let ring = keyring();
    let max_len = usize::from(case.max_len);
    let clock = ManualClock::new(now);

    let (Ok(signer), Ok(ts_signer)) = (
        Signer::new(&ring, case.salt).with_separator(case.sep),
        TimestampSigner::new(&ring, case.salt).with_separator(case.sep),
    ) else {
        // Refused separators are exactly the ones made only of [A-z0-9-=].
        assert!(
            case.sep
                .chars()
                .all(|c| matches!(c, 'A'..='z' | '0'..='9' | '-' | '='))
        );
        return Ok(());
    };
    let signer = signer.with_max_len(max_len);
    let ts_signer = ts_signer.with_max_len(max_len).with_clock(clock.clone());

    // Arbitrary text on the wire: never a panic; a long one is refused first.
    for r in [
        signer.unsign(case.wire).map(|u| u.value),
        ts_signer.unsign(case.wire, max_age).map(|u| u.value),
    ] {
        match r {
            Err(DecodeError::TooLong { len, max }) => assert!(len > max && max == max_len),
            Err(_) => assert!(case.wire.len() <= max_len),
            Ok(v) => assert!(case.wire.starts_with(v)),
        }
    }

    // Sign, then verify: the value comes back exactly, and a signer never
    // writes what it would refuse to read.
    let signed = signer
        .clone()
        .with_max_len(usize::MAX)
        .sign(case.value)
        .expect("no limit, no refusal");
    assert!(signed.starts_with(case.value) && signed.ends_with(&signer.signature(case.value)));
    match signer.sign(case.value) {
        Ok(s) => {
            assert_eq!(s, signed);
            let back = signer.unsign(&s).expect("own signature verifies");
            assert_eq!((back.value, back.key_index), (case.value, 0));
        }
        Err(EncodeError::TooLong { len, max }) => {
            assert!(len > max && max == max_len && signed.len() == len);
        }
        Err(e) => panic!("unexpected refusal: {e}"),
    }
    let unlimited = ts_signer.clone().with_max_len(usize::MAX);
    let stamped = unlimited.sign(case.value).expect("no limit, no refusal");
    match ts_signer.sign(case.value) {
        Ok(s) => {
            assert_eq!(s, stamped);
            let back = ts_signer.unsign(&s, None).unwrap_or_else(|e| {
                panic!("own timestamped signature refused at {now}: {e}: {s:?}")
            });
            assert_eq!((back.value, back.key_index), (case.value, 0));
            assert_eq!(
                back.signed_at.unix_timestamp(),
                django_timestamp(now),
                "signed at {now}"
            );
        }
        Err(EncodeError::TooLong { len, max }) => {
            assert!(len > max && max == max_len && stamped.len() == len);
        }
        Err(e) => panic!("unexpected refusal: {e}"),
    }
    // With an age limit the only new outcome is Expired.
    match ts_signer.unsign(&stamped, max_age) {
        Ok(_) | Err(DecodeError::TooLong { .. } | DecodeError::Expired { .. }) => {}
        Err(e) => panic!("unexpected error with max_age {max_age:?}: {e}"),
    }
    // The age rule at whole seconds: exactly `max_age` old is still valid,
    // a second older has expired (strictly greater expires, as in Django).
    if let Some(age) = max_age.filter(|a| a.subsec_nanoseconds() == 0) {
        let back = unlimited
            .unsign(&stamped, None)
            .unwrap_or_else(|e| panic!("own timestamped signature refused at {now}: {e}"));
        let signed_at = back.signed_at;
        if let Some(at) = signed_at.checked_add(age) {
            clock.set(at);
            let r = unlimited.unsign(&stamped, Some(age));
            assert!(r.is_ok(), "{age} old at {at}, max_age {age}: {r:?}");
        }
        if let Some(at) = signed_at
            .checked_add(age)
            .and_then(|t| t.checked_add(Duration::SECOND))
        {
            clock.set(at);
            match unlimited.unsign(&stamped, Some(age)) {
                Err(DecodeError::Expired { max_age, .. }) => assert_eq!(max_age, age),
                other => panic!("a second past max_age {age} at {at}: {other:?}"),
            }
        }
        clock.set(now);
    }
    // A plain signature is not a timestamped one: with the same key the
    // timestamp field is missing or malformed; the salts differ by default.
    if let Err(e) = unlimited.unsign(&signed, None) {
        assert!(matches!(
            e,
            DecodeError::BadSignature(_)
                | DecodeError::Malformed(
                    PayloadError::MissingTimestamp | PayloadError::Timestamp(_)
                )
        ));
    }

    // Another key never verifies what this one signed.
    let other = Keyring::new(
        Secret::new("some-other-secret").map_err(|_| arbitrary::Error::IncorrectFormat)?,
    );
    if let Ok(other) = Signer::new(&other, case.salt).with_separator(case.sep) {
        assert!(
            other.with_max_len(usize::MAX).unsign(&signed).is_err(),
            "foreign key accepted {signed:?}"
        );
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
