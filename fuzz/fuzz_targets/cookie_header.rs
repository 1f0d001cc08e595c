//! The HTTP layer: arbitrary `Cookie` headers (several of them, with or
//! without a validly signed session cookie somewhere inside), through
//! `request_cookie` and `SessionMiddleware`, a few session operations with
//! extreme expiry settings, cookie ages and clock times, then the response. Nothing panics,
//! and a `Set-Cookie` the middleware writes reads back to the same data.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use signed_session::clock::ManualClock;
use signed_session::http::{CookieConfig, Outcome, SessionMiddleware, request_cookie};
use signed_session::session::SessionConfig;
use signed_session::signing::{Compression, ObjectSigner};
use signed_session::{DecodeError, DecodeErrorKind, Value};
use signed_session_fuzz::{ArbObject, ArbValue, gen_cookie_age, gen_expiry, gen_instant, keyring};

/// The cookie's value from a `Set-Cookie` line: between `name=` and `;`.
fn set_cookie_token<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(name)?.strip_prefix('=')?;
    Some(rest.split(';').next().unwrap_or(rest))
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let name = *u.choose(&["sessionid", "__Host-s", "a"])?;
    // The middleware's clock; it shows the same time through the request.
    let clock = ManualClock::new(gen_instant(u)?);
    let session_config = SessionConfig::new()
        .with_clock(clock.clone())
        .with_cookie_age(gen_cookie_age(u)?)
        .with_expire_at_browser_close(u.arbitrary()?)
        .with_use_tz(u.arbitrary()?)
        .with_enforce_expiry(u.arbitrary()?)
        .with_compression(if u.arbitrary()? {
            Compression::Django
        } else {
            Compression::Never
        });
    let config = CookieConfig::new()
        .with_name(name)
        .with_save_every_request(u.arbitrary()?)
        .with_size_budget(u.int_in_range(0..=8192)?);
    let ring = keyring();
    let Ok(mw) = SessionMiddleware::new(&ring, session_config.clone(), config) else {
        return Ok(());
    };

    // A validly signed cookie, with arbitrary data and `_session_expiry`.
    let mut data = ArbObject::arbitrary(u)?.0;
    if u.arbitrary()? {
        data.insert("_session_expiry".into(), ArbValue::arbitrary(u)?.0);
    }
    // Signed now, or at any other time.
    let signer_clock = if u.arbitrary()? {
        clock.clone()
    } else {
        ManualClock::new(gen_instant(u)?)
    };
    let signer = ObjectSigner::new(&ring, session_config.salt())
        .with_compression(Compression::Django)
        .with_clock(signer_clock);
    let token = signer.dumps(&Value::Object(data)).unwrap_or_default();

    // Up to four Cookie headers of arbitrary bytes; the signed cookie may
    // be spliced into one of them.
    let mut headers = HeaderMap::new();
    let count = u.int_in_range(0..=4)?;
    let with_token = u.choose_index(count + 1)?;
    for i in 0..count {
        let mut raw: Vec<u8> = u.arbitrary()?;
        if i == with_token {
            let at = u.choose_index(raw.len() + 1)?;
            let piece = format!("; {name}={token}; ");
            raw.splice(at..at, piece.bytes());
        }
        if let Ok(v) = HeaderValue::from_bytes(&raw) {
            headers.append(COOKIE, v);
        }
    }

    let found = request_cookie(&headers, name);
    let mut loaded = mw.load(&headers);
    assert_eq!(loaded.had_cookie, found.is_some());
    if found.as_deref() == Some(token.as_str()) && !token.is_empty() {
        let kind = loaded.session.load_error().map(DecodeError::kind);
        assert_ne!(
            kind,
            Some(DecodeErrorKind::BadSignature),
            "our own cookie failed to verify"
        );
        assert_ne!(kind, Some(DecodeErrorKind::TooLong));
    }

    let session = &mut loaded.session;
    for _ in 0..u.int_in_range(0..=4)? {
        match u.choose_index(6)? {
            0 => {
                let key: String = u.arbitrary()?;
                session.insert(key, ArbValue::arbitrary(u)?.0);
            }
            1 => session.set_expiry(gen_expiry(u)?),
            2 => {
                let _ = session.expiry_age();
                let _ = session.expiry_date();
            }
            3 => session.flush(),
            4 => session.set_modified(true),
            _ => {
                let key: String = u.arbitrary()?;
                session.remove(&key);
            }
        }
    }

    let status = StatusCode::from_u16(*u.choose(&[200, 302, 404, 500])?).unwrap_or(StatusCode::OK);
    let mut response = HeaderMap::new();
    let outcome = mw.finish(session, loaded.had_cookie, status, &mut response);
    if let Ok(Outcome::Set { size }) = outcome {
        let lines: Vec<_> = response.get_all(SET_COOKIE).iter().collect();
        assert_eq!(lines.len(), 1);
        let line = lines[0]
            .to_str()
            .unwrap_or_else(|_| panic!("Set-Cookie is not text: {:?}", lines[0]));
        assert_eq!(line.len(), size);
        assert!(size <= mw.config().size_budget());
        let sent = set_cookie_token(line, name).unwrap_or_else(|| panic!("no {name}= in {line}"));
        // The browser sends it back: same data, or expired by its own
        // expiry or the cookie age, never a signature or format failure.
        let mut back = HeaderMap::new();
        let header = format!("{name}={sent}");
        back.append(
            COOKIE,
            HeaderValue::from_str(&header).unwrap_or_else(|e| panic!("{e}: {header}")),
        );
        assert_eq!(request_cookie(&back, name).as_deref(), Some(sent));
        match mw.codec().try_load(Some(sent)) {
            Ok(again) => assert_eq!(again.as_map(), session.as_map()),
            Err(e) => assert_eq!(e.kind(), DecodeErrorKind::Expired, "{e}: {line}"),
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
