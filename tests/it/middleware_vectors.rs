//! Replays every `middleware` golden vector (Django 6.1.3's
//! `SessionMiddleware` around a view) through the framework-free
//! [`SessionMiddleware`]: the same `Set-Cookie` (signed by us at the
//! vector's time) and the same `Vary`. Every failure names its vector id.
#![cfg(feature = "http")]

use crate::at::{self, prelude::*};
use crate::common;

use std::collections::BTreeMap;

use common::*;
use http::header::{COOKIE, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, StatusCode};
use signed_session::Value;
use signed_session::http::{CookieConfig, Outcome, SameSite, SessionMiddleware};
use signed_session::session::{Expiry, Session, SessionConfig};
use signed_session::signing::Keyring;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A `Set-Cookie` line split into name, value and attributes (names
/// lower-cased, flags as `""`), so that order and case do not matter.
#[derive(Debug, PartialEq)]
pub(crate) struct ParsedCookie {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) attributes: BTreeMap<String, String>,
}

/// The test's own reading of a `Set-Cookie` line. It keeps `Max-Age`
/// exactly as written (the `cookie` crate turns negative ages into 0, and
/// `-1800` is what Django sends) and unquotes the value as Python does for
/// the empty `""`.
pub(crate) fn parse_set_cookie(line: &str) -> ParsedCookie {
    let mut parts = line.split(';').map(str::trim);
    let (name, value) = parts.next().unwrap().split_once('=').unwrap();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let attributes = parts
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_owned()),
            None => (p.to_ascii_lowercase(), String::new()),
        })
        .collect();
    ParsedCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        attributes,
    }
}

/// The vector's `expected.cookie.attributes` in the same shape.
pub(crate) fn expected_attributes(attrs: &Value) -> BTreeMap<String, String> {
    attrs
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::Bool(true) => String::new(),
                Value::String(s) => s.clone(),
                other => other.as_i64().map(|n| n.to_string()).unwrap(),
            };
            (k.to_ascii_lowercase(), text)
        })
        .collect()
}

/// The settings of a vector as our configuration: the session's (on top of
/// `base`, which brings the clock) and the cookie's.
pub(crate) fn config(
    id: &str,
    settings: &Value,
    base: SessionConfig,
) -> (SessionConfig, CookieConfig) {
    let s = |name: &str| {
        settings
            .as_object()
            .unwrap()
            .get(name)
            .unwrap_or_else(|| panic!("{id}: no setting {name}"))
    };
    let same_site = s("SESSION_COOKIE_SAMESITE")
        .as_str()
        .map(|v| v.parse::<SameSite>().unwrap());
    // Django's exact behaviour: a session's own expiry is not enforced on
    // load (so a cookie with a past `_session_expiry` still decodes).
    let session = base
        .with_use_tz(s("USE_TZ").as_bool().unwrap())
        .with_enforce_expiry(false)
        .with_cookie_age(time::Duration::seconds(
            s("SESSION_COOKIE_AGE").as_i64().unwrap(),
        ))
        .with_expire_at_browser_close(s("SESSION_EXPIRE_AT_BROWSER_CLOSE").as_bool().unwrap());
    let cookie = CookieConfig::new()
        .with_name(s("SESSION_COOKIE_NAME").as_str().unwrap())
        .with_domain(s("SESSION_COOKIE_DOMAIN").as_str().map(str::to_owned))
        .with_path(s("SESSION_COOKIE_PATH").as_str().map(str::to_owned))
        .with_secure(s("SESSION_COOKIE_SECURE").as_bool().unwrap())
        .with_http_only(s("SESSION_COOKIE_HTTPONLY").as_bool().unwrap())
        .with_same_site(same_site)
        .with_save_every_request(s("SESSION_SAVE_EVERY_REQUEST").as_bool().unwrap());
    (session, cookie)
}

/// The vector's `SECRET_KEY` and `SECRET_KEY_FALLBACKS` as a keyring.
pub(crate) fn vector_keyring(settings: &Value) -> Keyring {
    let settings = settings.as_object().unwrap();
    let secret = settings["SECRET_KEY"].as_str().unwrap();
    let fallbacks: Vec<&str> = settings["SECRET_KEY_FALLBACKS"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    keyring(secret, &fallbacks)
}

/// What the vector's view `get`s returned, in order.
pub(crate) fn expected_view_results(case: &Value) -> Vec<Value> {
    field(case, "view_results")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_object().unwrap()["result"].clone())
        .collect()
}

/// Our one `Set-Cookie` line against the vector's `want` (its
/// `expected.cookie`): the name, the attributes (against the vector's and
/// against Django's header text) and, unless only Django compressed (our
/// default policy keeps JSON under 1 KiB plain), the token and the exact
/// header text. Returns the line as parsed, for the caller's own checks.
pub(crate) fn check_set_cookie(
    id: &str,
    line: &str,
    want: &python_json::Map,
    cookie_name: &str,
) -> ParsedCookie {
    let got = parse_set_cookie(line);
    let want_line = want["set_cookie_header"].as_str().unwrap();
    let want_value = want["value"].as_str().unwrap();
    assert_eq!(got.name, cookie_name, "{id}: cookie name");
    assert_eq!(
        got.attributes,
        expected_attributes(&want["attributes"]),
        "{id}: attributes of {line}"
    );
    assert_eq!(
        got.attributes,
        parse_set_cookie(want_line).attributes,
        "{id}: attributes against Django's header text"
    );
    // Only when Django compressed and our default policy (JSON under 1 KiB
    // stays plain) did not do the tokens differ; compressed on both sides
    // they are equal (stock zlib's bytes).
    if !want_value.starts_with('.') || got.value.starts_with('.') {
        assert_eq!(got.value, want_value, "{id}: token");
        // Same token, same attribute order: Django's exact bytes.
        assert_eq!(line, want_line, "{id}: header text");
    }
    got
}

/// Our `Vary` lines against the vector's `expected.vary`.
pub(crate) fn check_vary<S: AsRef<str>>(id: &str, vary: &[S], expected: &Value) {
    let vary: Vec<&str> = vary.iter().map(AsRef::as_ref).collect();
    match expected.as_object().unwrap()["vary"].as_str() {
        None => assert!(vary.is_empty(), "{id}: unexpected Vary {vary:?}"),
        Some(want) => assert_eq!(vary, [want], "{id}: Vary"),
    }
}

/// Runs one view op the way the vector generator ran it on
/// `request.session`, returning what it returned (for `view_results`).
fn run_op(id: &str, session: &mut Session, op: &[Value], now: f64) -> Option<Value> {
    let name = op[0].as_str().unwrap();
    let arg = |i: usize| {
        op.get(i)
            .unwrap_or_else(|| panic!("{id}: {name} needs {i} args"))
    };
    match name {
        "set" => {
            session.insert(arg(1).as_str().unwrap(), arg(2).clone());
            None
        }
        "get" => Some(
            session
                .get(arg(1).as_str().unwrap())
                .cloned()
                .unwrap_or(Value::Null),
        ),
        "flush" => {
            session.flush();
            None
        }
        "clear" => {
            session.clear();
            None
        }
        "set_expiry" => {
            let expiry = match arg(1) {
                Value::Null => Expiry::Default,
                v => Expiry::Idle(time::Duration::seconds(v.as_i64().unwrap())),
            };
            session.set_expiry_at(expiry, now);
            None
        }
        "set_expiry_datetime" => {
            let at = OffsetDateTime::parse(arg(1).as_str().unwrap(), &Rfc3339).unwrap();
            session.set_expiry_at(Expiry::At(at), now);
            None
        }
        other => panic!("{id}: view op {other} is not implemented by this test"),
    }
}

#[test]
fn middleware_vectors() {
    let all = vectors();
    let cases = section(&all, "middleware");
    assert!(cases.len() >= 24, "expected the full middleware section");
    let mut set_count = 0;
    for case in &cases {
        let id = id(case);
        let settings = field(case, "settings");
        let (session_config, config) = config(&id, settings, at::config());
        let cookie_name = config.name().to_owned();
        let middleware = SessionMiddleware::new(&vector_keyring(settings), session_config, config)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let now = field(case, "now").as_f64().unwrap();

        // The request.
        let mut request = HeaderMap::new();
        if let Some(value) = field(case, "request_cookie").as_str() {
            let line = format!("other=1; {cookie_name}={value}");
            request.insert(COOKIE, HeaderValue::from_str(&line).unwrap());
        }
        let mut loaded = middleware.load_at(&request, now);

        // The view.
        let mut results = Vec::new();
        for op in field(case, "view_ops").as_array().unwrap() {
            let op = op.as_array().unwrap();
            if let Some(result) = run_op(&id, &mut loaded.session, op, now) {
                results.push(result);
            }
        }
        assert_eq!(results, expected_view_results(case), "{id}: view results");

        // The response.
        let status = StatusCode::from_u16(
            u16::try_from(field(case, "response_status").as_i64().unwrap()).unwrap(),
        )
        .unwrap();
        let mut response = HeaderMap::new();
        if let Some(vary) = field(case, "preexisting_vary").as_str() {
            response.insert(VARY, HeaderValue::from_str(vary).unwrap());
        }
        let outcome = middleware
            .finish_at(
                &mut loaded.session,
                loaded.had_cookie,
                status,
                &mut response,
                now,
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));

        let expected = field(case, "expected");
        let ours: Vec<&str> = response
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        match expected.as_object().unwrap()["cookie"].as_object() {
            None => {
                assert!(ours.is_empty(), "{id}: unexpected Set-Cookie {ours:?}");
                assert!(
                    matches!(outcome, Outcome::Unchanged | Outcome::SkippedServerError),
                    "{id}: {outcome:?}"
                );
            }
            Some(want) => {
                assert_eq!(ours.len(), 1, "{id}: one Set-Cookie expected, got {ours:?}");
                let line = ours[0];
                let got = check_set_cookie(&id, line, want, &cookie_name);
                if want["value"].as_str().unwrap().is_empty() {
                    assert_eq!(outcome, Outcome::Deleted, "{id}");
                    assert_eq!(got.value, "", "{id}: deletion value");
                } else {
                    assert_eq!(outcome, Outcome::Set { size: line.len() }, "{id}");
                    set_count += 1;
                    // Our own signature must verify, and hold Django's data.
                    let back = middleware
                        .codec()
                        .try_load_at(Some(&got.value), now)
                        .unwrap_or_else(|e| panic!("{id}: our cookie does not load: {e}"));
                    assert_eq!(
                        Value::Object(back.as_map().clone()),
                        want["decoded"],
                        "{id}: decoded data"
                    );
                }
            }
        }

        let vary: Vec<&str> = response
            .get_all(VARY)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        check_vary(&id, &vary, expected);
    }
    assert!(set_count >= 10, "most vectors set a cookie ({set_count})");
}

/// The same scenarios as the vectors, with a cookie signed by a fallback
/// key: it loads (fallbacks are accepted) and, once modified, is re-signed
/// with the current key.
#[test]
fn fallback_key_cookie_is_resigned_with_the_current_key() {
    let now = 1_700_001_000.0;
    let old = SessionMiddleware::new(
        &keyring("old-secret", &[]),
        at::config(),
        CookieConfig::new(),
    )
    .unwrap();
    let new = SessionMiddleware::new(
        &keyring("new-secret", &["old-secret"]),
        at::config(),
        CookieConfig::new(),
    )
    .unwrap();
    let mut s = at::session();
    s.insert("a", 1);
    let token = old.codec().save_at(&mut s, now - 10.0).unwrap();

    let mut request = HeaderMap::new();
    request.insert(
        COOKIE,
        HeaderValue::from_str(&format!("sessionid={token}")).unwrap(),
    );
    let mut loaded = new.load_at(&request, now);
    assert_eq!(loaded.session.key_index(), Some(1));
    loaded.session.insert("b", 2);
    let mut response = HeaderMap::new();
    new.finish_at(
        &mut loaded.session,
        true,
        StatusCode::OK,
        &mut response,
        now,
    )
    .unwrap();
    let line = response[SET_COOKIE].to_str().unwrap();
    let value = parse_set_cookie(line).value;
    let only_new = SessionMiddleware::new(
        &keyring("new-secret", &[]),
        at::config(),
        CookieConfig::new(),
    )
    .unwrap();
    let back = only_new.codec().try_load_at(Some(&value), now).unwrap();
    assert_eq!(back.key_index(), Some(0));
    assert_eq!(back.len(), 2);
}
