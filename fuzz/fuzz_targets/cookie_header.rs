//! The HTTP layer: arbitrary `Cookie` headers (several of them, with or
//! without a validly signed session cookie somewhere inside), through
//! `request_cookie` and `SessionMiddleware`, a few session operations with
//! extreme expiry settings and times, then the response. Nothing panics,
//! and a `Set-Cookie` the middleware writes reads back to the same data.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use signed_session::http::{CookieConfig, Outcome, SessionMiddleware, request_cookie};
use signed_session::session::SessionConfig;
use signed_session::signing::{Compression, ObjectSigner};
use signed_session::{DecodeError, DecodeErrorKind, Value};
use signed_session_fuzz::{ArbObject, ArbValue, gen_expiry, gen_now, keyring};

/// The cookie's value from a `Set-Cookie` line: between `name=` and `;`.
fn set_cookie_token<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(name)?.strip_prefix('=')?;
    Some(rest.split(';').next().unwrap_or(rest))
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let name = *u.choose(&["sessionid", "__Host-s", "a"])?;
    let session_config = SessionConfig::new()
        .with_cookie_age(*u.choose(&[1_209_600, 0, -1, 60, i64::MAX, i64::MIN])?)
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
        .with_size_budget(u.int_in_range(0..=8192)?)
        .with_session_config(session_config.clone());
    let ring = keyring();
    let Ok(mw) = SessionMiddleware::new(&ring, config) else {
        return Ok(());
    };
    let now = gen_now(u)?;

    // A validly signed cookie, with arbitrary data and `_session_expiry`.
    let mut data = ArbObject::arbitrary(u)?.0;
    if u.arbitrary()? {
        data.insert("_session_expiry".into(), ArbValue::arbitrary(u)?.0);
    }
    let signer =
        ObjectSigner::new(&ring, session_config.salt()).with_compression(Compression::Django);
    let signed_at = if u.arbitrary()? { now } else { gen_now(u)? };
    let token = signer
        .dumps_value_at(&Value::Object(data), signed_at)
        .unwrap_or_default();

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
    let mut loaded = mw.load_at(&headers, now);
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
            1 => session.set_expiry_at(gen_expiry(u)?, now),
            2 => {
                let _ = session.get_expiry_age_at(now);
                let _ = session.get_expiry_date_at(now);
            }
            3 => session.flush(),
            4 => session.mark_modified(),
            _ => {
                let key: String = u.arbitrary()?;
                session.remove(&key);
            }
        }
    }

    let status = StatusCode::from_u16(*u.choose(&[200, 302, 404, 500])?).unwrap_or(StatusCode::OK);
    let mut response = HeaderMap::new();
    let outcome = mw.finish_at(session, loaded.had_cookie, status, &mut response, now);
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
        match mw.codec().try_load_at(Some(sent), now) {
            Ok(again) => assert_eq!(again.as_map(), session.as_map()),
            Err(e) => assert_eq!(e.kind(), DecodeErrorKind::Expired, "{e}: {line}"),
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
