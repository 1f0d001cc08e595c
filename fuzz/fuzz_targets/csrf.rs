//! Django's CSRF protection (feature `django-auth`) on arbitrary requests:
//! a method, `Host`/`Origin`/`Referer`/`Cookie`/token/`Content-Type`/
//! `Content-Length`/`X-Forwarded-*` headers (plausible values or arbitrary
//! bytes the `http` crate accepts), a body (arbitrary, or a urlencoded or
//! multipart form with a token planted in it, repeated past the body cap),
//! and an arbitrary `CsrfConfig`.
//!
//! - `check()` never panics; a safe method passes; a rejection's `reason()`
//!   is non-empty and is its `Display`.
//! - `CsrfSecret`: a fresh secret's `mask()` unmasks back to it and
//!   `matches` it (as do its plain form); `parse` of arbitrary text never
//!   panics, agrees with `check_token_format`, and what it returns
//!   round-trips.
//! - `CsrfLayer`, driven as a tower `Service` around a handler that records
//!   the body it is given (polled with a no-op waker: nothing waits on
//!   I/O): the handler gets the body unchanged; a `413` only for a body
//!   (or a declared `Content-Length`) over `max_body_size`; a `403` holds a
//!   `CsrfRejection` whose reason is in the response; a form body with a
//!   valid token (percent-encoded or not, urlencoded or multipart) on an
//!   otherwise clean request is accepted, so the parser found the token;
//!   a form over the cap is refused with `413` and an accepted `POST`
//!   form was within it, so nothing past the cap is handed on; the heap held during the call stays within a multiple of the smaller
//!   of the body and the cap (a counting allocator measures it).
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use arbitrary::{Result, Unstructured};
use axum::body::{Body, Bytes};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, ORIGIN, REFERER};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use libfuzzer_sys::fuzz_target;
use signed_session::django::csrf::{
    CSRF_FORM_FIELD, CsrfConfig, CsrfLayer, CsrfRejection, CsrfRequest, CsrfSecret, check,
    check_token_format, is_safe_method,
};
use signed_session_fuzz::{PeakAlloc, peak_during};
use tower_layer::Layer;
use tower_service::Service;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// The largest cap the target configures.
const MAX_CAP: usize = 64 * 1024;
/// The largest body it sends (a fuzz input repeated).
const MAX_BODY: usize = 2 * MAX_CAP;

/// The body the inner handler was called with, if it was.
static SEEN: Mutex<Option<Bytes>> = Mutex::new(None);

/// A handler that records its body and answers `200`.
#[derive(Clone)]
struct Record;

impl Service<Request<Body>> for Record {
    type Response = Response<Body>;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = std::result::Result<Response<Body>, Self::Error>> + Send>,
    >;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::result::Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        Box::pin(async move {
            let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
                .await
                .expect("an in-memory body reads");
            *SEEN.lock().unwrap() = Some(bytes);
            Ok(Response::new(Body::from("ok")))
        })
    }
}

/// Polls `f` to completion with a no-op waker: the layer and the handler
/// wait on nothing, so a few polls finish it.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..16 {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("the CSRF layer's future is still pending with nothing to wait on");
}

/// Arbitrary text, short.
fn text(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let s: String = u.arbitrary()?;
    Ok(s.chars().take(max).collect())
}

/// Arbitrary header bytes, as far as `HeaderValue` accepts them.
fn value_bytes(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let len = u.int_in_range(0..=80)?;
    let bytes = u.bytes(len.min(u.len()))?;
    Ok(bytes
        .iter()
        .copied()
        .filter(|&b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
        .collect())
}

/// One of `plausible`, or arbitrary bytes.
fn pick_value(u: &mut Unstructured<'_>, plausible: &[&str]) -> Result<Vec<u8>> {
    if u.ratio(3, 4)? {
        Ok(u.choose(plausible)?.as_bytes().to_vec())
    } else {
        value_bytes(u)
    }
}

const HOSTS: &[&str] = &[
    "example.com",
    "example.com:8000",
    "www.example.com",
    "sub.example.com:443",
    "[::1]:8443",
    "localhost",
    "evil.com",
    "example.com.",
    "",
    "EXAMPLE.com",
    "127.0.0.1:80",
];
const ORIGINS: &[&str] = &[
    "https://example.com",
    "http://example.com",
    "http://example.com:8000",
    "https://www.example.com",
    "https://a.b.example.com",
    "https://[::1]:8443",
    "null",
    "https://evil.com",
    "https://example.com:443",
    "HTTPS://EXAMPLE.COM",
    "https://",
    "http://[::1",
    "https://example.com:99999",
];
const REFERERS: &[&str] = &[
    "https://example.com/form",
    "https://www.example.com/x?y#z",
    "http://example.com/",
    "https://evil.com/",
    "https://example.com:8443/",
    "https://[::1]:8443/a",
    "//example.com/",
    "https:///",
    "not a url",
    "https://example.com\\@evil.com/",
    "https://user:pw@example.com/",
    "https://sub.example.com./",
];
const TRUSTED: &[&str] = &[
    "https://example.com",
    "https://*.example.com",
    "http://localhost:8000",
    "https://[::1]:8443",
    "https://*",
    "example.com",
    "https://",
    "http://[bad",
];
const ALLOWED: &[&str] = &[
    "*",
    "example.com",
    ".example.com",
    "localhost",
    "[::1]",
    "evil.com",
];

/// A token for `secret` as a form or header would carry it.
fn token_for(u: &mut Unstructured<'_>, secret: &CsrfSecret) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => secret.as_str().to_owned(),
        1 | 2 => secret.mask().expect("randomness"),
        _ => {
            // Some damage: a changed, dropped or added character.
            let mut t: Vec<char> = secret.mask().expect("randomness").chars().collect();
            let i = u.choose_index(t.len())?;
            match u.int_in_range(0..=2)? {
                0 => t[i] = u.arbitrary()?,
                1 => {
                    t.remove(i);
                }
                _ => t.insert(i, u.arbitrary()?),
            }
            t.into_iter().collect()
        }
    })
}

/// `text` percent-encoded here and there, as a browser may send it.
fn percent_some(u: &mut Unstructured<'_>, text: &str) -> Result<String> {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii() && u.ratio(1, 8).unwrap_or(false) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn config(u: &mut Unstructured<'_>) -> Result<CsrfConfig> {
    let mut config = CsrfConfig::new();
    if u.arbitrary()? {
        let name = match u.int_in_range(0..=3)? {
            0 => "csrftoken".to_owned(),
            1 => "__Host-csrf".to_owned(),
            2 => "c".to_owned(),
            _ => text(u, 12)?,
        };
        config = config.with_cookie_name(name);
    }
    if u.arbitrary()? {
        let name = match u.int_in_range(0..=4)? {
            0 => "HTTP_X_CSRFTOKEN".to_owned(),
            1 => "X-CSRFToken".to_owned(),
            2 => "HTTP_X_XSRF_TOKEN".to_owned(),
            3 => "x-xsrf-token".to_owned(),
            _ => text(u, 20)?,
        };
        config = config.with_header_name(name);
    }
    let mut trusted = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        trusted.push(if u.ratio(4, 5)? {
            (*u.choose(TRUSTED)?).to_owned()
        } else {
            text(u, 40)?
        });
    }
    config = config.with_trusted_origins(trusted);
    if u.arbitrary()? {
        let mut hosts = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            hosts.push(if u.ratio(4, 5)? {
                (*u.choose(ALLOWED)?).to_owned()
            } else {
                text(u, 20)?
            });
        }
        config = config.with_allowed_hosts(hosts);
    }
    if u.arbitrary()? {
        let domain = if u.arbitrary()? {
            ".example.com".to_owned()
        } else {
            text(u, 20)?
        };
        config = config.with_session_cookie_domain(Some(domain));
    }
    if u.arbitrary()? {
        let domain = if u.arbitrary()? {
            ".example.com".to_owned()
        } else {
            text(u, 20)?
        };
        config = config.with_cookie_domain(Some(domain));
    }
    if u.ratio(1, 4)? {
        config = config.with_secure_proxy_ssl_header(Some((
            "HTTP_X_FORWARDED_PROTO".to_owned(),
            "https".to_owned(),
        )));
    }
    let cap = if u.arbitrary()? {
        u.int_in_range(0..=512)?
    } else {
        u.int_in_range(0..=MAX_CAP)?
    };
    Ok(config
        .with_use_sessions(u.ratio(1, 8)?)
        .with_https(u.arbitrary()?)
        .with_cookie_secure(u.arbitrary()?)
        .with_use_x_forwarded_host(u.arbitrary()?)
        .with_use_x_forwarded_port(u.arbitrary()?)
        .with_max_body_size(cap)
        .with_max_form_fields(if u.arbitrary()? {
            None
        } else {
            Some(u.int_in_range(0..=8)?)
        }))
}

fn check_rejection(rejection: &CsrfRejection) {
    let reason = rejection.reason();
    assert!(
        !reason.is_empty(),
        "empty reason for {:?}",
        rejection.kind()
    );
    assert_eq!(reason, rejection.to_string());
    let _ = rejection.kind().to_string();
}

/// The `CsrfSecret` properties, on a fresh secret and on `text`.
fn secrets(text: &str) {
    let secret = CsrfSecret::generate().expect("randomness");
    let token = secret.mask().expect("randomness");
    assert_eq!(token.len(), 64);
    assert_eq!(secret.matches(&token), Ok(true));
    assert_eq!(secret.matches(secret.as_str()), Ok(true));
    assert!(CsrfSecret::unmask(&token).is_ok_and(|s| s == secret));
    assert!(CsrfSecret::parse(&token).is_ok_and(|s| s == secret));
    assert!(CsrfSecret::parse(secret.as_str()).is_ok_and(|s| s == secret));

    let parsed = CsrfSecret::parse(text);
    assert_eq!(parsed.is_ok(), check_token_format(text).is_ok(), "{text:?}");
    let _ = CsrfSecret::unmask(text);
    let _ = secret.matches(text);
    if let Ok(p) = parsed {
        assert_eq!(p.as_str().len(), 32);
        assert!(CsrfSecret::parse(p.as_str()).is_ok_and(|q| q == p));
        assert_eq!(p.matches(text), Ok(true), "{text:?}");
        if text.len() == 32 {
            assert_eq!(p.as_str(), text);
        } else {
            assert!(CsrfSecret::unmask(text).is_ok_and(|q| q == p));
        }
        let again = p.mask().expect("randomness");
        assert!(CsrfSecret::unmask(&again).is_ok_and(|q| q == p));
    }
}

/// A clean request whose form carries a valid token: the layer must
/// accept it, so the form parser found the token.
fn clean_form(u: &mut Unstructured<'_>) -> Result<()> {
    let secret = CsrfSecret::generate().expect("randomness");
    let token = token_for(u, &secret)?;
    let valid = check_token_format(&token).is_ok() && secret.matches(&token) == Ok(true);
    let multipart = u.arbitrary()?;
    let mut body = Vec::new();
    let content_type;
    if multipart {
        let boundary: String = {
            let b = text(u, 30)?;
            let b: String = b.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if b.is_empty() { "XyZ".into() } else { b }
        };
        content_type = format!("multipart/form-data; boundary={boundary}");
        for i in 0..u.int_in_range(0..=3)? {
            // Field content without CR or '-', so no delimiter inside.
            let content: String = text(u, 20)?
                .chars()
                .filter(|&c| c != '\r' && c != '-')
                .collect();
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n{content}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{CSRF_FORM_FIELD}\"\r\n\r\n{token}\r\n--{boundary}--\r\n"
            )
            .as_bytes(),
        );
    } else {
        content_type = "application/x-www-form-urlencoded".to_owned();
        for i in 0..u.int_in_range(0..=3)? {
            let value: String = text(u, 20)?
                .chars()
                .filter(|&c| c != '&' && c != '%')
                .collect();
            body.extend_from_slice(format!("f{i}={value}&").as_bytes());
        }
        let field = percent_some(u, CSRF_FORM_FIELD)?;
        let value = percent_some(u, &token)?;
        body.extend_from_slice(format!("{field}={value}").as_bytes());
    }
    // A cap the body is sometimes over: then it must be refused, unread.
    let cap = if u.arbitrary()? {
        MAX_CAP
    } else {
        u.int_in_range(0..=body.len() + 8)?
    };
    let config = CsrfConfig::new().with_max_body_size(cap);
    let layer = CsrfLayer::new(config.clone()).expect("the default config is valid");
    let request = Request::builder()
        .method(Method::POST)
        .uri("/form")
        .header(HOST, "example.com")
        .header(COOKIE, format!("csrftoken={}", secret.as_str()))
        .header(CONTENT_TYPE, content_type)
        .body(Body::from(body.clone()))
        .expect("a valid request");
    *SEEN.lock().unwrap() = None;
    let response = block_on(layer.layer(Record).call(request)).expect("infallible");
    let seen = SEEN.lock().unwrap().take();
    if body.len() > cap {
        assert_eq!(
            response.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "a form of {} bytes over the cap {cap} was not refused",
            body.len()
        );
        assert!(seen.is_none());
    } else if valid {
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "a clean form with a valid token was refused: {:?} {:?}",
            response.extensions().get::<CsrfRejection>(),
            String::from_utf8_lossy(&body)
        );
        assert_eq!(seen.as_deref(), Some(&body[..]));
    } else {
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(seen.is_none());
    }
    // The same through `check` directly, with the token the parser would
    // have returned.
    let method = Method::POST;
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&format!("csrftoken={}", secret.as_str())).unwrap(),
    );
    let req = CsrfRequest::new(&method, &headers).with_form_token(Some(&token));
    assert_eq!(check(&config, &req).is_ok(), valid);
    Ok(())
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    if u.ratio(1, 4)? {
        return clean_form(u);
    }
    let config = config(u)?;
    let method = match u.int_in_range(0..=10)? {
        0 | 1 | 2 => Method::POST,
        3 => Method::GET,
        4 => Method::PUT,
        5 => Method::DELETE,
        6 => Method::HEAD,
        7 => Method::OPTIONS,
        8 => Method::TRACE,
        9 => Method::from_bytes(b"post").unwrap(),
        _ => {
            let n = u.int_in_range(1..=8)?.min(u.len());
            Method::from_bytes(u.bytes(n)?).unwrap_or(Method::PATCH)
        }
    };
    let secret = CsrfSecret::generate().expect("randomness");
    let cookie_name = config.cookie_name().to_owned();

    let mut headers = HeaderMap::new();
    let add = |headers: &mut HeaderMap, name: HeaderName, value: Vec<u8>| {
        if let Ok(v) = HeaderValue::from_bytes(&value) {
            headers.append(name, v);
        }
    };
    for _ in 0..u.int_in_range(0..=2)? {
        let v = pick_value(u, HOSTS)?;
        add(&mut headers, HOST, v);
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let v = pick_value(u, ORIGINS)?;
        add(&mut headers, ORIGIN, v);
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let v = pick_value(u, REFERERS)?;
        add(&mut headers, REFERER, v);
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let v = match u.int_in_range(0..=3)? {
            0 | 1 => {
                let t = token_for(u, &secret)?;
                format!("{cookie_name}={t}").into_bytes()
            }
            2 => {
                let t = token_for(u, &secret)?;
                format!("a=b; {cookie_name}=\"{t}\"; {cookie_name}=x").into_bytes()
            }
            _ => value_bytes(u)?,
        };
        add(&mut headers, COOKIE, v);
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let name = *u.choose(&["x-csrftoken", "x-xsrf-token", "x_csrftoken"])?;
        let v = if u.arbitrary()? {
            token_for(u, &secret)?.into_bytes()
        } else {
            value_bytes(u)?
        };
        add(&mut headers, HeaderName::from_static(name), v);
    }
    for (name, plausible) in [
        ("x-forwarded-host", HOSTS),
        ("x-forwarded-port", &["443", "8000", "80", "", "x"][..]),
        ("x-forwarded-proto", &["https", "http", "https, http"][..]),
    ] {
        if u.ratio(1, 4)? {
            let v = pick_value(u, plausible)?;
            add(&mut headers, HeaderName::from_static(name), v);
        }
    }

    // The body: arbitrary, or a form with the token planted.
    let boundary = (*u.choose(&["XyZ", "----b", "a b", "\"q\""])?).to_owned();
    let content_types = [
        "application/x-www-form-urlencoded".to_owned(),
        " Application/X-WWW-Form-Urlencoded ; charset=latin-1".to_owned(),
        format!("multipart/form-data; boundary={boundary}"),
        "multipart/form-data".to_owned(),
        "text/plain".to_owned(),
    ];
    let form_token = token_for(u, &secret)?;
    let mut body: Vec<u8> = match u.int_in_range(0..=2)? {
        0 => format!(
            "a=1&{}={}",
            percent_some(u, CSRF_FORM_FIELD)?,
            percent_some(u, &form_token)?
        )
        .into_bytes(),
        1 => {
            let b = boundary.trim_matches('"');
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{CSRF_FORM_FIELD}\"\r\n\r\n{form_token}\r\n--{b}--\r\n"
            )
            .into_bytes()
        }
        _ => Vec::new(),
    };
    if u.arbitrary()? {
        let at = u.int_in_range(0..=body.len())?;
        let n = u.int_in_range(0..=256)?.min(u.len());
        let junk = u.bytes(n)?.to_vec();
        body.splice(at..at, junk);
    }
    let repeat = if u.ratio(1, 4)? {
        u.int_in_range(1..=4096)?
    } else {
        1
    };
    if !body.is_empty() && repeat > 1 {
        let times = repeat.min(MAX_BODY / body.len()).max(1);
        body = body.repeat(times);
    }
    // Whether the one Content-Type is a form's (the first four).
    let mut is_form = false;
    if u.ratio(3, 4)? {
        let ct = if u.ratio(4, 5)? {
            let i = u.choose_index(content_types.len())?;
            is_form = i < 4;
            content_types[i].clone().into_bytes()
        } else {
            value_bytes(u)?
        };
        add(&mut headers, CONTENT_TYPE, ct);
    }
    let mut declared = None;
    if u.ratio(1, 4)? {
        let n: u64 = if u.arbitrary()? {
            body.len() as u64
        } else {
            u.arbitrary()?
        };
        declared = Some(n);
        add(&mut headers, CONTENT_LENGTH, n.to_string().into_bytes());
    }
    let tls: bool = u.arbitrary()?;
    let authority = if u.ratio(1, 4)? {
        Some((*u.choose(HOSTS)?).to_owned())
    } else {
        None
    };
    let server_port = if u.ratio(1, 4)? {
        Some((*u.choose(&["443", "80", "8000", "", "-1"])?).to_owned())
    } else {
        None
    };
    let direct_form = if u.arbitrary()? {
        Some(if u.arbitrary()? {
            form_token.clone()
        } else {
            text(u, 70)?
        })
    } else {
        None
    };
    let session_secret = match u.int_in_range(0..=2)? {
        0 => None,
        1 => Some(secret.as_str().to_owned()),
        _ => Some(text(u, 70)?),
    };
    let free_text = text(u, 70)?;

    // (a) `check`, Django's process_view.
    let request = CsrfRequest::new(&method, &headers)
        .with_tls(tls)
        .with_authority(authority.as_deref())
        .with_server_port(server_port.as_deref())
        .with_form_token(direct_form.as_deref())
        .with_session_secret(session_secret.as_deref());
    let _ = format!("{request:?}");
    match check(&config, &request) {
        Ok(()) => {}
        Err(rejection) => {
            assert!(!is_safe_method(&method), "a safe method was refused");
            check_rejection(&rejection);
        }
    }

    // The secret properties.
    secrets(&free_text);

    // (b) The layer, which reads the form body.
    let layer = match CsrfLayer::new(config.clone()) {
        Ok(layer) => layer,
        Err(_) => {
            assert!(config.validate().is_err());
            return Ok(());
        }
    };
    let cap = config.max_body_size();
    let mut builder = Request::builder().method(method.clone()).uri(if tls {
        "https://example.com/f"
    } else {
        "/f"
    });
    *builder.headers_mut().unwrap() = headers.clone();
    let request = builder
        .body(Body::from(body.clone()))
        .expect("a valid request");
    *SEEN.lock().unwrap() = None;
    let mut service = layer.layer(Record);
    let (response, peak) = peak_during(|| block_on(service.call(request)).expect("infallible"));
    let seen = SEEN.lock().unwrap().take();
    let status = response.status();
    // What the layer may hold beside the request it was given: the body
    // read up to the cap, the form parser's copies of it, and the rest.
    let held = body.len().min(cap);
    let allowed = 8 * held + 64 * 1024;
    assert!(
        peak <= allowed,
        "the layer held {peak} bytes (body {}, cap {cap}, allowed {allowed})",
        body.len()
    );
    if config.use_sessions() {
        // No SessionLayer outside: Django's ImproperlyConfigured.
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(seen.is_none());
        return Ok(());
    }
    if is_safe_method(&method) {
        assert_eq!(status, StatusCode::OK, "a safe method was refused");
    }
    match status {
        StatusCode::OK => {
            if is_form && method.as_str().eq_ignore_ascii_case("POST") {
                // The form was read: it was within the cap.
                assert!(
                    body.len() <= cap && declared.is_none_or(|n| n <= cap as u64),
                    "a form of {} bytes (declared {declared:?}) over the cap {cap} was accepted",
                    body.len()
                );
            }
            assert_eq!(
                seen.as_deref(),
                Some(&body[..]),
                "the handler got another body"
            );
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            assert!(seen.is_none());
            assert!(
                body.len() > cap || declared.is_some_and(|n| n > cap as u64),
                "413 for a body of {} bytes under the cap {cap}",
                body.len()
            );
        }
        StatusCode::FORBIDDEN => {
            assert!(seen.is_none());
            let rejection = response
                .extensions()
                .get::<CsrfRejection>()
                .cloned()
                .expect("a 403 carries its rejection");
            check_rejection(&rejection);
            let text = block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
                .expect("an in-memory body reads");
            let text = String::from_utf8_lossy(&text);
            assert!(text.contains(&rejection.reason()), "{text:?}");
        }
        StatusCode::BAD_REQUEST => assert!(seen.is_none()),
        other => panic!("unexpected status {other}"),
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
